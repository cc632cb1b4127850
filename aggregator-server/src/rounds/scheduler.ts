// rounds.auto: the server opens the next round by itself, so training runs without anyone at a
// console. Every replica runs it; the store's one-active-round rule lets only one of them open a round.
// It waits `intervalSec` after the previous round finished and, optionally, for `minCheckIns` distinct
// clients to have checked in; it picks z for a per-round ε target when one is set; and it stops for good
// when the privacy budget cannot pay for another round, saying so in status and metrics.

import { ApiError } from '../api-error';
import { noiseMultiplierFor } from '../privacy/accountant';
import type { Store } from '../storage/types';
import type { RoundCoordinator } from './coordinator';

export interface AutoConfig {
  readonly enabled: boolean;
  readonly intervalSec: number;
  readonly minCheckIns: number;
  readonly targetEpsilonPerRound: number | null;
}

export type SchedulerState =
  | 'disabled'
  | 'round_active'
  | 'waiting_interval'
  | 'waiting_checkins'
  | 'opened'
  | 'budget_exhausted'
  | 'no_model';

export class RoundScheduler {
  state: SchedulerState;
  private readonly checkIns = new Set<string>();

  constructor(
    private readonly coordinator: RoundCoordinator,
    private readonly store: Store,
    private readonly auto: AutoConfig,
    private readonly q: number,
    private readonly delta: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.state = auto.enabled ? 'waiting_interval' : 'disabled';
  }

  /** A check-in while no round runs counts towards minCheckIns (bounded: ids beyond it are not kept). */
  noteCheckIn(clientId: string): void {
    if (this.checkIns.size < this.auto.minCheckIns) this.checkIns.add(clientId);
  }

  get waitingCheckIns(): number {
    return this.checkIns.size;
  }

  async step(): Promise<SchedulerState> {
    this.state = await this.decide();
    return this.state;
  }

  private async decide(): Promise<SchedulerState> {
    if (!this.auto.enabled) return 'disabled';
    if (this.state === 'budget_exhausted') return 'budget_exhausted';
    if (await this.store.activeRound()) return 'round_active';
    const last = (await this.store.listRounds(1))[0];
    // (the database stamps closed_at with microseconds; a zero interval must not wait on rounding)
    if (
      this.auto.intervalSec > 0 &&
      last?.closedAt &&
      this.clock() - last.closedAt.getTime() < this.auto.intervalSec * 1000
    )
      return 'waiting_interval';
    if (this.checkIns.size < this.auto.minCheckIns) return 'waiting_checkins';
    const z =
      this.auto.targetEpsilonPerRound === null
        ? undefined
        : noiseMultiplierFor({
            samplingRate: this.q,
            rounds: 1,
            delta: this.delta,
            epsilon: this.auto.targetEpsilonPerRound,
          }).noiseMultiplier;
    try {
      await this.coordinator.open(z === undefined ? {} : { z });
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'budget_exhausted') return 'budget_exhausted';
      if (e instanceof ApiError && e.reason === 'round_active') return 'round_active';
      if (e instanceof ApiError && e.reason === 'no_model') return 'no_model';
      throw e;
    }
    this.checkIns.clear();
    return 'opened';
  }
}
