// Group commit for acknowledged updates. Updates that arrive while a commit is running wait together
// and go into the next transaction: one receipt insert and one running-sum write per batch instead of
// per update, which is what lets an embedded store keep up with 1,000+ updates/s. Every caller's
// promise settles only after the transaction holding its update has committed, so a 2xx always means
// "durable". Memory is bounded: at most maxBatch vectors in a commit plus maxQueue waiting; beyond that
// the caller is told to retry later (503 + Retry-After) instead of queueing without limit.

import { ApiError } from '../api-error';
import type { ClippedUpdate, IngestOutcome, RoundState, Store } from '../storage/types';

export type IngestResult =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'round_not_collecting'; readonly state: RoundState | 'missing' };

interface Waiting {
  readonly roundId: number;
  readonly update: ClippedUpdate;
  readonly resolve: (r: IngestResult) => void;
  readonly reject: (e: unknown) => void;
}

/** Where accepted updates wait for their group commit: this batcher, or one in the store's worker. */
export interface UpdateQueue {
  /** Settles once the update's batch has committed (or been refused): a 2xx may follow. */
  add(roundId: number, update: ClippedUpdate): Promise<IngestResult>;
  /** Updates waiting or being committed. */
  readonly pending: number;
  /**
   * Checks (finiteness, norm), clips and adds an update in one step, where the queue runs (the store's
   * worker thread, off the busy main thread); absent: the caller checks and clips first. Throws the
   * ApiError of a refused update (400 non_finite naming the index).
   */
  checkAndAdd?(request: CheckAndAdd): Promise<CheckedResult>;
}

/** An update whose header matched its round, not yet checked nor clipped. */
export interface CheckAndAdd {
  readonly roundId: number;
  readonly size: number;
  readonly clipBound: number;
  readonly zeroingBound: number | null;
  readonly update: {
    readonly clientId: string;
    readonly values: Float32Array | Float64Array;
    readonly body?: ArrayBuffer;
  };
}

export interface CheckedResult {
  readonly result: IngestResult;
  readonly clipped: boolean;
  readonly zeroed: boolean;
}

export interface BatcherOptions {
  readonly maxBatch?: number;
  readonly maxQueue?: number;
  /** Called after each commit, for metrics. */
  readonly onCommit?: (size: number, ms: number) => void;
}

export class IngestBatcher implements UpdateQueue {
  private queue: Waiting[] = [];
  private running = false;
  private readonly maxBatch: number;
  private readonly maxQueue: number;

  constructor(
    private readonly store: Store,
    private readonly options: BatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxQueue = options.maxQueue ?? 512;
  }

  get pending(): number {
    return this.queue.length;
  }

  add(roundId: number, update: ClippedUpdate): Promise<IngestResult> {
    if (this.queue.length >= this.maxQueue)
      return Promise.reject(
        new ApiError(503, 'overloaded', 'too many updates waiting to be stored; retry later', undefined, 1),
      );
    return new Promise((resolve, reject) => {
      this.queue.push({ roundId, update, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Let the updates of this event-loop turn join the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // One round per transaction: take the first waiting update's round, up to maxBatch of it.
      const roundId = this.queue[0]!.roundId;
      const batch: Waiting[] = [];
      const rest: Waiting[] = [];
      for (const w of this.queue)
        (w.roundId === roundId && batch.length < this.maxBatch ? batch : rest).push(w);
      this.queue = rest;
      await this.commit(roundId, batch);
    }
    this.running = false;
  }

  private async commit(roundId: number, batch: Waiting[]): Promise<void> {
    // A client twice in one batch: the store counts the first and reports the rest as duplicates.
    const started = performance.now();
    let outcome: IngestOutcome;
    try {
      outcome = await this.store.ingest(
        roundId,
        batch.map((w) => w.update),
      );
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    this.options.onCommit?.(batch.length, performance.now() - started);
    if (outcome.kind !== 'ok') {
      for (const w of batch) w.resolve({ kind: 'round_not_collecting', state: outcome.state });
      return;
    }
    const accepted = new Set(outcome.accepted);
    for (const w of batch) {
      // the first occurrence of an accepted id takes the acceptance; any later copy is a duplicate
      if (accepted.delete(w.update.clientId)) w.resolve({ kind: 'accepted' });
      else w.resolve({ kind: 'duplicate' });
    }
  }
}
