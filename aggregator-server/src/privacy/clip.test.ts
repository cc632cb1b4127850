import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipFactor, clipUpdate, l2Norm } from './clip';

const vectors = fc
  .array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 64 })
  .map((xs) => Float64Array.from(xs));
const bounds = fc.double({ min: 1e-3, max: 1e3, noNaN: true });

describe('clipUpdate', () => {
  it('S13: an update far above the bound is scaled to exactly the bound, and reported as clipped', () => {
    const values = new Float32Array(100).fill(1000); // norm 10,000
    const result = clipUpdate(values, 1);
    expect(result.clipped).toBe(true);
    expect(result.norm).toBeCloseTo(10_000, 6);
    expect(l2Norm(result.values)).toBeCloseTo(1, 12);
    // The direction is kept: every coordinate scaled by the same factor.
    expect(result.values[0]).toBeCloseTo(0.1, 12);
  });

  it('leaves an update within the bound unchanged and not clipped', () => {
    const values = new Float32Array([0.3, 0.4]);
    const result = clipUpdate(values, 1);
    expect(result.clipped).toBe(false);
    expect(Array.from(result.values)).toEqual(Array.from(values));
  });

  it('S11: refuses a NaN update instead of letting min(1, NaN) = 1 pass it through', () => {
    expect(() => clipUpdate(new Float32Array([1, Number.NaN]), 1)).toThrow(/update\[1\]/);
    expect(() => clipFactor(Number.NaN, 1)).toThrow(/norm/);
  });

  it('names a bad clip bound', () => {
    expect(() => clipUpdate(new Float32Array([1]), 0)).toThrow(/clipBound/);
    expect(() => clipUpdate(new Float32Array([1]), Number.NaN)).toThrow(/clipBound/);
  });

  it('property: clipping never increases the norm and bounds it by C', () => {
    fc.assert(
      fc.property(vectors, bounds, (values, bound) => {
        const result = clipUpdate(values, bound);
        const after = l2Norm(result.values);
        expect(after).toBeLessThanOrEqual(result.norm * (1 + 1e-12));
        expect(after).toBeLessThanOrEqual(bound * (1 + 1e-12));
      }),
    );
  });

  it('property: clipping is idempotent', () => {
    fc.assert(
      fc.property(vectors, bounds, (values, bound) => {
        const once = clipUpdate(values, bound).values;
        const twice = clipUpdate(once, bound).values;
        for (let i = 0; i < once.length; i++)
          expect(Math.abs(twice[i]! - once[i]!)).toBeLessThanOrEqual(1e-12 * Math.abs(once[i]!) + 1e-300);
      }),
    );
  });
});
