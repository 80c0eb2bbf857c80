// Host-side length regulation between the acoustic encoder and decoder engines.
// The acoustic model is split here so no engine has a data-dependent output shape: the encoder
// predicts log-durations, the host turns them into whole frame counts and repeats each phoneme's
// adapted hidden vector that many times. Pure; must match emovoice_ref's Python implementation.
import type { Tensor } from '../tensor/tensor.ts';

export interface LengthRegulatorConfig {
  maxFramesPerPhoneme: number;
  minFrames: number;
}

/** durations = clamp(round(exp(logD) - 1), minFrames, maxFramesPerPhoneme); padding ids get 0 frames. */
export function durationsFromLog(logDurations: Float32Array, cfg: LengthRegulatorConfig, padMask?: Uint8Array): Int32Array {
  const out = new Int32Array(logDurations.length);
  for (let i = 0; i < logDurations.length; i++) {
    if (padMask && padMask[i]) {
      out[i] = 0;
      continue;
    }
    // Python's round() and torch.round() round half to even; Math.round rounds half up.
    const d = roundHalfEven(Math.exp(logDurations[i]!) - 1);
    out[i] = Math.min(cfg.maxFramesPerPhoneme, Math.max(cfg.minFrames, d));
  }
  return out;
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Repeat rows of hidden [1, T, H] by durations[T] → frame_hidden [1, sum(d), H]. */
export function regulateLength(hidden: Tensor, durations: Int32Array): Tensor {
  const [b, t, h] = hidden.shape as [number, number, number];
  if (b !== 1) throw new Error(`length regulation expects batch 1, got ${b}`);
  if (durations.length !== t) throw new Error(`durations has ${durations.length} entries, hidden has ${t} steps`);
  let frames = 0;
  for (const d of durations) frames += d;
  const src = hidden.data as Float32Array;
  const dst = new Float32Array(frames * h);
  let row = 0;
  for (let i = 0; i < t; i++) {
    const vec = src.subarray(i * h, (i + 1) * h);
    for (let k = 0; k < durations[i]!; k++) dst.set(vec, (row++) * h);
  }
  return { dtype: 'float32', shape: [1, frames, h], data: dst };
}
