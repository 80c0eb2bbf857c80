// Host-side length regulation between an encoder engine and a decoder engine. A model is split here
// so no engine has a data-dependent output shape: the encoder predicts log-durations, the host turns
// them into whole frame counts and repeats each phoneme's hidden vector that many times. Pure; must
// match the Python reference implementations (emovoice_ref, the Triton orchestrator) bit for bit.
import type { Tensor } from '../../tensor/tensor.ts';

export type Rounding = 'round_half_even' | 'round' | 'ceil' | 'floor';
export const ROUNDINGS: readonly Rounding[] = ['round_half_even', 'round', 'ceil', 'floor'];

/** d = clamp(rounding(exp(x) · scale − offset), min, max); padding positions (padMask) get 0 frames. */
export interface DurationRule {
  scale: number;
  offset: number;
  rounding: Rounding;
  min: number;
  max: number;
}

/** The reference-audio family's rule (and format 1's): round-half-even(exp(x) − 1), at least 1, at most 50. */
export const DEFAULT_DURATION_RULE: DurationRule = { scale: 1, offset: 1, rounding: 'round_half_even', min: 1, max: 50 };

export function durationsFromLog(logDurations: Float32Array, rule: DurationRule, padMask?: Uint8Array): Int32Array {
  const out = new Int32Array(logDurations.length);
  const round = ROUNDERS[rule.rounding];
  // Stryker: equivalent (i <= length) — the extra write lands past the end of the Int32Array.
  for (let i = 0; i < logDurations.length; i++) {
    if (padMask && padMask[i]) {
      out[i] = 0;
      continue;
    }
    const d = round(Math.exp(logDurations[i]!) * rule.scale - rule.offset);
    out[i] = Math.min(rule.max, Math.max(rule.min, d));
  }
  return out;
}

/** Python's round() and torch.round() round half to even; Math.round rounds half up. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const ROUNDERS: Record<Rounding, (x: number) => number> = {
  round_half_even: roundHalfEven,
  round: Math.round,
  ceil: Math.ceil,
  floor: Math.floor,
};

/**
 * Repeat each step of `hidden` by durations → frames. `framesFirst`: hidden is [1, T, H] → [1, F, H];
 * else channels first, [1, H, T] → [1, H, F]. F = sum(durations).
 */
export function regulateLength(hidden: Tensor, durations: Int32Array, framesFirst = true): Tensor {
  if (hidden.shape.length !== 3) throw new Error(`length regulation expects a rank-3 tensor, got [${hidden.shape.join(', ')}]`);
  const [b, d1, d2] = hidden.shape as [number, number, number];
  if (b !== 1) throw new Error(`length regulation expects batch 1, got ${b}`);
  const t = framesFirst ? d1 : d2;
  if (durations.length !== t) throw new Error(`durations has ${durations.length} entries, hidden has ${t} steps`);
  let frames = 0;
  for (const d of durations) frames += d;
  const src = hidden.data as Float32Array;
  if (framesFirst) {
    const h = d2;
    const dst = new Float32Array(frames * h);
    let row = 0;
    // Stryker: equivalent (i <= t) — durations[t] is undefined, so the extra step repeats nothing.
    for (let i = 0; i < t; i++) {
      const vec = src.subarray(i * h, (i + 1) * h);
      for (let k = 0; k < durations[i]!; k++) dst.set(vec, row++ * h);
    }
    return { dtype: 'float32', shape: [1, frames, h], data: dst };
  }
  const h = d1;
  const dst = new Float32Array(h * frames);
  // Stryker: equivalent (c <= h, i <= t) — an extra channel writes past the end of dst; an extra step has
  // no duration (durations[t] is undefined), so it repeats nothing.
  for (let c = 0; c < h; c++) {
    let f = c * frames;
    // Stryker: equivalent (i <= t) — durations[t] is undefined: the extra step repeats nothing.
    for (let i = 0; i < t; i++) {
      const v = src[c * t + i]!;
      for (let k = 0; k < durations[i]!; k++) dst[f++] = v;
    }
  }
  return { dtype: 'float32', shape: [1, h, frames], data: dst };
}
