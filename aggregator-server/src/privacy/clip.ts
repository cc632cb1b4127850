// L2 clipping of a whole update to the bound C. Clipping bounds each client's influence on the sum
// (its sensitivity), which is what the Gaussian noise is calibrated to.

import { requireNumber } from './checks';
import { checkUpdate, type UpdateValues } from './validate-update';

/**
 * The factor that scales an update of L2 norm `norm` to norm at most `bound`: min(1, C / norm).
 * Throws on a non-finite norm rather than returning min(1, NaN) = 1 (see validate-update.ts).
 */
export function clipFactor(norm: number, bound: number): number {
  requireNumber('norm', norm, { min: 0 });
  requireNumber('clipBound', bound, { above: 0 });
  return norm > bound ? bound / norm : 1;
}

export interface ClipResult {
  /** The clipped copy (the input is never modified). */
  readonly values: Float64Array;
  /** The norm of the input, before clipping. */
  readonly norm: number;
  /** Whether the input was scaled down. */
  readonly clipped: boolean;
}

/** Validates, then clips a copy of the update to L2 norm at most `bound`. Throws naming a bad index. */
export function clipUpdate(values: UpdateValues, bound: number): ClipResult {
  const check = checkUpdate(values, values.length);
  if (!check.ok) throw new RangeError(check.message);
  const factor = clipFactor(check.norm, bound);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * factor;
  return { values: out, norm: check.norm, clipped: factor < 1 };
}

/** L2 norm of a finite vector (throws naming the first non-finite index). */
export function l2Norm(values: UpdateValues): number {
  const check = checkUpdate(values, values.length);
  if (!check.ok) throw new RangeError(check.message);
  return check.norm;
}
