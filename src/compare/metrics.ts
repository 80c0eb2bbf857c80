// Numeric comparison metrics between a produced output `out` and a reference `ref`.
// Pure functions over typed arrays; float64 accumulation; one pass over the data where possible.
// They never decide pass/fail (compare.ts does) and never throw for bad numbers: NaN/Inf flow through
// and are counted, so a broken engine shows up as a failed check, not a crash.
//
// Definitions (a = out, b = ref, n elements):
//   max_abs   = max |a−b|                      mean_abs = Σ|a−b| / n
//   rel_l2    = ‖a−b‖₂ / ‖b‖₂   (‖b‖ = 0: 0 if a = b, else +inf)
//   cosine    = a·b / (‖a‖‖b‖)  (both zero: 1; one zero: 0)
//   snr_db    = 10·log10(Σb² / Σ(b−a)²)  (+inf when identical)
//   lsd_db    log-spectral distance of two waveforms: power spectra P = |STFT|² (periodic Hann, reflect pad
//             (n_fft−hop)/2, frames every hop; default 1024/256/1024), then per frame
//             sqrt(mean_k (10·log10((P_b+ε)/(P_a+ε)))²), ε = 1e-10, averaged over frames. Symmetric in a, b.
//   mcd_db    mel-cepstral distortion of two natural-log mel spectrograms [.., n_mels, frames]: per frame the
//             orthonormal DCT-II over the mel axis, c_k = sqrt(2/N)·Σ_n L[n]·cos(π·k·(2n+1)/(2N)), k = 1..K
//             (c0, the overall level, is left out; K = min(24, n_mels−1) unless given), then
//             (10/ln10)·sqrt(2·Σ_k (c_k(a) − c_k(b))²), averaged over frames (and batch). A log10 mel is first
//             scaled by ln10. Being a DCT of log-mel magnitudes rather than SPTK mel-cepstra, its values
//             compare with each other, not with MCD figures from papers.
import { reflectPad, spectrogram, type StftConfig } from '../audio/stft.ts';

export type Numeric = Float32Array | Float64Array;

export interface ElementwiseMetrics {
  max_abs: number;
  mean_abs: number;
  rel_l2: number;
  cosine: number;
  snr_db: number;
  /** NaN or ±Inf elements in `out` (the reference is trusted). */
  non_finite: number;
}

/** All elementwise metrics in one pass. */
export function elementwise(out: Numeric, ref: Numeric): ElementwiseMetrics {
  if (out.length !== ref.length) throw new Error(`metrics need equal lengths, got ${out.length} and ${ref.length}`);
  let maxAbs = 0;
  let sumAbs = 0;
  let sumErr2 = 0;
  let sumRef2 = 0;
  let sumOut2 = 0;
  let dot = 0;
  let nonFinite = 0;
  let nanSeen = false;
  for (let i = 0; i < out.length; i++) {
    const a = out[i]!;
    const b = ref[i]!;
    if (!Number.isFinite(a)) nonFinite++;
    const d = a - b;
    const ad = Math.abs(d);
    // Stryker: equivalent (>=) — an equal value replaces the maximum by itself.
    if (ad > maxAbs) maxAbs = ad;
    else if (ad !== ad) nanSeen = true;
    sumAbs += ad;
    sumErr2 += d * d;
    sumRef2 += b * b;
    sumOut2 += a * a;
    dot += a * b;
  }
  const n = out.length;
  return {
    max_abs: nanSeen ? NaN : maxAbs,
    mean_abs: n ? sumAbs / n : 0,
    rel_l2: l2Ratio(sumErr2, sumRef2),
    cosine: cosineOf(dot, sumOut2, sumRef2),
    snr_db: snrOf(sumRef2, sumErr2),
    non_finite: nonFinite,
  };
}

function l2Ratio(err2: number, ref2: number): number {
  if (ref2 === 0) return err2 === 0 ? 0 : Infinity;
  return Math.sqrt(err2 / ref2);
}

function cosineOf(dot: number, a2: number, b2: number): number {
  if (a2 === 0 && b2 === 0) return 1;
  if (a2 === 0 || b2 === 0) return 0;
  return dot / Math.sqrt(a2 * b2);
}

function snrOf(ref2: number, err2: number): number {
  if (err2 === 0) return Infinity;
  // Stryker: equivalent — 10·log10(x / NaN) is NaN too; the line only says so.
  if (Number.isNaN(err2)) return NaN;
  return 10 * Math.log10(ref2 / err2);
}

export const maxAbs = (out: Numeric, ref: Numeric): number => elementwise(out, ref).max_abs;
export const meanAbs = (out: Numeric, ref: Numeric): number => elementwise(out, ref).mean_abs;
export const relL2 = (out: Numeric, ref: Numeric): number => elementwise(out, ref).rel_l2;
export const cosineSimilarity = (out: Numeric, ref: Numeric): number => elementwise(out, ref).cosine;
export const snrDb = (out: Numeric, ref: Numeric): number => elementwise(out, ref).snr_db;

export const DEFAULT_LSD_STFT: StftConfig = { n_fft: 1024, hop: 256, win_length: 1024 };
const LSD_EPS = 1e-10;

/** Log-spectral distance in dB between two equally long mono waveforms (see the module header). */
export function logSpectralDistance(out: Float32Array, ref: Float32Array, stft: StftConfig = DEFAULT_LSD_STFT): number {
  if (out.length !== ref.length) throw new Error(`LSD needs equal lengths, got ${out.length} and ${ref.length}`);
  const pad = Math.floor((stft.n_fft - stft.hop) / 2);
  const pa = spectrogram(reflectPad(out, pad), stft, 'power');
  const pb = spectrogram(reflectPad(ref, pad), stft, 'power');
  // Stryker: equivalent — with no frames the sum below is 0 and 0 / 0 is NaN as well.
  if (pa.frames === 0) return NaN;
  const { frames, bins } = pa;
  let total = 0;
  for (let t = 0; t < frames; t++) {
    let s = 0;
    const row = t * bins;
    for (let k = 0; k < bins; k++) {
      const d = 10 * Math.log10((pb.data[row + k]! + LSD_EPS) / (pa.data[row + k]! + LSD_EPS));
      s += d * d;
    }
    total += Math.sqrt(s / bins);
  }
  return total / frames;
}

export interface McdOptions {
  /** Highest cepstral coefficient used (c1..cK); default min(24, n_mels − 1). */
  order?: number;
  /** Base of the log-mels (default 'e'). */
  logBase?: 'e' | '10';
}

const dctCache = new Map<string, Float64Array>();

function dctBasis(nMels: number, order: number): Float64Array {
  const key = `${nMels}/${order}`;
  let m = dctCache.get(key);
  // Stryker: equivalent (always rebuild) — the cache only saves time.
  if (!m) {
    m = new Float64Array(order * nMels);
    const s = Math.sqrt(2 / nMels);
    for (let k = 1; k <= order; k++) {
      // Stryker: equivalent (n <= nMels) — the extra write is the next row's first entry, rewritten right after (or past the end).
      for (let n = 0; n < nMels; n++) m[(k - 1) * nMels + n] = s * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nMels));
    }
    dctCache.set(key, m);
  }
  return m;
}

/**
 * Mel-cepstral distortion in dB between log-mels laid out [..batch, n_mels, frames] (see the module header).
 * Only the difference matters, so the DCT is taken of (a − b) directly.
 */
export function melCepstralDistortion(out: Numeric, ref: Numeric, shape: readonly number[], opts: McdOptions = {}): number {
  if (out.length !== ref.length) throw new Error(`MCD needs equal sizes, got ${out.length} and ${ref.length}`);
  if (shape.length < 2) throw new Error('MCD needs a [n_mels, frames] layout');
  const nMels = shape[shape.length - 2]!;
  const frames = shape[shape.length - 1]!;
  if (nMels < 2) throw new Error('MCD needs at least 2 mel bands');
  const order = Math.min(opts.order ?? 24, nMels - 1);
  const basis = dctBasis(nMels, order);
  const scale = opts.logBase === '10' ? Math.LN10 : 1;
  const k = (10 / Math.LN10) * Math.SQRT2 * scale;
  const plane = nMels * frames;
  const batches = out.length / plane;
  const diff = new Float64Array(nMels);
  let total = 0;
  let count = 0;
  for (let p = 0; p < batches; p++) {
    for (let t = 0; t < frames; t++) {
      // Stryker: equivalent (n <= nMels) — the extra write lands outside `diff`.
      for (let n = 0; n < nMels; n++) {
        const i = p * plane + n * frames + t;
        diff[n] = out[i]! - ref[i]!;
      }
      let s = 0;
      for (let c = 0; c < order; c++) {
        let v = 0;
        const row = c * nMels;
        // Stryker: equivalent (v -=) — the coefficient's sign flips and only its square is used.
        for (let n = 0; n < nMels; n++) v += basis[row + n]! * diff[n]!;
        s += v * v;
      }
      total += k * Math.sqrt(s);
      count++;
    }
  }
  return count ? total / count : 0;
}
