import { describe, expect, it } from 'vitest';
import { checkUpdate } from './validate-update';

describe('checkUpdate', () => {
  it('S11: rejects NaN, +Inf and -Inf before clipping, naming the first bad index', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const values = new Float32Array([0.1, 0.2, bad, 0.3, bad]);
      const check = checkUpdate(values, 5);
      expect(check).toMatchObject({ ok: false, reason: 'non_finite', index: 2, field: 'update[2]' });
      if (!check.ok) expect(check.message).toContain('update[2]');
    }
  });

  it('S11: a NaN hidden among huge values is still found (the norm alone would not say where)', () => {
    const values = new Float64Array(1000).fill(1e300);
    values[999] = Number.NaN;
    expect(checkUpdate(values, 1000)).toMatchObject({ ok: false, index: 999 });
  });

  it('returns the L2 norm of a finite update', () => {
    const check = checkUpdate(new Float32Array([3, 4]), 2);
    expect(check).toEqual({ ok: true, norm: 5 });
  });

  it('computes the norm of huge finite float64 values without overflowing to Infinity', () => {
    const check = checkUpdate(new Float64Array([3e200, 4e200]), 2);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.norm / 5e200).toBeCloseTo(1, 12);
  });

  it('rejects the wrong length, naming expected and actual', () => {
    const check = checkUpdate(new Float32Array(3), 4);
    expect(check).toMatchObject({ ok: false, reason: 'wrong_length', expected: 4, actual: 3 });
    if (!check.ok) expect(check.message).toBe('update: expected 4 values, got 3');
  });
});
