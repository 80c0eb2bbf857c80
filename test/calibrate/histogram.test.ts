import { describe, expect, it } from 'vitest';
import { HistogramCollector, StatisticsCollector, binEdge } from '../../src/calibrate/histogram.ts';

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
