// The store's worker thread (see worker-store.ts): opens the store described by workerData and serves
// calls on it, one message per call, answered in any order. Also checks updates (finiteness and norm),
// the other per-update pass over 100,000 values that need not hold the server's event loop.

import { parentPort, workerData } from 'node:worker_threads';
import { checkUpdate } from '../privacy/validate-update';
import { openStoreFromSpec, type StoreSpec } from './open';
import type { Store } from './types';

export interface Call {
  readonly id: number;
  /** A Store method, or 'checkUpdate' (values, expected length). */
  readonly method: string;
  readonly args: unknown[];
}

export type Reply =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: SentError };

export type Notice =
  | { readonly ready: { kind: Store['kind']; replicaId: string } }
  | { readonly failed: SentError }
  | { readonly event: 'pause' };

export interface SentError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

function sent(e: unknown): SentError {
  if (e instanceof Error) return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { name: 'Error', message: String(e) };
}

const port = parentPort;
if (!port) throw new Error('store-worker.ts runs as a worker thread only');

let store: Store;
try {
  store = await openStoreFromSpec(workerData as StoreSpec, () => port.postMessage({ event: 'pause' }));
} catch (e) {
  port.postMessage({ failed: sent(e) } satisfies Notice);
  process.exit(1);
}
port.postMessage({ ready: { kind: store.kind, replicaId: store.replicaId } } satisfies Notice);

async function serve({ id, method, args }: Call): Promise<void> {
  try {
    let value: unknown;
    if (method === 'checkUpdate')
      value = checkUpdate(args[0] as Float32Array | Float64Array, args[1] as number);
    else {
      const fn = (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
      if (typeof fn !== 'function') throw new Error(`store worker: no method ${method}`);
      value = await fn.apply(store, args);
    }
    port!.postMessage({ id, value } satisfies Reply);
  } catch (e) {
    port!.postMessage({ id, error: sent(e) } satisfies Reply);
  }
}

port.on('message', (call: Call) => void serve(call));
