// Streaming per-tensor statistics for INT8 calibration: running min / max / absmax, mean / std and a
// histogram of |x| with a FIXED number of bins over [0, range]. Pure: typed arrays in, numbers out.
// Memory never grows with the amount of data: one Float64Array of `bins` counts per tensor, always.
//
// Histogram of |x| (as TensorRT's entropy calibrator and NVIDIA's pytorch-quantization / modelopt do):
//   bin k counts values with k·w <= |x| < (k+1)·w, w = range / bins; |x| == range goes into the last bin
//   (numpy.histogram's convention).
// Range: the first batch that has a non-zero value sets `range` to its absmax (or `rangeHint` when the
// caller already knows the tensor's absmax, e.g. from a first min/max pass; then no re-binning ever
// happens and the histogram is exactly the one-shot histogram over [0, rangeHint]).
// When a later batch exceeds the range, the range is DOUBLED (repeatedly) and bins are merged in
// pairs: new[k] = old[2k] + old[2k+1]. Because bin edges of the doubled histogram are a subset of the
// old edges, merging loses nothing: the result is bit-for-bit the histogram a single pass over all the
// data with the final range would give (the float arithmetic of |x| / range · bins is exact under
// scaling by 2; values exactly at the old range, clamped into the last bin, are moved to bin n/2). The price: the final range lies in [absmax, 2·absmax), so at worst half the bins are
// above absmax (≥ 1024 of 2048 bins still cover the data). pytorch-quantization instead appends bins of
// the same width, which is exact too but lets memory grow without bound; ONNX Runtime's collector grows
// the bin count likewise.
// Non-finite values (NaN, ±Inf) are counted and otherwise ignored; they would poison every statistic.

export const DEFAULT_BINS = 2048;

export interface HistogramOptions {
  /** Number of histogram bins (even; default 2048, TensorRT's). */
  bins?: number;
  /** Known absmax of the tensor (e.g. from a min/max pass): fixes the initial range. */
  rangeHint?: number;
}

/** A histogram of |x|: counts[k] covers [k·range/n, (k+1)·range/n). */
export interface AbsHistogram {
  counts: Float64Array;
  /** Upper edge of the last bin. 0 when no non-zero value has been seen (all mass is in bin 0). */
  range: number;
}

export interface TensorStatistics {
  /** Finite values seen. */
  count: number;
  /** NaN and ±Inf values seen (ignored by every other statistic). */
  nonFinite: number;
  min: number;
  max: number;
  absmax: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  histogram: AbsHistogram;
}

/** Bin edge k of a histogram (k = 0 … n). */
export function binEdge(h: AbsHistogram, k: number): number {
  return (k * h.range) / h.counts.length;
}

export class HistogramCollector {
  private readonly counts: Float64Array;
  private range: number;
  private n = 0;
  private nonFinite = 0;
  private min = Infinity;
  private max = -Infinity;
  private mean = 0;
  /** Values exactly equal to `range` (kept in the last bin by the clamp; they move up one bin on doubling). */
  private atRange = 0;
  private m2 = 0; // sum of squared deviations from the mean (Chan et al. parallel update)

  constructor(opts: HistogramOptions = {}) {
    const bins = opts.bins ?? DEFAULT_BINS;
    if (!Number.isInteger(bins) || bins < 2 || bins % 2 !== 0) {
      throw new Error(`histogram bins must be an even integer >= 2, got ${bins}`);
    }
    if (opts.rangeHint !== undefined && !(opts.rangeHint > 0 && Number.isFinite(opts.rangeHint))) {
      throw new Error(`rangeHint must be a positive finite number, got ${opts.rangeHint}`);
    }
    this.counts = new Float64Array(bins);
    this.range = opts.rangeHint ?? 0;
  }

  /** Number of bins (constant for the collector's life). */
  get bins(): number {
    return this.counts.length;
  }

  /** Add one batch of values (any shape, flattened). One pass for the scalars, one for the bins. */
  add(x: Float32Array | Float64Array): void {
    let bn = 0;
    let bmin = Infinity;
    let bmax = -Infinity;
    let bsum = 0;
    // Stryker: equivalent (i <= length, here and in the two loops below) — x[length] is undefined, not finite, skipped.
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!Number.isFinite(v)) continue;
      bn++;
      bsum += v;
      // Stryker: equivalent (<=, >=; also for this.min/max below) — an equal value replaces the extreme by itself.
      if (v < bmin) bmin = v;
      if (v > bmax) bmax = v;
    }
    this.nonFinite += x.length - bn;
    if (bn === 0) return;
    const bmean = bsum / bn;
    let bm2 = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!Number.isFinite(v)) continue;
      const d = v - bmean;
      bm2 += d * d;
    }
    // Chan, Golub & LeVeque: combine (n, mean, M2) of two disjoint sets.
    const n = this.n + bn;
    const delta = bmean - this.mean;
    this.mean += (delta * bn) / n;
    this.m2 += bm2 + (delta * delta * this.n * bn) / n;
    this.n = n;
    if (bmin < this.min) this.min = bmin;
    if (bmax > this.max) this.max = bmax;

    const babs = Math.max(Math.abs(bmin), Math.abs(bmax));
    // Stryker: equivalent (>= 0, true) — with babs 0 the range stays as it is and nothing doubles.
    if (babs > 0) {
      if (this.range === 0) this.range = babs;
      while (babs > this.range) this.doubleRange();
    }
    const nb = this.counts.length;
    const counts = this.counts;
    const range = this.range;
    if (range === 0) {
      counts[0] += bn; // all zeros so far
      return;
    }
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!Number.isFinite(v)) continue;
      let k = Math.floor((Math.abs(v) / range) * nb);
      if (k >= nb) {
        k = nb - 1;
        this.atRange++;
      }
      counts[k] += 1;
    }
  }

  /** Double the range, merging bins pairwise. Exact (see the module comment). */
  private doubleRange(): void {
    const c = this.counts;
    const half = c.length / 2;
    // Stryker: equivalent (k <= half) — c[half] is overwritten by the fill below.
    for (let k = 0; k < half; k++) c[k] = c[2 * k]! + c[2 * k + 1]!;
    c.fill(0, half);
    // |x| == old range sat in the last bin only because of the clamp; over [0, 2·range] it is bin n/2.
    c[half - 1] -= this.atRange;
    c[half] += this.atRange;
    this.atRange = 0;
    this.range *= 2;
  }

  /** A copy of the current statistics (the collector keeps collecting). */
  snapshot(): TensorStatistics {
    const empty = this.n === 0;
    return {
      count: this.n,
      nonFinite: this.nonFinite,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      absmax: empty ? 0 : Math.max(Math.abs(this.min), Math.abs(this.max)),
      mean: empty ? 0 : this.mean,
      std: empty ? 0 : Math.sqrt(this.m2 / this.n),
      histogram: { counts: this.counts.slice(), range: this.range },
    };
  }
}

/** One collector per tensor name, created on first sight. */
export class StatisticsCollector {
  private readonly byName = new Map<string, HistogramCollector>();
  constructor(private readonly opts: HistogramOptions & { rangeHints?: Record<string, number> } = {}) {}

  add(name: string, x: Float32Array | Float64Array): void {
    let c = this.byName.get(name);
    if (!c) {
      c = new HistogramCollector({ bins: this.opts.bins, rangeHint: this.opts.rangeHints?.[name] ?? this.opts.rangeHint });
      this.byName.set(name, c);
    }
    c.add(x);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  snapshot(): Map<string, TensorStatistics> {
    const out = new Map<string, TensorStatistics>();
    for (const [k, c] of this.byName) out.set(k, c.snapshot());
    return out;
  }
}
