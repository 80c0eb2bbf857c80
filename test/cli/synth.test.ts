// `emovoice synth` as a user runs it, on a real recording (alsa-utils' human voice, joined to 3–10 s).
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseWav } from '../../src/audio/wav.ts';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/emovoice.js');
const ALSA = '/usr/share/sounds/alsa/Front_Center.wav';
const STANDIN = join(ROOT, 'test/fixtures/bin/fake-trtexec');
let dir: string;
let ref: string;

async function cli(args: string[], env: Record<string, string> = {}) {
  const r = await execa('node', [BIN, ...args], { cwd: ROOT, reject: false, env: { TRTEXEC: '', EMOVOICE_CACHE: join(dir, 'cache'), ...env } });
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
    expect(j.stages.map((s: { stage: string }) => s.stage)).toEqual(['frontend', 'reference log-mel', 'style_encoder', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder']);
    expect(j.split).toBeNull();
    expect(j.rtf).toBeGreaterThan(0);
    const wav = parseWav(await readFile(out));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.samples.length).toBe(j.frames * 256);
  });

  it('with --backend trt and no TensorRT, falls back to the CPU backend and says so', async () => {
    const r = await cli(['synth', 'Hello', '--ref', ref, '--out', join(dir, 'fb.wav'), '--backend', 'trt']);
    expect(r.code).toBe(0);
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
  const TWO_PARTS = ['Hello world. 你好世界。', '--set', 'serving.max_text_len=12'];
  const perModule = (fallbacks: string[], stage: string) =>
    Object.fromEntries(['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder'].map((m) => [m, fallbacks.filter((f) => f.includes(`${m}.engine (${stage})`)).length]));

  it('an engine call over the timeout is answered by the CPU fallback for that call only: the engine is tried again for the next sentence', async () => {
    const engines = await standinEngines();
    // --trtexec-overhead-ms 0: no allowance for starting trtexec, so the 150 ms deadline alone decides
    const r = await cli(['synth', ...TWO_PARTS, '--ref', ref, '--out', join(dir, 'to.wav'), '--profile', 'a10g-fp16', '--set', `output=${engines}`, '--timeout-ms', '150', '--trtexec-overhead-ms', '0', '--json'], {
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
  });

  it('an engine that fails is taken out for good: one fallback per engine, the later sentence goes straight to the CPU', async () => {
    const engines = await standinEngines();
    const r = await cli(['synth', ...TWO_PARTS, '--ref', ref, '--out', join(dir, 'fail.wav'), '--profile', 'a10g-fp16', '--set', `output=${engines}`, '--json'], {
      TRTEXEC: STANDIN, FAKE_TRTEXEC_MODE: 'fail', EMOVOICE_CACHE: join(dir, 'cache-fail'),
    });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sentences).toBe(2);
    expect(perModule(j.fallbacks, 'infer')).toEqual({ text_encoder: 1, style_encoder: 1, acoustic_encoder: 1, acoustic_decoder: 1, vocoder: 1 });
    expect(j.fallbacks).toHaveLength(5);
    expect(r.err).toMatch(/failed \(trtexec inference failed .*\); falling back to the CPU backend for this and every later call/);
    const wav = parseWav(await readFile(join(dir, 'fail.wav')));
    expect(wav.samples.length).toBe(j.frames * 256);
  });

  it('text over serving.max_text_len is split at sentences, every part spoken, with one clear warning line', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1}, spoken clearly.`).join(' ');
    const r = await cli(['synth', text, '--ref', ref, '--out', join(dir, 'long.wav'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sentences).toBeGreaterThan(1);
    expect(j.split).toEqual({ phonemes: expect.any(Number), limit: 128, parts: j.sentences });
    expect(j.split.phonemes).toBeGreaterThan(128);
    const warning = new RegExp(`^\\S*configs/base\\.yaml:\\d+:\\d+ serving\\.max_text_len: the text is ${j.split.phonemes} phonemes, over the limit of 128 per sentence; split at sentence/clause boundaries into ${j.sentences} parts, spoken one after another \\(fix: shorten the text, or raise serving\\.max_text_len in the profile`);
    expect(j.warnings[0]).toMatch(warning);
    // as a person reads it: one warning line on stderr
    const t = await cli(['synth', text, '--ref', ref, '--out', join(dir, 'long.wav')]);
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
