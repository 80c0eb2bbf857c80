import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { float16BitsToFloat32 } from '../../src/tensor/float16.ts';
import { encodeNpy, parseNpy } from '../../src/tensor/npy.ts';
import { encodeNpz, parseNpz } from '../../src/tensor/npz.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

// Fixtures written by numpy: test/fixtures/npy/make.py (which also checks our writer against numpy).
const DIR = join(import.meta.dirname, '..', 'fixtures', 'npy');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  { dtype: string; shape: number[]; values: (number | string)[] }
>;
const load = (f: string) => parseNpy(new Uint8Array(readFileSync(join(DIR, f))), f);

const NUMPY_DTYPE: Record<string, string> = {
  float32: 'float32',
  float16: 'float16',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

function plain(t: Tensor): (number | string | boolean)[] {
  if (t.dtype === 'int64') return [...(t.data as BigInt64Array)].map(String);
  if (t.dtype === 'float16') return [...(t.data as Uint16Array)];
  if (t.dtype === 'bool') return [...(t.data as Uint8Array)].map((v) => v !== 0);
  return [...(t.data as Float32Array)].map((v) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v));
}

function expectedValues(name: string): (number | string | boolean)[] {
  const e = expected[name]!;
  if (e.dtype === 'float32') return e.values.map((v) => (typeof v === 'number' ? Math.fround(v) : v));
  return e.values;
}

describe('.npy read (numpy-written fixtures)', () => {
  for (const name of Object.keys(expected)) {
    it(`reads ${name}`, () => {
      const t = load(`${name}.npy`);
      const e = expected[name]!;
      expect(t.dtype).toBe(NUMPY_DTYPE[e.dtype]);
      expect(t.shape).toEqual(e.shape);
      expect(plain(t)).toEqual(expectedValues(name));
    });
  }

  it('keeps -0 and int64 beyond 2^53 exactly', () => {
    expect(Object.is((load('f32_special.npy').data as Float32Array)[1], -0)).toBe(true);
    expect((load('i64.npy').data as BigInt64Array)[2]).toBe(2n ** 53n + 1n);
  });

  it('decodes float16 values', () => {
    const t = load('f16.npy');
    const v = [...(t.data as Uint16Array)].map(float16BitsToFloat32);
    expect(v.slice(0, 4)).toEqual([0, 1, -2.5, 65504]);
    expect(v[4]).toBeCloseTo(5.96e-8, 9); // subnormal
    expect(v[5]).toBe(Math.fround(0.0999755859375));
    expect(v.slice(6, 8)).toEqual([Infinity, -Infinity]);
    expect(Number.isNaN(v[8])).toBe(true);
  });

  it('reads 0-d and empty arrays', () => {
    const s = load('scalar0d.npy');
    expect(s.shape).toEqual([]);
    expect([...(s.data as Float32Array)]).toEqual([3.5]);
    expect(load('empty.npy').data.length).toBe(0);
    expect(load('empty2d.npy').shape).toEqual([2, 0]);
  });

  it('reads header versions 2.0 and 3.0', () => {
    for (const f of ['v2.npy', 'v3.npy']) {
      const t = load(f);
      expect(t.dtype).toBe('int32');
      expect([...(t.data as Int32Array)]).toEqual([-3, -2, -1, 0, 1, 2]);
    }
  });

  it('rejects fortran order, big-endian, unknown dtypes and truncation with a UserError naming the file', () => {
    const cases: [string, RegExp][] = [
      ['fortran.npy', /fortran_order/],
      ['bigendian.npy', /big-endian/],
      ['uint16.npy', /unsupported dtype '<u2'/],
      ['truncated.npy', /truncated/],
    ];
    for (const [f, msg] of cases) {
      try {
        load(f);
        expect.unreachable(f);
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        expect((e as UserError).message).toMatch(msg);
        expect((e as UserError).format()).toContain(f);
      }
    }
    expect(() => parseNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow(/not a .npy file/);
  });
});

describe('.npy write', () => {
  it('writes the same bytes numpy writes (header layout, 64-byte alignment)', () => {
    for (const name of ['f32', 'f16', 'i64', 'bool', 'scalar0d', 'empty', 'empty2d', 'u8', 'i8', 'f64', 'f32_3d']) {
      const bytes = new Uint8Array(readFileSync(join(DIR, `${name}.npy`)));
      expect(Buffer.from(encodeNpy(parseNpy(bytes))).equals(Buffer.from(bytes)), name).toBe(true);
    }
  });

  it('round-trips a subarray view without leaking the rest of its buffer', () => {
    const whole = new Float32Array([9, 1, 2, 3, 9]);
    const t: Tensor = { dtype: 'float32', shape: [3], data: whole.subarray(1, 4) };
    const back = parseNpy(encodeNpy(t));
    expect([...(back.data as Float32Array)]).toEqual([1, 2, 3]);
  });

  it('uses header version 2.0 when the shape does not fit in 64 KiB', () => {
    const shape = new Array(25000).fill(1);
    const bytes = encodeNpy({ dtype: 'uint8', shape, data: new Uint8Array([7]) });
    expect(bytes[6]).toBe(2);
    expect(parseNpy(bytes).shape.length).toBe(25000);
  });
});

describe('.npz', () => {
  for (const f of ['savez.npz', 'savez_compressed.npz']) {
    it(`reads ${f}`, () => {
      const m = parseNpz(new Uint8Array(readFileSync(join(DIR, f))), f);
      expect(Object.keys(m).sort()).toEqual(['bool', 'empty', 'f16', 'f32', 'i64', 'scalar0d']);
      for (const [k, t] of Object.entries(m)) {
        expect(t.shape).toEqual(expected[k]!.shape);
        expect(plain(t)).toEqual(expectedValues(k));
      }
    });
  }

  it('round-trips stored and deflated, deterministically', () => {
    const m = parseNpz(new Uint8Array(readFileSync(join(DIR, 'savez.npz'))));
    for (const compressed of [false, true]) {
      const a = encodeNpz(m, { compressed });
      expect(Buffer.from(a).equals(Buffer.from(encodeNpz(m, { compressed })))).toBe(true);
      const back = parseNpz(a);
      for (const k of Object.keys(m)) expect(plain(back[k]!)).toEqual(plain(m[k]!));
    }
  });

  it('rejects a file that is not a zip', () => {
    expect(() => parseNpz(new Uint8Array(readFileSync(join(DIR, 'f32.npy'))), 'f32.npy')).toThrow(UserError);
  });
});
