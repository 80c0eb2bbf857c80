// Lower precision you can hear, on the real Piper voice: `emovoice calibrate vocoder --profile
// piper-joe-cpu` calibrates its HiFi-GAN on the latents the FP32 graph makes from real transcripts and
// reports SNR, LSD, MCD and the WER gate, writing calibration/out/piper-en_US-joe-medium/ in its working
// folder; `synth --set modules.vocoder.precision=int8` run there finds that calibration without being told
// (and says which file it ran): other audio than FP32's, the same length, still the words. The tiny model's
// vocoder calibrated in the same folder, before or after, is kept apart: neither overwrites the other.
// (verify --precision fp16's WER gate on this voice is in test/precision/fp16-families.test.ts.)
// The calibration is made once per content (test/support/cache.ts) and shared. Skipped with its reason
// where the voice, espeak-ng or the recogniser is not installed; fails under CI naming the set-up step.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../../src/audio/io.ts';
import { wordErrorRate } from '../../../src/asr/wer.ts';
import { transcribe } from '../../../src/asr/whisper.ts';
import { snrDb } from '../../../src/compare/metrics.ts';
import { sha256File } from '../../../src/core/files.ts';
import { requireSetup } from '../../setup-needed.ts';
import { cachedFolder, CODE, contentKey } from '../../support/cache.ts';
import { calibrateIn, cliIn, SPEECH, TINY_CALIBRATE, tinyCalibration } from '../../support/calibrations.ts';
import { piperMissing, PIPER_SETUP_STEP, recognizer as probe } from '../../support/piper-voice.ts';
import { ROOT } from '../../support/setup.ts';

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';
const missing = piperMissing;
const STEP = PIPER_SETUP_STEP;
const PIPER_OUT = 'calibration/out/piper-en_US-joe-medium';
const TINY_OUT = 'calibration/out/emovoice-ref-tiny';
// 8 calibration inputs (22 s of real speech; 16 gave 5.3 dB SNR on the held-out inputs, 8 gives 8.0 dB)
// (--method mse, as scripts/setup.sh calibrates the voice)
const CALIBRATE = ['calibrate', 'vocoder', '--profile', 'piper-joe-cpu', '--data', SPEECH, '--method', 'mse', '--samples', '8', '--heldout', '3', '--sensitivity', '0', '--wer-sentences', '4'];
/** The tiny vocoder calibrated again after the voice: only where its files land matters, so the cheapest calibration. */
const TINY_AGAIN = ['calibrate', 'vocoder', '--profile', 'cpu', '--data', SPEECH, '--samples', '2', '--heldout', '1', '--sensitivity', '0', '--trt-version', '8.6.1'];
const OUTPUTS = ['vocoder.calib', 'vocoder.qdq.onnx', 'vocoder.calibration.json'];

const hashes = async (dir: string) => Promise.all(OUTPUTS.map((f) => sha256File(join(dir, f))));

describe('the INT8 Piper vocoder', () => {
  let work = '';
  let tiny = '';
  let report: any = null;
  const scratch: string[] = [];
  beforeAll(async () => {
    if (missing) return;
    // tiny first, then the voice, in one working folder (the other order is checked below)
    tiny = await tinyCalibration();
    const key = contentKey([...CODE, 'models/joe', 'models/tiny', 'calibration/speech.yaml'], [TINY_CALIBRATE, CALIBRATE]);
    work = (
      await cachedFolder('calibrated-piper-vocoder', key, async (dir) => {
        await cp(join(tiny, 'calibration'), join(dir, 'calibration'), { recursive: true });
        await calibrateIn(dir, CALIBRATE);
      })
    ).dir;
    report = JSON.parse(await readFile(join(work, PIPER_OUT, 'vocoder.quality.json'), 'utf8'));
  }, 900_000);
  afterAll(async () => {
    for (const d of scratch) await rm(d, { recursive: true, force: true });
  });

  it('is calibrated on latents the FP32 graph makes from real transcripts, with SNR, LSD, MCD and a WER that holds the gate', (t) => {
    requireSetup(t, missing, STEP);
    expect(report.inputsFrom).toMatch(/graph run on real transcripts/);
    expect(report.calibration.inputs).toBe(8);
    // measured 22.2 dB SNR, 15.5 dB LSD, 27.7 dB MCD (the Q/DQ model with entropy ranges gave 8.0 dB SNR):
    // INT8 adds a noise floor, which LSD reads in the empty bins (docs/performance-cpu.md §11); the metrics
    // must be there and finite, and the audio close to FP32's
    expect(report.quality.snrDb).toBeGreaterThan(15);
    expect(Number.isFinite(report.quality.lsdDb)).toBe(true);
    expect(Number.isFinite(report.quality.mcdDb)).toBe(true);
    // measured: FP32 0.25, INT8 0.25 on these 4 sentences (20 words)
    expect(report.wer.status).toBe('pass');
    expect(report.wer.sentences).toBe(4);
    // piper-joe-cpu runs on ONNX Runtime: the quality and the gate are of the integer form the CPU runs
    expect(report.quality.form).toBe('onnxruntime-cpu-integer');
    expect(report.wer.candidate.label).toBe('INT8 vocoder (integer form, ONNX Runtime CPU), the rest FP32');
    expect(report.wer.increase).toBeLessThanOrEqual(0.05);
  });

  it('plays in synth with --set modules.vocoder.precision=int8 alone: the calibration made for the voice is found and named', async (t) => {
    requireSetup(t, missing, STEP);
    const out = await mkdtemp(join(tmpdir(), 'emovoice-piper-int8-'));
    scratch.push(out);
    const fp32 = join(out, 'fp32.wav');
    const int8 = join(out, 'int8.wav');
    const a = await cliIn(work, ['synth', SENTENCE, '--profile', 'piper-joe-cpu', '--out', fp32]);
    expect(a.exitCode, a.stderr).toBe(0);
    const b = await cliIn(work, ['synth', SENTENCE, '--profile', 'piper-joe-cpu', '--set', 'modules.vocoder.precision=int8', '--out', int8]);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(b.stderr + b.stdout).toMatch(/vocoder: int8 from calibration\/out\/piper-en_US-joe-medium\/vocoder\.qdq\.onnx \(the calibration made for this model and module\)/);
    const [x, y] = [await readWav(fp32), await readWav(int8)];
    expect(y.sampleRate).toBe(22050);
    // the same durations (only the vocoder changed), other samples (the INT8 vocoder ran), still the words
    expect(y.samples.length).toBe(x.samples.length);
    const snr = snrDb(y.samples, x.samples);
    expect(snr).toBeLessThan(40);
    expect(snr).toBeGreaterThan(2);
    const [heard] = await transcribe(probe.ok ? probe.recognizer : (undefined as never), [int8]);
    expect(wordErrorRate(SENTENCE, heard!), `heard: ${heard}`).toBeLessThanOrEqual(0.1);
  }, 300_000);

  it('the tiny model calibrated before or after the voice in the same folder: neither overwrites the other, both are found', async (t) => {
    requireSetup(t, missing, STEP);
    // tiny, then the voice: the tiny model's files are byte for byte those calibrate wrote for it
    expect(await hashes(join(work, TINY_OUT))).toEqual(await hashes(join(tiny, TINY_OUT)));
    // the voice, then tiny: calibrating tiny again in a copy leaves the voice's files as they were
    const copy = await mkdtemp(join(tmpdir(), 'emovoice-both-'));
    scratch.push(copy);
    await cp(join(work, PIPER_OUT), join(copy, PIPER_OUT), { recursive: true });
    const before = await hashes(join(copy, PIPER_OUT));
    await calibrateIn(copy, TINY_AGAIN);
    expect(await hashes(join(copy, PIPER_OUT))).toEqual(before);
    const record = JSON.parse(await readFile(join(copy, TINY_OUT, 'vocoder.calibration.json'), 'utf8'));
    expect(record.model).toBe('emovoice-ref-tiny');
    const r = await cliIn(copy, ['synth', 'Hello world.', '--ref', join(ROOT, 'data/ref-alsa.wav'), '--profile', 'cpu', '--set', 'modules.vocoder.precision=int8', '--out', join(copy, 'tiny.wav')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/vocoder: int8 from calibration\/out\/emovoice-ref-tiny\/vocoder\.qdq\.onnx/);
  }, 300_000);

  it('a QDQ model that is not there is one error line naming it', async (t) => {
    requireSetup(t, missing, STEP);
    const r = await cliIn(ROOT, ['synth', SENTENCE, '--profile', 'piper-joe-cpu', '--set', 'modules.vocoder.precision=int8', '--set', 'modules.vocoder.calibration.qdq_model=/nonexistent/vocoder.qdq.onnx', '--out', join(tmpdir(), 'emovoice-x.wav')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*vocoder\.qdq\.onnx/m);
  }, 60_000);
});
