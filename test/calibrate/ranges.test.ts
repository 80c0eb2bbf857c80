// Range algorithms on small histograms, so that every candidate of each search matters and the file runs in
// seconds under mutation testing (stryker.config.mjs). The oracles never call the function under test:
// hand-computed values, thresholds that ONNX Runtime and NVIDIA modelopt chose on the same small
// histograms (test/fixtures/calib/make_small.py), and brute-force searches written out here. The 2048-bin
// cross-checks with the same references are in ranges-reference.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HistogramCollector, type AbsHistogram, type TensorStatistics } from '../../src/calibrate/histogram.ts';
import {
  ENTROPY_MODELOPT,
  ENTROPY_TENSORRT,
  RANGE_METHODS,
  computeAmax,
  computeRanges,
  entropyAmax,
  fakeQuant,
  histogramMse,
  klDivergence,
  mseAmax,
  ortEntropyThreshold,
  percentileAmax,
  smoothDistribution,
} from '../../src/calibrate/ranges.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function stats(x: Float32Array, bins = 256) {
  const c = new HistogramCollector({ bins });
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
const hist = (counts: number[], range: number): AbsHistogram => ({ counts: Float64Array.from(counts), range });

/** Symmetric int8 fake quantisation written out independently: on |x|, round half up, 127 levels. */
function quantMag(a: number, amax: number): number {
  const step = amax / 127;
  return Math.min(127, Math.floor(a / step + 0.5)) * step;
}

describe('fakeQuant (golden values, scale 1: amax = qmax)', () => {
  it('rounds half away from zero, like torch', () => {
    expect([0.4, 0.5, 1.49, 1.5, 2.5, -0.5, -1.5, -2.5, 0].map((x) => fakeQuant(x, 127))).toEqual([0, 1, 1, 2, 3, -1, -2, -3, 0]);
  });
  it('clamps to ±127 steps, never 128', () => {
    expect([126.4, 126.5, 127, 127.4, 127.6, 128, 300].map((x) => fakeQuant(x, 127))).toEqual([126, 127, 127, 127, 127, 127, 127]);
    expect([-127.6, -128, -1e9].map((x) => fakeQuant(x, 127))).toEqual([-127, -127, -127]);
    // amax itself is the largest value
    expect(fakeQuant(5, 2)).toBe(2);
    expect(fakeQuant(-5, 2)).toBe(-2);
  });
  it('scales by amax / qmax; qmax can be given; amax ≤ 0 quantises everything to 0', () => {
    expect(fakeQuant(0.3, 1.27)).toBeCloseTo(0.3, 12); // 30 steps of 0.01
    expect(fakeQuant(0.304, 1.27)).toBeCloseTo(0.3, 12);
    expect(fakeQuant(0.306, 1.27)).toBeCloseTo(0.31, 12);
    expect(fakeQuant(1.6, 7, 7)).toBe(2);
    expect(fakeQuant(9, 7, 7)).toBe(7);
    expect(fakeQuant(0.5, 0)).toBe(0);
    expect(fakeQuant(0, 0)).toBe(0); // not 0/0
    expect(fakeQuant(0.5, -1)).toBe(0);
  });
});

describe('KL divergence and smoothing', () => {
  it('KL follows scipy.stats.entropy: normalises, skips p = 0, ∞ where q = 0 < p', () => {
    expect(klDivergence([1, 1], [1, 1])).toBe(0);
    expect(klDivergence([2, 0], [1, 1])).toBeCloseTo(Math.log(2), 15);
    expect(klDivergence([3, 1], [1, 1])).toBeCloseTo(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5), 15);
    expect(klDivergence([1, 3], [2, 6])).toBeCloseTo(0, 15); // scale does not matter
    expect(klDivergence([0, 1], [1, 1])).toBeCloseTo(Math.log(2), 15); // p = 0 terms contribute nothing
    expect(klDivergence([1, 1], [1, 0])).toBe(Infinity);
    expect(klDivergence([0, 0], [1, 1])).toBe(Infinity);
    expect(klDivergence([1, 1], [0, 0])).toBe(Infinity);
  });
  it('KL over the first `length` entries only', () => {
    expect(klDivergence([1, 1, 5], [1, 1, 0], 2)).toBe(0);
    expect(klDivergence([2, 0, 9], [1, 1, 9], 2)).toBeCloseTo(Math.log(2), 15);
  });
  it('smoothing replaces zeros by ε and takes the same mass off the non-zero entries', () => {
    const p = Float64Array.from([0, 2, 0, 4, 0]);
    expect(smoothDistribution(p, 0.3)).toBe(true);
    // 3 zeros, 2 non-zeros: each non-zero gives 0.3·3/2 = 0.45
    expect(Array.from(p)).toEqual([0.3, 2 - 0.45, 0.3, 4 - 0.45, 0.3]);
    const none = Float64Array.from([1, 2]);
    expect(smoothDistribution(none, 0.3)).toBe(true);
    expect(Array.from(none)).toEqual([1, 2]);
    expect(smoothDistribution(Float64Array.from([0, 0]), 0.1)).toBe(false);
    const part = Float64Array.from([0, 1, 0, 0]);
    expect(smoothDistribution(part, 0.5, 2)).toBe(true);
    expect(Array.from(part)).toEqual([0.5, 0.5, 0, 0]); // beyond `length` untouched
    expect(smoothDistribution(Float64Array.from([0, 0, 1]), 0.5, 2)).toBe(false);
  });
});

const small = JSON.parse(readFileSync(new URL('../fixtures/calib/ranges-small-ref.json', import.meta.url), 'utf8')) as {
  onnxruntime: string;
  modelopt: string;
  ort: { hist: number[]; edges: number[]; min: number; max: number; quantized_bins: number; low: number; high: number; divergences: (number | 'inf')[] }[];
  modelopt_entropy: { counts: number[]; range: number; quantized_bins: number; start_bin: number; stride: number; amax: number }[];
};

describe(`entropy thresholds on small histograms, as ${small.modelopt} and onnxruntime ${small.onnxruntime} chose them`, () => {
  small.modelopt_entropy.forEach((c, k) => {
    it(`modelopt case ${k}: ${c.counts.length} bins, stride ${c.stride}`, () => {
      const h = hist(c.counts, c.range);
      const r = entropyAmax(h, { ...ENTROPY_MODELOPT, quantizedBins: c.quantized_bins, startBin: c.start_bin, stride: c.stride });
      expect(r.amax).toBeCloseTo(c.amax, 6); // modelopt returns a float32 tensor
      expect(r.bin).toBe(Math.round((r.amax * c.counts.length) / c.range));
      expect(r.divergences).toHaveLength(Math.floor((c.counts.length - c.start_bin) / c.stride) + 1);
      expect(r.divergence).toBe(Math.min(...r.divergences));
    });
  });
  small.ort.forEach((c, k) => {
    it(`ONNX Runtime case ${k}: ${c.hist.length} bins, ${c.quantized_bins} quantized bins`, () => {
      const t = ortEntropyThreshold(c.hist, c.edges, c.min, c.max, c.quantized_bins);
      expect(t.low).toBeCloseTo(c.low, 12);
      expect(t.high).toBeCloseTo(c.high, 12);
      // every candidate's KL as ONNX Runtime computed it (it smooths in float32: ~1e-7 relative)
      const want = c.divergences.map((d) => (d === 'inf' ? Infinity : d));
      expect(t.divergences).toHaveLength(want.length);
      t.divergences.forEach((d, i) => {
        if (want[i] === Infinity) expect(d, `candidate ${i}`).toBe(Infinity);
        else expect(Math.abs(d - want[i]!), `candidate ${i}`).toBeLessThan(1e-5 * want[i]!);
      });
      expect(t.divergences[t.index - c.quantized_bins / 2]).toBe(Math.min(...t.divergences));
    });
  });
  it('ONNX Runtime clamps the threshold to the observed min and max', () => {
    const c = small.ort[0]!;
    const t = ortEntropyThreshold(c.hist, c.edges, -0.5, 0.25, c.quantized_bins);
    expect([t.low, t.high]).toEqual([-0.5, 0.25]);
    const wide = ortEntropyThreshold(c.hist, c.edges, -100, 100, c.quantized_bins);
    expect(wide.low).toBeCloseTo(c.low, 12);
    expect(wide.high).toBeCloseTo(c.high, 12);
  });
});

/**
 * The entropy search as the module header states it, written out with no helper of ranges.ts:
 * P = bins[0..i) with the outliers added to its last bin; Q = bins[0..i) merged into nq levels and spread
 * back over the non-zero bins of each level; optional ε-smoothing; KL(P‖Q).
 */
function entropyOracle(counts: number[], o: { nq: number; start: number; stride: number; eps: number; copyZero: boolean }) {
  const b = [...counts];
  if (o.copyZero) b[0] = b[1]!;
  const smooth = (x: number[]) => {
    const zeros = x.filter((v) => v === 0).length;
    if (zeros === x.length) return null;
    return x.map((v) => (v === 0 ? o.eps : v - (o.eps * zeros) / (x.length - zeros)));
  };
  const kl = (p: number[], q: number[]) => {
    const sp = p.reduce((a, v) => a + v, 0);
    const sq = q.reduce((a, v) => a + v, 0);
    let d = 0;
    for (let j = 0; j < p.length; j++) {
      if (p[j] === 0) continue;
      if (q[j] === 0) return Infinity;
      d += (p[j]! / sp) * Math.log(p[j]! / sp / (q[j]! / sq));
    }
    return d;
  };
  const out: number[] = [];
  for (let i = o.start; i <= b.length; i += o.stride) {
    let p = b.slice(0, i);
    p[i - 1]! += b.slice(i).reduce((a, v) => a + v, 0);
    const level = (j: number) => Math.floor((j * o.nq) / i);
    let q = b.slice(0, i).map((v, j) => {
      if (v === 0) return 0;
      const members = b.slice(0, i).filter((w, m) => w !== 0 && level(m) === level(j));
      return members.reduce((a, w) => a + w, 0) / members.length;
    });
    if (o.eps > 0) {
      const sp = smooth(p);
      const sq = smooth(q);
      if (!sp || !sq) {
        out.push(Infinity);
        continue;
      }
      p = sp;
      q = sq;
    }
    out.push(kl(p, q));
  }
  return out;
}

describe('entropy search (TensorRT variant) against the search written out', () => {
  const counts = [900, 40, 0, 31, 27, 22, 0, 15, 11, 9, 6, 0, 4, 3, 2, 1, 0, 1, 0, 2];
  const opts = { quantizedBins: 4, startBin: 4 };
  it('every candidate’s KL, smoothed (ε = 1e-4), bin 0 replaced by bin 1', () => {
    const r = entropyAmax(hist(counts, 2), { ...ENTROPY_TENSORRT, ...opts });
    const want = entropyOracle(counts, { nq: 4, start: 4, stride: 1, eps: 1e-4, copyZero: true });
    expect(r.divergences).toHaveLength(want.length);
    r.divergences.forEach((d, k) => expect(d, `candidate ${k + 4}`).toBeCloseTo(want[k]!, 12));
    const best = want.lastIndexOf(Math.min(...want));
    expect(r.bin).toBe(4 + best);
    expect(r.amax).toBeCloseTo(((4 + best) * 2) / counts.length, 12);
  });
  it('without smoothing (modelopt), with bin 0 kept, and with a stride', () => {
    const keep = entropyAmax(hist(counts, 2), { ...ENTROPY_MODELOPT, ...opts, zeroBin: 'keep', stride: 3 });
    const want = entropyOracle(counts, { nq: 4, start: 4, stride: 3, eps: 0, copyZero: false });
    expect(Array.from(keep.divergences)).toEqual(want.map((d) => expect.closeTo(d, 12)));
    expect(want.filter((d) => d === Infinity).length).toBeGreaterThan(0); // Q = 0 < P happens here
    const finite = want.map((d) => (Number.isFinite(d) ? d : Infinity));
    expect(keep.bin).toBe(4 + 3 * finite.lastIndexOf(Math.min(...finite)));
  });
  it('ties: "last" takes the widest range, "first" the narrowest', () => {
    // flat non-zero bins and nothing beyond bin 8: from i = 8 on, Q equals P and KL is exactly 0
    const flat = [5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0];
    const last = entropyAmax(hist(flat, 16), { ...opts, ties: 'last' });
    const first = entropyAmax(hist(flat, 16), { ...opts, ties: 'first' });
    expect(last.divergence).toBe(0);
    expect([first.bin, first.amax]).toEqual([8, 8]);
    expect([last.bin, last.amax]).toEqual([16, 16]);
  });
  it('a start bin outside [quantizedBins, bins] is an error; an all-zero histogram gives 0', () => {
    expect(() => entropyAmax(hist(counts, 2), { quantizedBins: 4, startBin: 3 })).toThrow(/startBin must be in \[4, 20\], got 3/);
    expect(() => entropyAmax(hist(counts, 2), { quantizedBins: 4, startBin: 21 })).toThrow(/startBin must be in \[4, 20\], got 21/);
    expect(entropyAmax(hist(counts, 2), { quantizedBins: 4, startBin: 20 }).bin).toBe(20);
    expect(entropyAmax(hist([7, 0, 0, 0], 0))).toEqual({ amax: 0, bin: 0, divergence: 0, divergences: new Float64Array(0) });
  });
  it('a candidate whose P or Q is all zero cannot be smoothed: its KL is ∞', () => {
    // bins 1..4 empty: with bin 0 replaced by bin 1, P over the first 4 bins is all zero
    const r = entropyAmax(hist([9, 0, 0, 0, 0, 3, 1, 2], 8), { quantizedBins: 4, startBin: 4 });
    expect(r.divergences[0]).toBeGreaterThan(0);
    const empty = entropyAmax(hist([9, 0, 0, 0, 0, 0, 0, 0], 8), { quantizedBins: 4, startBin: 4 });
    expect(Array.from(empty.divergences)).toEqual([Infinity, Infinity, Infinity, Infinity, Infinity]);
  });
  it('the default options are TensorRT’s: 128 levels from bin 128, smoothing on, last minimum', () => {
    expect(ENTROPY_TENSORRT).toEqual({ quantizedBins: 128, startBin: 128, stride: 1, zeroBin: 'copy-next', smoothing: 1e-4, ties: 'last' });
    expect(ENTROPY_MODELOPT).toEqual({ ...ENTROPY_TENSORRT, smoothing: 0 });
    const c = Array.from({ length: 160 }, (_, k) => Math.round(1000 * Math.exp(-k / 30)));
    const r = entropyAmax(hist(c, 1.6));
    expect(r.divergences).toHaveLength(33);
    const want = entropyOracle(c, { nq: 128, start: 128, stride: 1, eps: 1e-4, copyZero: true });
    r.divergences.forEach((d, k) => expect(d).toBeCloseTo(want[k]!, 12));
  });
});

describe('percentile', () => {
  const h = hist([50, 30, 15, 4, 1, 0, 0, 0], 8);
  it('the smallest upper bin edge with the requested mass at or below it', () => {
    expect([50, 50.1, 80, 95, 99, 99.5, 100].map((p) => percentileAmax(h, p))).toEqual([1, 2, 2, 3, 4, 5, 5]);
    expect(percentileAmax(h)).toBe(5); // default 99.99 %
    expect(percentileAmax(hist([1, 0, 0, 1], 8), 50)).toBe(2);
  });
  it('an empty histogram or a zero range gives 0; a percentile outside (0, 100] is an error', () => {
    expect(percentileAmax(hist([0, 0], 4), 50)).toBe(0);
    expect(percentileAmax(hist([5, 0], 0), 50)).toBe(0);
    for (const p of [0, -1, 100.01, NaN]) expect(() => percentileAmax(h, p), String(p)).toThrow(/percentile must be in \(0, 100\]/);
  });
});

describe('mse', () => {
  const counts = [400, 300, 200, 120, 60, 30, 12, 6, 2, 1, 0, 0, 1, 0, 0, 1];
  const h = hist(counts, 4); // bin width 0.25, centres 0.125 + 0.25·k
  const centre = (k: number) => 0.25 * k + 0.125;
  const oracleMse = (amax: number) => {
    let e = 0;
    let n = 0;
    counts.forEach((c, k) => {
      e += c * (centre(k) - quantMag(centre(k), amax)) ** 2;
      n += c;
    });
    return e / n;
  };
  it('histogramMse is the count-weighted squared error of the bin centres', () => {
    for (const amax of [0.5, 1.1, 2.3, 4]) expect(histogramMse(h, amax)).toBeCloseTo(oracleMse(amax), 15);
    expect(histogramMse(hist([0, 0, 0], 3), 1)).toBe(0);
  });
  it('mseAmax: the bin centre (from startBin, every stride) with the least error; first on ties', () => {
    for (const [startBin, stride] of [[1, 1], [2, 3], [0, 2]] as const) {
      let best = { amax: 0, mse: Infinity };
      for (let k = startBin; k < counts.length; k += stride) if (oracleMse(centre(k)) < best.mse) best = { amax: centre(k), mse: oracleMse(centre(k)) };
      const r = mseAmax(h, { startBin, stride });
      expect(r.amax, `start ${startBin} stride ${stride}`).toBe(best.amax);
      expect(r.mse).toBeCloseTo(best.mse, 15);
    }
    // the default start (bin 128) is capped at the last bin on a small histogram
    expect(mseAmax(h).amax).toBe(centre(15));
    expect(mseAmax(hist([1, 2], 0))).toEqual({ amax: 0, mse: 0 });
    // an empty histogram: every candidate costs 0, and the first one is kept
    expect(mseAmax(hist([0, 0, 0, 0], 4), { startBin: 1 })).toEqual({ amax: 1.5, mse: 0 });
  });
  it('on raw samples: the histogram optimum is within 2 % of a brute-force search over the samples', () => {
    const x = gaussianWithOutliers(20_000, 3, 11);
    const s = stats(x, 512);
    const best = mseAmax(s.histogram);
    const width = s.histogram.range / 512;
    const rawMse = (amax: number) => {
      let e = 0;
      for (const v of x) e += (Math.abs(v) - quantMag(Math.abs(v), amax)) ** 2;
      return e / x.length;
    };
    let brute = { amax: 0, mse: Infinity };
    for (let k = 128; k < 512; k++) {
      const m = rawMse((k + 0.5) * width);
      if (m < brute.mse) brute = { amax: (k + 0.5) * width, mse: m };
    }
    expect(rawMse(best.amax)).toBeLessThan(brute.mse * 1.02);
    expect(Math.abs(best.amax - brute.amax)).toBeLessThan(0.1 * brute.amax);
  });
});

describe('computeAmax', () => {
  it('never exceeds the observed absmax, whatever the method picks', () => {
    // one value at 0.3 in a histogram over [0, 1]: every method's bin edge or centre lies above 0.3
    const c = new HistogramCollector({ bins: 8, rangeHint: 1 });
    c.add(new Float32Array([0.3, -0.3, 0.3]));
    const s = c.snapshot();
    expect(percentileAmax(s.histogram, 100)).toBe(0.375);
    expect(mseAmax(s.histogram, { startBin: 4 }).amax).toBeGreaterThan(0.3);
    for (const m of RANGE_METHODS) {
      const opts = { percentile: 100, entropy: { quantizedBins: 4, startBin: 4 }, mse: { startBin: 4 } };
      expect(computeAmax(s, m, opts), m).toBeCloseTo(0.3, 7);
    }
  });
  it('minmax is the absmax; the others pass their options on', () => {
    const s: TensorStatistics = { count: 100, nonFinite: 0, min: -3, max: 7.5, absmax: 7.5, mean: 0, std: 1, histogram: hist([50, 30, 15, 4, 1, 0, 0, 0], 8) };
    expect(computeAmax(s, 'minmax')).toBe(7.5);
    expect(computeAmax(s, 'percentile', { percentile: 95 })).toBe(3);
    expect(computeAmax(s, 'percentile')).toBe(5);
    const entropy = { quantizedBins: 4, startBin: 4, ties: 'first' as const };
    expect(computeAmax(s, 'entropy', { entropy })).toBe(entropyAmax(s.histogram, entropy).amax);
    expect(computeAmax(s, 'mse', { mse: { startBin: 2 } })).toBe(mseAmax(s.histogram, { startBin: 2 }).amax);
    expect(computeAmax(s, 'mse', { mse: { startBin: 2 } })).not.toBe(mseAmax(s.histogram).amax);
    expect(RANGE_METHODS).toEqual(['entropy', 'percentile', 'minmax', 'mse']);
  });
  it('computeRanges: one amax per tensor name', () => {
    const a = stats(Float32Array.from([1, -2, 0.5]));
    const b = stats(Float32Array.from([4, 0]));
    expect([...computeRanges(new Map([['a', a], ['b', b]]), 'minmax')]).toEqual([['a', 2], ['b', 4]]);
  });
  it('all-zero tensors give 0 for every method', () => {
    for (const m of RANGE_METHODS) expect(computeAmax(stats(new Float32Array(100)), m), m).toBe(0);
  });
});

describe('range methods on synthetic distributions (512 bins)', () => {
  it('uniform: minmax = max, entropy and percentile close to it', () => {
    const r = rng(5);
    const s = stats(new Float32Array(50_000).map(() => 2 * r() - 1), 512);
    expect(computeAmax(s, 'minmax')).toBe(s.absmax);
    expect(computeAmax(s, 'entropy')).toBeGreaterThan(0.95 * s.absmax);
    expect(computeAmax(s, 'percentile', { percentile: 99.99 })).toBeGreaterThan(0.99 * s.absmax);
    expect(computeAmax(s, 'mse')).toBeGreaterThan(0.9 * s.absmax);
  });

  it('gaussian with outliers: entropy and percentile clip the outliers; mse keeps heavy ones, clips a mild one', () => {
    const s = stats(gaussianWithOutliers(50_000, 3, 7), 512);
    expect(s.absmax).toBeGreaterThan(20);
    // the outliers all lie at 20-30; with 512 bins the entropy search starts at bin 128 (a quarter of absmax)
    expect(computeAmax(s, 'percentile')).toBeGreaterThan(2.5);
    expect(computeAmax(s, 'percentile')).toBeLessThan(8);
    expect(computeAmax(s, 'entropy')).toBeGreaterThan(s.absmax / 4);
    expect(computeAmax(s, 'entropy')).toBeLessThan(15);
    // 3 values at 20-30 clipped to ~4 cost ~3·22²/5e4 ≈ 0.03 of MSE, far more than the rounding noise of a
    // wide step ((23/127)²/12 ≈ 0.003), so the MSE optimum keeps them:
    expect(computeAmax(s, 'mse')).toBeGreaterThan(15);
    // with a single, milder outlier the MSE optimum clips it (well below it, still above the gaussian's tail)
    const one = gaussianWithOutliers(50_000, 0, 8);
    one[0] = 12;
    const clipped = computeAmax(stats(one, 512), 'mse');
    expect(clipped).toBeLessThan(0.85 * 12);
    expect(clipped).toBeGreaterThan(4);
  });
});
