/**
 * IEEE 754 binary16 conversion, written by hand because Float16Array is not in Node 20 or most
 * browsers yet. Rounding is to nearest, ties to even, like the hardware conversion.
 *
 * Error bound (tested): for |x| in the normal half range [2^-14, 65504], |x - x̂| <= 2^-11 |x|;
 * below it (subnormal halves), |x - x̂| <= 2^-25. Values above 65504 would become Infinity, so the
 * encoder refuses them instead (see encode.ts).
 */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Infinity or NaN
  const e = exp - 127 + 15; // exponent rebiased for half
  if (e >= 0x1f) return sign | 0x7c00; // overflow: Infinity
  if (e >= 1) {
    // Normal half: keep the top 10 of 23 mantissa bits; a carry out of the mantissa correctly bumps
    // the exponent (and 0x7bff + 1 = 0x7c00 is Infinity).
    let h = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
    return sign | h;
  }
  // Subnormal half: value = m × 2^-24 with m = (1.mant) × 2^(exp-126), i.e. the 24-bit significand
  // shifted right by 14 - e.
  const shift = 14 - e;
  if (shift >= 26) return sign; // below 2^-25: rounds to zero
  const full = mant | 0x800000;
  let m = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && m & 1)) m++;
  return sign | m; // m may reach 0x400: the smallest normal, encoded correctly
}

export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

export function encodeFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]!);
  return out;
}

export function decodeFloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]!);
  return out;
}
