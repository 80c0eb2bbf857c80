import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logMel } from '../../src/audio/mel.ts';
import {
  cosineSimilarity,
  elementwise,
  logSpectralDistance,
  maxAbs,
  meanAbs,
  melCepstralDistortion,
  relL2,
  snrDb,
} from '../../src/compare/metrics.ts';
import { parseNpy } from '../../src/tensor/npy.ts';

// Real speech: the ALSA "Front Center" recording at 16 kHz (test/fixtures/wav/make.py).
const DIR = join(import.meta.dirname, '..', 'fixtures', 'wav');
const speech = parseNpy(new Uint8Array(readFileSync(join(DIR, 'rs_48k_to_16k_scipy.npy')))).data as Float32Array;
const MEL = { sample_rate: 16000, n_fft: 1024, hop: 256, win_length: 1024, n_mels: 80, fmin: 0, fmax: 8000, log_base: 'e' as const, clamp_min: 1e-5 };

/** Deterministic white noise in [-1, 1) (a 32-bit LCG), so the expected numbers never move. */
function noise(n: number, seed = 12345): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function energy(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}

describe('elementwise metrics', () => {
  it('known values on small arrays', () => {
    const a = new Float32Array([1, 2, 3, 4]);
    const b = new Float32Array([1, 2.5, 2, 4]);
    expect(maxAbs(a, b)).toBe(1);
    expect(meanAbs(a, b)).toBe(0.375);
    expect(relL2(a, b)).toBeCloseTo(Math.sqrt(1.25 / (1 + 6.25 + 4 + 16)), 12);
    expect(cosineSimilarity(a, new Float32Array([-2, -4, -6, -8]))).toBeCloseTo(-1, 12);
    expect(cosineSimilarity(a, new Float32Array([2, 4, 6, 8]))).toBeCloseTo(1, 12);
  });

  it('guards zero references', () => {
    const z = new Float32Array(4);
    const a = new Float32Array([0, 0, 1, 0]);
    expect(relL2(z, z)).toBe(0);
    expect(relL2(a, z)).toBe(Infinity);
    expect(cosineSimilarity(z, z)).toBe(1);
    expect(cosineSimilarity(a, z)).toBe(0);
    expect(snrDb(z, z)).toBe(Infinity);
    expect(snrDb(a, z)).toBe(-Infinity);
  });

  it('SNR of speech plus noise scaled to 20 dB is 20 dB (and rel_l2 0.1)', () => {
    const n = noise(speech.length);
    const g = Math.sqrt(energy(speech) / (100 * energy(n)));
    const out = new Float64Array(speech.length);
    for (let i = 0; i < out.length; i++) out[i] = speech[i]! + g * n[i]!;
    const m = elementwise(out, Float64Array.from(speech));
    expect(m.snr_db).toBeCloseTo(20, 9);
    expect(m.rel_l2).toBeCloseTo(0.1, 10);
    expect(m.cosine).toBeCloseTo(1 / Math.sqrt(1.01), 2); // noise ~uncorrelated with speech
    expect(m.non_finite).toBe(0);
    // in float32 the SNR moves by float32 rounding only
    expect(snrDb(Float32Array.from(out), speech)).toBeCloseTo(20, 3);
  });

  it('counts NaN/Inf and reports NaN max_abs', () => {
    const m = elementwise(new Float32Array([1, NaN, Infinity]), new Float32Array([1, 2, 3]));
    expect(m.non_finite).toBe(2);
    expect(Number.isNaN(m.max_abs)).toBe(true);
  });
});

describe('log-spectral distance', () => {
  it('is 0 for identical signals and symmetric', () => {
    const n = noise(speech.length, 7);
    const noisy = Float32Array.from(speech, (v, i) => v + 0.01 * n[i]!);
    expect(logSpectralDistance(speech, speech)).toBe(0);
    const ab = logSpectralDistance(noisy, speech);
    const ba = logSpectralDistance(speech, noisy);
    expect(ab).toBeGreaterThan(0.5);
    expect(ba).toBeCloseTo(ab, 12);
  });

  it('a gain of 1/2 is 10·log10(4) = 6.02 dB in every bin (where the speech is above the 1e-10 floor)', () => {
    const voiced = speech.subarray(12800, 22400); // "Center": no digital silence inside
    const half = voiced.map((v) => v / 2);
    expect(logSpectralDistance(half, voiced)).toBeCloseTo(10 * Math.log10(4), 2);
    // over the whole clip the near-silent edges (power ~ the floor) pull it down
    expect(logSpectralDistance(speech.map((v) => v / 2), speech)).toBeLessThan(6);
  });
});

describe('mel-cepstral distortion', () => {
  const mel = logMel(speech, MEL);
  const data = mel.data as Float32Array;
  const [nMels, frames] = mel.shape as [number, number];

  it('is 0 for identical mels and ignores a constant level change (c0)', () => {
    expect(melCepstralDistortion(data, data, mel.shape)).toBe(0);
    const louder = data.map((v) => v + 0.7);
    expect(melCepstralDistortion(louder, data, mel.shape)).toBeLessThan(1e-5);
  });

  it('equals (10/ln10)·δ·sqrt(N) for a δ-sized first cepstral ripple', () => {
    const d = 0.05;
    const rippled = new Float32Array(data.length);
    for (let n = 0; n < nMels; n++) {
      const r = d * Math.cos((Math.PI * (2 * n + 1)) / (2 * nMels));
      for (let t = 0; t < frames; t++) rippled[n * frames + t] = data[n * frames + t]! + r;
    }
    const want = (10 / Math.LN10) * d * Math.sqrt(nMels);
    expect(melCepstralDistortion(Float64Array.from(rippled), Float64Array.from(data), mel.shape)).toBeCloseTo(want, 4);
  });

  it('a one-frame shift of real speech gives a clearly positive MCD, and more for a larger shift', () => {
    const shift = (k: number) => {
      const s = new Float32Array(data.length);
      for (let n = 0; n < nMels; n++) for (let t = 0; t < frames; t++) s[n * frames + t] = data[n * frames + Math.max(0, t - k)]!;
      return s;
    };
    const one = melCepstralDistortion(shift(1), data, mel.shape);
    const four = melCepstralDistortion(shift(4), data, mel.shape);
    expect(one).toBeGreaterThan(1);
    expect(four).toBeGreaterThan(one);
    // log10 mels give the same number once told so
    const l10 = (x: Float32Array) => x.map((v) => v / Math.LN10);
    expect(melCepstralDistortion(l10(shift(1)), l10(data), mel.shape, { logBase: '10' })).toBeCloseTo(one, 3);
  });
});

// Oracles written out here from the module header's definitions, on small inputs (direct DFT and DCT
// sums), never through the functions under test.
function lsdOracle(a: ArrayLike<number>, b: ArrayLike<number>, nFft: number, hop: number): number {
  const pad = Math.floor((nFft - hop) / 2);
  const reflect = (x: ArrayLike<number>) => {
    const n = x.length;
    const out: number[] = [];
    for (let i = pad; i >= 1; i--) out.push(x[i]!);
    for (let i = 0; i < n; i++) out.push(x[i]!);
    for (let i = n - 2; i >= n - 1 - pad; i--) out.push(x[i]!);
    return out;
  };
  const power = (x: number[]) => {
    const frames: number[][] = [];
    for (let s = 0; s + nFft <= x.length; s += hop) {
      const row: number[] = [];
      for (let k = 0; k <= nFft / 2; k++) {
        let re = 0;
        let im = 0;
        for (let t = 0; t < nFft; t++) {
          const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / nFft); // periodic Hann
          re += x[s + t]! * w * Math.cos((2 * Math.PI * k * t) / nFft);
          im -= x[s + t]! * w * Math.sin((2 * Math.PI * k * t) / nFft);
        }
        row.push(re * re + im * im);
      }
      frames.push(row);
    }
    return frames;
  };
  const pa = power(reflect(a));
  const pb = power(reflect(b));
  let total = 0;
  for (let t = 0; t < pa.length; t++) {
    let s = 0;
    for (let k = 0; k < pa[t]!.length; k++) s += (10 * Math.log10((pb[t]![k]! + 1e-10) / (pa[t]![k]! + 1e-10))) ** 2;
    total += Math.sqrt(s / pa[t]!.length);
  }
  return total / pa.length;
}

/** MCD from its definition: orthonormal DCT-II of the difference over mels, c1..cK, per frame, averaged. */
function mcdOracle(a: ArrayLike<number>, b: ArrayLike<number>, batches: number, nMels: number, frames: number, order: number): number {
  let total = 0;
  for (let p = 0; p < batches; p++) {
    for (let t = 0; t < frames; t++) {
      let s = 0;
      for (let k = 1; k <= order; k++) {
        let c = 0;
        for (let n = 0; n < nMels; n++) {
          const i = p * nMels * frames + n * frames + t;
          c += Math.sqrt(2 / nMels) * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nMels)) * (a[i]! - b[i]!);
        }
        s += c * c;
      }
      total += (10 / Math.LN10) * Math.sqrt(2 * s);
    }
  }
  return total / (batches * frames);
}

describe('metrics against oracles written from their definitions', () => {
  it('LSD: reflect pad of (n_fft − hop)/2, periodic Hann, frames every hop (small STFT, direct DFT)', () => {
    const a = Float32Array.from(noise(300, 3));
    const b = Float32Array.from(noise(300, 4), (v, i) => 0.5 * v + 0.3 * a[i]!);
    for (const [nFft, hop] of [[64, 16], [32, 8], [48, 24]] as const) {
      const got = logSpectralDistance(a, b, { n_fft: nFft, hop, win_length: nFft });
      expect(got, `${nFft}/${hop}`).toBeCloseTo(lsdOracle(a, b, nFft, hop), 9);
    }
  });

  it('MCD: every coefficient c1..cK, K capped at n_mels − 1, batches and frames averaged', () => {
    const n = noise(2 * 5 * 3, 9);
    const a = Float64Array.from(n, (v) => 2 * v);
    const b = Float64Array.from(noise(30, 10));
    // order 3 of 5 mels, then the default (24, capped at 4), then order 4 asked for explicitly
    expect(melCepstralDistortion(a, b, [2, 5, 3], { order: 3 })).toBeCloseTo(mcdOracle(a, b, 2, 5, 3, 3), 12);
    expect(melCepstralDistortion(a, b, [2, 5, 3])).toBeCloseTo(mcdOracle(a, b, 2, 5, 3, 4), 12);
    expect(melCepstralDistortion(a, b, [2, 5, 3], { order: 4 })).toBeCloseTo(mcdOracle(a, b, 2, 5, 3, 4), 12);
    // another size in the same process: the cached DCT of one size is not reused for another
    expect(melCepstralDistortion(a.subarray(0, 18), b.subarray(0, 18), [6, 3], { order: 2 })).toBeCloseTo(mcdOracle(a, b.subarray(0, 18), 1, 6, 3, 2), 12);
    expect(melCepstralDistortion(a.subarray(0, 14), b.subarray(0, 14), [7, 2])).toBeCloseTo(mcdOracle(a, b.subarray(0, 14), 1, 7, 2, 6), 12);
    // two mel bands are enough (one coefficient); log10 input is scaled by ln 10
    expect(melCepstralDistortion(a.subarray(0, 4), b.subarray(0, 4), [2, 2])).toBeCloseTo(mcdOracle(a, b, 1, 2, 2, 1), 12);
    expect(melCepstralDistortion(a.subarray(0, 4), b.subarray(0, 4), [2, 2], { logBase: '10' })).toBeCloseTo(Math.LN10 * mcdOracle(a, b, 1, 2, 2, 1), 12);
  });

  it('unequal sizes and unusable layouts are errors, not numbers', () => {
    const x = new Float32Array(4);
    expect(() => elementwise(x, new Float32Array(3))).toThrow('metrics need equal lengths, got 4 and 3');
    expect(() => logSpectralDistance(x, new Float32Array(5))).toThrow('LSD needs equal lengths, got 4 and 5');
    expect(() => melCepstralDistortion(x, new Float32Array(6), [2, 2])).toThrow('MCD needs equal sizes, got 4 and 6');
    expect(() => melCepstralDistortion(x, x, [4])).toThrow('MCD needs a [n_mels, frames] layout');
    expect(() => melCepstralDistortion(x, x, [1, 4])).toThrow('MCD needs at least 2 mel bands');
    expect(melCepstralDistortion(new Float32Array(0), new Float32Array(0), [3, 0])).toBe(0);
  });

  it('cosine is 0 when either side is all zero (and 1 when both are); SNR of NaN is NaN', () => {
    const z = new Float32Array(3);
    const a = new Float32Array([1, 0, 2]);
    expect(cosineSimilarity(z, a)).toBe(0);
    expect(cosineSimilarity(a, z)).toBe(0);
    expect(cosineSimilarity(z, z)).toBe(1);
    expect(Number.isNaN(snrDb(new Float32Array([NaN, 0, 2]), a))).toBe(true);
    // the largest difference wins wherever it is, also first
    expect(maxAbs(new Float32Array([5, 0, 2]), a)).toBe(4);
    expect(elementwise(new Float32Array(0), new Float32Array(0))).toEqual({ max_abs: 0, mean_abs: 0, rel_l2: 0, cosine: 1, snr_db: Infinity, non_finite: 0 });
  });
});
