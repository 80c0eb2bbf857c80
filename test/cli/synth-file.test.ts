// `emovoice synth --file` as a user runs it, on the bundled tiny model (CPU): text from stdin, WebVTT
// cues, plain progress lines without a terminal and a cli-progress bar on one (a real pseudo-terminal
// from `script`), Ctrl-C and resuming, and the usage errors as one line each.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/io.ts';
import { parseSubtitles } from '../../src/audio/subtitles.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { readNpz } from '../../src/tensor/io.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/emovoice.js');
const TEXT = 'Good morning. We will meet at the park.\n\n今天天气很好。 See you soon!\n';

describe('synth --file (tiny model)', () => {
  let dir = '';
  let ref = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emovoice-synth-file-'));
    const e2e = await readNpz(join(ROOT, 'models/tiny/refs/e2e/hello.npz'));
    ref = join(dir, 'ref.wav');
    await writeFile(ref, encodeWav(e2e.wav_ref!.data as Float32Array, 16000, { format: 'pcm16' }));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads stdin (--file -), writes the WAV and a cue per sentence, one progress line per N sentences', async () => {
    const out = join(dir, 'a.wav');
    const vtt = join(dir, 'a.vtt');
    const r = await execa('node', [BIN, 'synth', '--file', '-', '--out', out, '--vtt', vtt, '--ref', ref, '--batch', '2', '--progress-every', '2'], { input: TEXT, reject: false, env: { CI: 'true' } });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*a\.wav \(4 sentences, /);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('synth: ')).map((l) => l.split(',')[0])).toEqual(['synth: 0/4 sentences', 'synth: 2/4 sentences', 'synth: 4/4 sentences']);
    const cues = parseSubtitles(await readFile(vtt, 'utf8'));
    expect(cues.map((c) => c.text)).toEqual(['Good morning.', 'We will meet at the park.', '今天天气很好。', 'See you soon!']);
    const wav = await readWav(out);
    expect(Math.abs(cues.at(-1)!.end - wav.durationSec)).toBeLessThanOrEqual(256 / 16000);
    expect(existsSync(join(dir, '.a.wav.work'))).toBe(false); // the work folder is gone once the WAV is written
  });

  it('Ctrl-C stops after the running batch (exit 130, the work folder named); the same command resumes where it stopped', async () => {
    const file = join(dir, 'long.txt');
    await writeFile(file, Array.from({ length: 12 }, (_, i) => `Sentence number ${'one two three four five six seven eight nine ten eleven twelve'.split(' ')[i]} is here.`).join(' ') + '\n');
    const args = (out: string) => [BIN, 'synth', '--file', file, '--out', join(dir, out), '--ref', ref, '--batch', '1', '--progress-every', '1'];
    const child = execa('node', args('int.wav'), { reject: false, env: { CI: 'true' } });
    let sent = false;
    child.stderr!.on('data', (d: Buffer) => {
      if (!sent && /synth: [1-9]\d*\/12/.test(d.toString())) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const stopped = await child;
    expect(stopped.exitCode, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/^error: interrupted: the finished sentences are kept in .*\.int\.wav\.work\/[0-9a-f]{16} \(fix: run the same command again/m);
    expect(existsSync(join(dir, 'int.wav'))).toBe(false);
    const resumed = await execa('node', [...args('int.wav'), '--json'], { reject: false });
    expect(resumed.exitCode).toBe(0);
    const r = JSON.parse(resumed.stdout) as { resumedParts: number; madeParts: number };
    expect(r.resumedParts).toBeGreaterThan(0);
    expect(r.resumedParts + r.madeParts).toBe(12);
    // (byte-identity with a run never stopped: test/synth/longform-piper.test.ts, after SIGKILL)
    expect((await readWav(join(dir, 'int.wav'))).durationSec).toBeGreaterThan(0);
  });

  const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
  it.skipIf(!script)('on a terminal: a progress bar (cli-progress) with sentences, audio seconds, RTF and ETA', async () => {
    const file = join(dir, 'b.txt');
    await writeFile(file, TEXT);
    const r = await execa(script!, ['-qec', `stty cols 120 rows 24; exec node ${BIN} synth --file ${file} --out ${join(dir, 'b.wav')} --ref ${ref}`, '/dev/null'], {
      reject: false,
      stdin: 'ignore',
      env: { CI: undefined, TERM: 'xterm-256color' },
      timeout: 120_000,
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/synth \[[=-]+\] 4\/4 sentences \| [\d.]+ s audio \| RTF [\d.]+ \| ETA /);
    expect(r.stdout).not.toMatch(/synth: \d+\/4 sentences/);
  });
  if (!script) console.warn('synth-file.test: `script` (util-linux) is not installed, so the terminal case is skipped');

  it('usage errors are one line each, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['synth', 'Hello', '--srt', join(dir, 'x.srt')], /^error: --srt, --vtt and --batch go with --file \(fix: /],
      [['synth', 'Hello', '--file', join(dir, 'b.txt')], /^error: give the text or --file, not both/],
      [['synth', '--file', join(dir, 'missing.txt'), '--ref', ref], /^error: .*missing\.txt cannot read the text file \(fix: /],
    ];
    for (const [args, msg] of cases) {
      const r = await execa('node', [BIN, ...args], { reject: false });
      expect([r.exitCode, r.stderr.trim()], args.join(' ')).toEqual([2, expect.stringMatching(msg)]);
    }
  });
});
