// Byte-for-byte equality of two files' contents or typed arrays, checked as memcmp checks it. vitest's
// toEqual walks a Buffer or typed array one element at a time through its generic deep equality: about
// 3.5 s per MiB of Buffer on the 2-core machine (10 ONNX files compared that way took 12 s of one test).
// The check is the same (same length, same bytes); on a difference it names the first differing byte.
import { expect } from 'vitest';

type Bytes = ArrayBufferView;

const view = (x: Bytes) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

export function expectSameBytes(actual: Bytes, expected: Bytes, what = 'bytes'): void {
  const a = view(actual);
  const b = view(expected);
  if (a.length === b.length && a.equals(b)) return;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  expect.fail(`${what}: ${a.length} bytes, expected ${b.length} bytes identical; the first difference is at byte ${i}`);
}
