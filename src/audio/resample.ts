// Band-limited resampling by a rational factor up/down (= toRate/fromRate reduced): polyphase FIR with a
// Kaiser-windowed sinc, the same arithmetic as scipy.signal.resample_poly (so it can be checked against it
// sample for sample), with a longer, steeper default filter than scipy's so that speech keeps its top
// octave and anything above the new Nyquist is pushed below -80 dB.
// Pure. Sample rates must be positive integers.
//
//   filter h (length 2·L+1, L = zeroCrossings · max(up, down)):
//     h[n] = up · w[n] · sinc(fc·(n − L)) / Σ w·sinc,  fc = rolloff / max(up, down),  w = kaiser(2L+1, beta)
//   y[k] = Σ_n x[n] · h[k·down − n·up + L],  k = 0 … ceil(len·up/down) − 1   (zero outside x)
// which is exactly resample_poly(x, up, down, window=h/up) with its padding and output alignment.
import { UserError } from '../core/errors.ts';

export interface ResampleOptions {
  /** Half-length of the filter in zero crossings of the sinc at the lower rate (default 64; scipy uses 10). */
  zeroCrossings?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency (default 0.945; scipy uses 1.0). */
  rolloff?: number;
  /** Kaiser window beta (default 8.6, ~86 dB stopband; scipy uses 5.0). */
  beta?: number;
}

export const DEFAULT_RESAMPLE: Required<ResampleOptions> = { zeroCrossings: 64, rolloff: 0.945, beta: 8.6 };
/** scipy.signal.resample_poly's own defaults (window=('kaiser', 5.0), half_len = 10·max(up, down)). */
export const SCIPY_RESAMPLE: Required<ResampleOptions> = { zeroCrossings: 10, rolloff: 1.0, beta: 5.0 };

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** up/down reduced by their gcd. */
export function resampleRatio(fromRate: number, toRate: number): { up: number; down: number } {
  for (const [name, r] of [
    ['source', fromRate],
    ['target', toRate],
  ] as const) {
    if (!Number.isInteger(r) || r <= 0) {
      throw new UserError(`${name} sample rate must be a positive integer, got ${r}`);
    }
  }
  const g = gcd(fromRate, toRate);
  return { up: toRate / g, down: fromRate / g };
}

/** Modified Bessel function of the first kind, order 0 (power series; converges for any beta used here). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

const filterCache = new Map<string, Float64Array>();

/** The FIR filter h (already scaled by `up`), as scipy's firwin(2L+1, fc, window=('kaiser', beta)) · up. */
export function designResampleFilter(up: number, down: number, opts: ResampleOptions = {}): Float64Array {
  const { zeroCrossings, rolloff, beta } = { ...DEFAULT_RESAMPLE, ...opts };
  const key = `${up}/${down}/${zeroCrossings}/${rolloff}/${beta}`;
  const hit = filterCache.get(key);
  if (hit) return hit;
  const maxRate = Math.max(up, down);
  const half = Math.round(zeroCrossings * maxRate);
  const n = 2 * half + 1;
  const fc = rolloff / maxRate;
  const h = new Float64Array(n);
  const i0b = besselI0(beta);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const m = i - half;
    const r = (2 * i) / (n - 1) - 1;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    const xs = fc * m;
    const sinc = xs === 0 ? 1 : Math.sin(Math.PI * xs) / (Math.PI * xs);
    h[i] = fc * sinc * w;
    sum += h[i]!;
  }
  const scale = up / sum;
  for (let i = 0; i < n; i++) h[i]! *= scale;
  if (filterCache.size > 32) filterCache.clear();
  filterCache.set(key, h);
  return h;
}

/** Resample mono audio from `fromRate` to `toRate`. Output length is ceil(len · toRate / fromRate). */
export function resample(x: Float32Array, fromRate: number, toRate: number, opts: ResampleOptions = {}): Float32Array {
  const { up, down } = resampleRatio(fromRate, toRate);
  if (up === 1 && down === 1) return x.slice();
  const h = designResampleFilter(up, down, opts);
  const half = (h.length - 1) / 2;
  const len = x.length;
  const outLen = Math.ceil((len * up) / down);
  const y = new Float32Array(outLen);
  for (let k = 0; k < outLen; k++) {
    const t = k * down; // position on the upsampled grid
    // inputs n with |t − n·up| ≤ half
    let n0 = Math.ceil((t - half) / up);
    let n1 = Math.floor((t + half) / up);
    if (n0 < 0) n0 = 0;
    if (n1 > len - 1) n1 = len - 1;
    let idx = t - n0 * up + half;
    let acc = 0;
    for (let n = n0; n <= n1; n++, idx -= up) acc += x[n]! * h[idx]!;
    y[k] = acc;
  }
  return y;
}
