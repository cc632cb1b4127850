import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFloat16, encodeFloat16, float16BitsToFloat32, float32ToFloat16Bits } from './float16';

const h = (x: number) => float32ToFloat16Bits(x);

describe('float16', () => {
  it('encodes known values exactly', () => {
    expect(h(1)).toBe(0x3c00);
    expect(h(-2)).toBe(0xc000);
    expect(h(0.1)).toBe(0x2e66);
    expect(h(65504)).toBe(0x7bff);
    expect(h(2 ** -14)).toBe(0x0400); // smallest normal
    expect(h(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(h(-0)).toBe(0x8000);
    expect(h(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(Number.isNaN(float16BitsToFloat32(h(Number.NaN)))).toBe(true);
  });

  it('rounds to nearest, ties to even', () => {
    expect(h(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and 1+2^-10: even is 1
    expect(h(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway between ...01 and ...02: even is ...02
    expect(h(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above halfway rounds up
    expect(h(65520)).toBe(0x7c00); // halfway between 65504 and 65536 rounds to even = Infinity
    expect(h(2 ** -25)).toBe(0x0000); // halfway between 0 and 2^-24: even is 0
    expect(h(1.5 * 2 ** -25)).toBe(0x0001);
    expect(h(3 * 2 ** -25)).toBe(0x0002); // subnormal tie: 1.5 ulp -> 2
    expect(h(2 ** -14 - 2 ** -26)).toBe(0x0400); // rounds up out of the subnormals into the smallest normal
  });

  it('every finite half survives half -> float -> half unchanged', () => {
    const changed: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue; // Infinity and NaN
      if (h(float16BitsToFloat32(bits)) !== bits) changed.push(bits);
    }
    expect(changed).toEqual([]);
  });

  it('stays within the stated bound: relative 2^-11 in the normal range, 2^-25 absolute below it', () => {
    fc.assert(
      fc.property(fc.float({ min: -65504, max: 65504, noNaN: true }), (x) => {
        const back = decodeFloat16(encodeFloat16(Float32Array.of(x)))[0]!;
        const err = Math.abs(back - Math.fround(x));
        if (Math.abs(x) >= 2 ** -14) return err <= 2 ** -11 * Math.abs(Math.fround(x));
        return err <= 2 ** -25;
      }),
      { numRuns: 20000 },
    );
  });
});
