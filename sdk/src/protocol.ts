// What the page and the worker say to each other. The worker exposes `WorkerApi` with comlink on a
// private MessageChannel handed over in one handshake, so nothing else that can post to the worker's
// global scope reaches it.
import type { StoredEvent } from './event';
import type { Backend, Explanation, RankedItem } from './types';

export const HANDSHAKE = 'hearth:connect';

export interface WorkerStart {
  siteKey: string;
  modelUrl?: string;
  /** Absolute URL of the folder holding the wasm binaries. */
  assetsUrl: string;
  backends: Backend[];
  /** May the worker cache the model in IndexedDB (consent)? */
  persist: boolean;
  maxEventAgeDays: number;
}

export interface WorkerStarted {
  backend: Backend | 'none';
  modelVersion?: string;
  /** True when the weights came from the IndexedDB cache (checksum matched), not the network. */
  modelCached?: boolean;
  /** Start-up phases in ms from the start call: backend ready, model built (overlaps), warm-up. */
  timings?: { backendMs: number; modelMs: number; warmUpMs: number };
  /** Debug messages the worker produced while starting (backends skipped, model failures). */
  messages: string[];
}

export interface RankRequest {
  history: StoredEvent[];
  candidates: string[];
  /** Ms since the epoch, the page's clock (time-of-day and gaps). */
  now: number;
  /** Minutes east of UTC of the shopper's clock, for the time-of-day context. */
  utcOffsetMin: number;
  shopWeight: number;
}

export interface ExplainRequest {
  history: StoredEvent[];
  itemId: string;
  now: number;
  utcOffsetMin: number;
}

export interface RankReply {
  items: RankedItem[];
  /** Live TensorFlow.js tensors after the call: constant across calls, or something leaks. */
  tensors: number;
  /** Time spent in the worker (features, forward pass, blend). */
  workerMs: number;
  /** The model version that ranked (a newer one may have been swapped in since start). */
  modelVersion: string;
}

export interface WorkerApi {
  start(s: WorkerStart): Promise<WorkerStarted>;
  /** Null when the worker has no model to rank with. */
  rank(r: RankRequest): Promise<RankReply | null>;
  explain(r: ExplainRequest): Promise<Explanation | null>;
  setPersist(persist: boolean): Promise<void>;
}
