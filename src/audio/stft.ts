// Short-time Fourier transform pieces shared by the log-mel front end and the spectral metrics:
// periodic Hann window (zero-padded, centred, to n_fft as torch.stft does), reflect padding, frame count,
// and magnitude/power spectrogram frames. Pure; float64 inside.
import { UserError } from '../core/errors.ts';
import { RealFFT } from './fft.ts';

export interface StftConfig {
  n_fft: number;
  hop: number;
  win_length: number;
}

/** torch.hann_window(win, periodic=True), centred in n_fft zeros (left pad floor((n_fft − win)/2)). */
export function hannWindow(winLength: number, nFft: number): Float64Array {
  if (winLength > nFft) throw new UserError(`win_length ${winLength} is larger than n_fft ${nFft}`);
  const w = new Float64Array(nFft);
  const left = Math.floor((nFft - winLength) / 2);
  for (let i = 0; i < winLength; i++) w[left + i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / winLength);
  return w;
}

/** numpy/torch 'reflect' padding (the edge sample is not repeated). */
export function reflectPad(x: Float32Array, pad: number): Float32Array {
  if (pad === 0) return x;
  if (x.length <= pad) {
    throw new UserError(`audio too short for reflect padding: ${x.length} samples, need more than ${pad}`, {
      hint: 'use a longer recording',
    });
  }
  const n = x.length;
  const out = new Float32Array(n + 2 * pad);
  out.set(x, pad);
  for (let i = 0; i < pad; i++) {
    out[pad - 1 - i] = x[i + 1]!;
    out[pad + n + i] = x[n - 2 - i]!;
  }
  return out;
}

/** Number of frames of an un-centred STFT over `len` samples: floor((len − n_fft)/hop) + 1 (0 if too short). */
export function frameCount(len: number, nFft: number, hop: number): number {
  return len < nFft ? 0 : Math.floor((len - nFft) / hop) + 1;
}

export interface Spectrogram {
  frames: number;
  bins: number;
  /** [frames, bins], row-major. */
  data: Float64Array;
}

/**
 * Frames every `hop` samples of `x` (no padding added here), windowed, transformed.
 * mode 'magnitude': sqrt(re² + im² + eps) (eps 1e-9 as the log-mel definition says); 'power': re² + im².
 */
export function spectrogram(x: Float32Array, cfg: StftConfig, mode: 'magnitude' | 'power', eps = 1e-9): Spectrogram {
  const { n_fft: nFft, hop } = cfg;
  const window = hannWindow(cfg.win_length, nFft);
  const fft = new RealFFT(nFft);
  const bins = fft.bins;
  const frames = frameCount(x.length, nFft, hop);
  const data = new Float64Array(frames * bins);
  const buf = new Float64Array(nFft);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    const start = t * hop;
    for (let i = 0; i < nFft; i++) buf[i] = x[start + i]! * window[i]!;
    fft.forward(buf, re, im);
    const row = t * bins;
    if (mode === 'power') {
      for (let b = 0; b < bins; b++) data[row + b] = re[b]! * re[b]! + im[b]! * im[b]!;
    } else {
      for (let b = 0; b < bins; b++) data[row + b] = Math.sqrt(re[b]! * re[b]! + im[b]! * im[b]! + eps);
    }
  }
  return { frames, bins, data };
}
