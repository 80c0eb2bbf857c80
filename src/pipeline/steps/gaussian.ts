// The `gaussian` host step: EmotiVoice's length regulator (alignment.py GaussianUpsampling, delta 0.1,
// with variance.py DurationPredictor.inference's durations). Pure: typed arrays in, typed arrays out.
// Its Python twin is reference/emovoice_ref/emotivoice/gaussian.py; refs/e2e/*.npz hold both sides' cases.
//
//   d_j   = clamp(rounding(exp(x_j)·scale − offset), min, max)   EmotiVoice: round half to even, min 0, no max
//   if every d_j is 0: d_j = 1                                     (EmotiVoice's guard for a silent prediction)
//   F     = Σ d_j frames;  c_j = cumsum(d)_j − d_j / 2             phoneme centres
//   out_f = Σ_j softmax_j(−delta·(f − c_j)²) · hidden_j            f = 0 … F−1
//
// The frame count F depends on the data, so it is decided here and no engine has a data-dependent
// output shape. Two ways to use the step (the exporter's --upsampling; emotivoice's default is the first):
//   in: log_durations            → durations [1, T] int32, frame_times [1, F] float32 (0 … F−1)
//       the engine (acoustic_decoder) does the softmax and the matmul; F travels in frame_times' shape
//   in: log_durations, hidden    → the same, and hidden [1, F, H]: the upsampling itself on the host
// Measured (bench/gaussian.ts, reference bench_upsampling.py): inside the engine it costs next to
// nothing beside the decoder; here it costs ~20 ms for a 15-second sentence at H = 384.
// On the host, each frame only sums the phonemes whose weight can matter: centres are
// sorted, so it starts at the nearest one and walks outwards until −delta·(f − c)² falls more than
// CUTOFF below the best; the weights left out are < e^−40 ≈ 4e−18 of the total, far below float32's
// resolution, so the result equals the full softmax to float32 rounding (as a float32 softmax in torch
// underflows them too). That makes it O(F · window · H) instead of O(F · T · H).
import { UserError } from '../../core/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { FactoryContext, HostStepDef, ValueMap } from '../types.ts';
import { durationsFromLog, ROUNDINGS, type DurationRule } from './length.ts';
import { Params } from './params.ts';

/** EmotiVoice's rule: clamp(round(exp(x) − 1), min 0), half to even as torch.round, no maximum. */
export const EMOTIVOICE_DURATIONS: DurationRule = { scale: 1, offset: 1, rounding: 'round_half_even', min: 0, max: Infinity };

const CUTOFF = 40;

/** EmotiVoice's guard: a sentence predicted as all-zero durations gets one frame per phoneme. */
export function guardSilent(d: Int32Array): Int32Array {
  for (const v of d) if (v !== 0) return d;
  return new Int32Array(d.length).fill(1);
}

/**
 * hidden [T, H] (row-major) and durations [T] → [F, H] with F = Σ d. Weights are computed in float64
 * and each output row is accumulated in float64 before rounding to float32.
 */
export function gaussianUpsample(hidden: Float32Array, T: number, H: number, d: Int32Array, delta: number): Float32Array {
  if (d.length !== T) throw new Error(`gaussianUpsample: ${d.length} durations for ${T} phonemes`);
  const centres = new Float64Array(T);
  let frames = 0;
  for (let j = 0; j < T; j++) {
    frames += d[j]!;
    centres[j] = frames - d[j]! / 2;
  }
  const out = new Float32Array(frames * H);
  const acc = new Float64Array(H);
  const w = new Float64Array(T);
  let near = 0;
  for (let f = 0; f < frames; f++) {
    while (near + 1 < T && Math.abs(centres[near + 1]! - f) <= Math.abs(centres[near]! - f)) near++;
    const best = delta * (f - centres[near]!) ** 2;
    let lo = near;
    let hi = near;
    while (lo > 0 && delta * (f - centres[lo - 1]!) ** 2 - best <= CUTOFF) lo--;
    while (hi + 1 < T && delta * (f - centres[hi + 1]!) ** 2 - best <= CUTOFF) hi++;
    let sum = 0;
    for (let j = lo; j <= hi; j++) {
      w[j] = Math.exp(best - delta * (f - centres[j]!) ** 2);
      sum += w[j]!;
    }
    acc.fill(0);
    for (let j = lo; j <= hi; j++) {
      const wj = w[j]! / sum;
      const row = j * H;
      for (let k = 0; k < H; k++) acc[k]! += wj * hidden[row + k]!;
    }
    out.set(acc, f * H);
  }
  return out;
}

/** The `durations:` params as `repeat` reads them, with EmotiVoice's defaults (min 0, no max). */
function durationRule(p: Params, ctx: FactoryContext): DurationRule {
  const d = p.object('durations');
  const rule: DurationRule = {
    scale: d.number('scale', 1, (v) => v > 0, 'a positive number'),
    offset: d.number('offset', EMOTIVOICE_DURATIONS.offset),
    rounding: d.oneOf('rounding', ROUNDINGS, EMOTIVOICE_DURATIONS.rounding),
    min: d.number('min', EMOTIVOICE_DURATIONS.min, (v) => Number.isInteger(v) && v >= 0, 'a whole number ≥ 0'),
    max: d.number('max', EMOTIVOICE_DURATIONS.max, (v) => v === Infinity || (Number.isInteger(v) && v >= 1), 'a whole number ≥ 1'),
  };
  d.done();
  if (rule.max < rule.min) {
    throw new UserError(`gaussian: durations.max (${rule.max}) is below durations.min (${rule.min})`, {
      place: { ...ctx.place, path: `${ctx.place.path ?? 'params'}.durations.max` },
      hint: 'raise max or lower min (EmotiVoice: min 0, no max)',
    });
  }
  return rule;
}

function asFloat(v: ValueMap[string] | undefined, port: string): Tensor {
  if (v === undefined || typeof v === 'string' || v.dtype !== 'float32') {
    throw new Error(`gaussian: input ${port} must be a float32 tensor`);
  }
  return v;
}

export const gaussianStep: HostStepDef = {
  name: 'gaussian',
  description: "EmotiVoice's Gaussian upsampling: log durations → frames per phoneme, hidden → one row per frame (softmax over phoneme centres)",
  inputs: [
    { name: 'log_durations', dtype: 'float32' },
    { name: 'hidden', dtype: 'float32', optional: true },
  ],
  outputs: [
    { name: 'durations', dtype: 'int32' },
    { name: 'frame_times', dtype: 'float32' },
    // only when `hidden` is given (the upsampling on the host)
    { name: 'hidden', dtype: 'float32' },
  ],
  create(params, ctx) {
    const p = new Params(params, ctx, 'gaussian');
    const delta = p.number('delta', 0.1, (v) => v > 0, 'a positive number');
    const rule = durationRule(p, ctx);
    p.done();
    return {
      run(inputs) {
        const logD = asFloat(inputs.log_durations, 'log_durations');
        const t = logD.data.length;
        if (logD.shape.length !== 2 || logD.shape[0] !== 1 || t === 0) {
          throw new Error(`gaussian: expects log_durations [1, T] with T > 0, got [${logD.shape}]`);
        }
        const d = guardSilent(durationsFromLog(logD.data as Float32Array, rule));
        let frames = 0;
        for (const v of d) frames += v;
        const out: ValueMap = {
          durations: { dtype: 'int32', shape: [1, t], data: d },
          frame_times: { dtype: 'float32', shape: [1, frames], data: Float32Array.from({ length: frames }, (_, i) => i) },
        };
        if (inputs.hidden !== undefined) {
          const hidden = asFloat(inputs.hidden, 'hidden');
          const [b, ht, h] = hidden.shape as [number, number, number];
          if (hidden.shape.length !== 3 || b !== 1 || ht !== t) {
            throw new Error(`gaussian: expects hidden [1, ${t}, H] beside log_durations [1, ${t}], got [${hidden.shape}]`);
          }
          out.hidden = { dtype: 'float32', shape: [1, frames, h], data: gaussianUpsample(hidden.data as Float32Array, t, h, d, delta) };
        }
        return out;
      },
    };
  },
};
