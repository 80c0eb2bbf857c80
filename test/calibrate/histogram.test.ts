import { describe, expect, it } from 'vitest';
import { DEFAULT_BINS, HistogramCollector, StatisticsCollector, binEdge } from '../../src/calibrate/histogram.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function gaussian(n: number, sigma: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = sigma * Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  return x;
}

describe('HistogramCollector', () => {
  it('merging batches of growing range equals one histogram of all data over the final range', () => {
    const batches = [gaussian(5000, 0.1, 1), gaussian(5000, 1, 2), gaussian(5000, 7, 3), gaussian(3000, 0.5, 4)];
    const streamed = new HistogramCollector();
    for (const b of batches) streamed.add(b);
    const s = streamed.snapshot();
    expect(s.histogram.range).toBeGreaterThanOrEqual(s.absmax);
    expect(s.histogram.range).toBeLessThan(2 * s.absmax);

    const all = new Float32Array(batches.reduce((a, b) => a + b.length, 0));
    let off = 0;
    for (const b of batches) {
      all.set(b, off);
      off += b.length;
    }
    const oneShot = new HistogramCollector({ rangeHint: s.histogram.range });
    oneShot.add(all);
    const o = oneShot.snapshot();
    expect(o.histogram.range).toBe(s.histogram.range);
    expect(Array.from(s.histogram.counts)).toEqual(Array.from(o.histogram.counts));

    // and against a direct count with the same edges
    const direct = new Float64Array(2048);
    for (const v of all) direct[Math.min(2047, Math.floor((Math.abs(v) / s.histogram.range) * 2048))]++;
    expect(Array.from(s.histogram.counts)).toEqual(Array.from(direct));
    expect(s.count).toBe(all.length);
  });

  it('keeps a constant number of bins however much data it sees', () => {
    const c = new HistogramCollector();
    for (let i = 0; i < 200; i++) {
      c.add(gaussian(1000, 1 + i, i));
      expect(c.bins).toBe(2048);
    }
    const s = c.snapshot();
    expect(s.histogram.counts.length).toBe(2048);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(200_000);
  });

  it('tracks min, max, absmax, mean and std like a one-pass over all data', () => {
    const a = gaussian(10_000, 2, 9).map((v) => v + 3);
    const c = new HistogramCollector({ bins: 256 });
    for (let i = 0; i < a.length; i += 777) c.add(a.subarray(i, i + 777));
    const s = c.snapshot();
    let mean = 0;
    for (const v of a) mean += v;
    mean /= a.length;
    let v2 = 0;
    for (const v of a) v2 += (v - mean) ** 2;
    expect(s.mean).toBeCloseTo(mean, 10);
    expect(s.std).toBeCloseTo(Math.sqrt(v2 / a.length), 10);
    expect(s.min).toBe(Math.min(...a));
    expect(s.max).toBe(Math.max(...a));
    expect(s.absmax).toBe(Math.max(Math.abs(s.min), Math.abs(s.max)));
  });

  it('counts zeros before any range exists, and ignores non-finite values', () => {
    const c = new HistogramCollector({ bins: 8 });
    c.add(new Float32Array([0, 0, 0]));
    c.add(new Float32Array([NaN, Infinity, -2, 1, 0.5]));
    const s = c.snapshot();
    expect(s.nonFinite).toBe(2);
    expect(s.count).toBe(6);
    expect(s.histogram.range).toBe(2);
    expect(Array.from(s.histogram.counts)).toEqual([3, 0, 1, 0, 1, 0, 0, 1]);
    expect(binEdge(s.histogram, 8)).toBe(2);
  });

  it('collects per tensor name', () => {
    const c = new StatisticsCollector({ bins: 16, rangeHints: { b: 10 } });
    c.add('a', new Float32Array([1, -3]));
    c.add('b', new Float32Array([1]));
    const s = c.snapshot();
    expect(c.names()).toEqual(['a', 'b']);
    expect(s.get('a')!.absmax).toBe(3);
    expect(s.get('b')!.histogram.range).toBe(10);
  });
});

describe('HistogramCollector edge cases (hand-counted)', () => {
  it('refuses an odd, fractional or too small bin count, and a range hint that is not positive and finite', () => {
    for (const bins of [3, 0, -2, 2.5, NaN]) expect(() => new HistogramCollector({ bins }), String(bins)).toThrow(`histogram bins must be an even integer >= 2, got ${bins}`);
    for (const rangeHint of [0, -1, Infinity, NaN]) expect(() => new HistogramCollector({ rangeHint }), String(rangeHint)).toThrow(`rangeHint must be a positive finite number, got ${rangeHint}`);
    expect(new HistogramCollector({ bins: 2 }).bins).toBe(2);
    expect(new HistogramCollector().bins).toBe(DEFAULT_BINS);
    expect(DEFAULT_BINS).toBe(2048);
  });

  it('bins are [k·w, (k+1)·w); |x| equal to the range goes into the last bin', () => {
    const c = new HistogramCollector({ bins: 4, rangeHint: 4 });
    c.add(Float64Array.from([0, 0.999, 1, -1.5, 2, 3.999, 4, -4]));
    expect(Array.from(c.snapshot().histogram.counts)).toEqual([2, 2, 1, 3]);
  });

  it('a value exactly at the range moves to bin n/2 when the range doubles', () => {
    const c = new HistogramCollector({ bins: 8 });
    c.add(Float32Array.from([2, 1])); // range 2: 2 is clamped into bin 7, 1 is in bin 4
    expect(Array.from(c.snapshot().histogram.counts)).toEqual([0, 0, 0, 0, 1, 0, 0, 1]);
    c.add(Float32Array.from([3])); // range 4: 1 → bin 2, 2 → bin 4 (not 3), 3 → bin 6
    const s = c.snapshot();
    expect(s.histogram.range).toBe(4);
    expect(Array.from(s.histogram.counts)).toEqual([0, 0, 1, 0, 1, 0, 1, 0]);
    c.add(Float32Array.from([4, 9])); // 4 sits at the range, then the range doubles twice to 16
    const t = c.snapshot();
    expect(t.histogram.range).toBe(16);
    // 1 → 0, 2 → 1, 3 → 1, 4 → 2, 9 → 4
    expect(Array.from(t.histogram.counts)).toEqual([1, 2, 1, 0, 1, 0, 0, 0]);
  });

  it('a range hint is kept until the data exceeds it, then doubled from there', () => {
    const c = new HistogramCollector({ bins: 4, rangeHint: 1 });
    c.add(Float32Array.from([0.5]));
    expect(c.snapshot().histogram.range).toBe(1);
    c.add(Float32Array.from([-3]));
    expect(c.snapshot().histogram.range).toBe(4);
    expect(Array.from(c.snapshot().histogram.counts)).toEqual([1, 0, 0, 1]);
  });

  it('mean and population std across batches, min/max/absmax of negative data', () => {
    const c = new HistogramCollector({ bins: 8 });
    c.add(Float32Array.from([-1, -2]));
    c.add(Float32Array.from([-3, -4, NaN]));
    const s = c.snapshot();
    expect(s.mean).toBe(-2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(1.25), 15);
    expect([s.min, s.max, s.absmax, s.count, s.nonFinite]).toEqual([-4, -1, 4, 4, 1]);
  });

  it('an empty collector, or one that saw only NaN/Inf, reports zeros and an empty histogram', () => {
    const c = new HistogramCollector({ bins: 4 });
    expect(c.snapshot()).toEqual({ count: 0, nonFinite: 0, min: 0, max: 0, absmax: 0, mean: 0, std: 0, histogram: { counts: new Float64Array(4), range: 0 } });
    c.add(Float32Array.from([NaN, -Infinity]));
    expect(c.snapshot()).toMatchObject({ count: 0, nonFinite: 2, min: 0, max: 0, absmax: 0, mean: 0, std: 0 });
    expect(c.snapshot().histogram.range).toBe(0);
  });

  it('zeros first: counted in bin 0 before any range exists, and kept there once one does', () => {
    const c = new HistogramCollector({ bins: 4 });
    c.add(new Float32Array(5));
    expect(Array.from(c.snapshot().histogram.counts)).toEqual([5, 0, 0, 0]);
    expect(c.snapshot().histogram.range).toBe(0);
    c.add(Float32Array.from([0, 2]));
    expect(c.snapshot().histogram.range).toBe(2);
    expect(Array.from(c.snapshot().histogram.counts)).toEqual([6, 0, 0, 1]);
  });

  it('a snapshot is a copy', () => {
    const c = new HistogramCollector({ bins: 2 });
    c.add(Float32Array.from([1]));
    const s = c.snapshot();
    s.histogram.counts[0] = 99;
    expect(Array.from(c.snapshot().histogram.counts)).toEqual([0, 1]);
  });

  it('StatisticsCollector: a per-name range hint over the shared one, and the bin count for all', () => {
    const c = new StatisticsCollector({ bins: 4, rangeHint: 8, rangeHints: { b: 2 } });
    c.add('a', Float32Array.from([1]));
    c.add('b', Float32Array.from([1]));
    c.add('a', Float32Array.from([-7]));
    const s = c.snapshot();
    expect([s.get('a')!.histogram.range, s.get('b')!.histogram.range]).toEqual([8, 2]);
    expect(Array.from(s.get('a')!.histogram.counts)).toEqual([1, 0, 0, 1]);
    expect(s.get('a')!.count).toBe(2);
    expect(s.get('b')!.histogram.counts).toHaveLength(4);
    expect(new StatisticsCollector().names()).toEqual([]);
    const plain = new StatisticsCollector({ bins: 4 }); // no range hints at all
    plain.add('x', Float32Array.from([2]));
    expect(plain.snapshot().get('x')!.histogram.range).toBe(2);
  });
});
