// Stacking [1, …] tensors into a zero-padded batch and cutting each item back out.
import { describe, expect, it } from 'vitest';
import { padStack, sliceItem } from '../../src/tensor/batch.ts';

describe('padStack / sliceItem', () => {
  it('pads every axis at its end with zeros and gives each item back exactly', () => {
    const a = { dtype: 'float32' as const, shape: [1, 2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const b = { dtype: 'float32' as const, shape: [1, 2, 1], data: Float32Array.from([7, 8]) };
    const s = padStack([a, b]);
    expect(s.shape).toEqual([2, 2, 3]);
    expect(Array.from(s.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 0, 0, 8, 0, 0]);
    expect(sliceItem(s, 0, [2, 3])).toEqual(a);
    expect(sliceItem(s, 1, [2, 1])).toEqual(b);
  });

  it('keeps integer dtypes (ids, masks) and refuses items that are not [1, …]', () => {
    const ids = { dtype: 'int64' as const, shape: [1, 3], data: BigInt64Array.from([5n, 6n, 7n]) };
    const short = { dtype: 'int64' as const, shape: [1, 1], data: BigInt64Array.from([9n]) };
    const s = padStack([short, ids]);
    expect(s.data).toEqual(BigInt64Array.from([9n, 0n, 0n, 5n, 6n, 7n]));
    expect(() => padStack([{ dtype: 'int64', shape: [2, 1], data: BigInt64Array.from([1n, 2n]) }])).toThrow(/\[1, …\]/);
    expect(() => sliceItem(s, 0, [4])).toThrow(/not inside/);
  });
});
