// Picks the backend after feature detection, in the configured priority (webgpu, wasm, cpu). Each one
// must pass a smoke test before it is trusted; if none does, the SDK ranks in the shop's order.
//  - webgpu: needs navigator.gpu and an adapter. A software (fallback) adapter, SwiftShader, is 20-60x
//    slower than wasm, so it is skipped while wasm comes later in the list.
//  - wasm: SIMD binary; threads only on cross-origin-isolated pages (SharedArrayBuffer). Under a CSP
//    without 'wasm-unsafe-eval' compiling fails and we move on.
//  - cpu: plain JS, always there, slow.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Backend } from '../types';

export interface Choice {
  backend: Backend;
  /** Why the earlier ones were passed over. */
  skipped: string[];
}

async function webgpuUsable(order: Backend[]): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return 'navigator.gpu missing';
  const adapter = (await gpu.requestAdapter()) as {
    isFallbackAdapter?: boolean;
    info?: { isFallbackAdapter?: boolean };
  } | null;
  if (!adapter) return 'no WebGPU adapter';
  const software = adapter.isFallbackAdapter === true || adapter.info?.isFallbackAdapter === true;
  if (software && order.indexOf('wasm') > order.indexOf('webgpu'))
    return 'software WebGPU adapter (wasm is faster)';
  return null;
}

async function smokeTest(): Promise<boolean> {
  const t = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
  try {
    const v = await t.data();
    return v[0] === 4 && v[1] === 6;
  } finally {
    t.dispose();
  }
}

async function tryBackend(name: Backend, order: Backend[], assetsUrl: string): Promise<string | null> {
  if (name === 'webgpu') {
    const why = await webgpuUsable(order);
    if (why) return why;
    // Loaded only now (see webgpu.ts); importScripts is synchronous and obeys the page's CSP.
    if (!tf.findBackendFactory('webgpu')) importScripts(new URL('hearth-webgpu.js', assetsUrl).href);
  }
  if (name === 'wasm') {
    if (typeof WebAssembly !== 'object') return 'WebAssembly missing';
    setWasmPaths(assetsUrl);
    // Threads need SharedArrayBuffer, which only cross-origin-isolated pages get.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', globalThis.crossOriginIsolated === true);
  }
  if (!(await tf.setBackend(name))) return 'failed to initialise';
  if (!(await smokeTest())) return 'failed its smoke test';
  return null;
}

export async function chooseBackend(order: Backend[], assetsUrl: string): Promise<Choice | null> {
  const skipped: string[] = [];
  for (const name of order) {
    try {
      const why = await tryBackend(name, order, assetsUrl);
      if (!why) return { backend: name, skipped };
      skipped.push(`${name}: ${why}`);
    } catch (e) {
      skipped.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return null;
}
