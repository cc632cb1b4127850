// The storage contract of the aggregator: model registry, rounds, the running sums of acknowledged
// updates, and the privacy ledger. Every implementation passes the same suite (contract.ts).

import type { TensorLayout } from '@hearth/models';

export const ROUND_STATES = ['open', 'collecting', 'aggregating', 'committed', 'abandoned'] as const;
export type RoundState = (typeof ROUND_STATES)[number];
/** States of a round that is not finished; at most one round is in one of them. */
export const ACTIVE_STATES: readonly RoundState[] = ['open', 'collecting', 'aggregating'];

/** What a round was opened with; stored with it so every replica aggregates it the same way. */
export interface RoundParams {
  /** Poisson sampling rate of check-ins (what the accountant assumes). */
  readonly q: number;
  /** Noise multiplier: the noise on the sum has standard deviation z * clipBound. */
  readonly z: number;
  readonly clipBound: number;
  /** Updates with a norm above this are zeroed instead of clipped; null: never. */
  readonly zeroingBound: number | null;
  readonly minClients: number;
  /** N, the client population q samples from. */
  readonly population: number;
  /** The fixed DP-FedAvg denominator q * population: never the count that arrived. */
  readonly expectedClients: number;
  /** Server learning rate: new weights = old + serverLr * noisy average. */
  readonly serverLr: number;
  /** The item tables' server learning rate (per-item embeddings); null: serverLr, as for the rest. */
  readonly serverItemTablesLr: number | null;
  readonly delta: number;
}

export interface RoundRecord {
  readonly id: number;
  readonly modelVersion: number;
  readonly state: RoundState;
  readonly params: RoundParams;
  readonly layout: TensorLayout;
  readonly deadline: Date;
  readonly openedAt: Date;
  readonly stateChangedAt: Date;
  readonly closedAt: Date | null;
  readonly reason: string | null;
  readonly resultVersion: number | null;
}

export interface NewModelVersion {
  /** The artifact's manifest (JSON). */
  readonly manifest: Record<string, unknown>;
  /** The artifact's weights file. */
  readonly weights: Uint8Array;
  readonly parent: number | null;
  readonly roundId: number | null;
  /** Privacy spent by this version's whole lineage so far, at `delta`. */
  readonly epsilon: number;
  readonly delta: number;
  readonly note?: string;
}

export interface ModelVersionRecord {
  readonly version: number;
  readonly parent: number | null;
  readonly roundId: number | null;
  readonly manifest: Record<string, unknown>;
  readonly weightsSha256: string;
  readonly weightsBytes: number;
  readonly epsilon: number;
  readonly delta: number;
  readonly note: string;
  readonly createdAt: Date;
}

export interface LatestPointer {
  readonly version: number;
  readonly reason: string;
  readonly createdAt: Date;
}

/** A validated, clipped update ready to be summed. */
export interface ClippedUpdate {
  readonly clientId: string;
  /** The update as received; what it adds to the round's sum is scale × values. */
  readonly values: Float32Array | Float64Array;
  /** The clip factor min(1, C / norm), or 0 when zeroed. */
  readonly scale: number;
  readonly clipped: boolean;
  /** Above the zeroing bound: counted, contributes zeros. */
  readonly zeroed: boolean;
  /**
   * The request's own buffer under `values` (a whole upload body), which a store in a worker thread
   * may borrow (transfer) instead of copying; absent: the values are copied.
   */
  readonly body?: ArrayBuffer;
}

export type IngestOutcome =
  | { readonly kind: 'ok'; readonly accepted: readonly string[]; readonly duplicates: readonly string[] }
  | { readonly kind: 'round_not_collecting'; readonly state: RoundState | 'missing' };

export interface RoundSum {
  /** Acknowledged updates summed (equals the receipts of the round). */
  readonly count: number;
  readonly clipped: number;
  readonly zeroed: number;
  readonly sum: Float64Array;
}

export interface LedgerEntry {
  readonly roundId: number;
  readonly modelVersion: number;
  readonly q: number;
  readonly z: number;
  readonly clipBound: number;
  readonly expectedClients: number;
  readonly received: number;
  /** Cumulative epsilon after this round, at `delta`. */
  readonly epsilon: number;
  readonly delta: number;
  readonly createdAt: Date;
}

export type NewLedgerEntry = Omit<LedgerEntry, 'roundId' | 'modelVersion' | 'createdAt'>;

/** A write the store refused because it conflicts with what is stored (a second active round, say). */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** Stored bytes whose checksum no longer matches what was recorded. */
export class ChecksumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumError';
  }
}

export interface Store {
  readonly kind: 'embedded' | 'postgres';
  /** This process's id in round_partials: every replica writes only its own running sum. */
  readonly replicaId: string;

  /** Stores a new immutable version numbered max + 1; with makeLatest the latest pointer moves to it. */
  createVersion(input: NewModelVersion, latestReason: string | null): Promise<ModelVersionRecord>;
  /** Stores `input` as version 1 and makes it latest, only if the registry is empty (replicas may race). */
  seedVersion(input: NewModelVersion, reason: string): Promise<ModelVersionRecord | null>;
  getVersion(version: number): Promise<ModelVersionRecord | null>;
  listVersions(): Promise<ModelVersionRecord[]>;
  /** The weights of a version, checked against the recorded SHA-256 (ChecksumError if they differ). */
  readWeights(version: number): Promise<Uint8Array>;
  latest(): Promise<LatestPointer | null>;
  /** Moves the latest pointer (rollback or roll forward): appends a pointer, rewrites no version. */
  setLatest(version: number, reason: string): Promise<LatestPointer>;

  /** Opens a round; StoreConflictError if another round is active. */
  openRound(input: {
    modelVersion: number;
    params: RoundParams;
    layout: TensorLayout;
    deadline: Date;
  }): Promise<RoundRecord>;
  getRound(id: number): Promise<RoundRecord | null>;
  activeRound(): Promise<RoundRecord | null>;
  listRounds(limit: number): Promise<RoundRecord[]>;
  /** Moves a round from one of `from` to `to`; null (and nothing changed) when it is in another state. */
  transitionRound(
    id: number,
    from: readonly RoundState[],
    to: RoundState,
    reason?: string,
  ): Promise<RoundRecord | null>;

  /**
   * Adds clipped updates to the round's running sum, atomically with their receipts: an update is
   * counted once per (round, client), however often and through whichever replica it arrives.
   * Refused unless the round is open or collecting (the first accepted update moves it to collecting).
   */
  ingest(roundId: number, updates: readonly ClippedUpdate[]): Promise<IngestOutcome>;
  receiptCount(roundId: number): Promise<number>;
  /** Counts of the round's acknowledged updates, without reading the sums. */
  roundCounts(roundId: number): Promise<{ count: number; clipped: number; zeroed: number }>;
  /** The round's sum over every replica's running sum. */
  roundSum(roundId: number, size: number): Promise<RoundSum>;
  /** In one transaction: the round (which must be aggregating) commits, the version is stored and becomes latest, the ledger is charged. */
  commitRound(
    roundId: number,
    version: NewModelVersion,
    ledger: NewLedgerEntry,
  ): Promise<{ round: RoundRecord; version: ModelVersionRecord }>;

  /**
   * In one transaction: an aggregating round is abandoned and, when `charge` is given, the ledger is
   * charged for it (the decision to abandon depended on how many clients answered). StoreConflictError
   * when the round is not aggregating.
   */
  abandonRound(roundId: number, reason: string, charge: NewLedgerEntry | null): Promise<RoundRecord>;

  ledger(): Promise<LedgerEntry[]>;
  /**
   * Deletes the stored running sums of finished rounds; returns how many. The store does it after each
   * round it finishes; the server also calls it at start, for sums a crash left behind.
   */
  collectSums(): Promise<number>;
  close(): Promise<void>;
}
