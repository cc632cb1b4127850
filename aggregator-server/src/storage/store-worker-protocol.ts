// The messages between the server's main thread (worker-store.ts) and the store's worker thread
// (store-worker.ts).

import type { BatcherOptions } from '../ingest/batcher';
import type { StoreSpec } from './open';
import type { Store } from './types';

export interface WorkerData {
  readonly spec: StoreSpec;
  readonly batcher: Pick<BatcherOptions, 'maxBatch' | 'maxQueue'>;
  /** config.simd, for this thread's kernels (simd/kernels.ts useSimd). */
  readonly simd?: boolean;
}

/** The queue's method, beside the Store's. */
export const QUEUE_ADD = 'queue.add';
/** Check, clip and queue (CheckAndAdd, the update in args[1]). */
export const QUEUE_CHECK_ADD = 'queue.checkAndAdd';

export interface Call {
  readonly id: number;
  /** A Store method, or QUEUE_ADD (roundId, update). */
  readonly method: string;
  readonly args: unknown[];
  /** The bodies of the call's updates (ClippedUpdate.body) were transferred here, to go back. */
  readonly lent?: boolean;
}

export type Reply = (
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: SentError }
) & { readonly returned?: ArrayBuffer[] };

export type Notice =
  | { readonly ready: { kind: Store['kind']; replicaId: string } }
  | { readonly failed: SentError }
  | { readonly event: 'pause' }
  | { readonly event: 'commit'; readonly size: number; readonly ms: number };

export interface SentError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** An ApiError's HTTP meaning (the queue's 503 when it is full). */
  readonly api?: { status: number; reason: string; field?: string; retryAfterSec?: number };
}
