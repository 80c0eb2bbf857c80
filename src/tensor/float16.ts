// IEEE 754 binary16 ↔ binary32 conversion, bit-exact with numpy's astype (round to nearest, ties to even;
// overflow → ±inf; NaN payload kept in its top bits and never turned into inf).
// Pure. float16 tensors hold their bit patterns in a Uint16Array; these helpers are the only way in and out.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Bits of a float32 (JS numbers are rounded to float32 first) → binary16 bit pattern. */
function bitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    const h = 0x7c00 | (mant >>> 13);
    return sign | (h === 0x7c00 ? 0x7c01 : h); // as numpy: keep the payload, stay a NaN
  }
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00; // too large: inf
  if (e <= 0) {
    // half subnormal (or zero): value = q · 2^-24 with q = full >> (14 - e)
    const shift = 14 - e;
    if (shift > 24) return sign; // below half of the smallest subnormal
    const full = mant | 0x800000;
    let q = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (q & 1) === 1)) q++;
    return sign | q; // q may reach 0x400, which is the smallest normal: still correct
  }
  let q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1)) q++; // a carry into the exponent (even to inf) is right
  return sign | q;
}

/** binary16 bit pattern → float32 bit pattern (exact; every half is a float32). */
function halfToBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp === 0) {
    if (mant === 0) return sign >>> 0;
    // subnormal: normalise
    let e = 113;
    while ((mant & 0x400) === 0) {
      mant <<= 1;
      e--;
    }
    mant &= 0x3ff;
    return (sign | (e << 23) | (mant << 13)) >>> 0;
  }
  return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
}

/** One number → binary16 bits (the number is rounded to float32 first, as from a Float32Array). */
export function float32ToFloat16Bits(v: number): number {
  f32[0] = v;
  return bitsToHalf(u32[0]!);
}

/** binary16 bits → number (exact). */
export function float16BitsToFloat32(h: number): number {
  u32[0] = halfToBits(h & 0xffff);
  return f32[0]!;
}

export function float32ArrayToFloat16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = bitsToHalf(bits[i]!);
  return out;
}

export function float16ArrayToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = halfToBits(src[i]!);
  return out;
}
