// The round coordinator: opens rounds, answers check-ins (Poisson sampling + a round token), takes
// updates (checked, clipped, group-committed), and closes rounds at their deadline. It holds no state
// that matters across a restart: rounds, receipts and sums live in the store, so any replica (or a
// restarted process) picks up where another left off.

import { layoutHash, layoutSize, type TensorLayout } from '@hearth/models';
import { ApiError } from '../api-error';
import { IngestBatcher, type IngestResult, type UpdateQueue } from '../ingest/batcher';
import { decodeBody, ownBuffer, prepareUpdate, requireRoundMatch } from '../ingest/prepare';
import { dpFedAvg } from '../privacy/dp-fedavg';
import { previewRound } from '../privacy/ledger';
import type { GaussianSource } from '../privacy/noise';
import type { AggregationStrategy } from '../privacy/strategy';
import { type RoundParams, type RoundRecord, type Store, StoreConflictError } from '../storage/types';
import { type AggregateOutcome, aggregateRound, type LedgerConfig, ledgerOf } from './aggregate';
import { federatedLayout } from './apply-delta';
import { isSampled } from './sampling';
import { issueToken, verifyToken } from './token';
import { invalidTransition, isFinished } from './transitions';

export interface RoundDefaults extends Omit<RoundParams, 'expectedClients' | 'delta'> {
  readonly durationSec: number;
  /** Which float tensors of the model a round trains (regular expressions on tensor names). */
  readonly includeTensors: string;
  readonly excludeTensors: string | null;
}

export interface CoordinatorOptions {
  readonly store: Store;
  /** HMAC key for sampling coins and round tokens; the same on every replica. */
  readonly secret: string;
  readonly noise: GaussianSource;
  /** Tests only: accept a seeded (insecure) noise source. */
  readonly allowInsecureNoise?: boolean;
  readonly ledger: LedgerConfig;
  readonly defaults: RoundDefaults;
  readonly tokenTtlSec: number;
  /** How long after the deadline a token still verifies (the deadline itself is enforced separately). */
  readonly deadlineGraceSec?: number;
  readonly clock?: () => number;
  readonly batcher?: { maxBatch?: number; maxQueue?: number; onCommit?: (size: number, ms: number) => void };
  /** The group commit's queue when it is not here (the store's worker thread); then `batcher` is unused. */
  readonly queue?: UpdateQueue;
  readonly onOutcome?: (outcome: AggregateOutcome) => void;
}

export type OpenRoundRequest = Partial<RoundDefaults>;

export type CheckInResult =
  | { readonly status: 'no_round'; readonly retryAfterSec: number }
  | { readonly status: 'not_sampled'; readonly roundId: number; readonly retryAfterSec: number }
  | {
      readonly status: 'sampled';
      readonly roundId: number;
      readonly modelVersion: number;
      readonly token: string;
      readonly expiresAt: string;
      readonly deadline: string;
      readonly clipBound: number;
      readonly layout: TensorLayout;
      readonly layoutHash: string;
      readonly uploadUrl: string;
    };

export interface SubmitResult {
  readonly status: 'accepted' | 'duplicate';
  readonly clipped: boolean;
  readonly zeroed: boolean;
}

const CACHE_MS = 500;

export class RoundCoordinator {
  readonly batcher: UpdateQueue;
  private readonly clock: () => number;
  private readonly rounds = new Map<number, { round: RoundRecord; at: number }>();
  private readonly strategies = new Map<number, AggregationStrategy>();
  private active: { round: RoundRecord | null; at: number } | null = null;

  constructor(private readonly o: CoordinatorOptions) {
    this.clock = o.clock ?? Date.now;
    this.batcher = o.queue ?? new IngestBatcher(o.store, o.batcher ?? {});
  }

  private now(): number {
    return this.clock();
  }

  /** A round record, cached briefly; a finished round never changes again, so it is cached for good. */
  async round(id: number): Promise<RoundRecord | null> {
    const hit = this.rounds.get(id);
    if (hit && (isFinished(hit.round.state) || this.now() - hit.at < CACHE_MS)) return hit.round;
    const round = await this.o.store.getRound(id);
    if (round) this.rounds.set(id, { round, at: this.now() });
    return round;
  }

  async activeRound(): Promise<RoundRecord | null> {
    if (this.active && this.now() - this.active.at < CACHE_MS) return this.active.round;
    const round = await this.o.store.activeRound();
    this.active = { round, at: this.now() };
    return round;
  }

  private forget(): void {
    this.active = null;
    this.rounds.clear();
  }

  strategy(round: RoundRecord): AggregationStrategy {
    let s = this.strategies.get(round.id);
    if (!s) {
      const p = round.params;
      s = dpFedAvg({
        samplingRate: p.q,
        population: p.population,
        noiseMultiplier: p.z,
        clipBound: p.clipBound,
        ...(p.zeroingBound === null ? {} : { zeroingBound: p.zeroingBound }),
        noise: this.o.noise,
        allowInsecureNoise: this.o.allowInsecureNoise === true,
      });
      this.strategies.set(round.id, s);
    }
    return s;
  }

  /** Opens a round on the latest model version. 409 when a round is active or the budget is spent. */
  async open(request: OpenRoundRequest = {}): Promise<RoundRecord> {
    const d = { ...this.o.defaults, ...request };
    const latest = await this.o.store.latest();
    if (!latest)
      throw new ApiError(409, 'no_model', 'there is no model version to train: register one first');
    const version = (await this.o.store.getVersion(latest.version))!;
    const layout = federatedLayout(
      version.manifest,
      new RegExp(d.includeTensors),
      d.excludeTensors ? new RegExp(d.excludeTensors) : null,
    );
    if (layout.length === 0)
      throw new ApiError(
        400,
        'empty_layout',
        'includeTensors: no float tensor of the model matches',
        'includeTensors',
      );
    const expectedClients = d.q * d.population;
    if (!(expectedClients >= 1))
      throw new ApiError(
        400,
        'bad_request',
        `q: q * population must be at least 1, got ${expectedClients}`,
        'q',
      );
    if (d.minClients > d.population)
      throw new ApiError(400, 'bad_request', 'minClients: larger than the population', 'minClients');
    const preview = previewRound(ledgerOf(await this.o.store.ledger(), this.o.ledger), {
      samplingRate: d.q,
      noiseMultiplier: d.z,
    });
    if (!preview.withinBudget)
      throw new ApiError(
        409,
        'budget_exhausted',
        `privacy budget: this round would bring ε to ${preview.epsilon} at δ = ${this.o.ledger.delta}, over ${this.o.ledger.epsilonBudget}`,
      );
    const params: RoundParams = {
      q: d.q,
      z: d.z,
      clipBound: d.clipBound,
      zeroingBound: d.zeroingBound,
      minClients: d.minClients,
      population: d.population,
      expectedClients,
      serverLr: d.serverLr,
      serverItemTablesLr: d.serverItemTablesLr,
      delta: this.o.ledger.delta,
    };
    try {
      const round = await this.o.store.openRound({
        modelVersion: version.version,
        params,
        layout,
        deadline: new Date(this.now() + d.durationSec * 1000),
      });
      this.forget();
      return round;
    } catch (e) {
      if (e instanceof StoreConflictError)
        throw new ApiError(409, 'round_active', 'another round is still active');
      throw e;
    }
  }

  async checkIn(clientId: string): Promise<CheckInResult> {
    const round = await this.activeRound();
    const now = this.now();
    if (!round || (round.state !== 'open' && round.state !== 'collecting') || now >= round.deadline.getTime())
      return { status: 'no_round', retryAfterSec: 60 };
    const retryAfterSec = Math.max(1, Math.ceil((round.deadline.getTime() - now) / 1000));
    if (!isSampled(this.o.secret, round.id, clientId, round.params.q))
      return { status: 'not_sampled', roundId: round.id, retryAfterSec };
    const expiresAt = Math.min(
      round.deadline.getTime() + (this.o.deadlineGraceSec ?? 5) * 1000,
      now + this.o.tokenTtlSec * 1000,
    );
    return {
      status: 'sampled',
      roundId: round.id,
      modelVersion: round.modelVersion,
      token: issueToken(this.o.secret, { roundId: round.id, clientId, expiresAt }),
      expiresAt: new Date(expiresAt).toISOString(),
      deadline: round.deadline.toISOString(),
      clipBound: round.params.clipBound,
      layout: round.layout,
      layoutHash: layoutHash(round.layout),
      uploadUrl: `/v1/rounds/${round.id}/updates`,
    };
  }

  /**
   * One client's update for round `roundId`. Throws ApiError: 401 bad or expired token, 403 a token of
   * another client or round, 400 a malformed / wrong-layout / non-finite update, 404 no such round,
   * 409 stale model or round aggregating, 410 round finished or deadline passed.
   */
  async submit(roundId: number, clientId: string, token: string, body: Uint8Array): Promise<SubmitResult> {
    this.authorize(roundId, clientId, token);
    const round = await this.round(roundId);
    if (!round) throw new ApiError(404, 'no_round', `round ${roundId} does not exist`);
    this.requireCollecting(round);
    const decoded = decodeBody(body);
    requireRoundMatch(decoded, round);
    // the request's own buffer (a pooled body) may be lent to the store's worker instead of copied
    const own = ownBuffer(body, decoded.values);
    let result: IngestResult;
    let update: { clipped: boolean; zeroed: boolean };
    if (this.batcher.checkAndAdd) {
      // the finiteness and norm pass runs beside the HTTP work, in the queue's worker thread
      const checked = await this.batcher.checkAndAdd({
        roundId,
        size: layoutSize(round.layout),
        clipBound: round.params.clipBound,
        zeroingBound: round.params.zeroingBound,
        update: { clientId, values: decoded.values, ...(own ? { body: own } : {}) },
      });
      result = checked.result;
      update = checked;
    } else {
      const clipped = prepareUpdate(clientId, decoded, round);
      update = clipped;
      result = await this.batcher.add(roundId, own ? { ...clipped, body: own } : clipped);
    }
    if (result.kind === 'round_not_collecting') {
      this.rounds.delete(roundId);
      this.requireCollecting({ ...round, state: result.state === 'missing' ? 'abandoned' : result.state });
    }
    return {
      status: result.kind === 'duplicate' ? 'duplicate' : 'accepted',
      clipped: update.clipped,
      zeroed: update.zeroed,
    };
  }

  /** The token checks alone (cheap): the HTTP layer runs them before it reads the body. */
  authorize(roundId: number, clientId: string, token: string): void {
    const check = verifyToken(this.o.secret, token, this.now());
    if (!check.ok) throw new ApiError(401, check.reason, `round token: ${check.reason.replace('_', ' ')}`);
    if (check.claims.clientId !== clientId)
      throw new ApiError(403, 'wrong_client', 'the round token belongs to another client');
    if (check.claims.roundId !== roundId)
      throw new ApiError(403, 'not_assigned', `the client was not assigned to round ${roundId}`);
  }

  private requireCollecting(round: RoundRecord): void {
    if (isFinished(round.state))
      throw new ApiError(
        410,
        'round_closed',
        `round ${round.id} is ${round.state}; updates go to the current round`,
      );
    if (round.state === 'aggregating')
      throw new ApiError(409, 'round_closed', `round ${round.id} is aggregating; it takes no more updates`);
    if (this.now() >= round.deadline.getTime())
      throw new ApiError(
        410,
        'deadline_passed',
        `round ${round.id} closed for updates at ${round.deadline.toISOString()}`,
      );
  }

  /** Closes a round now: aggregate and commit, or abandon. 409 when it is not open or collecting. */
  async close(roundId: number): Promise<AggregateOutcome> {
    const moved = await this.o.store.transitionRound(roundId, ['open', 'collecting'], 'aggregating');
    this.forget();
    if (!moved) {
      const round = await this.o.store.getRound(roundId);
      if (!round) throw new ApiError(404, 'no_round', `round ${roundId} does not exist`);
      throw invalidTransition(roundId, round.state, 'aggregating');
    }
    return this.finish(moved);
  }

  /** Abandons an active round (admin): the model stays as it was. */
  async abandon(roundId: number, reason: string): Promise<RoundRecord> {
    const r = await this.o.store.transitionRound(
      roundId,
      ['open', 'collecting', 'aggregating'],
      'abandoned',
      reason,
    );
    this.forget();
    if (!r) {
      const round = await this.o.store.getRound(roundId);
      if (!round) throw new ApiError(404, 'no_round', `round ${roundId} does not exist`);
      throw invalidTransition(roundId, round.state, 'abandoned');
    }
    return r;
  }

  private async finish(round: RoundRecord): Promise<AggregateOutcome> {
    let outcome: AggregateOutcome;
    try {
      outcome = await aggregateRound(this.o.store, round, this.strategy(round), this.o.ledger);
    } catch (e) {
      if (e instanceof StoreConflictError)
        throw new ApiError(409, 'invalid_transition', `round ${round.id} was finished by another replica`);
      throw e;
    }
    this.forget();
    this.o.onOutcome?.(outcome);
    return outcome;
  }

  /**
   * Housekeeping, run every few seconds by every replica: closes a round whose deadline passed (only
   * one replica wins the transition), and re-aggregates a round stuck in `aggregating` because the
   * replica doing it died (the commit is conditional, so a slow original and a retry cannot both commit).
   */
  async tick(stuckAfterSec = 60): Promise<AggregateOutcome | null> {
    const round = await this.o.store.activeRound();
    if (!round) return null;
    const now = this.now();
    if ((round.state === 'open' || round.state === 'collecting') && now >= round.deadline.getTime()) {
      const moved = await this.o.store.transitionRound(round.id, ['open', 'collecting'], 'aggregating');
      this.forget();
      return moved ? this.finish(moved) : null;
    }
    if (round.state === 'aggregating' && now - round.stateChangedAt.getTime() >= stuckAfterSec * 1000) {
      try {
        return await this.finish(round);
      } catch (e) {
        if (e instanceof ApiError && e.reason === 'invalid_transition') return null; // another replica finished it
        throw e;
      }
    }
    return null;
  }

  /** Parameters count of a round's update, for the upload size limit. */
  static updateBytes(round: RoundRecord): number {
    return 4 * layoutSize(round.layout);
  }
}
