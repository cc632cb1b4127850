// The store's worker thread (see worker-store.ts): opens the store described by workerData and serves
// calls on it, one message per call, answered in any order. The bodies of a lent ingest batch go back
// with its answer, whatever the answer.

import { parentPort, workerData } from 'node:worker_threads';
import { openStoreFromSpec, type StoreSpec } from './open';
import type { ClippedUpdate, Store } from './types';

export interface Call {
  readonly id: number;
  /** A Store method. */
  readonly method: string;
  readonly args: unknown[];
  /** ingest only: the updates' buffers were transferred here, and go back with the reply. */
  readonly lent?: boolean;
}

export type Reply = (
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: SentError }
) & { readonly returned?: ArrayBuffer[] };

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

/** The distinct bodies lent with a batch, to transfer back. */
function lentBuffers(updates: readonly ClippedUpdate[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const u of updates) if (u.body) buffers.add(u.body);
  return [...buffers];
}

async function serve({ id, method, args, lent }: Call): Promise<void> {
  const returned = lent ? lentBuffers(args[1] as ClippedUpdate[]) : [];
  const back = returned.length > 0 ? { returned } : {};
  try {
    const fn = (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
    if (typeof fn !== 'function') throw new Error(`store worker: no method ${method}`);
    const value = await fn.apply(store, args);
    port!.postMessage({ id, value, ...back } satisfies Reply, returned);
  } catch (e) {
    port!.postMessage({ id, error: sent(e), ...back } satisfies Reply, returned);
  }
}

port.on('message', (call: Call) => void serve(call));
