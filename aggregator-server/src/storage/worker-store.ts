// The store in a worker thread of its own, with the group commit's queue. Under load the server's event
// loop is busy reading upload bodies; the group commit (adding each update into the running sum,
// hashing and writing the sum, PGlite's statement or PostgreSQL's round trip) runs beside it in the
// worker instead of taking turns with it, and the next commit starts as soon as one ends instead of
// after a turn of the busy event loop.
//
// Calls go over postMessage with the Store's own arguments and results (structured clone). An update
// that names its body (ClippedUpdate.body, a pooled upload body) is transferred to the worker, not
// copied (400 KB), and transferred back with the answer, to `lendBodies` (the server's pool of upload
// bodies); the caller's views on it are empty meanwhile. The answer, and so the 2xx, comes only after
// the worker's store has committed the update, so "acknowledged means durable" holds as on the main
// thread. Errors come back by name: ApiError (the queue's 503), StoreConflictError and ChecksumError as
// themselves (callers test for them), others as an Error with the worker's name and message.

import type { Worker } from 'node:worker_threads';
import { ApiError } from '../api-error';
import type { BatcherOptions, CheckedResult, IngestResult, UpdateQueue } from '../ingest/batcher';
import { startTsWorker } from '../ts-worker';
import type { StoreSpec } from './open';
import {
  type Call,
  type Notice,
  QUEUE_ADD,
  QUEUE_CHECK_ADD,
  type Reply,
  type SentError,
  type WorkerData,
} from './store-worker-protocol';
import { ChecksumError, type Store, StoreConflictError } from './types';

type StoreMethod = Exclude<keyof Store, 'kind' | 'replicaId' | 'close'>;
/** Every method of Store, so that the compiler says when one is added and not forwarded. */
const METHODS: Record<StoreMethod, true> = {
  createVersion: true,
  seedVersion: true,
  getVersion: true,
  listVersions: true,
  readWeights: true,
  latest: true,
  setLatest: true,
  openRound: true,
  getRound: true,
  activeRound: true,
  listRounds: true,
  transitionRound: true,
  ingest: true,
  receiptCount: true,
  roundCounts: true,
  roundSum: true,
  commitRound: true,
  abandonRound: true,
  ledger: true,
  collectSums: true,
};

function received(e: SentError): Error {
  const error = e.api
    ? new ApiError(e.api.status, e.api.reason, e.message, e.api.field, e.api.retryAfterSec)
    : e.name === 'StoreConflictError'
      ? new StoreConflictError(e.message)
      : e.name === 'ChecksumError'
        ? new ChecksumError(e.message)
        : Object.assign(new Error(e.message), { name: e.name });
  if (e.stack) error.stack = e.stack;
  return error;
}

export interface WorkerStoreOptions {
  /** The group commit's limits (ingest/batcher.ts). */
  readonly batcher?: Pick<BatcherOptions, 'maxBatch' | 'maxQueue'>;
  /** Told after each group commit, for metrics. */
  readonly onCommit?: (size: number, ms: number) => void;
  /** Told when an injected checkpoint pause begins (the crash test). */
  readonly onPause?: () => void;
  /** Transfer updates' bodies instead of copying them; each comes back here after its commit. */
  readonly lendBodies?: (returned: ArrayBuffer) => void;
  /** config.simd: the worker's update checks and sums in WebAssembly SIMD (default true). */
  readonly simd?: boolean;
}

export interface WorkerStore {
  readonly store: Store;
  /** The group commit's queue, in the worker. */
  readonly queue: UpdateQueue;
}

/** The bodies of a call's updates that can be lent (ClippedUpdate.body), each once. */
function lendable(updates: readonly { readonly body?: ArrayBuffer }[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const u of updates) if (u.body) buffers.add(u.body);
  return [...buffers];
}

export async function openStoreInWorker(
  spec: StoreSpec,
  options: WorkerStoreOptions = {},
): Promise<WorkerStore> {
  const data: WorkerData = {
    spec,
    batcher: options.batcher ?? {},
    ...(options.simd === undefined ? {} : { simd: options.simd }),
  };
  const worker: Worker = startTsWorker(new URL('./store-worker.ts', import.meta.url), data);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  let queued = 0;
  let stopped: Error | null = null;

  const ready = new Promise<{ kind: Store['kind']; replicaId: string }>((resolve, reject) => {
    worker.on('message', (m: Reply | Notice) => {
      if ('id' in m) {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.returned) for (const b of m.returned) options.lendBodies?.(b);
        if ('error' in m) p?.reject(received(m.error));
        else p?.resolve(m.value);
      } else if ('ready' in m) resolve(m.ready);
      else if ('failed' in m) reject(received(m.failed));
      else if (m.event === 'pause') options.onPause?.();
      else if (m.event === 'commit') options.onCommit?.(m.size, m.ms);
    });
    const stop = (e: Error) => {
      stopped ??= e;
      reject(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    worker.on('error', (e: Error) => stop(e));
    worker.on('exit', (code) => stop(new Error(`the store's worker thread exited (code ${code})`)));
  });

  const call = (
    method: string,
    args: unknown[],
    updates: readonly { readonly body?: ArrayBuffer }[] = [],
  ): Promise<unknown> => {
    if (stopped) return Promise.reject(stopped);
    const id = next++;
    const lend = options.lendBodies ? lendable(updates) : [];
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const lent = lend.length > 0;
      worker.postMessage({ id, method, args, ...(lent ? { lent } : {}) } satisfies Call, lend);
    });
  };

  let info: { kind: Store['kind']; replicaId: string };
  try {
    info = await ready;
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  const methods = Object.fromEntries(
    Object.keys(METHODS).map((m) => [m, (...args: unknown[]) => call(m, args)]),
  ) as unknown as Pick<Store, StoreMethod>;
  const store: Store = {
    ...methods,
    kind: info.kind,
    replicaId: info.replicaId,
    ingest: (roundId, updates) => call('ingest', [roundId, updates], updates) as ReturnType<Store['ingest']>,
    async close() {
      try {
        await call('close', []);
      } finally {
        await worker.terminate();
      }
    },
  };
  const queue: UpdateQueue = {
    async add(roundId, update) {
      queued++;
      try {
        return (await call(QUEUE_ADD, [roundId, update], [update])) as IngestResult;
      } finally {
        queued--;
      }
    },
    async checkAndAdd(request) {
      queued++;
      try {
        return (await call(QUEUE_CHECK_ADD, [request], [request.update])) as CheckedResult;
      } finally {
        queued--;
      }
    },
    get pending() {
      return queued;
    },
  };
  return { store, queue };
}
