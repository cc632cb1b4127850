// Closing a round: sum every replica's running sum, let the DP-FedAvg strategy add noise and divide by
// the expected count, charge the privacy ledger, apply the update to the round's model, and commit the
// new version, all or nothing. Too few updates, or a ledger that would go over budget, abandons the
// round instead, with the reason recorded, and the model stays as it was.

import { layoutSize } from '@hearth/models';
import { chargeRound, createLedger, PrivacyBudgetExceededError, type PrivacyLedger } from '../privacy/ledger';
import type { AggregationStrategy } from '../privacy/strategy';
import type { LedgerEntry, NewLedgerEntry, RoundRecord, Store } from '../storage/types';
import { applyDelta } from './apply-delta';

export interface LedgerConfig {
  readonly delta: number;
  readonly epsilonBudget: number;
}

/** The privacy ledger rebuilt from the rounds the store has charged. */
export function ledgerOf(entries: readonly LedgerEntry[], config: LedgerConfig): PrivacyLedger {
  let ledger = createLedger(config);
  for (const e of entries)
    ledger = chargeRound(
      { ...ledger, epsilonBudget: Number.POSITIVE_INFINITY },
      { samplingRate: e.q, noiseMultiplier: e.z, label: `round ${e.roundId}` },
    );
  return { ...ledger, epsilonBudget: config.epsilonBudget };
}

export type AggregateOutcome =
  | {
      readonly kind: 'committed';
      readonly round: RoundRecord;
      readonly version: number;
      readonly epsilon: number;
    }
  | { readonly kind: 'abandoned'; readonly round: RoundRecord; readonly reason: string };

/** Aggregates a round that is in state `aggregating`. */
export async function aggregateRound(
  store: Store,
  round: RoundRecord,
  strategy: AggregationStrategy,
  ledgerConfig: LedgerConfig,
): Promise<AggregateOutcome> {
  // A StoreConflictError here means another replica finished the round meanwhile; the caller says so.
  const abandon = async (reason: string, charge: NewLedgerEntry | null): Promise<AggregateOutcome> => ({
    kind: 'abandoned',
    round: await store.abandonRound(round.id, reason, charge),
    reason,
  });
  const size = layoutSize(round.layout);
  const counts = await store.roundCounts(round.id);

  const charge = {
    samplingRate: round.params.q,
    noiseMultiplier: round.params.z,
    label: `round ${round.id}`,
  };
  let charged: PrivacyLedger;
  try {
    charged = chargeRound(ledgerOf(await store.ledger(), ledgerConfig), charge);
  } catch (e) {
    // nothing is released, and the decision depends on the ledger alone: no charge
    if (e instanceof PrivacyBudgetExceededError) return abandon(e.message, null);
    throw e;
  }
  const entry = (received: number): NewLedgerEntry => ({
    q: round.params.q,
    z: round.params.z,
    clipBound: round.params.clipBound,
    expectedClients: round.params.expectedClients,
    received,
    epsilon: charged.rounds.at(-1)!.epsilon,
    delta: ledgerConfig.delta,
  });
  // Abandoning depends on how many clients answered, which is private: the round is charged anyway
  // (conservative; nothing else is released).
  if (counts.count < round.params.minClients)
    return abandon(
      `too few updates: ${counts.count} acknowledged, minClients is ${round.params.minClients}`,
      entry(counts.count),
    );
  const total = await store.roundSum(round.id, size);
  const epsilon = charged.rounds.at(-1)!.epsilon;

  // Rebuild the strategy's accumulator from the stored sums (every replica's, merged).
  const acc = strategy.begin({ dimension: size, clipBound: round.params.clipBound });
  acc.sum.set(total.sum);
  acc.received = total.count;
  acc.clipped = total.clipped;
  acc.zeroed = total.zeroed;
  acc.unclipped = total.count - total.clipped - total.zeroed;
  const result = strategy.finalize(acc);

  const parent = (await store.getVersion(round.modelVersion))!;
  const artifact = await applyDelta(
    parent.manifest,
    await store.readWeights(parent.version),
    round.layout,
    result.delta,
    { lr: round.params.serverLr, itemTablesLr: round.params.serverItemTablesLr },
    {
      round: round.id,
      parentVersion: parent.version,
      received: total.count,
      epsilon,
      delta: ledgerConfig.delta,
    },
  );
  const committed = await store.commitRound(
    round.id,
    {
      manifest: artifact.manifest as unknown as Record<string, unknown>,
      weights: artifact.weights,
      parent: parent.version,
      roundId: round.id,
      epsilon,
      delta: ledgerConfig.delta,
      note: `round ${round.id}: ${total.count} updates (${total.clipped} clipped, ${total.zeroed} zeroed)`,
    },
    { ...entry(total.count), expectedClients: result.expectedClients },
  );
  return { kind: 'committed', round: committed.round, version: committed.version.version, epsilon };
}
