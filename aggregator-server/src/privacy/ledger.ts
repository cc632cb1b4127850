// The privacy ledger: what every round cost and what the model has spent so far, in (ε, δ).
// Rounds compose by summing their RDP curves order by order, so rounds with different q and z mix
// freely; the total is converted to ε at the ledger's δ. A round that would take the total past the
// configured budget is refused BEFORE it runs (check with `previewRound` when opening a round, then
// `chargeRound` when it is aggregated). The ledger is plain data, immutable (each charge returns a new
// ledger), and round-trips through JSON so the server can store it; loading recomputes the RDP from the
// recorded rounds and refuses a ledger whose recorded ε does not match.

import { z } from 'zod';
import { requireNumber } from './checks';
import { type EpsilonAtOrder, epsilonFromRdp } from './conversion';
import { checkOrders, DEFAULT_ORDERS, rdpSubsampledGaussian } from './rdp';

export interface LedgerConfig {
  readonly delta: number;
  /** The total ε this ledger may spend. */
  readonly epsilonBudget: number;
  readonly orders?: readonly number[];
}

export interface RoundCharge {
  readonly samplingRate: number;
  readonly noiseMultiplier: number;
  /** Optional tag for the server (e.g. its round id or model version). */
  readonly label?: string;
}

export interface LedgerRound extends RoundCharge {
  /** Rounds charged so far, this one included. */
  readonly round: number;
  /** Cumulative ε after this round, at the ledger's δ. */
  readonly epsilon: number;
  readonly order: number;
}

export interface PrivacyLedger {
  readonly version: 1;
  readonly delta: number;
  readonly epsilonBudget: number;
  readonly orders: readonly number[];
  readonly rounds: readonly LedgerRound[];
  /** Cumulative RDP at each order (derived from `rounds`; not serialised). */
  readonly rdp: readonly number[];
}

export class PrivacyBudgetExceededError extends Error {
  constructor(
    readonly epsilon: number,
    readonly epsilonBudget: number,
    readonly delta: number,
  ) {
    super(
      `privacy budget exceeded: this round would bring ε to ${epsilon} at δ = ${delta}, ` +
        `over the budget of ${epsilonBudget}; the round is refused`,
    );
    this.name = 'PrivacyBudgetExceededError';
  }
}

export function createLedger(config: LedgerConfig): PrivacyLedger {
  const delta = requireNumber('delta', config.delta, { above: 0, below: 1 });
  const epsilonBudget = requireNumber('epsilonBudget', config.epsilonBudget, { above: 0 });
  const orders = Object.freeze([...(config.orders ?? DEFAULT_ORDERS)]);
  checkOrders(orders);
  return { version: 1, delta, epsilonBudget, orders, rounds: [], rdp: orders.map(() => 0) };
}

/** ε spent so far (0 for an empty ledger). */
export function spentEpsilon(ledger: PrivacyLedger): EpsilonAtOrder {
  return epsilonFromRdp(ledger.orders, ledger.rdp, ledger.delta);
}

export interface RoundPreview extends EpsilonAtOrder {
  /** Whether charging the round keeps ε within the budget. */
  readonly withinBudget: boolean;
}

/** What the ledger would read after one more round at (q, z); changes nothing. */
export function previewRound(ledger: PrivacyLedger, charge: RoundCharge): RoundPreview {
  const after = epsilonFromRdp(ledger.orders, addRdp(ledger, charge), ledger.delta);
  return { ...after, withinBudget: after.epsilon <= ledger.epsilonBudget };
}

/** A new ledger with the round charged; throws PrivacyBudgetExceededError if it would exceed the budget. */
export function chargeRound(ledger: PrivacyLedger, charge: RoundCharge): PrivacyLedger {
  const rdp = addRdp(ledger, charge);
  const after = epsilonFromRdp(ledger.orders, rdp, ledger.delta);
  if (!(after.epsilon <= ledger.epsilonBudget))
    throw new PrivacyBudgetExceededError(after.epsilon, ledger.epsilonBudget, ledger.delta);
  const entry: LedgerRound = {
    round: ledger.rounds.length + 1,
    samplingRate: charge.samplingRate,
    noiseMultiplier: charge.noiseMultiplier,
    ...(charge.label === undefined ? {} : { label: charge.label }),
    epsilon: after.epsilon,
    order: after.order,
  };
  return { ...ledger, rounds: [...ledger.rounds, entry], rdp };
}

function addRdp(ledger: PrivacyLedger, charge: RoundCharge): number[] {
  if (charge.label !== undefined && typeof charge.label !== 'string')
    throw new RangeError('label: expected a string');
  const round = rdpCurve(charge.samplingRate, charge.noiseMultiplier, ledger.orders);
  return ledger.rdp.map((r, k) => r + round[k]!);
}

// One RDP curve costs milliseconds (154 orders, series at the fractional ones), and a server replaying
// its ledger charges the same few (q, z) pairs over and over, so curves are memoised. The cache is
// bounded and the function deterministic, so the module stays pure in effect.
const CURVE_CACHE_SIZE = 256;
const curveCache = new Map<string, readonly number[]>();

function rdpCurve(
  samplingRate: number,
  noiseMultiplier: number,
  orders: readonly number[],
): readonly number[] {
  const key = `${samplingRate}/${noiseMultiplier}/${orders.join(',')}`;
  const cached = curveCache.get(key);
  if (cached) return cached;
  const curve = Object.freeze(rdpSubsampledGaussian(samplingRate, noiseMultiplier, orders));
  if (curveCache.size >= CURVE_CACHE_SIZE) curveCache.delete(curveCache.keys().next().value!);
  curveCache.set(key, curve);
  return curve;
}

const ledgerJson = z.strictObject({
  version: z.literal(1),
  delta: z.number(),
  epsilonBudget: z.number(),
  orders: z.array(z.number()),
  rounds: z.array(
    z.strictObject({
      round: z.number().int().min(1),
      samplingRate: z.number(),
      noiseMultiplier: z.number(),
      label: z.string().optional(),
      epsilon: z.number(),
      order: z.number(),
    }),
  ),
});

export type LedgerJson = z.infer<typeof ledgerJson>;

/** The JSON form: everything but the derived RDP curve. */
export function ledgerToJson(ledger: PrivacyLedger): LedgerJson {
  const { rdp: _derived, ...rest } = ledger;
  return { ...rest, orders: [...rest.orders], rounds: rest.rounds.map((r) => ({ ...r })) };
}

/**
 * Rebuilds a ledger from its JSON form (an object or a JSON string): re-charges every recorded round,
 * and throws naming the first field that is malformed or whose recorded ε does not match.
 */
export function ledgerFromJson(input: unknown): PrivacyLedger {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new RangeError(`ledger: not valid JSON (${(error as Error).message})`);
    }
  }
  const parsed = ledgerJson.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RangeError(`ledger.${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const json = parsed.data;
  const empty = createLedger(json);
  let rdp = [...empty.rdp];
  const rounds: LedgerRound[] = [];
  json.rounds.forEach((recorded, k) => {
    const field = `ledger.rounds.${k}`;
    if (recorded.round !== k + 1)
      throw new RangeError(`${field}.round: expected ${k + 1}, got ${recorded.round}`);
    let curve: readonly number[];
    try {
      curve = rdpCurve(recorded.samplingRate, recorded.noiseMultiplier, empty.orders);
    } catch (error) {
      throw new RangeError(`${field}.${(error as Error).message}`);
    }
    rdp = rdp.map((r, i) => r + curve[i]!);
    const after = epsilonFromRdp(empty.orders, rdp, empty.delta);
    if (Math.abs(after.epsilon - recorded.epsilon) > 1e-9 * Math.max(1, after.epsilon))
      throw new RangeError(`${field}.epsilon: recorded ${recorded.epsilon}, recomputed ${after.epsilon}`);
    const { label, ...rest } = recorded;
    rounds.push({ ...rest, ...(label === undefined ? {} : { label }) });
  });
  const ledger: PrivacyLedger = { ...empty, rounds, rdp };
  return ledger;
}
