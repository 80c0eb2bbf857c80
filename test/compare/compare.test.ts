import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logMel } from '../../src/audio/mel.ts';
import { compareOutputs, type CompareSpec } from '../../src/compare/compare.ts';
import { float32ArrayToFloat16 } from '../../src/tensor/float16.ts';
import { parseNpy } from '../../src/tensor/npy.ts';
import type { Tensor, TensorMap } from '../../src/tensor/tensor.ts';

// Real data: 16 kHz speech and its log-mel, shaped like the vocoder's contract
// (mel [1, 80, T], waveform [1, 1, samples]).
const DIR = join(import.meta.dirname, '..', 'fixtures', 'wav');
const speech = parseNpy(new Uint8Array(readFileSync(join(DIR, 'rs_48k_to_16k_scipy.npy')))).data as Float32Array;
const MEL = { sample_rate: 16000, n_fft: 1024, hop: 256, win_length: 1024, n_mels: 80, fmin: 0, fmax: 8000, log_base: 'e' as const, clamp_min: 1e-5 };
const mel2d = logMel(speech, MEL);
const mel: Tensor = { ...mel2d, shape: [1, ...mel2d.shape] };
const wave: Tensor = { dtype: 'float32', shape: [1, 1, speech.length], data: speech };
const reference: TensorMap = { mel, waveform: wave };

const spec: CompareSpec = {
  tolerances: { max_abs: 1e-3, rel_l2: 1e-3, cosine_min: 0.999, snr_db_min: 40, lsd_db_max: 1, mcd_db_max: 0.5 },
  kinds: { mel: 'mel', waveform: 'waveform' },
};

function perturb(t: Tensor, f: (v: number, i: number) => number): Tensor {
  return { ...t, data: (t.data as Float32Array).map(f) };
}

describe('compareOutputs', () => {
  it('identical outputs pass with perfect metrics', () => {
    const r = compareOutputs(reference, reference, spec);
    expect(r.map((x) => [x.name, x.pass, x.failed])).toEqual([
      ['mel', true, []],
      ['waveform', true, []],
    ]);
    expect(r[0]!.metrics).toMatchObject({ max_abs: 0, rel_l2: 0, cosine: 1, snr_db: Infinity, mcd_db: 0 });
    expect(r[1]!.metrics).toMatchObject({ max_abs: 0, lsd_db: 0 });
    expect(r[0]!.metrics!.lsd_db).toBeUndefined();
  });

  it('fp16 outputs are widened and compared (a fp16 engine passes loose tolerances, fails tight ones)', () => {
    const half = { ...mel, dtype: 'float16' as const, data: float32ArrayToFloat16(mel.data as Float32Array) };
    const loose = compareOutputs({ mel: half }, { mel }, { ...spec, tolerances: { max_abs: 1e-2, snr_db_min: 50, mcd_db_max: 0.1 } });
    expect(loose[0]!.pass).toBe(true);
    expect(loose[0]!.metrics!.max_abs).toBeGreaterThan(0);
    expect(loose[0]!.metrics!.max_abs).toBeLessThanOrEqual(2 ** -8); // half of a fp16 ulp at |x| < 16
    const tight = compareOutputs({ mel: half }, { mel }, { ...spec, tolerances: { max_abs: 1e-5 } });
    expect(tight[0]!.failed).toEqual(['max_abs']);
  });

  it('noisy waveform: reports which checks failed, with real numbers', () => {
    const noisy = perturb(wave, (v, i) => v + 0.003 * Math.sin(i * 1.7));
    const [w] = compareOutputs({ waveform: noisy }, { waveform: wave }, { ...spec, kinds: { waveform: 'waveform' } }).filter(
      (x) => x.name === 'waveform',
    );
    expect(w!.pass).toBe(false);
    expect(w!.failed).toEqual(['max_abs', 'rel_l2', 'snr_db_min', 'lsd_db_max']);
    expect(w!.metrics!.max_abs).toBeCloseTo(0.003, 4);
    let sig = 0;
    let err = 0;
    for (let i = 0; i < speech.length; i++) {
      sig += speech[i]! ** 2;
      err += (0.003 * Math.sin(i * 1.7)) ** 2;
    }
    expect(w!.metrics!.snr_db).toBeCloseTo(10 * Math.log10(sig / err), 2); // 30.75 dB
    expect(w!.metrics!.rel_l2).toBeCloseTo(Math.sqrt(err / sig), 4);
    expect(w!.metrics!.cosine).toBeGreaterThan(0.999); // cosine is blind to this small error...
    expect(w!.metrics!.lsd_db).toBeGreaterThan(3); // ...LSD is not: the tone fills the quiet frames
  });

  it('per-output overrides', () => {
    const noisy = perturb(wave, (v, i) => v + 0.003 * Math.sin(i * 1.7));
    const r = compareOutputs({ waveform: noisy, mel }, reference, {
      ...spec,
      overrides: { waveform: { max_abs: 0.01, rel_l2: 0.1, cosine_min: 0.99, snr_db_min: 20, lsd_db_max: 20 } },
    });
    expect(r.every((x) => x.pass)).toBe(true);
  });

  it('shape, dtype, missing and NaN are failures, not throws', () => {
    const outputs: TensorMap = {
      mel: { ...mel, shape: [1, mel.shape[2]!, 80] },
      waveform: { dtype: 'int32', shape: wave.shape, data: new Int32Array(speech.length) },
    };
    const r = compareOutputs(outputs, { ...reference, durations: { dtype: 'int32', shape: [3], data: new Int32Array([1, 2, 3]) } }, spec);
    expect(r.map((x) => [x.name, x.failed, x.detail])).toEqual([
      ['mel', ['shape'], `shape [1, ${mel.shape[2]}, 80], reference [1, 80, ${mel.shape[2]}]`],
      ['waveform', ['dtype'], 'dtype int32, reference float32'],
      ['durations', ['missing'], 'no output named durations'],
    ]);
    const nan = perturb(wave, (v, i) => (i === 100 ? NaN : v));
    const [n] = compareOutputs({ waveform: nan }, { waveform: wave }, { tolerances: { snr_db_min: 10 } });
    expect(n!.failed).toEqual(['non_finite', 'snr_db_min']);
    expect(n!.metrics!.non_finite).toBe(1);
  });

  it('int32 vs int64 compare by value', () => {
    const r = compareOutputs(
      { d: { dtype: 'int64', shape: [3], data: new BigInt64Array([1n, 2n, 4n]) } },
      { d: { dtype: 'int32', shape: [3], data: new Int32Array([1, 2, 3]) } },
      { tolerances: { max_abs: 0 } },
    );
    expect(r[0]!.failed).toEqual(['max_abs']);
    expect(r[0]!.metrics!.max_abs).toBe(1);
  });
});
