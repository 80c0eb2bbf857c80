// Equal-length windows of a module's inputs along their time axis (`calibrate --window N`): calibrators
// that stack their inputs (ONNX Runtime's Percentile and Entropy) need one shape, and a peer comparison
// is only fair when both sides see the same windows. Pure.
import { UserError } from '../core/errors.ts';
import type { TensorSpec } from '../model/manifest.ts';
import type { Tensor, TensorMap } from '../tensor/tensor.ts';

/** The time axis of an input: its last axis, when that dim is symbolic and not the batch. */
export function timeAxis(spec: Pick<TensorSpec, 'dims'>): { axis: number; dim: string } | null {
  const last = spec.dims[spec.dims.length - 1];
  return typeof last === 'string' && last !== 'batch' && spec.dims.length > 1 ? { axis: spec.dims.length - 1, dim: last } : null;
}

/**
 * Cut every input with a time axis into windows of exactly `frames` at the same offsets (the tail shorter
 * than a window is dropped); inputs without one are repeated in each window. Inputs whose time axes
 * differ in name or length cannot be windowed together.
 */
export function windowFeeds(feeds: TensorMap, specs: Record<string, Pick<TensorSpec, 'dims'>>, frames: number): TensorMap[] {
  const timed = Object.keys(feeds).filter((k) => specs[k] && timeAxis(specs[k]!));
  if (!timed.length) throw new UserError(`--window: no input has a symbolic time axis to cut (inputs: ${Object.keys(feeds).join(', ')})`, { hint: 'drop --window for this module' });
  const dims = new Set(timed.map((k) => timeAxis(specs[k]!)!.dim));
  const lengths = new Set(timed.map((k) => feeds[k]!.shape[feeds[k]!.shape.length - 1]!));
  if (dims.size > 1 || lengths.size > 1) {
    throw new UserError(`--window: the inputs' time axes differ (${timed.map((k) => `${k}: ${timeAxis(specs[k]!)!.dim} = ${feeds[k]!.shape.at(-1)}`).join(', ')})`, { hint: 'drop --window for this module' });
  }
  const length = [...lengths][0]!;
  const out: TensorMap[] = [];
  for (let start = 0; start + frames <= length; start += frames) {
    out.push(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, timed.includes(k) ? slice(t, start, frames) : t])));
  }
  return out;
}

/** t[..., start:start+len] along the last axis. */
function slice(t: Tensor, start: number, len: number): Tensor {
  const n = t.shape[t.shape.length - 1]!;
  const rows = t.data.length / n;
  const src = t.data as Float32Array;
  const data = new (src.constructor as Float32ArrayConstructor)(rows * len);
  for (let r = 0; r < rows; r++) data.set(src.subarray(r * n + start, r * n + start + len), r * len);
  return { dtype: t.dtype, shape: [...t.shape.slice(0, -1), len], data };
}
