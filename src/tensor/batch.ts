// Batching tensors: stack single-item tensors ([1, …]) into one [B, …] tensor, padding each axis at its
// end to the largest item with zeros, and cut one item's block back out. Pure, typed arrays only.
import { numel, type Tensor, type TypedData } from './tensor.ts';

function alloc(like: TypedData, n: number): TypedData {
  const C = like.constructor as new (n: number) => TypedData;
  return new C(n);
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/**
 * Copy the block `shape` starting at `srcOff` of a tensor with `srcShape` into `dst` (shape `dstShape`)
 * at `dstOff`: the block is the leading corner on every axis (row by row along the last axis).
 */
function copyBlock(src: TypedData, srcShape: readonly number[], srcOff: number, dst: TypedData, dstShape: readonly number[], dstOff: number, shape: readonly number[]): void {
  const rank = shape.length;
  const ss = strides(srcShape);
  const ds = strides(dstShape);
  const row = shape[rank - 1] ?? 1;
  const rows = rank <= 1 ? 1 : numel(shape.slice(0, -1));
  const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let r = 0; r < rows; r++) {
    let s = srcOff;
    let d = dstOff;
    for (let a = 0; a < idx.length; a++) {
      s += idx[a]! * ss[a]!;
      d += idx[a]! * ds[a]!;
    }
    (dst as Float32Array).set((src as Float32Array).subarray(s, s + row), d);
    for (let a = idx.length - 1; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
}

/** Items of shape [1, …] (same dtype and rank) → [B, …max], zeros past each item's end on every axis. */
export function padStack(items: readonly Tensor[]): Tensor {
  const first = items[0]!;
  const rank = first.shape.length;
  for (const t of items) {
    if (t.dtype !== first.dtype || t.shape.length !== rank || t.shape[0] !== 1) throw new Error(`padStack: items must be [1, …] tensors of one dtype and rank`);
  }
  const inner = first.shape.slice(1).map((_, a) => Math.max(...items.map((t) => t.shape[a + 1]!)));
  const shape = [items.length, ...inner];
  const data = alloc(first.data, numel(shape));
  const per = numel(inner);
  items.forEach((t, b) => copyBlock(t.data, t.shape.slice(1), 0, data, inner, b * per, t.shape.slice(1)));
  return { dtype: first.dtype, shape, data };
}

/** Item `b` of a [B, …] tensor, its leading corner of `shape` (without the batch axis), as [1, …shape]. */
export function sliceItem(t: Tensor, b: number, shape: readonly number[]): Tensor {
  const inner = t.shape.slice(1);
  if (shape.length !== inner.length || shape.some((n, a) => n > inner[a]!)) throw new Error(`sliceItem: [${shape.join(', ')}] is not inside [${inner.join(', ')}]`);
  const data = alloc(t.data, numel(shape));
  copyBlock(t.data, inner, b * numel(inner), data, shape, 0, shape);
  return { dtype: t.dtype, shape: [1, ...shape], data };
}
