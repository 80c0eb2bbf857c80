// Real-input FFT in float64: iterative radix-2 for powers of two (a real transform of size n done as one
// complex transform of size n/2), Bluestein's chirp-z for every other size. Pure; one plan per size,
// reused across frames, no allocation per call.

/** In-place complex radix-2 FFT (forward, e^{-2πi nk/N}) of size n (a power of two). */
class ComplexFFT {
  readonly n: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(n: number) {
    if (n < 1 || (n & (n - 1)) !== 0) throw new Error(`ComplexFFT size ${n} is not a power of two`);
    this.n = n;
    this.cos = new Float64Array(n / 2);
    this.sin = new Float64Array(n / 2);
    for (let i = 0; i < n / 2; i++) {
      this.cos[i] = Math.cos((2 * Math.PI * i) / n);
      this.sin[i] = -Math.sin((2 * Math.PI * i) / n);
    }
    this.rev = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  transform(re: Float64Array, im: Float64Array): void {
    const { n, rev, cos, sin } = this;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        let t = re[i]!;
        re[i] = re[j]!;
        re[j] = t;
        t = im[i]!;
        im[i] = im[j]!;
        im[j] = t;
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const halfSize = size >>> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0, tw = 0; k < halfSize; k++, tw += step) {
          const a = start + k;
          const b = a + halfSize;
          const wr = cos[tw]!;
          const wi = sin[tw]!;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a]! += xr;
          im[a]! += xi;
        }
      }
    }
  }
}

/** Forward real FFT of size n: bins 0 … n/2 (inclusive) into caller-provided arrays. */
export class RealFFT {
  readonly n: number;
  readonly bins: number;
  private readonly impl: (x: ArrayLike<number>, re: Float64Array, im: Float64Array) => void;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`FFT size must be a positive integer, got ${n}`);
    this.n = n;
    this.bins = Math.floor(n / 2) + 1;
    if (n >= 4 && (n & (n - 1)) === 0) this.impl = packedRadix2(n);
    else if (n <= 16) this.impl = directDft(n);
    else this.impl = bluestein(n);
  }

  /** x has n samples; re/im receive n/2+1 bins. */
  forward(x: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    this.impl(x, re, im);
  }
}

function directDft(n: number) {
  return (x: ArrayLike<number>, re: Float64Array, im: Float64Array) => {
    for (let k = 0; k <= n / 2; k++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * ((k * t) % n)) / n;
        sr += x[t]! * Math.cos(a);
        si += x[t]! * Math.sin(a);
      }
      re[k] = sr;
      im[k] = si;
    }
  };
}

/** Real FFT of size n via a complex FFT of size n/2 on z[m] = x[2m] + i·x[2m+1]. */
function packedRadix2(n: number) {
  const h = n / 2;
  const fft = new ComplexFFT(h);
  const zr = new Float64Array(h);
  const zi = new Float64Array(h);
  const wr = new Float64Array(h + 1);
  const wi = new Float64Array(h + 1);
  for (let k = 0; k <= h; k++) {
    wr[k] = Math.cos((2 * Math.PI * k) / n);
    wi[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  return (x: ArrayLike<number>, re: Float64Array, im: Float64Array) => {
    for (let m = 0; m < h; m++) {
      zr[m] = x[2 * m]!;
      zi[m] = x[2 * m + 1]!;
    }
    fft.transform(zr, zi);
    for (let k = 0; k <= h; k++) {
      const a = k % h;
      const b = (h - k) % h;
      // even part E = (Z[k] + conj Z[h-k]) / 2, odd part O = (Z[k] − conj Z[h-k]) / 2i
      const er = (zr[a]! + zr[b]!) / 2;
      const ei = (zi[a]! - zi[b]!) / 2;
      const or = (zi[a]! + zi[b]!) / 2;
      const oi = -(zr[a]! - zr[b]!) / 2;
      re[k] = er + wr[k]! * or - wi[k]! * oi;
      im[k] = ei + wr[k]! * oi + wi[k]! * or;
    }
  };
}

/** Bluestein: X[k] = conj(c[k]) · Σ x[t]·conj(c[t]) · c[k−t], c[m] = e^{iπ m²/n}, as a power-of-two convolution. */
function bluestein(n: number) {
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const fft = new ComplexFFT(m);
  const cr = new Float64Array(n);
  const ci = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const a = (Math.PI * ((t * t) % (2 * n))) / n; // t² mod 2n keeps the angle exact
    cr[t] = Math.cos(a);
    ci[t] = Math.sin(a);
  }
  // spectrum of the chirp kernel b[j] = c[j] for j in (−n, n), wrapped
  const br = new Float64Array(m);
  const bi = new Float64Array(m);
  for (let t = 0; t < n; t++) {
    br[t] = cr[t]!;
    bi[t] = ci[t]!;
    if (t > 0) {
      br[m - t] = cr[t]!;
      bi[m - t] = ci[t]!;
    }
  }
  fft.transform(br, bi);
  const ar = new Float64Array(m);
  const ai = new Float64Array(m);
  return (x: ArrayLike<number>, re: Float64Array, im: Float64Array) => {
    ar.fill(0);
    ai.fill(0);
    for (let t = 0; t < n; t++) {
      ar[t] = x[t]! * cr[t]!;
      ai[t] = -x[t]! * ci[t]!;
    }
    fft.transform(ar, ai);
    for (let j = 0; j < m; j++) {
      const r = ar[j]! * br[j]! - ai[j]! * bi[j]!;
      const i = ar[j]! * bi[j]! + ai[j]! * br[j]!;
      // inverse via conj(FFT(conj(·)))
      ar[j] = r;
      ai[j] = -i;
    }
    fft.transform(ar, ai);
    const bins = Math.floor(n / 2) + 1;
    for (let k = 0; k < bins; k++) {
      const vr = ar[k]! / m;
      const vi = -ai[k]! / m;
      re[k] = vr * cr[k]! + vi * ci[k]!;
      im[k] = vi * cr[k]! - vr * ci[k]!;
    }
  };
}
