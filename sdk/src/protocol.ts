// What the page and the worker say to each other. The worker exposes `WorkerApi` with comlink on a
// private MessageChannel handed over in one handshake; rank() and prepare() also travel on the
// Worker's own channel (./lane), which only the SDK, holding the Worker object, can post to.
import type { StoredEvent } from './event';
import type { HistorySync } from './history';
import type { EncodedCandidates } from './known-indices';
import type { CompactRanking } from './ranking';
import type { Backend, Explanation, FeatureSummary, TrainResult } from './types';

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
  /** The aggregator's base URL (ending in '/'): new model versions are looked up there. */
  serverUrl?: string;
  /**
   * The model as the page read it from IndexedDB while the worker booted (transferred, not copied).
   * The worker verifies it like its own read; without it the worker reads the cache itself.
   */
  cached?: { manifest: string; weights: ArrayBuffer };
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
  /** What the worker's copy of the history lacks (see ./history). */
  history: HistorySync;
  /** By catalogue index where the page knows it, else by id (see ./known-indices). */
  candidates: EncodedCandidates;
  /** Ms since the epoch, the page's clock (time-of-day and gaps). */
  now: number;
  /** Minutes east of UTC of the shopper's clock, for the time-of-day context. */
  utcOffsetMin: number;
  shopWeight: number;
}

/** A history to encode ahead of the next rank() (fire and forget). */
export interface PrepareRequest {
  history: HistorySync;
  now: number;
  utcOffsetMin: number;
}

export interface ExplainRequest {
  history: StoredEvent[];
  itemId: string;
  now: number;
  utcOffsetMin: number;
}

export interface RankReply {
  /** The order and its reasons as typed arrays, transferred (see ./ranking): the page expands them. */
  ranking: CompactRanking;
  /** Live TensorFlow.js tensors after the call: constant across calls, or something leaks. */
  tensors: number;
  /** Time spent in the worker (features, forward pass, blend). */
  workerMs: number;
  /** The part of workerMs in the model (encoder, when it ran, and candidate scoring); 0 when it did not run. */
  modelMs: number;
  /** True when this call ran the encoder; false when the history's user vector was kept or prepared. */
  encoded: boolean;
  /** The model version that ranked (a newer one may have been swapped in since start). */
  modelVersion: string;
  /** True when this shopper's locally trained weights ranked (trainNow()), not the server's as served. */
  personalised?: boolean;
  /**
   * What the worker derived from the history for this call, for status() and a debug panel. A worker
   * on the lane (./lane) leaves it out and sends it in a message of its own right after the reply:
   * summarising and cloning it cost ~60 µs that no list should wait for.
   */
  features?: FeatureSummary;
  /** The catalogue the ranking model indexes products in. */
  catalog: number;
  /** The indices of the candidates sent by id, in their order; absent when none was. */
  learned?: Int32Array;
}

/** rank()'s answer when the page named candidates by indices of another catalogue: send the ids. */
export interface StaleCatalog {
  staleCatalog: number;
}

/** What a sampled client is told at check-in (the aggregator's `sampled` reply). */
export interface RoundOffer {
  roundId: number;
  modelVersion: number;
  token: string;
  expiresAt: string;
  deadline: string;
  clipBound: number;
  layout: { name: string; shape: number[] }[];
  layoutHash: string;
  uploadUrl: string;
}

export interface CheckInRequest {
  serverUrl: string;
  clientId: string;
}

export type CheckInReply =
  | { status: 'sampled'; offer: RoundOffer }
  | { status: 'not_sampled' | 'no_round' | 'retry'; retryAfterMs: number };

export interface TrainReply {
  /** The update in the aggregator's binary format: the round's layout, clipped values, nothing else. */
  body: Uint8Array;
  steps: number;
  /** Wall time of each local step (ms), for status and the benchmark. */
  stepMs: number[];
  /** When training ran (ms since the epoch, worker clock): rank() calls in between were served. */
  startedAt: number;
  endedAt: number;
  /** L2 norm of what is sent (at most the round's clip bound). */
  norm: number;
  clipped: boolean;
}

export interface ParticipateRequest extends CheckInRequest {
  history: StoredEvent[];
  now: number;
  utcOffsetMin: number;
}

export type ParticipateReply =
  | CheckInReply
  | { status: 'trained'; offer: RoundOffer; update: TrainReply }
  /** Sampled, but the shopper's history is too short to learn from: nothing is sent. */
  | { status: 'skipped'; retryAfterMs: number };

export interface TrainNowRequest {
  history: StoredEvent[];
  now: number;
  utcOffsetMin: number;
}

/** The worker's side of trainNow(): the page adds the reasons it decides itself (consent, backend). */
export type TrainNowReply =
  | Extract<TrainResult, { trained: true }>
  | { trained: false; reason: 'no_model' | 'too_short' | 'busy' | 'failed'; detail?: string };

export interface WorkerApi {
  start(s: WorkerStart): Promise<WorkerStarted>;
  /** Null when the worker has no model to rank with. */
  rank(r: RankRequest): Promise<RankReply | StaleCatalog | null>;
  /** Encodes the history now so that a rank() for it skips the encoder; true when the encoder ran. */
  prepare(r: PrepareRequest): Promise<boolean>;
  /** The features of the last rank() (see RankReply.features), once; undefined when already taken. */
  features(): Promise<FeatureSummary | undefined>;
  explain(r: ExplainRequest): Promise<Explanation | null>;
  /**
   * May the worker keep anything (consent)? When not, it drops what it derived from the history and
   * its copy of it; `historyEpoch` (the page's, see ./history) keeps older requests from refilling it.
   */
  setPersist(persist: boolean, historyEpoch: number): Promise<void>;
  /** Checks in; when sampled, trains on the history and returns the encoded, clipped update. */
  participate(r: ParticipateRequest): Promise<ParticipateReply>;
  /** Looks up the aggregator's latest version; a new one is swapped in. Resolves with the version ranking now. */
  checkForUpdate(): Promise<string | null>;
  /**
   * Fine-tunes a copy of the current model on this history; it ranks for this page until a new
   * server version arrives or setPersist(false) (forget, consent withdrawn) drops it.
   */
  trainNow(r: TrainNowRequest): Promise<TrainNowReply>;
}
