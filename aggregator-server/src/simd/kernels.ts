// The update path's two loops over 100,000 values in WebAssembly SIMD (kernels.wat): the sum of squares
// of the finiteness/norm check and sum += scale · values. One instance per thread (isolate), made on
// first use. Its memory holds a running sum and one scratch vector; values are copied in (a memcpy, far
// cheaper than the scalar loop's reads of a body just written on another core), the sum once per batch.
// null where the engine has no WebAssembly SIMD: callers keep their JavaScript loops for that case.

import { KERNELS_WASM } from './kernels-module';

interface Exports {
  memory: WebAssembly.Memory;
  sumsq(p: number, n: number): number;
  addScaled(s: number, v: number, n: number, scale: number): void;
}

const PAGE = 65536;
let instance: Exports | null | undefined;
let enabled = true;

/** Turns the kernels off (config `simd: false`) or back on for this thread: the JavaScript loops, for A/B runs. */
export function useSimd(on: boolean): void {
  enabled = on;
}

let compiled: WebAssembly.Module | null | undefined;

function kernelsModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(KERNELS_WASM);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** The kernels of this thread, or null where they cannot run (no WebAssembly SIMD) or are turned off. */
export function simdKernels(): Exports | null {
  if (!enabled) return null;
  if (instance === undefined) {
    const module = kernelsModule();
    instance = module ? (new WebAssembly.Instance(module).exports as unknown as Exports) : null;
  }
  return instance;
}

/** The instance whose memory holds a resident sum (residentF64), by that memory's buffer. */
const residents = new WeakMap<ArrayBufferLike, Exports>();

/**
 * A zeroed float64 vector of n values at the start of a WebAssembly memory of its own, with room for
 * one float32 scratch vector after it; null where there is no SIMD. addScaledBatchSimd adds into it
 * where it lies, instead of copying a sum in and out of the thread's instance per batch (two 800 KB
 * copies per group commit). The memory is sized once and never grows, so the view never detaches; it
 * is freed with the vector.
 */
export function residentF64(n: number): Float64Array | null {
  const module = enabled ? kernelsModule() : null;
  if (!module) return null;
  const k = new WebAssembly.Instance(module).exports as unknown as Exports;
  try {
    reserve(k, n * 12);
  } catch {
    return null; // no memory that large to be had: the caller's plain array will do
  }
  residents.set(k.memory.buffer, k);
  return new Float64Array(k.memory.buffer, 0, n);
}

/** Grows the memory to at least `bytes`; views taken before are detached by a growth, so take them after. */
function reserve(k: Exports, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / PAGE));
}

/** Σ v² of float32 values, bit for bit as sumOfSquares in privacy/validate-update.ts; null: no SIMD. */
export function sumOfSquaresSimd(values: Float32Array): number | null {
  const k = simdKernels();
  if (!k) return null;
  reserve(k, values.byteLength);
  new Float32Array(k.memory.buffer, 0, values.length).set(values);
  return k.sumsq(0, values.length);
}

/**
 * sum += scale · values for each item, in order, bit for bit as addScaled in storage/running-sum.ts;
 * false (nothing changed) where there is no SIMD. A resident sum (residentF64) is added into where it
 * lies; any other sum is copied into the thread's instance once and back once.
 */
export function addScaledBatchSimd(
  sum: Float64Array,
  items: readonly { readonly values: Float32Array; readonly scale: number }[],
): boolean {
  const shared = simdKernels();
  if (!shared) return false;
  const n = sum.length;
  for (const { values } of items)
    if (values.length !== n) throw new RangeError(`addScaled: ${values.length} values for a sum of ${n}`);
  const own = sum.byteOffset === 0 ? residents.get(sum.buffer) : undefined;
  const k = own ?? shared;
  const at = n * 8;
  if (!own) reserve(k, at + n * 4);
  const scratch = new Float32Array(k.memory.buffer, at, n);
  const wasmSum = own ? sum : new Float64Array(k.memory.buffer, 0, n);
  if (!own) wasmSum.set(sum);
  for (const { values, scale } of items) {
    if (scale === 0) continue;
    scratch.set(values);
    k.addScaled(0, at, n, scale);
  }
  if (!own) sum.set(wasmSum);
  return true;
}
