// rank()'s answer as the worker sends it: a few typed arrays (transferred, not cloned) instead of one
// object per candidate. The page already holds the candidate ids, so the worker never sends them back;
// the page turns the arrays into RankedItem objects itself. Structured-cloning a hundred small objects
// each way was a large part of what rank() cost beyond the model's own forward pass.
import type { RankedItem } from './types';

/** Why an item sits where it does; a reply carries the index into this list. */
export const REASONS = ['model', 'category', 'brand', 'time_of_day', 'shop_order'] as const;
export type Reason = (typeof REASONS)[number];

export interface CompactRanking {
  /** Positions in the request's candidate list, best first: a permutation of 0..n-1. */
  order: Int32Array;
  /** Final blended score per candidate, in the request's order. */
  scores: Float32Array;
  /** The model's raw score per candidate, in the request's order; NaN where it did not score one. */
  modelScores: Float32Array;
  /** Index into REASONS per candidate, in the request's order. */
  reasons: Uint8Array;
}

/** The buffers to transfer with a ranking. */
export function buffers(r: CompactRanking): ArrayBuffer[] {
  const all = [r.order.buffer, r.scores.buffer, r.modelScores.buffer, r.reasons.buffer] as ArrayBuffer[];
  return [...new Set(all)]; // a buffer listed twice cannot be transferred
}

/**
 * The RankedItem list for `ids`, or null when the ranking does not fit them (a wrong length, an order
 * that is not a permutation, an unknown reason): the page then keeps the shop's order.
 */
export function expandRanking(ids: readonly string[], r: CompactRanking): RankedItem[] | null {
  const n = ids.length;
  const { order, scores, modelScores, reasons } = r;
  if (
    !(order instanceof Int32Array) ||
    !(scores instanceof Float32Array) ||
    !(modelScores instanceof Float32Array) ||
    !(reasons instanceof Uint8Array) ||
    order.length !== n ||
    scores.length !== n ||
    modelScores.length !== n ||
    reasons.length !== n
  )
    return null;
  const seen = new Uint8Array(n);
  const items: RankedItem[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const reason = REASONS[reasons[i] ?? REASONS.length];
    if (i < 0 || i >= n || seen[i] || reason === undefined) return null;
    seen[i] = 1;
    const raw = modelScores[i]!;
    // Two literals rather than a property added later: each keeps one object shape (faster to make).
    items[k] = Number.isFinite(raw)
      ? { id: ids[i]!, score: scores[i]!, reason, modelScore: raw }
      : { id: ids[i]!, score: scores[i]!, reason };
  }
  return items;
}
