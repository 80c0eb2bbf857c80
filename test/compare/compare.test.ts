import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logMel } from '../../src/audio/mel.ts';
import { compareOutputs, type CompareSpec } from '../../src/compare/compare.ts';
import { logSpectralDistance, melCepstralDistortion } from '../../src/compare/metrics.ts';
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

describe('compareOutputs: each rule at its boundary (small tensors)', () => {
  const t = (dtype: Tensor['dtype'], shape: number[], values: number[]): Tensor => {
    const data =
      dtype === 'int64' ? BigInt64Array.from(values.map(BigInt))
      : dtype === 'bool' || dtype === 'uint8' ? Uint8Array.from(values)
      : dtype === 'int8' ? Int8Array.from(values)
      : dtype === 'int32' ? Int32Array.from(values)
      : dtype === 'float64' ? Float64Array.from(values)
      : dtype === 'float16' ? float32ArrayToFloat16(Float32Array.from(values))
      : Float32Array.from(values);
    return { dtype, shape, data } as Tensor;
  };
  const one = (out: Tensor, ref: Tensor, s: Partial<CompareSpec> = {}) => compareOutputs({ x: out }, { x: ref }, { tolerances: {}, ...s })[0]!;

  it('dtype families: floats with floats, integers with integers, bool with bool', () => {
    const same = [['float64', 'float32'], ['float16', 'float64'], ['int8', 'int32'], ['uint8', 'int64'], ['bool', 'bool']] as const;
    for (const [a, b] of same) expect(one(t(a, [2], [1, 0]), t(b, [2], [1, 0])).failed, `${a}/${b}`).toEqual([]);
    const unlike = [['int8', 'float32'], ['bool', 'uint8'], ['float64', 'int32'], ['bool', 'float16']] as const;
    for (const [a, b] of unlike) {
      const r = one(t(a, [2], [1, 0]), t(b, [2], [1, 0]));
      expect([r.pass, r.failed, r.metrics, r.detail], `${a}/${b}`).toEqual([false, ['dtype'], undefined, `dtype ${a}, reference ${b}`]);
    }
    // values arrive as numbers whatever the type: float64 and int64 are compared by value
    expect(one(t('float64', [3], [1, 2, 3.5]), t('float32', [3], [1, 2, 3])).metrics!.max_abs).toBe(0.5);
  });

  it('results carry the output and reference dtype and shape, and their tolerances', () => {
    const r = compareOutputs({ x: t('float16', [1, 2], [1, 2]) }, { x: t('float32', [1, 2], [1, 2]) }, { tolerances: { max_abs: 1 }, overrides: { x: { rel_l2: 0 } } })[0]!;
    expect(r).toMatchObject({ name: 'x', kind: 'generic', pass: true, output: { dtype: 'float16', shape: [1, 2] }, reference: { dtype: 'float32', shape: [1, 2] }, tolerances: { max_abs: 1, rel_l2: 0 } });
    const missing = compareOutputs({}, { x: t('int32', [3], [1, 2, 3]) }, { tolerances: {} })[0]!;
    expect(missing).toEqual({ name: 'x', kind: 'generic', pass: false, failed: ['missing'], detail: 'no output named x', reference: { dtype: 'int32', shape: [3] }, tolerances: {} });
  });

  it('shapes must match dim for dim, rank included', () => {
    const r = one(t('float32', [2], [1, 2]), t('float32', [2, 1], [1, 2]));
    expect([r.pass, r.failed, r.detail, r.output]).toEqual([false, ['shape'], 'shape [2], reference [2, 1]', { dtype: 'float32', shape: [2] }]);
    expect(one(t('float32', [2, 1], [1, 2]), t('float32', [2], [1, 2])).failed).toEqual(['shape']);
    expect(one(t('float32', [1, 2], [1, 2]), t('float32', [2, 1], [1, 2])).failed).toEqual(['shape']);
  });

  it('a metric equal to its limit passes; every tolerance can fail on its own', () => {
    const ref = t('float32', [4], [1, 2, 3, 4]);
    const out = t('float32', [4], [1, 2, 3, 4.5]);
    const m = one(out, ref).metrics!;
    expect(one(out, ref, { tolerances: { max_abs: 0.5, mean_abs: 0.125, rel_l2: m.rel_l2, cosine_min: m.cosine, snr_db_min: m.snr_db } }).failed).toEqual([]);
    expect(one(out, ref, { tolerances: { mean_abs: 0.1 } }).failed).toEqual(['mean_abs']);
    expect(one(out, ref, { tolerances: { cosine_min: 0.9999 } }).failed).toEqual(['cosine_min']);
    expect(one(out, ref, { tolerances: { rel_l2: 0.05 } }).failed).toEqual(['rel_l2']);
  });

  it('mel outputs add MCD when they have at least 2 mel bands, whatever their rank; other kinds never do', () => {
    const a = [0, 1, 2, 3, 4, 5];
    const b = [0.5, 1, 2, 3, 4, 4];
    const mcd = (shape: number[], kind: 'mel' | 'generic' | 'waveform') => one(t('float32', shape, a), t('float32', shape, b), { kinds: { x: kind } }).metrics!.mcd_db;
    expect(mcd([2, 3], 'mel')).toBeCloseTo(melCepstralDistortion(Float32Array.from(a), Float32Array.from(b), [2, 3]), 12);
    expect(mcd([1, 3, 2], 'mel')).toBeGreaterThan(0);
    expect(mcd([6], 'mel')).toBeUndefined();
    expect(mcd([1, 6], 'mel')).toBeUndefined(); // one mel band
    expect(mcd([2, 3], 'generic')).toBeUndefined();
    const failing = one(t('float32', [2, 3], a), t('float32', [2, 3], b), { kinds: { x: 'mel' }, tolerances: { mcd_db_max: 0.1 } });
    expect(failing.failed).toEqual(['mcd_db_max']);
  });

  it('waveforms add LSD per signal (last dim is time), averaged; none when a signal is shorter than one frame', () => {
    const stft = { n_fft: 64, hop: 16, win_length: 64 };
    const s1 = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i * 0.3));
    const s2 = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i * 0.7) * 0.5);
    const s2n = s2.map((v, i) => v + 0.05 * Math.cos(i * 2.1));
    const ref = { dtype: 'float32' as const, shape: [2, 200], data: Float32Array.from([...s1, ...s2]) };
    const out = { dtype: 'float32' as const, shape: [2, 200], data: Float32Array.from([...s1, ...s2n]) };
    const r = one(out, ref, { kinds: { x: 'waveform' }, stft });
    expect(r.metrics!.lsd_db).toBeCloseTo(logSpectralDistance(s2n, s2, stft) / 2, 12);
    // exactly one frame long: defined; one sample shorter: not defined (and no error)
    const frame = (n: number) => one(t('float32', [n], Array.from({ length: n }, (_, i) => Math.sin(i))), t('float32', [n], Array.from({ length: n }, (_, i) => Math.sin(i + 0.1))), { kinds: { x: 'waveform' }, stft });
    expect(frame(64).metrics!.lsd_db).toBeGreaterThan(0);
    expect(frame(63).metrics!.lsd_db).toBeUndefined();
    // the generic kind never computes LSD, however long the signal
    expect(one(out, ref, { stft }).metrics!.lsd_db).toBeUndefined();
  });
});
