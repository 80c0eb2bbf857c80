// libespeak-ng in process (espeak-lib.ts) against the espeak-ng program it replaces on the hot path: the
// same IPA for every clause of the English calibration transcripts (one program run over all of them,
// a line per clause) and for clauses the program cuts further (quotes, brackets, abbreviations, numbers,
// each read by a one-off program run, its lines joined as espeak.ts joins them). Where they differ, the
// program's intonation pass has marked a stress on a clause that had no primary one ("Is it"); the
// library gives what piper-tts 1.8.0 gives (its own espeak-ng binding), the phonemes Piper voices are
// trained on. espeakClauses answers from the library, and with a program named ($ESPEAK_NG's path), or
// a voice the library cannot set, from the program.
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { espeakLibrary } from '../../../src/families/piper/espeak-lib.ts';
import { espeakClauses } from '../../../src/families/piper/espeak.ts';
import { splitClauses } from '../../../src/families/piper/phonemes.ts';
import { requireSetup } from '../../setup-needed.ts';

const ROOT = resolve(__dirname, '../../..');
const STEP = 'scripts/setup.sh installs Debian espeak-ng (with libespeak-ng1) and npm installs koffi';
const ARGS = ['-q', '--ipa', '-b', '1', '-v', 'en-us'];
const lines = (out: string) => out.split('\n').map((l) => l.trim()).filter((l) => l !== '');
const program = await execa('espeak-ng', ['--version'], { reject: false });
const missing = program.exitCode !== 0 ? 'espeak-ng is not installed' : !espeakLibrary() ? 'libespeak-ng or koffi cannot be loaded' : null;

const TRICKY = ['He said "stop",', 'then (slowly) left.', 'Dr. Smith paid $3.50.', 'It cost 1,234,567 dollars in 2024 — or £5!', 'naïve café résumé', "don't won't can't it's", 'UNESCO NASA www.example.com 3:45pm', 'e.g. i.e. etc.', '...', 'A'];

describe('espeak-ng as a library', () => {
  it('gives the program\'s IPA for every clause of the English calibration transcripts', async (t) => {
    requireSetup(t, missing, STEP);
    const speech = parse(await readFile(resolve(ROOT, 'calibration/speech.yaml'), 'utf8')) as { entries: { language: string; transcript: string }[] };
    // a clause with nothing to say ("...") prints no line at all in a program run over many: left to the next test
    const clauses = [...new Set(speech.entries.filter((e) => e.language === 'en').flatMap((e) => splitClauses(e.transcript).map((c) => c.text)))].filter((c) => /[\p{L}\p{N}]/u.test(c));
    expect(clauses.length).toBeGreaterThan(200);
    // one program run, clauses separated by blank lines (a line of IPA each), as espeak.ts feeds them
    const theirs = lines((await execa('espeak-ng', ARGS, { input: clauses.join('\n\n') })).stdout);
    expect(theirs).toHaveLength(clauses.length);
    expect(espeakLibrary()!.clauses(clauses, 'en-us')).toEqual(theirs);
  });

  it('joins a clause the program cuts further as a one-off run of the program does', async (t) => {
    requireSetup(t, missing, STEP);
    const theirs = await Promise.all(TRICKY.map(async (c) => lines((await execa('espeak-ng', ARGS, { input: c })).stdout).join(' ')));
    expect(espeakLibrary()!.clauses(TRICKY, 'en-us')).toEqual(theirs);
    expect(theirs[0]).toContain('stˈɑːp');
  });

  it('espeakClauses answers from the library, and from a named program the same', async (t) => {
    requireSetup(t, missing, STEP);
    const which = (await execa('sh', ['-c', 'command -v espeak-ng'])).stdout.trim();
    const request = ['The quick brown fox', 'jumps over the lazy dog.', 'He said "stop",', 'then (slowly) left.'];
    const viaLibrary = await espeakClauses(request, 'en-us');
    expect(viaLibrary).toEqual(espeakLibrary()!.clauses(request, 'en-us'));
    expect(await espeakClauses(request, 'en-us', which)).toEqual(viaLibrary);
    // a voice the library cannot set is left to the program (espeak-ng 1.51 speaks it with its default voice)
    expect(espeakLibrary()!.clauses(['hello'], 'no-such-voice')).toBeNull();
    const fallback = lines((await execa('espeak-ng', [...ARGS.slice(0, -1), 'no-such-voice'], { input: 'hello' })).stdout).join(' ');
    expect(await espeakClauses(['hello'], 'no-such-voice')).toEqual([fallback]);
    expect(await espeakClauses(['hello'], 'en-us')).toEqual(espeakLibrary()!.clauses(['hello'], 'en-us'));
  });

  it('where the program marks a clause\'s nucleus, gives piper-tts\'s phonemes instead', async (t) => {
    requireSetup(t, missing, STEP);
    const program = await Promise.all(['Is it', 'what is it'].map(async (c) => (await execa('espeak-ng', ARGS, { input: c })).stdout.trim()));
    expect(program).toEqual(['ɪz ˈɪt', 'wˈʌt ɪz ɪt']);
    // piper-tts 1.8.0: voice.phonemize('Is it') → ɪz ɪt, voice.phonemize('what is it') → wˌʌt ɪz ɪt
    expect(espeakLibrary()!.clauses(['Is it', 'what is it'], 'en-us')).toEqual(['ɪz ɪt', 'wˌʌt ɪz ɪt']);
  });
});
