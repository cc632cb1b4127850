// The store's worker thread (see worker-store.ts): opens the store described by workerData and serves
// calls on it, one message per call, answered in any order. It also runs the group commit's queue
// (ingest/batcher.ts): uploads arrive one message each, and a commit starts as soon as the previous
// one ends, without waiting for a turn of the server's busy event loop. Bodies lent with a call go
// back with its answer, whatever the answer.

import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../api-error';
import { type CheckAndAdd, type CheckedResult, IngestBatcher } from '../ingest/batcher';
import { clipChecked } from '../ingest/prepare';
import { checkUpdate } from '../privacy/validate-update';
import { useSimd } from '../simd/kernels';
import { openStoreFromSpec } from './open';
import {
  type Call,
  type Notice,
  QUEUE_ADD,
  QUEUE_CHECK_ADD,
  type Reply,
  type SentError,
  type WorkerData,
} from './store-worker-protocol';
import type { ClippedUpdate, Store } from './types';

function sent(e: unknown): SentError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const api =
    e instanceof ApiError
      ? {
          status: e.status,
          reason: e.reason,
          ...(e.field === undefined ? {} : { field: e.field }),
          ...(e.retryAfterSec === undefined ? {} : { retryAfterSec: e.retryAfterSec }),
        }
      : undefined;
  return {
    name: e.name,
    message: e.message,
    ...(e.stack ? { stack: e.stack } : {}),
    ...(api ? { api } : {}),
  };
}

const port = parentPort;
if (!port) throw new Error('store-worker.ts runs as a worker thread only');
const data = workerData as WorkerData;
useSimd(data.simd ?? true);

let store: Store;
try {
  store = await openStoreFromSpec(data.spec, () => port.postMessage({ event: 'pause' } satisfies Notice));
} catch (e) {
  port.postMessage({ failed: sent(e) } satisfies Notice);
  process.exit(1);
}
const queue = new IngestBatcher(store, {
  ...data.batcher,
  onCommit: (size, ms) => port.postMessage({ event: 'commit', size, ms } satisfies Notice),
});
port.postMessage({ ready: { kind: store.kind, replicaId: store.replicaId } } satisfies Notice);

/** The distinct bodies lent with a call (its updates' ClippedUpdate.body), to transfer back. */
function lentBuffers(updates: unknown): ArrayBuffer[] {
  const list = (Array.isArray(updates) ? updates : [updates]) as ClippedUpdate[];
  const buffers = new Set<ArrayBuffer>();
  for (const u of list) if (u.body) buffers.add(u.body);
  return [...buffers];
}

/** The privacy core's check and the clip step here, then the queue (see UpdateQueue.checkAndAdd). */
async function checkAndAdd(r: CheckAndAdd): Promise<CheckedResult> {
  const { clientId, values, body } = r.update;
  const update = clipChecked(clientId, values, r, checkUpdate(values, r.size));
  const result = await queue.add(r.roundId, body ? { ...update, body } : update);
  return { result, clipped: update.clipped, zeroed: update.zeroed };
}

async function serve({ id, method, args, lent }: Call): Promise<void> {
  const lentWith = method === QUEUE_CHECK_ADD ? (args[0] as CheckAndAdd).update : args[1];
  const returned = lent ? lentBuffers(lentWith) : [];
  const back = returned.length > 0 ? { returned } : {};
  try {
    let value: unknown;
    if (method === QUEUE_ADD) value = await queue.add(args[0] as number, args[1] as ClippedUpdate);
    else if (method === QUEUE_CHECK_ADD) value = await checkAndAdd(args[0] as CheckAndAdd);
    else {
      const fn = (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
      if (typeof fn !== 'function') throw new Error(`store worker: no method ${method}`);
      value = await fn.apply(store, args);
    }
    port!.postMessage({ id, value, ...back } satisfies Reply, returned);
  } catch (e) {
    port!.postMessage({ id, error: sent(e), ...back } satisfies Reply, returned);
  }
}

port.on('message', (call: Call) => void serve(call));
