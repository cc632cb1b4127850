// A replica's running sum of one round, and the arithmetic and byte views the store needs for it.

import { addScaledBatchSimd, residentF64 } from '../simd/kernels';

/** The bytes of a float64 array (little-endian hosts: the format of stored sums), as a view, no copy. */
export function f64Bytes(values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
/** float64 little-endian bytes -> Float64Array (a copy, so alignment never matters). */
export function bytesToF64(bytes: Uint8Array): Float64Array {
  return new Float64Array(bytes.slice().buffer);
}

/**
 * A zeroed running sum of n values: resident in WebAssembly memory where the SIMD kernels run, so a
 * group commit adds into it without copying it in and out (simd/kernels.ts residentF64).
 */
export function zeroSum(n: number): Float64Array {
  return residentF64(n) ?? new Float64Array(n);
}

/** A running sum read back from its stored bytes (float64 little-endian), as zeroSum makes them. */
export function sumFromBytes(bytes: Uint8Array): Float64Array {
  if (bytes.length % 8 !== 0) throw new RangeError(`running sum: ${bytes.length} bytes is not float64s`);
  const sum = zeroSum(bytes.length / 8);
  f64Bytes(sum).set(bytes);
  return sum;
}

/**
 * sum += scale · values: a small function of its own, so the hot loop is optimized early. Unrolled by
 * four (independent loads and adds per step): 0.12 ms instead of 0.17–0.21 ms per 100,000 float32
 * values, measured on the shared 2-core machine.
 */
export function addScaled(sum: Float64Array, values: Float32Array | Float64Array, scale: number): void {
  if (scale === 0) return;
  const n = sum.length;
  const end = n - (n % 4);
  let i = 0;
  for (; i < end; i += 4) {
    sum[i] = sum[i]! + scale * values[i]!;
    sum[i + 1] = sum[i + 1]! + scale * values[i + 1]!;
    sum[i + 2] = sum[i + 2]! + scale * values[i + 2]!;
    sum[i + 3] = sum[i + 3]! + scale * values[i + 3]!;
  }
  for (; i < n; i++) sum[i] = sum[i]! + scale * values[i]!;
}

/**
 * sum += scale · values for each update of a batch, in order: in WebAssembly SIMD where every update is
 * float32 (simd/kernels.ts; 0.04-0.05 instead of 0.12-0.15 ms per 100,000 values; a sum from zeroSum is
 * added into in place, another is copied in and out once per batch), else addScaled; the same float64
 * results either way.
 */
export function addScaledAll(
  sum: Float64Array,
  updates: readonly { readonly values: Float32Array | Float64Array; readonly scale: number }[],
): void {
  const f32 = updates.every((u) => u.values instanceof Float32Array);
  if (f32 && addScaledBatchSimd(sum, updates as readonly { values: Float32Array; scale: number }[])) return;
  for (const u of updates) addScaled(sum, u.values, u.scale);
}

/** A replica's running sum of one round and its counts; seq numbers its commits. */
export interface RunningSum {
  sum: Float64Array;
  count: number;
  clipped: number;
  zeroed: number;
  seq: number;
}
