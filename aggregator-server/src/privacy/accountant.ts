// The privacy accountant for T rounds of DP-FedAvg at sampling rate q and noise multiplier z.
// RDP composes additively: T identical rounds cost T · ε_R(α) at every order α (Mironov 2017,
// Proposition 1), and the total is converted to (ε, δ) once, at the end (conversion.ts).
// The inverse, the smallest z that keeps T rounds within a target ε, is found by bisection: ε(z) is
// decreasing in z (more noise, less privacy loss), so the bracket [lo, hi] with ε(lo) > target ≥ ε(hi)
// always contains the answer, and `hi` is returned, so the answer never overshoots the target.

import { requireNumber } from './checks';
import { type EpsilonAtOrder, epsilonFromRdp } from './conversion';
import { DEFAULT_ORDERS, rdpSubsampledGaussian } from './rdp';

export interface EpsilonQuery {
  readonly samplingRate: number;
  readonly noiseMultiplier: number;
  readonly rounds: number;
  readonly delta: number;
  readonly orders?: readonly number[];
}

/** ε (and the order achieving it) after `rounds` rounds at (q, z), for the given δ. */
export function computeEpsilon(query: EpsilonQuery): EpsilonAtOrder {
  const rounds = requireNumber('rounds', query.rounds, { min: 0, integer: true });
  const orders = query.orders ?? DEFAULT_ORDERS;
  const perRound = rdpSubsampledGaussian(query.samplingRate, query.noiseMultiplier, orders);
  return epsilonFromRdp(orders, composeRdp(perRound, rounds), query.delta);
}

/** T rounds of the same mechanism: RDP × T at every order (0 × ∞ is taken as 0: no rounds, no cost). */
export function composeRdp(rdp: readonly number[], rounds: number): number[] {
  return rdp.map((r) => (rounds === 0 ? 0 : r * rounds));
}

export interface NoiseQuery {
  readonly samplingRate: number;
  readonly rounds: number;
  readonly delta: number;
  /** The target ε. */
  readonly epsilon: number;
  readonly orders?: readonly number[];
  /** Stop when the bracket is narrower than this, relative to z. Default 1e-9. */
  readonly tolerance?: number;
}

export interface NoiseAnswer {
  /** The smallest z (within `tolerance`) whose ε is at most the target. */
  readonly noiseMultiplier: number;
  /** The ε that z actually gives (≤ the target). */
  readonly epsilon: number;
  readonly order: number;
}

const MAX_NOISE_MULTIPLIER = 1e6;

export function noiseMultiplierFor(query: NoiseQuery): NoiseAnswer {
  const target = requireNumber('epsilon', query.epsilon, { above: 0 });
  const tolerance = requireNumber('tolerance', query.tolerance ?? 1e-9, { above: 0, below: 1 });
  const rounds = requireNumber('rounds', query.rounds, { min: 1, integer: true });
  const orders = query.orders ?? DEFAULT_ORDERS;
  const at = (z: number): EpsilonAtOrder =>
    computeEpsilon({
      samplingRate: query.samplingRate,
      noiseMultiplier: z,
      rounds,
      delta: query.delta,
      orders,
    });

  // Bracket: ε(0) = ∞ > target; double hi until ε(hi) ≤ target.
  let lo = 0;
  let hi = 1;
  let hiAnswer = at(hi);
  while (hiAnswer.epsilon > target) {
    lo = hi;
    hi *= 2;
    if (hi > MAX_NOISE_MULTIPLIER)
      throw new RangeError(
        `epsilon: no noise multiplier up to ${MAX_NOISE_MULTIPLIER} reaches ε = ${target}`,
      );
    hiAnswer = at(hi);
  }
  while (hi - lo > tolerance * hi) {
    const mid = (lo + hi) / 2;
    const answer = at(mid);
    if (answer.epsilon <= target) {
      hi = mid;
      hiAnswer = answer;
    } else {
      lo = mid;
    }
  }
  return { noiseMultiplier: hi, epsilon: hiAnswer.epsilon, order: hiAnswer.order };
}
