/**
 * 0-based rank of a target among candidates, without sorting: count the candidates that score at least
 * as high as the target. Ties count against the target (pessimistic), so a model that gives every item
 * the same score ranks every target last instead of getting lucky; a NaN candidate score also counts
 * against it (`!(s < t)` is true for NaN). A non-finite target score is the scorer's bug: thrown.
 *
 * `row` is one user's scores, length numItems + 1, column 0 = padding and never a candidate.
 */
export function rankFull(row: Float32Array, target: number, excluded: Uint32Array, stamp: number): number {
  const t = row[target]!;
  if (!Number.isFinite(t)) throw new Error(`scorer returned ${t} for target item ${target}`);
  let rank = 0;
  for (let j = 1; j < row.length; j++) {
    // Items of the user's history are excluded (excluded[j] === stamp), the target itself never.
    if (!(row[j]! < t) && j !== target && excluded[j] !== stamp) rank++;
  }
  return rank;
}

/** Rank of the target among the sampled negatives only (same tie rule as rankFull). */
export function rankSampled(row: Float32Array, target: number, negatives: ArrayLike<number>): number {
  const t = row[target]!;
  if (!Number.isFinite(t)) throw new Error(`scorer returned ${t} for target item ${target}`);
  let rank = 0;
  for (let i = 0; i < negatives.length; i++) if (!(row[negatives[i]!]! < t)) rank++;
  return rank;
}
