// `emovoice synth` as a user runs it, on a real recording (alsa-utils' human voice, joined to 3–10 s).
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseWav } from '../../src/audio/wav.ts';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/emovoice.js');
const ALSA = '/usr/share/sounds/alsa/Front_Center.wav';
let dir: string;
let ref: string;

async function cli(args: string[]) {
  const r = await execa('node', [BIN, ...args], { cwd: ROOT, reject: false, env: { TRTEXEC: '', EMOVOICE_CACHE: join(dir, 'cache') } });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

describe.skipIf(!existsSync(ALSA))('emovoice synth', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ev-synth-'));
    ref = join(dir, 'ref.wav');
    await execa('npx', ['--no-install', 'tsx', 'scripts/make-reference.ts', ref], { cwd: ROOT });
  });

  it('writes a valid WAV at the model rate with per-stage timings for mixed English/Mandarin', async () => {
    const out = join(dir, 'hello.wav');
    const r = await cli(['synth', 'Hello world, 你好世界', '--ref', ref, '--out', out, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sampleRate).toBe(16000);
    expect(j.phonemes).toBe(21);
    expect(j.stages.map((s: { stage: string }) => s.stage)).toContain('vocoder');
    expect(j.rtf).toBeGreaterThan(0);
    const wav = parseWav(await readFile(out));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.samples.length).toBe(j.frames * 256);
  });

  it('with --backend trt and no TensorRT, falls back to the CPU backend and says so', async () => {
    const r = await cli(['synth', 'Hello', '--ref', ref, '--out', join(dir, 'fb.wav'), '--backend', 'trt']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/falling back to the CPU backend/);
    expect(r.out).toMatch(/with CPU fallback/);
  });

  it('long text is split at sentences and every part is spoken', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1}, spoken clearly.`).join(' ');
    const r = await cli(['synth', text, '--ref', ref, '--out', join(dir, 'long.wav'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sentences).toBeGreaterThan(1);
    expect(j.warnings.join(' ')).toMatch(/split into \d+ sentences/);
  });

  const oneLine = (err: string) => {
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^error: /);
    expect(err).not.toMatch(/\n\s+at /);
  };

  it('a reference shorter than 3 s is refused with the measured length', async () => {
    const r = await cli(['synth', 'Hello', '--ref', ALSA, '--out', join(dir, 'x.wav')]);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/Front_Center\.wav.*1\.\d+ s/);
  });

  it('a file that is not a WAV, empty text and an unknown emotion each give one error line', async () => {
    const bad = join(dir, 'bad.wav');
    await writeFile(bad, 'not audio at all');
    let r = await cli(['synth', 'Hello', '--ref', bad]);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/bad\.wav/);
    r = await cli(['synth', '  ', '--ref', ref]);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/text is empty/);
    r = await cli(['synth', 'Hello', '--ref', ref, '--emotion', 'bored']);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/unknown emotion "bored" \(fix: use one of: neutral/);
  });
});
