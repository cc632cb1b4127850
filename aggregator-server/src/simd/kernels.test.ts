import { mulberry32 as rng } from '@hearth/models';
import { afterEach, describe, expect, it } from 'vitest';
import { sumOfSquares } from '../privacy/validate-update';
import { addScaled } from '../storage/running-sum';
import { addScaledBatchSimd, residentF64, simdKernels, sumOfSquaresSimd, useSimd } from './kernels';

/** float32 values over many magnitudes, with NaN, ±Inf, ±0, subnormals and ±FLT_MAX sprinkled in. */
function vector(n: number, random: () => number, specials: boolean): Float32Array {
  const out = new Float32Array(n);
  const odd = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-45, 3.4028234663852886e38, -3.4028234663852886e38];
  for (let i = 0; i < n; i++) {
    out[i] =
      specials && random() < 0.01
        ? odd[Math.floor(random() * odd.length)]!
        : (random() - 0.5) * 2 ** Math.floor(random() * 80 - 40);
  }
  return out;
}

const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 1023, 100_000, 100_003];

afterEach(() => useSimd(true));

describe('WebAssembly SIMD kernels', () => {
  it('run on this Node (the comparisons below are not the JS loop against itself)', () => {
    expect(simdKernels()).not.toBeNull();
  });

  it('sum of squares: the same bits as the JavaScript loop, specials and odd lengths included', () => {
    const random = rng(1);
    for (const n of LENGTHS) {
      for (const specials of [false, true]) {
        const v = vector(n, random, specials);
        expect(Object.is(sumOfSquaresSimd(v), sumOfSquares(v)), `n=${n} specials=${specials}`).toBe(true);
      }
    }
  });

  it('sum of squares of a view at an odd offset into a larger buffer reads only the view', () => {
    const backing = new Float32Array(1001).fill(Number.NaN);
    const view = backing.subarray(3, 1000);
    view.set(vector(997, rng(2), false));
    expect(sumOfSquaresSimd(view)).toBe(sumOfSquares(view));
    expect(Number.isFinite(sumOfSquaresSimd(view))).toBe(true);
  });

  it('sum += scale · values over a batch: the same bits as addScaled one by one', () => {
    const random = rng(3);
    for (const n of LENGTHS) {
      const start = Float64Array.from({ length: n }, () => (random() - 0.5) * 1e6);
      const items = [0.37, 1, 0, 1e-3, 2 ** -30, 0.999].map((scale) => ({
        values: vector(n, random, scale === 0.999),
        scale,
      }));
      const js = start.slice();
      for (const it of items) addScaled(js, it.values, it.scale);
      const simd = start.slice();
      expect(addScaledBatchSimd(simd, items)).toBe(true);
      for (let i = 0; i < n; i++)
        if (!Object.is(simd[i], js[i])) expect.fail(`n=${n} [${i}]: ${simd[i]} !== ${js[i]}`);
    }
  });

  it('resident sums are added into in place, batch after batch, interleaved with a plain sum', () => {
    const random = rng(4);
    for (const n of [1, 7, 100_003]) {
      const a = residentF64(n)!;
      const b = residentF64(n)!;
      expect([a.length, b.length, a[0], b[n - 1]]).toEqual([n, n, 0, 0]);
      const plain = new Float64Array(n);
      const js = { a: new Float64Array(n), b: new Float64Array(n), plain: new Float64Array(n) };
      for (let round = 0; round < 3; round++) {
        for (const [sum, twin] of [
          [a, js.a],
          [plain, js.plain],
          [b, js.b],
        ] as const) {
          const items = [0.5, 1, 0.25].map((scale) => ({ values: vector(n, random, false), scale }));
          for (const it of items) addScaled(twin, it.values, it.scale);
          expect(addScaledBatchSimd(sum, items)).toBe(true);
        }
      }
      for (const [sum, twin] of [
        [a, js.a],
        [b, js.b],
        [plain, js.plain],
      ] as const)
        for (let i = 0; i < n; i++) if (!Object.is(sum[i], twin[i])) expect.fail(`n=${n} [${i}]`);
    }
  });

  it('turned off, no resident sums are made', () => {
    useSimd(false);
    expect(residentF64(10)).toBeNull();
  });

  it('a batch with a vector of the wrong length is refused before the sum changes', () => {
    // a plain sum (copied into the kernels' memory) and a resident one (added into in place)
    for (const sum of [new Float64Array(8), residentF64(8)!]) {
      sum.fill(1);
      expect(() =>
        addScaledBatchSimd(sum, [
          { values: new Float32Array(8).fill(1), scale: 1 },
          { values: new Float32Array(7), scale: 1 },
        ]),
      ).toThrow(RangeError);
      expect([...sum]).toEqual(new Array(8).fill(1));
    }
  });

  it('turned off (config simd: false), they decline and the callers keep their loops', () => {
    useSimd(false);
    expect(simdKernels()).toBeNull();
    expect(sumOfSquaresSimd(new Float32Array([1, 2]))).toBeNull();
    const sum = new Float64Array(2);
    expect(addScaledBatchSimd(sum, [{ values: new Float32Array([1, 2]), scale: 1 }])).toBe(false);
    expect([...sum]).toEqual([0, 0]);
  });
});
