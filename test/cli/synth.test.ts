// `emovoice synth` as a user runs it. The voice is the real recording the PyTorch end-to-end reference was
// made with (models/tiny/refs/e2e/hello.npz: wav_ref, the alsa-utils voice joined to 6.8 s), and the text is
// that reference's ("Hello world, 你好世界", emotion neutral), so every test that writes audio compares it
// with the PyTorch waveform: silence, noise or a wrong part fails.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeWav, parseWav } from '../../src/audio/wav.ts';
import { elementwise } from '../../src/compare/metrics.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/emovoice.js');
const STANDIN = join(ROOT, 'test/fixtures/bin/fake-trtexec');
const HELLO = 'Hello world, 你好世界';
let dir: string;
let ref: string;
let pytorch: Float32Array; // the PyTorch waveform of HELLO, 91 frames × 256 samples

/**
 * The WAV at `file` is `parts` copies of the PyTorch waveform, one after another. Tolerance: rel-L2 ≤ 2e-3
 * and SNR ≥ 50 dB per part (measured: 5.6e-4 and 65 dB, PCM16 quantisation plus ONNX Runtime vs PyTorch
 * float differences); all-zero audio has rel-L2 1, noise far more.
 */
async function expectPyTorchAudio(file: string, parts = 1): Promise<void> {
  const wav = parseWav(await readFile(file));
  expect(wav.sampleRate).toBe(16000);
  expect(wav.samples.length).toBe(parts * pytorch.length);
  for (let k = 0; k < parts; k++) {
    const m = elementwise(wav.samples.subarray(k * pytorch.length, (k + 1) * pytorch.length), pytorch);
    expect(m.rel_l2, `part ${k + 1}: rel-L2 against PyTorch`).toBeLessThan(2e-3);
    expect(m.snr_db, `part ${k + 1}: SNR against PyTorch`).toBeGreaterThan(50);
  }
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const r = await execa('node', [BIN, ...args], { cwd: ROOT, reject: false, env: { TRTEXEC: '', EMOVOICE_CACHE: join(dir, 'cache'), ...env } });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

/** For the refusals (nothing is spoken): the CLI's main() in this process (test/support/cli-inprocess.ts). */
async function cliRefused(args: string[]) {
  const r = await cliInProcess(args, { cwd: ROOT, env: { TRTEXEC: '', EMOVOICE_CACHE: join(dir, 'cache') } });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

describe('emovoice synth', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ev-synth-'));
    const e2e = await readNpz(join(ROOT, 'models/tiny/refs/e2e/hello.npz'));
    pytorch = e2e.waveform!.data as Float32Array;
    // the reference voice exactly as PyTorch took it (float32, 16 kHz)
    ref = join(dir, 'ref.wav');
    await writeFile(ref, encodeWav(e2e.wav_ref!.data as Float32Array, 16000, { format: 'float32' }));
  });

  it('speaks mixed English/Mandarin as the PyTorch reference does, with per-stage timings', async () => {
    const out = join(dir, 'hello.wav');
    const r = await cli(['synth', HELLO, '--ref', ref, '--emotion', 'neutral', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sampleRate).toBe(16000);
    expect(j.phonemes).toBe(21);
    expect(j.frames).toBe(91);
    expect(j.stages.map((s: { stage: string }) => s.stage)).toEqual(['frontend', 'reference log-mel', 'style_encoder', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder']);
    expect(j.split).toBeNull();
    expect(j.rtf).toBeGreaterThan(0);
    await expectPyTorchAudio(out);
  });

  it('with --backend trt and no TensorRT, falls back to the CPU backend and says so', async () => {
    const r = await cli(['synth', HELLO, '--ref', ref, '--emotion', 'neutral', '--out', join(dir, 'fb.wav'), '--backend', 'trt']);
    expect(r.code).toBe(0);
    await expectPyTorchAudio(join(dir, 'fb.wav'));
    expect(r.err).toMatch(/falling back to the CPU backend for every call/);
    expect(r.out).toMatch(/with CPU fallback/);
    expect(r.out).toMatch(/^ {2}vocoder +\d+\.\d ms {2}\(CPU fallback: engine did not load\)$/m);
  });

  // STAND-IN trtexec (test/fixtures/bin/fake-trtexec, not TensorRT) for the engine side: it hangs or
  // fails on every call, which is what these tests need; the audio comes from the CPU fallback.
  async function standinEngines(): Promise<string> {
    const engines = join(dir, 'engines');
    await mkdir(engines, { recursive: true });
    for (const m of ['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']) await writeFile(join(engines, `${m}.engine`), 'FAKE-ENGINE-NOT-TENSORRT');
    return engines;
  }
  // two sentences of 21 phonemes each under a 21-phoneme limit: two parts, each the PyTorch reference's
  const TWO_PARTS = [`${HELLO}。${HELLO}。`, '--emotion', 'neutral', '--set', 'serving.max_text_len=21'];
  const perModule = (fallbacks: string[], stage: string) =>
    Object.fromEntries(['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder'].map((m) => [m, fallbacks.filter((f) => f.includes(`${m}.engine (${stage})`)).length]));

  it('an engine call over the timeout is answered by the CPU fallback for that call only: the engine is tried again for the next sentence', async () => {
    const engines = await standinEngines();
    // --trtexec-overhead-ms 0: no allowance for starting trtexec, so the 150 ms deadline alone decides
    const r = await cli(['synth', ...TWO_PARTS, '--ref', ref, '--out', join(dir, 'to.wav'), '--profile', 'a10g-fp16', '--backend', 'trtexec', '--set', `output=${engines}`, '--timeout-ms', '150', '--trtexec-overhead-ms', '0', '--json'], {
      TRTEXEC: STANDIN, FAKE_TRTEXEC_MODE: 'hang', EMOVOICE_CACHE: join(dir, 'cache-hang'), // a fresh voice cache: the style encoder runs
    });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sentences).toBe(2);
    // the style encoder runs once (its embedding is cached), every other engine once per sentence
    expect(perModule(j.fallbacks, 'timeout')).toEqual({ text_encoder: 2, style_encoder: 1, acoustic_encoder: 2, acoustic_decoder: 2, vocoder: 2 });
    expect(j.stages.filter((s: { fallback?: string }) => s.fallback).map((s: { stage: string; fallback: string }) => `${s.stage}:${s.fallback}`)).toEqual([
      'style_encoder:timeout', 'text_encoder:timeout', 'acoustic_encoder:timeout', 'acoustic_decoder:timeout', 'vocoder:timeout',
    ]);
    expect(r.err).toMatch(/took longer than 150 ms; falling back to the CPU backend for this call only/);
    await expectPyTorchAudio(join(dir, 'to.wav'), 2);
  });

  it('an engine that fails is taken out for good: one fallback per engine, the later sentence goes straight to the CPU', async () => {
    const engines = await standinEngines();
    const r = await cli(['synth', ...TWO_PARTS, '--ref', ref, '--out', join(dir, 'fail.wav'), '--profile', 'a10g-fp16', '--backend', 'trtexec', '--set', `output=${engines}`, '--json'], {
      TRTEXEC: STANDIN, FAKE_TRTEXEC_MODE: 'fail', EMOVOICE_CACHE: join(dir, 'cache-fail'),
    });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sentences).toBe(2);
    expect(perModule(j.fallbacks, 'infer')).toEqual({ text_encoder: 1, style_encoder: 1, acoustic_encoder: 1, acoustic_decoder: 1, vocoder: 1 });
    expect(j.fallbacks).toHaveLength(5);
    expect(r.err).toMatch(/failed \(trtexec inference failed .*\); falling back to the CPU backend for this and every later call/);
    await expectPyTorchAudio(join(dir, 'fail.wav'), 2);
  });

  it('text over serving.max_text_len is split at sentences, every part spoken, with one clear warning line', async () => {
    // 7 sentences, 141 phonemes: 6 sentences (121) fit the limit of 128, the 7th is a part of its own
    const text = Array.from({ length: 7 }, () => `${HELLO}。`).join(' ');
    const r = await cli(['synth', text, '--ref', ref, '--emotion', 'neutral', '--out', join(dir, 'long.wav'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sentences).toBe(2);
    expect(j.split).toEqual({ phonemes: 141, limit: 128, parts: 2 });
    // the last part alone is the PyTorch reference; the first is what the first six sentences give alone
    const long = parseWav(await readFile(join(dir, 'long.wav'))).samples;
    const last = join(dir, 'long-last.wav');
    await writeFile(last, encodeWav(long.slice(long.length - pytorch.length), 16000, { format: 'float32' }));
    await expectPyTorchAudio(last);
    const six = await cli(['synth', Array.from({ length: 6 }, () => `${HELLO}。`).join(' '), '--ref', ref, '--emotion', 'neutral', '--out', join(dir, 'six.wav')]);
    expect(six.code).toBe(0);
    const first = parseWav(await readFile(join(dir, 'six.wav'))).samples;
    expect(first.length + pytorch.length).toBe(long.length);
    expect(elementwise(long.subarray(0, first.length), first).max_abs).toBe(0);
    // and it is speech at the reference's level, not silence: the same sentence said six times in one part
    const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
    expect(rms(first) / rms(pytorch)).toBeGreaterThan(0.5);
    expect(rms(first) / rms(pytorch)).toBeLessThan(2);
    const warning = new RegExp(`^\\S*configs/base\\.yaml:\\d+:\\d+ serving\\.max_text_len: the text is ${j.split.phonemes} phonemes, over the limit of 128 per sentence; split at sentence/clause boundaries into ${j.sentences} parts, spoken one after another \\(fix: shorten the text, or raise serving\\.max_text_len in the profile`);
    expect(j.warnings[0]).toMatch(warning);
    // as a person reads it: one warning line on stderr
    const t = await cli(['synth', text, '--ref', ref, '--emotion', 'neutral', '--out', join(dir, 'long.wav')]);
    expect(t.code).toBe(0);
    const lines = t.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.replace(/^warning: /, '')).toMatch(warning);
  });

  const oneLine = (err: string) => {
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^error: /);
    expect(err).not.toMatch(/\n\s+at /);
  };

  it('a reference shorter than 3 s is refused with the measured length', async () => {
    const short = join(dir, 'short.wav');
    const voice = parseWav(await readFile(ref)).samples;
    await writeFile(short, encodeWav(voice.slice(16000, 16000 + 1.5 * 16000), 16000, { format: 'pcm16' })); // 1.5 s of it
    const r = await cliRefused(['synth', 'Hello', '--ref', short, '--out', join(dir, 'x.wav')]);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/short\.wav.*1\.50? s/);
  });

  it('a file that is not a WAV, empty text and an unknown emotion each give one error line', async () => {
    const bad = join(dir, 'bad.wav');
    await writeFile(bad, 'not audio at all');
    let r = await cliRefused(['synth', 'Hello', '--ref', bad]);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/bad\.wav/);
    r = await cliRefused(['synth', '  ', '--ref', ref]);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/text is empty/);
    r = await cliRefused(['synth', 'Hello', '--ref', ref, '--emotion', 'bored']);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/unknown emotion "bored" \(fix: use one of: neutral/);
  });
});
