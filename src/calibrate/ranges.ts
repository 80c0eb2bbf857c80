// Range algorithms for symmetric INT8: from a tensor's statistics (histogram of |x|, see histogram.ts)
// choose amax; the INT8 scale is amax / 127. Pure functions over typed arrays; nothing here reads
// files or runs models.
//
//   minmax      amax = absmax (TensorRT's MinMaxCalibration)
//   percentile  the smallest bin edge with at least p % of the values at or below it (default 99.99)
//   entropy     TensorRT's IInt8EntropyCalibrator2 algorithm (Migacz, "8-bit Inference with TensorRT",
//               GTC 2017, slides 28-34), with the details of NVIDIA's open reference implementation
//               (pytorch-quantization / modelopt `_compute_amax_entropy`):
//                 for i in startBin … bins (default 128 … 2048):
//                   P = bins[0 … i-1], P[i-1] += Σ bins[i …]                (outliers clipped into the last bin)
//                   Q = bins[0 … i-1] merged into 128 levels (bin j → level ⌊j·128/i⌋), then expanded back
//                       over the NON-ZERO bins of each level (zero bins stay zero)
//                   smooth zero bins of P and Q (ε = 1e-4 taken from the non-zero bins, as MXNet / ONNX
//                   Runtime do) so that KL stays finite; KL(P‖Q) on the normalised distributions
//                 amax = upper edge of bin i-1 (i · width) at the minimum KL (last one on ties).
//               Bin 0 is replaced by bin 1 before the search (modelopt does so: bin 0 of |x| is dominated by
//               exact zeros, e.g. after ReLU or padding, which would otherwise dominate P).
//               `ENTROPY_MODELOPT` switches smoothing off (its exact semantics: KL = ∞ where Q = 0 < P).
//   mse         amax among bin centres (from startBin on) minimising the expected squared quantisation error
//               Σ_k count_k · (c_k − fq(c_k))², fq(x) = clamp(round(x/s), −127, 127)·s, s = amax/127
//               (modelopt's `_compute_amax_mse`, with values represented by their bin centres).
//
// ortEntropyThreshold() is a separate, faithful re-statement of ONNX Runtime's
// HistogramCollector.get_entropy_threshold (signed histogram, symmetric search), quirks included, so
// that results can be checked against ONNX Runtime on the same histogram; see its comment.
import type { AbsHistogram, TensorStatistics } from './histogram.ts';
import { binEdge } from './histogram.ts';

export type RangeMethod = 'entropy' | 'percentile' | 'minmax' | 'mse';
export const RANGE_METHODS: readonly RangeMethod[] = ['entropy', 'percentile', 'minmax', 'mse'];

export interface EntropyOptions {
  /** Quantised levels for the magnitude (128 for int8: 0 … 127). */
  quantizedBins?: number;
  /** First candidate threshold, in bins (128). */
  startBin?: number;
  /** Step between candidate thresholds, in bins (1). */
  stride?: number;
  /** Bin 0 handling: 'copy-next' sets bin 0 = bin 1 before the search (modelopt); 'keep' leaves it. */
  zeroBin?: 'copy-next' | 'keep';
  /** ε for smoothing zero bins of P and Q (0 = none: KL is ∞ where Q = 0 < P). */
  smoothing?: number;
  /** Which minimum wins when several candidates have the same KL. */
  ties?: 'last' | 'first';
}

export const ENTROPY_TENSORRT: Required<EntropyOptions> = {
  quantizedBins: 128,
  startBin: 128,
  stride: 1,
  zeroBin: 'copy-next',
  smoothing: 1e-4,
  ties: 'last',
};

/** modelopt / pytorch-quantization `_compute_amax_entropy` exactly (no smoothing). */
export const ENTROPY_MODELOPT: Required<EntropyOptions> = { ...ENTROPY_TENSORRT, smoothing: 0 };

export interface EntropyResult {
  amax: number;
  /** The chosen candidate i (amax = upper edge of bin i-1). */
  bin: number;
  divergence: number;
  /** KL for each candidate startBin, startBin+stride, … */
  divergences: Float64Array;
}

/** KL(p‖q) after normalising both to sum 1 (scipy.stats.entropy(p, q) semantics). */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>, length = p.length): number {
  let sp = 0;
  let sq = 0;
  for (let k = 0; k < length; k++) {
    sp += p[k]!;
    sq += q[k]!;
  }
  if (sp === 0 || sq === 0) return Infinity;
  let d = 0;
  for (let k = 0; k < length; k++) {
    const pk = p[k]! / sp;
    if (pk === 0) continue;
    const qk = q[k]! / sq;
    // Stryker: equivalent — without this line pk·log(pk/0) is +∞ and so is the sum.
    if (qk === 0) return Infinity;
    d += pk * Math.log(pk / qk);
  }
  return d;
}

/**
 * Replace zeros by ε and take the same total off the non-zero entries (MXNet's / ONNX Runtime's
 * smooth_distribution), in place over [0, length). Returns false when all entries are zero.
 */
export function smoothDistribution(p: Float64Array, eps: number, length = p.length): boolean {
  let zeros = 0;
  for (let k = 0; k < length; k++) if (p[k] === 0) zeros++;
  const nonZeros = length - zeros;
  if (nonZeros === 0) return false;
  // Stryker: equivalent — with no zeros eps1 is 0 and the loop below leaves p as it is.
  if (zeros === 0) return true;
  const eps1 = (eps * zeros) / nonZeros;
  for (let k = 0; k < length; k++) p[k] = p[k] === 0 ? eps : p[k]! - eps1;
  return true;
}

export function entropyAmax(h: AbsHistogram, opts: EntropyOptions = {}): EntropyResult {
  const o = { ...ENTROPY_TENSORRT, ...opts };
  const n = h.counts.length;
  const nq = o.quantizedBins;
  if (h.range === 0) return { amax: 0, bin: 0, divergence: 0, divergences: new Float64Array(0) };
  if (o.startBin < nq || o.startBin > n) {
    throw new Error(`entropy startBin must be in [${nq}, ${n}], got ${o.startBin}`);
  }
  const bins = Float64Array.from(h.counts);
  if (o.zeroBin === 'copy-next') bins[0] = bins[1]!;
  const suffix = new Float64Array(n + 1); // suffix[i] = Σ bins[i …]
  // Stryker: equivalent (k > 0) — suffix[0] is never read: candidates start at startBin ≥ quantizedBins ≥ 1.
  for (let k = n - 1; k >= 0; k--) suffix[k] = suffix[k + 1]! + bins[k]!;

  const candidates = Math.floor((n - o.startBin) / o.stride) + 1;
  const divergences = new Float64Array(candidates);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  const levelSum = new Float64Array(nq);
  const levelNonZero = new Float64Array(nq);
  // Stryker: equivalent (c <= candidates) — one more pass past the end writes only outside the typed arrays.
  for (let c = 0; c < candidates; c++) {
    const i = o.startBin + c * o.stride;
    levelSum.fill(0);
    levelNonZero.fill(0);
    // Stryker: equivalent (j <= i) — bin i lands in p[i] (past this candidate's P, rewritten by the next)
    // and in level ⌊i·nq/i⌋ = nq, outside levelSum.
    for (let j = 0; j < i; j++) {
      const v = bins[j]!;
      p[j] = v;
      if (v !== 0) {
        const g = Math.floor((j * nq) / i);
        levelSum[g] += v;
        levelNonZero[g] += 1;
      }
    }
    p[i - 1] += suffix[i]!;
    // Stryker: equivalent (j <= i) — q[i] lies past this candidate's Q and is rewritten before it is read.
    for (let j = 0; j < i; j++) {
      q[j] = bins[j] === 0 ? 0 : levelSum[Math.floor((j * nq) / i)]! / levelNonZero[Math.floor((j * nq) / i)]!;
    }
    // Stryker: equivalent (smoothing >= 0, true, or no block) — smoothing by 0 changes nothing, and a P or Q
    // that cannot be smoothed is all zero, for which klDivergence returns ∞ as well.
    if (o.smoothing > 0 && (!smoothDistribution(p, o.smoothing, i) || !smoothDistribution(q, o.smoothing, i))) {
      divergences[c] = Infinity;
      continue;
    }
    divergences[c] = klDivergence(p, q, i);
  }
  let best = 0;
  // Stryker: equivalent (c <= candidates) — divergences[candidates] is undefined: no comparison with it holds.
  for (let c = 1; c < candidates; c++) {
    const d = divergences[c]!;
    const b = divergences[best]!;
    if (d < b || (o.ties === 'last' && d === b)) best = c;
  }
  const bin = o.startBin + best * o.stride;
  return { amax: binEdge(h, bin), bin, divergence: divergences[best]!, divergences };
}

/** Smallest bin edge with at least `percentile` % of the values at or below it. */
export function percentileAmax(h: AbsHistogram, percentile = 99.99): number {
  if (!(percentile > 0 && percentile <= 100)) throw new Error(`percentile must be in (0, 100], got ${percentile}`);
  let total = 0;
  for (let k = 0; k < h.counts.length; k++) total += h.counts[k]!;
  // Stryker: equivalent (range check dropped) — with range 0 every bin edge is 0 anyway.
  if (total === 0 || h.range === 0) return 0;
  const need = (percentile / 100) * total;
  let acc = 0;
  // Stryker: equivalent (k <= length) — counts are whole numbers, so acc reaches need (≤ total) at the last bin at the latest.
  for (let k = 0; k < h.counts.length; k++) {
    acc += h.counts[k]!;
    if (acc >= need) return binEdge(h, k + 1);
  }
  return h.range;
}

/** Symmetric int8 fake quantisation: clamp(round(x/s), −qmax, qmax)·s (round half away from zero, like torch's). */
export function fakeQuant(x: number, amax: number, qmax = 127): number {
  if (amax <= 0) return 0;
  const s = amax / qmax;
  const r = Math.sign(x) * Math.round(Math.abs(x) / s);
  return Math.max(-qmax, Math.min(qmax, r)) * s;
}

/** Expected squared quantisation error per value for `amax`, with values at their bin centres. */
export function histogramMse(h: AbsHistogram, amax: number): number {
  const n = h.counts.length;
  let total = 0;
  let err = 0;
  for (let k = 0; k < n; k++) {
    const c = h.counts[k]!;
    // Stryker: equivalent — an empty bin adds 0 to both sums.
    if (c === 0) continue;
    const x = (binEdge(h, k) + binEdge(h, k + 1)) / 2;
    const e = x - fakeQuant(x, amax);
    err += c * e * e;
    total += c;
  }
  return total === 0 ? 0 : err / total;
}

export function mseAmax(h: AbsHistogram, opts: { startBin?: number; stride?: number } = {}): { amax: number; mse: number } {
  const n = h.counts.length;
  // Stryker: equivalent — with range 0 every candidate is 0 and costs 0, so the search returns { 0, 0 } too.
  if (h.range === 0) return { amax: 0, mse: 0 };
  const start = Math.min(opts.startBin ?? 128, n - 1);
  const stride = opts.stride ?? 1;
  let best = { amax: h.range, mse: Infinity };
  for (let k = start; k < n; k += stride) {
    const amax = (binEdge(h, k) + binEdge(h, k + 1)) / 2;
    const mse = histogramMse(h, amax);
    if (mse < best.mse) best = { amax, mse };
  }
  return best;
}

export interface RangeOptions {
  percentile?: number;
  entropy?: EntropyOptions;
  mse?: { startBin?: number; stride?: number };
}

/** amax of one tensor by `method`. Never larger than the observed absmax (a wider range only loses precision). */
export function computeAmax(stats: TensorStatistics, method: RangeMethod, opts: RangeOptions = {}): number {
  let amax: number;
  switch (method) {
    case 'minmax':
      return stats.absmax;
    case 'percentile':
      amax = percentileAmax(stats.histogram, opts.percentile);
      break;
    case 'entropy':
      amax = entropyAmax(stats.histogram, opts.entropy).amax;
      break;
    case 'mse':
      amax = mseAmax(stats.histogram, opts.mse).amax;
      break;
  }
  return Math.min(amax, stats.absmax);
}

/** amax for every tensor. */
export function computeRanges(
  stats: ReadonlyMap<string, TensorStatistics>,
  method: RangeMethod,
  opts: RangeOptions = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, s] of stats) out.set(name, computeAmax(s, method, opts));
  return out;
}

export interface OrtThreshold {
  /** (low, high) as ONNX Runtime returns it, clamped to the observed min / max. */
  low: number;
  high: number;
  /** Index i of the chosen half-width (bins around the centre). */
  index: number;
  divergences: Float64Array;
}

/**
 * ONNX Runtime's entropy threshold (onnxruntime/python/tools/quantization/calibrate.py,
 * HistogramCollector.get_entropy_threshold) re-stated on a SIGNED histogram over [−t, t]:
 *   zero = ⌊bins/2⌋; for i = ⌊nq/2⌋ … zero: slice = hist[zero−i, min(zero+i+1, bins)),
 *   P = slice with the outliers of each side added to its first / last bin,
 *   Q = slice merged into nq levels of ⌊len/nq⌋ bins (remainder added to the last level), expanded as
 *       level / (non-zero bins of P in the level's first ⌊len/nq⌋ bins) into ALL those bins, TRUNCATED to an
 *       integer (ORT keeps Q in an int64 array); the remainder bins of the last level get 0;
 *   both smoothed (ε = 1e-4), KL, first minimum; threshold = (edges[start], edges[end]) clamped to (min, max).
 * These quirks (int truncation, expansion into zero bins, the dropped remainder) differ from TensorRT's
 * algorithm, which is why entropyAmax() does not use them. ORT computes KL in float32; this uses float64,
 * so near-ties can pick a neighbouring i.
 */
export function ortEntropyThreshold(
  hist: ArrayLike<number>,
  edges: ArrayLike<number>,
  min: number,
  max: number,
  quantizedBins = 128,
  eps = 1e-4,
): OrtThreshold {
  const nb = hist.length;
  const zero = Math.floor(nb / 2);
  const half = Math.floor(quantizedBins / 2);
  const prefix = new Float64Array(nb + 1);
  // Stryker: equivalent (k <= nb) — the extra write lands outside prefix.
  for (let k = 0; k < nb; k++) prefix[k + 1] = prefix[k]! + hist[k]!;
  const divergences = new Float64Array(Math.max(0, zero - half + 1));
  const p = new Float64Array(nb + 1);
  const q = new Float64Array(nb + 1);
  const levels = new Float64Array(quantizedBins);
  let best = 0;
  for (let i = half; i <= zero; i++) {
    const start = zero - i;
    const end = Math.min(zero + i + 1, nb);
    const len = end - start;
    // Stryker: equivalent (j <= len) — p[len] lies past this candidate's P and is rewritten before it is read.
    for (let j = 0; j < len; j++) p[j] = hist[start + j]!;
    p[0] += prefix[start]!;
    p[len - 1] += prefix[nb]! - prefix[end]!;
    const merged = Math.floor(len / quantizedBins);
    levels.fill(0);
    // Stryker: equivalent (g <= quantizedBins) — the extra level is written outside `levels`.
    for (let g = 0; g < quantizedBins; g++) {
      let s = 0;
      for (let j = g * merged; j < g * merged + merged; j++) s += hist[start + j]!;
      levels[g] = s;
    }
    for (let j = quantizedBins * merged; j < len; j++) levels[quantizedBins - 1] += hist[start + j]!;
    q.fill(0, 0, len);
    for (let g = 0; g < quantizedBins; g++) {
      let norm = 0;
      for (let j = g * merged; j < g * merged + merged; j++) if (p[j] !== 0) norm++;
      if (norm !== 0) {
        const v = Math.trunc(levels[g]! / norm);
        for (let j = g * merged; j < g * merged + merged; j++) q[j] = v;
      }
    }
    const ok = smoothDistribution(p, eps, len) && smoothDistribution(q, eps, len);
    const d = ok ? klDivergence(p, q, len) : Infinity;
    divergences[i - half] = d;
    if (d < divergences[best]!) best = i - half;
  }
  const i = best + half;
  const start = zero - i;
  const end = Math.min(zero + i + 1, nb);
  return {
    low: Math.max(edges[start]!, min),
    high: Math.min(edges[end]!, max),
    index: i,
    divergences,
  };
}
