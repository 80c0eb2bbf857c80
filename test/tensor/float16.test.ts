import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  float16ArrayToFloat32,
  float16BitsToFloat32,
  float32ArrayToFloat16,
  float32ToFloat16Bits,
} from '../../src/tensor/float16.ts';
import { parseNpy } from '../../src/tensor/npy.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'npy');
const load = (f: string) => parseNpy(new Uint8Array(readFileSync(join(DIR, f))), f);

describe('float16 ↔ float32', () => {
  it('matches numpy astype(float16) bit for bit, ties and subnormals included', () => {
    const input = load('half_in.npy').data as Float32Array;
    const want = load('half_out.npy').data as Uint16Array;
    const got = float32ArrayToFloat16(input);
    let mismatches = 0;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) mismatches++;
    expect(input.length).toBeGreaterThan(12000);
    expect(mismatches).toBe(0);
  });

  it('every half survives half → float32 → half unchanged', () => {
    const all = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) all[i] = i;
    const back = float32ArrayToFloat16(float16ArrayToFloat32(all));
    expect(Buffer.from(back.buffer).equals(Buffer.from(all.buffer))).toBe(true);
  });

  it('known values', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // tie above max rounds to inf
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie to even (zero)
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float16BitsToFloat32(0x3555)).toBe(Math.fround(0.333251953125));
    expect(float16BitsToFloat32(0x0400)).toBe(2 ** -14);
  });
});
