// Turns model scores and affinities into the final order. The model's scores are standardised over
// the candidates (their scale means nothing across models), then mixed with the shopper's decayed
// category/brand affinity, a small boost for the categories the shopper habitually favours at this
// part of the day, and the shop's own order, so a merchant's merchandising still counts (shopWeight)
// and an item the model does not know stays near where the shop put it. Each item's reason is the
// personal term that lifts it most above the other candidates, else 'shop_order'.
import { type CompactRanking, expandRanking, REASONS } from '../ranking';
import type { RankedItem } from '../types';
import type { Catalog, Features } from './features';

/** Weight of the affinity term relative to one standard deviation of model score. */
export const AFFINITY_WEIGHT = 2;
/**
 * Weight of the time-of-day habit (0..1, see Features.timeOfDay). Smaller than the affinity's: it
 * only tips close calls, since the part of day is weaker evidence than what the shopper just did.
 */
export const TIME_OF_DAY_WEIGHT = 1;
/** The shop's first item gets +SHOP_SCALE, its last -SHOP_SCALE, before shopWeight. */
export const SHOP_SCALE = 2;

export type { Reason } from '../ranking';

const MODEL = REASONS.indexOf('model');
const CATEGORY = REASONS.indexOf('category');
const BRAND = REASONS.indexOf('brand');
const HABIT = REASONS.indexOf('time_of_day');
const SHOP = REASONS.indexOf('shop_order');

/**
 * The ranking as typed arrays (what the worker sends; see ../ranking). rank() runs this on every
 * call, so it allocates only its outputs and a few typed scratch arrays: no per-candidate objects.
 * @param indices each candidate's catalogue index (0 = not in the catalogue), in the shop's order
 * @param modelScores one per candidate, NaN where the model could not score it (unknown product)
 */
export function blendCompact(
  indices: ArrayLike<number>,
  modelScores: Float32Array | null,
  features: Features,
  catalog: Catalog,
  shopWeight: number,
  /** affinityTerms() of the same candidates, when the caller made them already. */
  affinity: Float64Array = affinityTerms(indices, features, catalog, shopWeight),
): CompactRanking {
  const n = indices.length;
  let mean = 0;
  let sd = 0;
  let known = 0;
  if (modelScores) {
    for (let i = 0; i < n; i++) {
      const s = modelScores[i]!;
      if (!Number.isFinite(s)) continue;
      mean += s;
      known++;
    }
    mean = known ? mean / known : 0;
    for (let i = 0; i < n; i++) {
      const s = modelScores[i]!;
      if (Number.isFinite(s)) sd += (s - mean) ** 2;
    }
    sd = known > 1 ? Math.sqrt(sd / known) : 0;
  }
  const personal = 1 - shopWeight;
  const modelTerm = new Float64Array(n); // the model's score, standardised and weighted
  let sumModel = 0;
  let sumCategory = 0;
  let sumBrand = 0;
  let sumHabit = 0;
  for (let i = 0; i < n; i++) {
    const raw = modelScores ? modelScores[i]! : Number.NaN;
    modelTerm[i] = personal * (Number.isFinite(raw) && sd > 0 ? (raw - mean) / sd : 0);
    sumModel += modelTerm[i]!;
    sumCategory += affinity[3 * i]!;
    sumBrand += affinity[3 * i + 1]!;
    sumHabit += affinity[3 * i + 2]!;
  }
  const averageModel = sumModel / n;
  const averageCategory = sumCategory / n;
  const averageBrand = sumBrand / n;
  const averageHabit = sumHabit / n;
  // The reason is the personal term that lifts the item most above the list's average (a term as
  // large for every candidate explains nothing about the order), or the shop's order when none does.
  // The four outputs share one buffer: one transfer to the page instead of four.
  const memory = new ArrayBuffer(13 * n);
  const order = new Int32Array(memory, 0, n);
  const scores = new Float32Array(memory, 4 * n, n);
  const model = new Float32Array(memory, 8 * n, n).fill(Number.NaN);
  const reasons = new Uint8Array(memory, 12 * n, n);
  const exact = new Float64Array(n); // sorted on, so float32 rounding cannot reorder near-ties
  for (let i = 0; i < n; i++) {
    const m = modelTerm[i]!;
    const category = affinity[3 * i]!;
    const brand = affinity[3 * i + 1]!;
    const habit = affinity[3 * i + 2]!;
    const shop = shopWeight * (n > 1 ? SHOP_SCALE * (1 - (2 * i) / (n - 1)) : 0);
    const score = m + category + brand + habit + shop;
    let reason = SHOP;
    let lift = 1e-9;
    if (m - averageModel > lift) {
      lift = m - averageModel;
      reason = MODEL;
    }
    if (category - averageCategory > lift) {
      lift = category - averageCategory;
      reason = CATEGORY;
    }
    if (brand - averageBrand > lift) {
      lift = brand - averageBrand;
      reason = BRAND;
    }
    if (habit - averageHabit > lift) reason = HABIT;
    exact[i] = score;
    scores[i] = score;
    reasons[i] = reason;
  }
  order.set(bestFirst(exact));
  if (modelScores) model.set(modelScores.subarray(0, n));
  return { order, scores, modelScores: model, reasons };
}

/**
 * The personal terms that do not depend on the model, weighted: affinity[3i + k] is candidate i's
 * category (k = 0), brand (1) and time-of-day habit (2) term. rank() makes them before the model's
 * pass, while what they read (the features just built) is still in the processor's caches.
 */
export function affinityTerms(
  indices: ArrayLike<number>,
  features: Features,
  catalog: Catalog,
  shopWeight: number,
): Float64Array {
  const n = indices.length;
  const personal = 1 - shopWeight;
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const index = indices[i]!;
    const c = catalog.category[index] ?? 0;
    out[3 * i] = personal * (AFFINITY_WEIGHT * (features.category.get(c) ?? 0));
    out[3 * i + 1] =
      personal * (0.5 * AFFINITY_WEIGHT * (features.brand.get(catalog.brand[index] ?? 0) ?? 0));
    out[3 * i + 2] = personal * (TIME_OF_DAY_WEIGHT * (features.timeOfDay.get(c) ?? 0));
  }
  return out;
}

/**
 * Positions 0..n-1 by descending score; ties keep the shop's order (a stable merge sort). A typed
 * array's sort with a comparator calls back into JavaScript per comparison: twice as slow for 500.
 */
export function bestFirst(score: Float64Array): Int32Array {
  const n = score.length;
  let from = new Int32Array(n);
  let to = new Int32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      // Only a strictly higher score from the right half goes first: that keeps ties in order.
      while (i < mid && j < hi) to[k++] = score[from[j]!]! > score[from[i]!]! ? from[j++]! : from[i++]!;
      while (i < mid) to[k++] = from[i++]!;
      while (j < hi) to[k++] = from[j++]!;
    }
    [from, to] = [to, from];
  }
  return from;
}

/** The ranking as RankedItem objects, best first (tests, and what the page makes of blendCompact). */
export function blend(
  ids: readonly string[],
  modelScores: Float32Array | null,
  features: Features,
  catalog: Catalog,
  shopWeight: number,
): RankedItem[] {
  const indices = ids.map((id) => catalog.index.get(id) ?? 0);
  return expandRanking(ids, blendCompact(indices, modelScores, features, catalog, shopWeight))!;
}
