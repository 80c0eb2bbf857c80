// Long-form synthesis with the real Piper voice (profile piper-joe-cpu), through the CLI as a user runs
// it. One synthesis of a 61-sentence story (test/fixtures/text/lighthouse.txt, original prose) serves
// the done-when checks: a cue per sentence, the last cue ending within one hop of the audio's end, and
// Whisper's words (one recogniser pass over the WAV, with word times) inside each cue's span matching
// that cue's sentence. A shorter text with one line of bytes that are not UTF-8 is killed half-way
// (SIGKILL) and resumed: the resumed WAV and subtitles are byte-identical to an uninterrupted run's, and
// only the bad line fails, named. In-process: batched audio (the vocoder padded, the other modules at
// equal shapes) equals each sentence synthesized alone, within the profile's fp32 tolerance.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/io.ts';
import { parseSubtitles } from '../../src/audio/subtitles.ts';
import { wordErrorRate, wordErrors } from '../../src/asr/wer.ts';
import { transcribeWords } from '../../src/asr/whisper.ts';
import { relL2 } from '../../src/compare/metrics.ts';
import { sentenceTexts } from '../../src/families/piper/phonemes.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { BatchCoordinator } from '../../src/pipeline/batching.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import { splitText, synthesizeLongform } from '../../src/synth/longform.ts';
import { io, makeRunners } from '../../src/synth/runners.ts';
import { synthesizeText } from '../../src/synth/speak.ts';
import { requireSetup } from '../setup-needed.ts';
import { expectSameBytes } from '../support/bytes.ts';
import { piperMissing, PIPER_MANIFEST, PIPER_SETUP_STEP, recognizer } from '../support/piper-voice.ts';

const STORY = resolve('test/fixtures/text/lighthouse.txt');
const HOP = 256;
const PROFILE = ['--profile', 'piper-joe-cpu'];
const emovoice = (args: string[]) => execa('node', ['bin/emovoice.js', ...args], { reject: false });
const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'emovoice-longform-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('synth --file with the Piper voice', () => {
  it('a 61-sentence story: one WAV, a cue per sentence ending with the audio, each cue heard as its sentence', async (t) => {
    requireSetup(t, piperMissing, PIPER_SETUP_STEP);
    const dir = await tmp();
    const out = join(dir, 'story.wav');
    const srt = join(dir, 'story.srt');
    const r = await emovoice(['synth', '--file', STORY, '--out', out, '--srt', srt, ...PROFILE, '--batch', '4', '--progress-every', '20']);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.exitCode).toBe(0);
    // no terminal: a progress line every 20 sentences, and the last
    expect(r.stderr.split('\n').filter((l) => l.startsWith('synth: ')).map((l) => l.split(' ')[1])).toEqual(['0/61', '20/61', '40/61', '60/61', '61/61']);
    const sentences = splitText(readFileSync(STORY, 'utf8'), sentenceTexts);
    expect(sentences).toHaveLength(61);
    const wav = await readWav(out);
    const cues = parseSubtitles(await readFile(srt, 'utf8'));
    expect(cues).toHaveLength(sentences.length);
    expect(cues.map((c) => c.text)).toEqual(sentences.map((s) => s.text));
    expect(cues[0]!.start).toBe(0);
    for (let i = 1; i < cues.length; i++) expect(cues[i]!.start).toBe(cues[i - 1]!.end);
    expect(Math.abs(cues.at(-1)!.end - wav.durationSec)).toBeLessThanOrEqual(HOP / wav.sampleRate);
    // what Whisper heard inside each cue's span (a word belongs to the span holding its middle)
    const [heard] = await transcribeWords(recognizer.ok ? recognizer.recognizer : (undefined as never), [out]);
    const spoken = cues.map((c) => heard!.words.filter((w) => (w.start + w.end) / 2 >= c.start && (w.start + w.end) / 2 < c.end).map((w) => w.word).join(' '));
    let errors = 0;
    let words = 0;
    const bad: string[] = [];
    cues.forEach((c, i) => {
      const e = wordErrors(c.text, spoken[i]!);
      errors += e.substitutions + e.deletions + e.insertions;
      words += e.referenceWords;
      // a span cut in the wrong place holds a neighbour's words: closer to the neighbour than to its own
      const neighbours = [cues[i - 1], cues[i + 1]].filter((n) => n !== undefined).map((n) => wordErrorRate(n.text, spoken[i]!));
      if (e.wer > 0.5 || neighbours.some((w) => w <= e.wer)) bad.push(`"${c.text}" heard as "${spoken[i]}"`);
    });
    // the gate: ≤ 10 % WER over the story, and every span heard as its own sentence
    expect(errors / words, bad.join('; ')).toBeLessThanOrEqual(0.1);
    expect(bad).toEqual([]);
  }, 300_000);

  it('killed half-way and run again: the same bytes as a run never interrupted; a line of bad bytes fails alone, named', async (t) => {
    requireSetup(t, piperMissing, PIPER_SETUP_STEP);
    const dir = await tmp();
    // the story's first 12 sentences (lines 1-8), then a line that is not UTF-8 (line 9), then one more
    const head = readFileSync(STORY, 'utf8').split('\n').slice(0, 8).join('\n');
    const bytes = Buffer.concat([Buffer.from(head + '\nThe lamp was '), Buffer.from([0xff, 0xfe]), Buffer.from(' bright.\n\nThe end.\n')]);
    const file = join(dir, 'chapter.txt');
    await writeFile(file, bytes);
    const run = (sub: string, extra: string[] = []) => ['synth', '--file', file, '--out', join(dir, sub, 'c.wav'), '--srt', join(dir, sub, 'c.srt'), ...PROFILE, '--batch', '4', ...extra];
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));

    const whole = await emovoice(run('a', ['--json']));
    expect(whole.exitCode).toBe(2);
    expect(whole.stderr).toContain(`error: ${file}:9 cannot read the character U+FFFD`);
    expect(whole.stderr).toMatch(/error: .*chapter\.txt 1 sentence failed \(line 9\); the other 13 are in /);
    const report = JSON.parse(whole.stdout) as { sentences: number; spoken: number; failed: { line: number }[] };
    expect([report.sentences, report.spoken, report.failed.map((f) => f.line)]).toEqual([14, 13, [9]]);
    const cues = parseSubtitles(await readFile(join(dir, 'a', 'c.srt'), 'utf8'));
    expect(cues).toHaveLength(13);
    expect(cues.at(-1)!.text).toBe('The end.');
    expect(cues.some((c) => c.text.includes('lamp was'))).toBe(false);

    // the same text again, killed once half of it is done
    const child = execa('node', ['bin/emovoice.js', ...run('b', ['--progress-every', '1'])], { reject: false });
    let killedAt = '';
    child.stderr!.on('data', (d: Buffer) => {
      const m = /synth: (\d+)\/(\d+)/.exec(d.toString());
      if (m && !killedAt && Number(m[1]) >= Number(m[2]) / 2) {
        killedAt = m[0];
        child.kill('SIGKILL');
      }
    });
    const killed = await child;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(join(dir, 'b', 'c.wav'))).toBe(false);
    const work = join(dir, 'b', '.c.wav.work');
    const [key] = await readdir(work);
    const kept = (await readdir(join(work, key!))).filter((f) => f.endsWith('.f32')).length;
    expect(kept).toBeGreaterThanOrEqual(4);
    expect(kept).toBeLessThan(13);

    const resumed = await emovoice(run('b', ['--json']));
    expect(resumed.exitCode).toBe(2);
    const rr = JSON.parse(resumed.stdout) as { resumedParts: number; madeParts: number };
    expect(rr.resumedParts).toBe(kept);
    expect(rr.madeParts).toBe(13 - kept);
    expectSameBytes(await readFile(join(dir, 'b', 'c.wav')), await readFile(join(dir, 'a', 'c.wav')), 'the resumed c.wav');
    expect(await readFile(join(dir, 'b', 'c.srt'), 'utf8')).toBe(await readFile(join(dir, 'a', 'c.srt'), 'utf8'));
    expect(existsSync(work)).toBe(false);
  }, 300_000);

  it('batched (batch 8) equals each sentence synthesized alone, within the fp32 tolerance', async (t) => {
    requireSetup(t, piperMissing, PIPER_SETUP_STEP);
    const dir = await tmp();
    const manifest = await loadModelManifest(PIPER_MANIFEST);
    const runners = makeRunners(manifest, 'ort');
    await Promise.all(Object.values(runners).map((r) => r.load()));
    const model = await openModel(manifest, { max_text_len: 400 });
    try {
      const text = readFileSync(STORY, 'utf8').split('\n').slice(2, 5).join('\n');
      const coordinator = new BatchCoordinator({ maxBatch: { text_encoder: 8, flow: 8, vocoder: 8 }, tolerance: 1e-4 });
      const wrapped = Object.fromEntries(Object.entries(runners).map(([m, r]) => [m, coordinator.wrap(m, r, { inputs: io(manifest.modules[m]!.inputs), outputs: io(manifest.modules[m]!.outputs) })]));
      const r = await synthesizeLongform({ text, pipeline: new Pipeline(model, wrapped), coordinator, conditioning: {}, groupSize: 8, workDir: join(dir, 'w'), out: join(dir, 'x.wav'), progress: { update() {}, stop() {} } });
      expect(r.sentences).toBe(7);
      // the modules without masks fail the padding probe; the vocoder's tail effect is near the
      // tolerance (4e-5 to 2e-4 rel L2 on the shortest sentence): padded where its probe passed
      expect(r.padding.text_encoder?.ok).toBe(false);
      expect(r.padding.flow?.ok).toBe(false);
      expect(r.padding.vocoder?.ok).toBe(r.padding.vocoder!.relL2 <= 1e-4);
      if (r.padding.vocoder!.ok) expect(Math.max(...r.batches.vocoder!)).toBeGreaterThan(1);
      const alone = new Pipeline(model, runners);
      const sentences = splitText(text, sentenceTexts);
      for (const [i, s] of sentences.entries()) {
        const ref = (await synthesizeText(alone, { text: s.text, conditioning: {} })).waveform;
        const cue = r.cues[i]!;
        expect(cue.end - cue.start).toBe(ref.length);
        expect(relL2(r.waveform.subarray(cue.start, cue.end), ref), s.text).toBeLessThanOrEqual(1e-4);
      }
    } finally {
      await model.close();
      await Promise.all(Object.values(runners).map((x) => x.close()));
    }
  }, 300_000);
});
