// Merging two partial round accumulators. With several server replicas, each folds the updates it
// receives into its own accumulator; before finalizing, the partial sums and counts are added up. The
// result is the same as if one replica had received every update (addition is associative), so the
// noise is still added once, to the total sum, in finalize.

import type { RoundAccumulator } from './strategy';

/** Adds `other` into `into` (in place) and returns `into`; both must come from the same round. */
export function mergeAccumulators(into: RoundAccumulator, other: RoundAccumulator): RoundAccumulator {
  if (other.dimension !== into.dimension)
    throw new RangeError(`dimension: cannot merge ${other.dimension} into ${into.dimension}`);
  if (other.clipBound !== into.clipBound)
    throw new RangeError(
      `clipBound: cannot merge a round clipped at ${other.clipBound} into ${into.clipBound}`,
    );
  for (let i = 0; i < into.dimension; i++) into.sum[i]! += other.sum[i]!;
  into.received += other.received;
  into.clipped += other.clipped;
  into.zeroed += other.zeroed;
  into.unclipped += other.unclipped;
  into.rejected += other.rejected;
  return into;
}
