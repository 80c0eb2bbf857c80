// Log-mel spectrogram exactly as docs/model-manifest.md defines it (HiFi-GAN style):
//   reflect-pad (n_fft − hop)/2 → frames every hop, periodic Hann(win) centred in n_fft → |X| = sqrt(re²+im²+1e-9)
//   → Slaney mel filterbank with Slaney area norm (librosa htk=False, norm='slaney', float32 weights)
//   → log(max(mel, clamp_min)) (natural or base 10).
// Result: float32 [n_mels, frames] (vocoder layout); transposeMel() gives [frames, n_mels] (style encoder).
// Pure. Checked against a torch.stft implementation to 1e-4 (test/audio/mel.test.ts).
import { UserError } from '../core/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { frameCount, reflectPad, spectrogram } from './stft.ts';

export interface MelConfig {
  sample_rate: number;
  n_fft: number;
  hop: number;
  win_length: number;
  n_mels: number;
  fmin: number;
  fmax: number;
  log_base: 'e' | '10';
  clamp_min: number;
}

/** Build a MelConfig from a manifest's `audio` section ({ sample_rate, mel: {...} }); bad values → UserError with the key path. */
export function melConfigFromManifest(audio: unknown, file?: string): MelConfig {
  const a = (audio ?? {}) as { sample_rate?: unknown; mel?: Record<string, unknown> };
  const m = a.mel ?? {};
  const num = (v: unknown, path: string, integer: boolean): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && (!Number.isInteger(v) || v <= 0))) {
      throw new UserError(`expected ${integer ? 'a positive integer' : 'a number'}, got ${JSON.stringify(v)}`, {
        place: { file, path },
      });
    }
    return v;
  };
  const base = String(m.log_base ?? 'e');
  if (base !== 'e' && base !== '10') {
    throw new UserError(`log_base must be e or 10, got ${JSON.stringify(m.log_base)}`, { place: { file, path: 'audio.mel.log_base' } });
  }
  for (const [k, want] of [
    ['pad', 'reflect'],
    ['center', false],
    ['window', 'hann'],
    ['mel_scale', 'slaney'],
    ['norm', 'slaney'],
  ] as const) {
    if (m[k] !== undefined && m[k] !== want) {
      throw new UserError(`only ${k}: ${want} is implemented, got ${JSON.stringify(m[k])}`, { place: { file, path: `audio.mel.${k}` } });
    }
  }
  const cfg: MelConfig = {
    sample_rate: num(a.sample_rate, 'audio.sample_rate', true),
    n_fft: num(m.n_fft, 'audio.mel.n_fft', true),
    hop: num(m.hop, 'audio.mel.hop', true),
    win_length: num(m.win_length ?? m.n_fft, 'audio.mel.win_length', true),
    n_mels: num(m.n_mels, 'audio.mel.n_mels', true),
    fmin: num(m.fmin ?? 0, 'audio.mel.fmin', false),
    fmax: num(m.fmax ?? (a.sample_rate as number) / 2, 'audio.mel.fmax', false),
    log_base: base,
    clamp_min: num(m.clamp_min ?? 1e-5, 'audio.mel.clamp_min', false),
  };
  if (cfg.win_length > cfg.n_fft) throw new UserError('win_length must not exceed n_fft', { place: { file, path: 'audio.mel.win_length' } });
  if (!(cfg.fmin >= 0 && cfg.fmin < cfg.fmax)) throw new UserError('need 0 ≤ fmin < fmax', { place: { file, path: 'audio.mel.fmin' } });
  if (!(cfg.clamp_min > 0)) throw new UserError('clamp_min must be > 0', { place: { file, path: 'audio.mel.clamp_min' } });
  return cfg;
}

// Slaney mel scale (librosa hz_to_mel / mel_to_hz with htk=False)
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;

export function hzToMel(f: number): number {
  return f >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(f / MIN_LOG_HZ) / LOGSTEP : f / F_SP;
}

export function melToHz(m: number): number {
  return m >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (m - MIN_LOG_MEL)) : F_SP * m;
}

const fbCache = new Map<string, Float32Array>();

/** librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney', dtype=float32): [n_mels, n_fft/2+1]. */
export function melFilterbank(sr: number, nFft: number, nMels: number, fmin: number, fmax: number): Float32Array {
  const key = `${sr}/${nFft}/${nMels}/${fmin}/${fmax}`;
  const hit = fbCache.get(key);
  if (hit) return hit;
  const bins = Math.floor(nFft / 2) + 1;
  const fftFreqs = new Float64Array(bins);
  for (let b = 0; b < bins; b++) fftFreqs[b] = (b * sr) / nFft;
  const melMin = hzToMel(fmin);
  const melMax = hzToMel(fmax);
  const melF = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) melF[i] = melToHz(melMin + ((melMax - melMin) * i) / (nMels + 1));
  const w = new Float32Array(nMels * bins);
  for (let i = 0; i < nMels; i++) {
    const lo = melF[i]!;
    const mid = melF[i + 1]!;
    const hi = melF[i + 2]!;
    const enorm = 2 / (hi - lo);
    for (let b = 0; b < bins; b++) {
      const lower = (fftFreqs[b]! - lo) / (mid - lo);
      const upper = (hi - fftFreqs[b]!) / (hi - mid);
      const tri = Math.max(0, Math.min(lower, upper));
      // librosa stores the triangle in float32, then multiplies by enorm (float64) and stores float32 again
      w[i * bins + b] = Math.fround(Math.fround(tri) * enorm);
    }
  }
  fbCache.set(key, w);
  return w;
}

/** Log-mel of mono audio at cfg.sample_rate: float32 [n_mels, frames]. */
export function logMel(samples: Float32Array, cfg: MelConfig): Tensor {
  const pad = Math.floor((cfg.n_fft - cfg.hop) / 2);
  const padded = reflectPad(samples, pad);
  const frames = frameCount(padded.length, cfg.n_fft, cfg.hop);
  if (frames < 1) {
    throw new UserError(`audio too short for a mel frame: ${samples.length} samples`, { hint: 'use a longer recording' });
  }
  const spec = spectrogram(padded, cfg, 'magnitude', 1e-9);
  const fb = melFilterbank(cfg.sample_rate, cfg.n_fft, cfg.n_mels, cfg.fmin, cfg.fmax);
  const bins = spec.bins;
  const { n_mels: nMels, clamp_min: clampMin } = cfg;
  const logScale = cfg.log_base === '10' ? 1 / Math.LN10 : 1;
  // band limits of each filter, so the inner loop skips the zeros
  const first = new Int32Array(nMels);
  const last = new Int32Array(nMels);
  for (let m = 0; m < nMels; m++) {
    let f = bins;
    let l = -1;
    for (let b = 0; b < bins; b++) {
      if (fb[m * bins + b] !== 0) {
        if (f === bins) f = b;
        l = b;
      }
    }
    first[m] = f;
    last[m] = l;
  }
  const out = new Float32Array(nMels * frames);
  for (let t = 0; t < frames; t++) {
    const row = t * bins;
    for (let m = 0; m < nMels; m++) {
      let acc = 0;
      const wRow = m * bins;
      for (let b = first[m]!; b <= last[m]!; b++) acc += fb[wRow + b]! * spec.data[row + b]!;
      out[m * frames + t] = Math.log(acc > clampMin ? acc : clampMin) * logScale;
    }
  }
  return { dtype: 'float32', shape: [nMels, frames], data: out };
}

/** [n_mels, frames] → [frames, n_mels] (the style encoder's layout). Works on a leading batch dim too. */
export function transposeMel(mel: Tensor): Tensor {
  const s = mel.shape;
  if (s.length < 2) throw new Error(`transposeMel needs ≥ 2 dims, got [${s.join(', ')}]`);
  const rows = s[s.length - 2]!;
  const cols = s[s.length - 1]!;
  const src = mel.data as Float32Array;
  const out = new Float32Array(src.length);
  const plane = rows * cols;
  for (let p = 0; p < src.length; p += plane) {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[p + c * rows + r] = src[p + r * cols + c]!;
  }
  return { dtype: 'float32', shape: [...s.slice(0, -2), cols, rows], data: out };
}
