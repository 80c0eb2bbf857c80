// expectSameBytes (test/support/bytes.ts) fails where toEqual would: another length, another byte.
import { describe, expect, it } from 'vitest';
import { expectSameBytes } from './bytes.ts';

describe('expectSameBytes', () => {
  it('passes equal bytes of any view, fails another length or byte, naming the first difference', () => {
    const a = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
    expectSameBytes(a, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expectSameBytes(new Float32Array(a.buffer.slice(a.byteOffset, a.byteOffset + 8)), a.subarray(0, 8));
    expect(() => expectSameBytes(a, a.subarray(0, 7), 'x')).toThrow('x: 8 bytes, expected 7 bytes identical; the first difference is at byte 7');
    expect(() => expectSameBytes(a, Buffer.from([1, 2, 3, 9, 5, 6, 7, 8]), 'y')).toThrow('y: 8 bytes, expected 8 bytes identical; the first difference is at byte 3');
    expect(() => expectSameBytes(new Float32Array([0]), new Float32Array([-0]))).toThrow(/first difference is at byte 3/);
  });
});
