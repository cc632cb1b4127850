import { afterEach, describe, expect, it } from 'vitest';
import { useSimd } from '../simd/kernels';
import { addScaled, addScaledAll, f64Bytes, sumFromBytes, zeroSum } from './running-sum';

afterEach(() => useSimd(true));

function batch(n: number): { values: Float32Array | Float64Array; scale: number }[] {
  const f32 = (k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) * 10 ** (k % 7));
  return [
    { values: f32(1), scale: 0.3 },
    { values: f32(2), scale: 1 },
    { values: f32(3), scale: 0 },
    { values: f32(4), scale: 1e-7 },
  ];
}

function oneByOne(n: number, updates: ReturnType<typeof batch>): Float64Array {
  const sum = Float64Array.from({ length: n }, (_, i) => i / 3);
  for (const u of updates) addScaled(sum, u.values, u.scale);
  return sum;
}

describe('addScaledAll', () => {
  it('equals addScaled one update at a time, bit for bit, with SIMD on and off', () => {
    for (const simd of [true, false]) {
      useSimd(simd);
      const updates = batch(1001);
      const sum = Float64Array.from({ length: 1001 }, (_, i) => i / 3);
      addScaledAll(sum, updates);
      expect(sum).toEqual(oneByOne(1001, updates));
    }
  });

  it('a batch with a float64 update takes the JavaScript loop, with the same result', () => {
    const updates = [
      ...batch(99),
      { values: Float64Array.from({ length: 99 }, (_, i) => i * 1e-3), scale: 2 },
    ];
    const sum = Float64Array.from({ length: 99 }, (_, i) => i / 3);
    addScaledAll(sum, updates);
    expect(sum).toEqual(oneByOne(99, updates));
    expect(sum[98]).not.toBe(oneByOne(99, batch(99))[98]);
  });

  it('zeroSum and sumFromBytes (resident in WebAssembly memory or not) add like a plain array', () => {
    for (const simd of [true, false]) {
      useSimd(simd);
      const updates = batch(1001);
      const fresh = zeroSum(1001);
      expect(fresh.every((x) => x === 0)).toBe(true);
      const start = Float64Array.from({ length: 1001 }, (_, i) => i / 3);
      const read = sumFromBytes(f64Bytes(start));
      expect(read).toEqual(start);
      addScaledAll(read, updates);
      addScaledAll(fresh, updates);
      expect(read).toEqual(oneByOne(1001, updates));
      addScaledAll(read, updates);
      expect(read).not.toEqual(oneByOne(1001, updates));
      const fromZero = new Float64Array(1001);
      for (const u of updates) addScaled(fromZero, u.values, u.scale);
      expect(fresh).toEqual(fromZero);
    }
  });

  it('sumFromBytes refuses bytes that are not whole float64s', () => {
    expect(() => sumFromBytes(new Uint8Array(12))).toThrow(/12 bytes/);
  });
});
