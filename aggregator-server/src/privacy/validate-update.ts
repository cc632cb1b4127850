// Checks a client's update before anything else touches it. The finiteness check must come BEFORE
// clipping: the clip factor min(1, C / norm) is 1 when the norm is NaN, so a naive clip would let a NaN
// through into the sum and poison the whole round (scenario S11).

import { sumOfSquaresSimd } from '../simd/kernels';

/** A flat update: every tensor of the model delta, concatenated in the model's manifest order. */
export type UpdateValues = Float32Array | Float64Array;

export type UpdateCheck =
  | { readonly ok: true; readonly norm: number }
  | {
      readonly ok: false;
      readonly reason: 'non_finite';
      readonly field: string;
      readonly index: number;
      readonly value: number;
      readonly message: string;
    }
  | {
      readonly ok: false;
      readonly reason: 'wrong_length';
      readonly field: string;
      readonly expected: number;
      readonly actual: number;
      readonly message: string;
    };

/**
 * Validates an update and returns its L2 norm, in one pass over the values in the common case.
 * The sum of squares is non-finite exactly when some value is NaN or ±Inf (or, for float64 input, when
 * a square overflows); only then does a second pass look for the first bad index.
 */
export function checkUpdate(values: UpdateValues, expectedLength: number): UpdateCheck {
  if (values.length !== expectedLength) {
    return {
      ok: false,
      reason: 'wrong_length',
      field: 'update',
      expected: expectedLength,
      actual: values.length,
      message: `update: expected ${expectedLength} values, got ${values.length}`,
    };
  }
  const sumSq = (values instanceof Float32Array ? sumOfSquaresSimd(values) : null) ?? sumOfSquares(values);
  if (Number.isFinite(sumSq)) return { ok: true, norm: Math.sqrt(sumSq) };

  const index = firstNonFinite(values);
  if (index >= 0) {
    const value = values[index]!;
    return {
      ok: false,
      reason: 'non_finite',
      field: `update[${index}]`,
      index,
      value,
      message: `update[${index}]: expected a finite number, got ${value}`,
    };
  }
  // Every value is finite but huge (float64 only): the squares overflowed, so rescale.
  return { ok: true, norm: scaledNorm(values) };
}

/**
 * Σ v², with four independent partial sums: a single running sum makes every addition wait for the
 * previous one (floating-point add latency), four let the CPU overlap them (~20% faster on 100k values).
 * For float32 input checkUpdate prefers simd/kernels.ts, which computes the same bits in WebAssembly
 * SIMD (0.05 instead of 0.14 ms on 100,000 values just written by another core); exported for its tests.
 */
export function sumOfSquares(values: UpdateValues): number {
  const n = values.length;
  const end = n - (n % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i < end; i += 4) {
    const v0 = values[i]!;
    const v1 = values[i + 1]!;
    const v2 = values[i + 2]!;
    const v3 = values[i + 3]!;
    s0 += v0 * v0;
    s1 += v1 * v1;
    s2 += v2 * v2;
    s3 += v3 * v3;
  }
  for (; i < n; i++) {
    const v = values[i]!;
    s0 += v * v;
  }
  return s0 + s1 + (s2 + s3);
}

function firstNonFinite(values: UpdateValues): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

/** L2 norm without overflow: divide by the largest magnitude first. */
function scaledNorm(values: UpdateValues): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  if (max === 0) return 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! / max;
    sumSq += v * v;
  }
  return max * Math.sqrt(sumSq);
}
