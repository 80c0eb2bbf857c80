import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HistogramCollector, type AbsHistogram } from '../../src/calibrate/histogram.ts';
import {
  ENTROPY_MODELOPT,
  computeAmax,
  entropyAmax,
  fakeQuant,
  histogramMse,
  klDivergence,
  mseAmax,
  ortEntropyThreshold,
  percentileAmax,
} from '../../src/calibrate/ranges.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function stats(x: Float32Array) {
  const c = new HistogramCollector();
  c.add(x);
  return c.snapshot();
}
function gaussianWithOutliers(n: number, outliers: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  for (let k = 0; k < outliers; k++) x[Math.floor(r() * n)] = (r() < 0.5 ? -1 : 1) * (20 + 10 * r());
  return x;
}

describe('range methods on synthetic distributions', () => {
  it('uniform: minmax = max, entropy and percentile close to it', () => {
    const r = rng(5);
    const x = new Float32Array(200_000).map(() => 2 * r() - 1);
    const s = stats(x);
    expect(computeAmax(s, 'minmax')).toBe(s.absmax);
    expect(computeAmax(s, 'entropy')).toBeGreaterThan(0.95 * s.absmax);
    expect(computeAmax(s, 'percentile', { percentile: 99.99 })).toBeGreaterThan(0.99 * s.absmax);
    expect(computeAmax(s, 'mse')).toBeGreaterThan(0.9 * s.absmax);
  });

  it('gaussian with outliers: entropy and percentile clip the outliers; mse keeps heavy ones', () => {
    const s = stats(gaussianWithOutliers(200_000, 10, 7));
    expect(s.absmax).toBeGreaterThan(20);
    for (const m of ['entropy', 'percentile'] as const) {
      const a = computeAmax(s, m);
      expect(a, m).toBeGreaterThan(2.5);
      expect(a, m).toBeLessThan(8);
    }
    // 10 values at 20-30 clipped to ~4 cost ~10·22²/2e5 ≈ 0.024 of MSE, far more than the rounding
    // noise of a wide step ((23/127)²/12 ≈ 0.003), so the MSE optimum keeps them:
    expect(computeAmax(s, 'mse')).toBeGreaterThan(15);
    // with a single, milder outlier the MSE optimum clips it
    const one = gaussianWithOutliers(200_000, 0, 8);
    one[0] = 12;
    expect(computeAmax(stats(one), 'mse')).toBeLessThan(8);
  });

  it('mse: the histogram optimum matches a brute-force search over the raw samples', () => {
    const x = gaussianWithOutliers(50_000, 5, 11);
    const s = stats(x);
    const best = mseAmax(s.histogram);
    const width = s.histogram.range / 2048;
    const rawMse = (amax: number) => {
      let e = 0;
      for (const v of x) e += (v - fakeQuant(v, amax)) ** 2;
      return e / x.length;
    };
    let brute = { amax: 0, mse: Infinity };
    for (let k = 128; k < 2048; k++) {
      const amax = (k + 0.5) * width;
      const m = rawMse(amax);
      if (m < brute.mse) brute = { amax, mse: m };
    }
    // the raw-data MSE at the histogram's choice is within 2 % of the true optimum
    expect(rawMse(best.amax)).toBeLessThan(brute.mse * 1.02);
    expect(Math.abs(best.amax - brute.amax)).toBeLessThan(0.1 * brute.amax);
    expect(histogramMse(s.histogram, best.amax)).toBeCloseTo(best.mse, 12);
  });

  it('percentile: smallest edge with the requested mass below it', () => {
    const h: AbsHistogram = { counts: new Float64Array([50, 30, 15, 4, 1, 0, 0, 0]), range: 8 };
    expect(percentileAmax(h, 50)).toBe(1);
    expect(percentileAmax(h, 95)).toBe(3);
    expect(percentileAmax(h, 99)).toBe(4);
    expect(percentileAmax(h, 100)).toBe(5);
  });

  it('KL divergence follows scipy.stats.entropy (normalises, ∞ where q = 0 < p)', () => {
    expect(klDivergence([1, 1], [1, 1])).toBe(0);
    expect(klDivergence([2, 0], [1, 1])).toBeCloseTo(Math.log(2), 15);
    expect(klDivergence([1, 1], [1, 0])).toBe(Infinity);
  });

  it('entropy on an all-zero tensor is 0', () => {
    expect(computeAmax(stats(new Float32Array(100)), 'entropy')).toBe(0);
  });
});

interface RefCase {
  n: number;
  absmax: number;
  ort: { hist: number[]; edges: number[]; min: number; max: number; low: number; high: number };
  abs: { counts: number[]; range: number; modelopt_entropy_amax: number; modelopt_percentile_99_9_amax: number };
}
const ref = JSON.parse(readFileSync(new URL('../fixtures/calib/ranges-ref.json', import.meta.url), 'utf8')) as {
  onnxruntime: string;
  cases: Record<string, RefCase>;
};

describe(`cross-check on the same histograms (fixtures from onnxruntime ${ref.onnxruntime} and NVIDIA modelopt)`, () => {
  for (const [name, c] of Object.entries(ref.cases)) {
    it(`${name}: ONNX Runtime's entropy threshold`, () => {
      const t = ortEntropyThreshold(c.ort.hist, c.ort.edges, c.ort.min, c.ort.max, 128);
      const width = c.ort.edges[1]! - c.ort.edges[0]!;
      expect(Math.abs(t.high - c.ort.high)).toBeLessThanOrEqual(width * 1.0001);
      expect(Math.abs(t.low - c.ort.low)).toBeLessThanOrEqual(width * 1.0001);
    });

    it(`${name}: modelopt (pytorch-quantization) entropy amax, no smoothing`, () => {
      const h: AbsHistogram = { counts: Float64Array.from(c.abs.counts), range: c.abs.range };
      const width = c.abs.range / 2048;
      const r = entropyAmax(h, ENTROPY_MODELOPT);
      expect(Math.abs(r.amax - c.abs.modelopt_entropy_amax)).toBeLessThanOrEqual(width * 1e-3);
      // the default (smoothed) variant stays close to it
      expect(Math.abs(entropyAmax(h).amax - c.abs.modelopt_entropy_amax)).toBeLessThan(0.1 * c.absmax);
    });
  }
});
