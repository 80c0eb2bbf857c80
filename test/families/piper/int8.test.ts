// Lower precision you can hear, on the real Piper voice: `emovoice calibrate vocoder` calibrates its
// HiFi-GAN on the latents the FP32 graph makes from real transcripts and reports SNR, LSD, MCD and the
// WER gate; `synth --set modules.vocoder.precision=int8 --set …qdq_model=<file>` then plays that INT8
// vocoder (other audio than FP32's, the same length, still the words), and `verify --precision fp16`
// holds the WER gate too. Skipped with its reason where the voice, espeak-ng or the recogniser is not
// installed; fails under CI naming the set-up step.
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../../src/audio/io.ts';
import { wordErrorRate } from '../../../src/asr/wer.ts';
import { transcribe } from '../../../src/asr/whisper.ts';
import { snrDb } from '../../../src/compare/metrics.ts';
import { requireSetup } from '../../setup-needed.ts';
import { piperMissing, PIPER_SETUP_STEP, recognizer as probe } from '../../support/piper-voice.ts';

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';
const missing = piperMissing;
const STEP = PIPER_SETUP_STEP;

const cli = (args: string[]) => execa('node', ['bin/emovoice.js', ...args], { reject: false });

describe('the INT8 Piper vocoder', () => {
  let dir = '';
  let report: any = null;
  beforeAll(async () => {
    if (missing) return;
    dir = await mkdtemp(join(tmpdir(), 'emovoice-piper-int8-'));
    const r = await cli(['calibrate', 'vocoder', '--profile', 'piper-joe-cpu', '--samples', '16', '--heldout', '3', '--sensitivity', '0', '--wer-sentences', '4', '--out', dir, '--json']);
    if (r.exitCode !== 0) throw new Error(`calibrate exited ${r.exitCode}: ${r.stderr.split('\n').filter((l) => l.startsWith('error')).join('; ')}`);
    report = JSON.parse(r.stdout);
  }, 600_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is calibrated on latents the FP32 graph makes from real transcripts, with SNR, LSD, MCD and a WER that holds the gate', (t) => {
    requireSetup(t, missing, STEP);
    expect(report.inputsFrom).toMatch(/graph run on real transcripts/);
    expect(report.calibration.inputs).toBe(16);
    // measured 5.3 dB SNR, 15.9 dB LSD, 30.4 dB MCD: INT8 audibly adds a noise floor (see README); the
    // metrics must be there and finite, and the audio not unrelated to FP32's
    expect(report.quality.snrDb).toBeGreaterThan(2);
    expect(Number.isFinite(report.quality.lsdDb)).toBe(true);
    expect(Number.isFinite(report.quality.mcdDb)).toBe(true);
    // measured: FP32 0.10, INT8 0.05 on these 4 sentences (20 words)
    expect(report.wer.status).toBe('pass');
    expect(report.wer.sentences).toBe(4);
    expect(report.wer.candidate.label).toBe('INT8 vocoder (QDQ), the rest FP32');
    expect(report.wer.increase).toBeLessThanOrEqual(0.05);
  });

  it('plays in synth with --set modules.vocoder.precision=int8 and the calibrated QDQ model', async (t) => {
    requireSetup(t, missing, STEP);
    const fp32 = join(dir, 'fp32.wav');
    const int8 = join(dir, 'int8.wav');
    const a = await cli(['synth', SENTENCE, '--profile', 'piper-joe-cpu', '--out', fp32]);
    expect(a.exitCode, a.stderr).toBe(0);
    const b = await cli(['synth', SENTENCE, '--profile', 'piper-joe-cpu', '--set', 'modules.vocoder.precision=int8', '--set', `modules.vocoder.calibration.qdq_model=${report.outputs.qdqModel}`, '--out', int8]);
    expect(b.exitCode, b.stderr).toBe(0);
    const [x, y] = [await readWav(fp32), await readWav(int8)];
    expect(y.sampleRate).toBe(22050);
    // the same durations (only the vocoder changed), other samples (the INT8 vocoder ran), still the words
    expect(y.samples.length).toBe(x.samples.length);
    const snr = snrDb(y.samples, x.samples);
    expect(snr).toBeLessThan(40);
    expect(snr).toBeGreaterThan(2);
    const [heard] = await transcribe(probe.ok ? probe.recognizer : (undefined as never), [int8]);
    expect(wordErrorRate(SENTENCE, heard!), `heard: ${heard}`).toBeLessThanOrEqual(0.1);
  }, 120_000);

  it('a QDQ model that is not there is one error line naming it', async (t) => {
    requireSetup(t, missing, STEP);
    const r = await cli(['synth', SENTENCE, '--profile', 'piper-joe-cpu', '--set', 'modules.vocoder.precision=int8', '--set', 'modules.vocoder.calibration.qdq_model=/nonexistent/vocoder.qdq.onnx', '--out', join(dir, 'x.wav')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*vocoder\.qdq\.onnx/m);
  }, 60_000);
});

describe('verify --precision fp16 on the Piper voice', () => {
  it('holds the WER gate against the FP32 ONNX path', async (t) => {
    requireSetup(t, missing, STEP);
    const r = await cli(['verify', '--profile', 'piper-joe-cpu', '--precision', 'fp16', '--wer-sentences', '4', '--json']);
    const j = JSON.parse(r.stdout);
    // measured: FP32 0.10, FP16 0.10 on these 4 sentences
    expect(j.wer.status).toBe('pass');
    expect(j.wer.fp32.label).toBe('FP32 ONNX (ONNX Runtime CPU)');
    expect(j.wer.candidate.label).toBe('ONNX Runtime CPU, fp16');
    expect(j.wer.increase).toBeLessThanOrEqual(0.05);
    expect(j.wer.candidate.sentences.map((s: { text: string }) => s.text)).toEqual(j.wer.fp32.sentences.map((s: { text: string }) => s.text));
  }, 600_000);
});
