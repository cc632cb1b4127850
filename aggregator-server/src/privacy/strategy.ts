// The shape every aggregation strategy has, Flower-style but streaming: the server begins a round,
// accumulates each update as it arrives (so memory stays O(model size), whatever the client count), and
// finalizes once the round closes. Strategies do no I/O and read no clock; the round accumulator is plain
// data the server owns and may checkpoint.

import type { UpdateValues } from './validate-update';

export interface ClientUpdate {
  readonly values: UpdateValues;
  /**
   * The example count the client reported. Accepted so the server can pass the request through, and
   * deliberately ignored under DP: weights are uniform, so an inflated count cannot buy influence (S14).
   */
  readonly exampleCount?: number;
}

export interface RoundStart {
  /** Number of parameters in a flat update. */
  readonly dimension: number;
  /** The clip bound for this round; defaults to the strategy's configured bound. With adaptive
   * clipping, pass the previous round's `nextClipBound` here (the server stores it). */
  readonly clipBound?: number;
}

export interface RoundAccumulator {
  readonly dimension: number;
  readonly clipBound: number;
  /** Running sum of the clipped updates, in float64 so many small updates do not lose precision. */
  readonly sum: Float64Array;
  /** Updates folded into the sum. */
  received: number;
  /** Updates scaled down to the clip bound. */
  clipped: number;
  /** Updates above the zeroing bound, counted but contributing nothing. */
  zeroed: number;
  /** Updates whose norm was ≤ the clip bound (the adaptive-clipping count). */
  unclipped: number;
  /** Updates refused (non-finite, wrong length); never touch the sum. */
  rejected: number;
}

export type AccumulateOutcome =
  | {
      readonly accepted: true;
      readonly norm: number;
      readonly clipped: boolean;
      readonly zeroed: boolean;
    }
  | {
      readonly accepted: false;
      readonly reason: 'non_finite' | 'wrong_length';
      /** The bad field, e.g. `update[17]`. */
      readonly field: string;
      readonly message: string;
    };

export interface RoundResult {
  /** The noised average update to add to the model. */
  readonly delta: Float32Array;
  readonly received: number;
  readonly clipped: number;
  readonly zeroed: number;
  readonly rejected: number;
  /** The denominator used: the expected client count q·N, never the number that arrived. */
  readonly expectedClients: number;
  readonly clipBound: number;
  /** The clip bound for the next round (equal to `clipBound` unless adaptive clipping is on). */
  readonly nextClipBound: number;
  /** With adaptive clipping: the noised fraction of updates with norm ≤ clipBound. */
  readonly unclippedFraction?: number;
  /** Stddev of the Gaussian noise added to each coordinate of the sum. */
  readonly sumNoiseStddev: number;
  /** What the privacy ledger must charge for this round. */
  readonly privacy: { readonly samplingRate: number; readonly noiseMultiplier: number };
}

export interface AggregationStrategy {
  readonly name: string;
  begin(round: RoundStart): RoundAccumulator;
  /** Validates, clips and folds one update into the accumulator; a refused update changes nothing. */
  accumulate(acc: RoundAccumulator, update: ClientUpdate): AccumulateOutcome;
  finalize(acc: RoundAccumulator): RoundResult;
}
