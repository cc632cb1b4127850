// Adaptive clipping (Andrew, Thakkar, McMahan, Ramaswamy 2021, "Differentially Private Learning with
// Adaptive Clipping", NeurIPS): instead of a hand-tuned clip bound C, C follows a target quantile γ of
// the update norms. Each round, every client contributes a bit b_i = [‖Δ_i‖ ≤ C]; the server releases a
// noised estimate b̃ of the fraction of bits set and moves C geometrically:
//   C ← C · exp(−η (b̃ − γ)).
// The count is a second query on the same clients, so it must be noised too, and the privacy of the
// round is the composition of both Gaussian queries. As in the paper (and TensorFlow Federated), the
// count sums b_i − 1/2 (sensitivity 1/2) with noise σ_b, i.e. noise multiplier 2σ_b; for the pair to
// cost the same as one Gaussian query with noise multiplier z, the sum gets the smaller multiplier
//   z_sum = (z^-2 − (2σ_b)^-2)^(-1/2),     since  1/z² = 1/z_sum² + 1/(2σ_b)².
// The accountant then charges the round at z, as for a fixed clip bound.

import { requireNumber } from './checks';
import type { GaussianSource } from './noise';

export interface AdaptiveClippingConfig {
  /** γ, the quantile of update norms the bound follows (0.5: the median). Default 0.5. */
  readonly targetQuantile?: number;
  /** η, the geometric learning rate. Default 0.2, the paper's value. */
  readonly learningRate?: number;
  /** σ_b, the stddev of the noise on the count. Default 0.05 × expected clients, the paper's value. */
  readonly countStddev?: number;
}

export interface AdaptiveClippingParams {
  readonly targetQuantile: number;
  readonly learningRate: number;
  readonly countStddev: number;
  /** The noise multiplier for the sum of clipped updates, z_sum. */
  readonly sumNoiseMultiplier: number;
}

/** Fills in the defaults and splits the noise; throws naming the field when the split is impossible. */
export function adaptiveClippingParams(
  config: AdaptiveClippingConfig,
  noiseMultiplier: number,
  expectedClients: number,
): AdaptiveClippingParams {
  const targetQuantile = requireNumber('adaptiveClipping.targetQuantile', config.targetQuantile ?? 0.5, {
    above: 0,
    below: 1,
  });
  const learningRate = requireNumber('adaptiveClipping.learningRate', config.learningRate ?? 0.2, {
    above: 0,
  });
  if (noiseMultiplier === 0) {
    // No DP noise at all: the count needs none either.
    return { targetQuantile, learningRate, countStddev: 0, sumNoiseMultiplier: 0 };
  }
  const countStddev = requireNumber(
    'adaptiveClipping.countStddev',
    config.countStddev ?? 0.05 * expectedClients,
    { above: 0 },
  );
  if (2 * countStddev <= noiseMultiplier)
    throw new RangeError(
      `adaptiveClipping.countStddev: must exceed noiseMultiplier / 2 = ${noiseMultiplier / 2} so that ` +
        `the sum keeps some privacy budget, got ${countStddev}`,
    );
  return {
    targetQuantile,
    learningRate,
    countStddev,
    sumNoiseMultiplier: splitNoiseMultiplier(noiseMultiplier, countStddev),
  };
}

/** z_sum = (z^-2 − (2σ_b)^-2)^(-1/2): the sum's share of a total noise multiplier z. */
export function splitNoiseMultiplier(noiseMultiplier: number, countStddev: number): number {
  return (noiseMultiplier ** -2 - (2 * countStddev) ** -2) ** -0.5;
}

export interface ClipBoundUpdate {
  /** The noised estimate b̃ of the fraction of updates with norm ≤ C, clamped to [0, 1]. */
  readonly unclippedFraction: number;
  readonly nextClipBound: number;
}

/**
 * One step of the geometric update. `unclippedCount` is how many updates this round had norm ≤ C;
 * like the sum, the count is divided by the expected number of clients, not by the number that arrived.
 */
export function nextClipBound(
  clipBound: number,
  unclippedCount: number,
  received: number,
  expectedClients: number,
  params: AdaptiveClippingParams,
  noise: GaussianSource,
): ClipBoundUpdate {
  // Σ (b_i − 1/2) has sensitivity 1/2; add back 1/2 after dividing, as TF Privacy's quantile query does.
  const centred = unclippedCount - received / 2;
  const noised = centred + params.countStddev * noise.next();
  const estimate = noised / expectedClients + 0.5;
  const unclippedFraction = Math.min(1, Math.max(0, estimate));
  return {
    unclippedFraction,
    nextClipBound: clipBound * Math.exp(-params.learningRate * (unclippedFraction - params.targetQuantile)),
  };
}
