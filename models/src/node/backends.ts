import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['webgpu', 'wasm', 'cpu'];

/** Chromium's SwiftShader: a software Vulkan driver Dawn accepts (Debian's lavapipe it rejects). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHROMIUM_LIB_DIR = '/usr/lib/chromium';

export interface SelectedBackend {
  backend: BackendName;
  /** The GPU adapter's description when the backend is webgpu. */
  adapter?: string;
  /** True when the adapter is a software rasteriser (SwiftShader): correct but slow. */
  softwareAdapter?: boolean;
  /** Why preferred backends were skipped, for the log. */
  skipped: string[];
}

/**
 * Environment that lets Dawn find SwiftShader: it must be in place when the process STARTS
 * (the dynamic loader reads LD_LIBRARY_PATH once), so callers spawn a child process with it.
 */
export function swiftShaderEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const libraryPath = [CHROMIUM_LIB_DIR, base['LD_LIBRARY_PATH']].filter(Boolean).join(':');
  return {
    ...base,
    VK_ICD_FILENAMES: SWIFTSHADER_ICD,
    LD_LIBRARY_PATH: libraryPath,
    XDG_RUNTIME_DIR: base['XDG_RUNTIME_DIR'] ?? '/tmp',
  };
}

export function swiftShaderInstalled(): boolean {
  return existsSync(SWIFTSHADER_ICD);
}

interface AdapterInfo {
  description: string;
  software: boolean;
}

let gpuAdapter: AdapterInfo | null | undefined;

/**
 * Installs WebGPU globals from the `webgpu` package (Dawn for Node) once and asks for an adapter.
 * Returns null when there is none (no Vulkan driver reachable).
 */
export async function probeGpuAdapter(): Promise<AdapterInfo | null> {
  if (gpuAdapter !== undefined) return gpuAdapter;
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      gpuAdapter = null;
    } else {
      const info = adapter.info;
      const description = [info.vendor, info.architecture, info.device, info.description]
        .filter(Boolean)
        .join(' ');
      const software =
        /swiftshader|llvmpipe|lavapipe/i.test(description) ||
        Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
      gpuAdapter = { description: description || 'unknown adapter', software };
    }
  } catch (error) {
    gpuAdapter = null;
    void error;
  }
  return gpuAdapter;
}

async function activate(name: BackendName): Promise<void> {
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

/**
 * Picks and activates a TensorFlow.js backend in Node.
 * - `preferred` given: that backend or an error (a user who asks for webgpu wants to know it is not
 *   there); a software GPU adapter is accepted then, since it was asked for.
 * - otherwise webgpu on a real (hardware) adapter, then wasm, then cpu. SwiftShader is skipped here:
 *   it is 50x slower than wasm and only worth using to test the GPU code path.
 */
export async function selectBackend(preferred?: BackendName): Promise<SelectedBackend> {
  const skipped: string[] = [];
  const order: BackendName[] = preferred ? [preferred] : [...BACKENDS];
  for (const name of order) {
    if (name === 'webgpu') {
      const adapter = await probeGpuAdapter();
      if (!adapter) {
        const reason =
          'webgpu: no GPU adapter (no Vulkan driver; for SwiftShader start with swiftShaderEnv())';
        if (preferred) throw new Error(reason);
        skipped.push(reason);
        continue;
      }
      if (adapter.software && !preferred) {
        skipped.push(`webgpu: only a software adapter (${adapter.description}), slower than wasm`);
        continue;
      }
      await activate('webgpu');
      return { backend: 'webgpu', adapter: adapter.description, softwareAdapter: adapter.software, skipped };
    }
    try {
      await activate(name);
      return { backend: name, skipped };
    } catch (error) {
      if (preferred) throw error;
      skipped.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.join('; ')}`);
}

/** One line for logs: which backend and, for webgpu, which adapter. */
export function describeBackend(selected: SelectedBackend): string {
  if (selected.backend !== 'webgpu') return selected.backend;
  return `webgpu (${selected.adapter}${selected.softwareAdapter ? ', software' : ''})`;
}
