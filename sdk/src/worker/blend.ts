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

const SHOP = REASONS.indexOf('shop_order');
const TERMS = REASONS.length;

/**
 * The ranking as typed arrays (what the worker sends; see ../ranking).
 * @param modelScores one per candidate, NaN where the model could not score it (unknown product)
 */
export function blendCompact(
  ids: readonly string[],
  modelScores: Float32Array | null,
  features: Features,
  catalog: Catalog,
  shopWeight: number,
): CompactRanking {
  const n = ids.length;
  let mean = 0;
  let sd = 0;
  let known = 0;
  if (modelScores) {
    for (const s of modelScores) {
      if (!Number.isFinite(s)) continue;
      mean += s;
      known++;
    }
    mean = known ? mean / known : 0;
    for (const s of modelScores) if (Number.isFinite(s)) sd += (s - mean) ** 2;
    sd = known > 1 ? Math.sqrt(sd / known) : 0;
  }
  // parts[i * TERMS + k]: term k (in REASONS' order) of candidate i, weighted.
  const parts = new Float64Array(n * TERMS);
  const average = new Float64Array(TERMS);
  for (let i = 0; i < n; i++) {
    const raw = modelScores?.[i];
    const model = raw !== undefined && Number.isFinite(raw) && sd > 0 ? (raw - mean) / sd : 0;
    const index = catalog.index.get(ids[i]!) ?? 0;
    const c = catalog.category[index] ?? 0;
    const category = AFFINITY_WEIGHT * (features.category.get(c) ?? 0);
    const habit = TIME_OF_DAY_WEIGHT * (features.timeOfDay.get(c) ?? 0);
    const brand = 0.5 * AFFINITY_WEIGHT * (features.brand.get(catalog.brand[index] ?? 0) ?? 0);
    const shop = n > 1 ? SHOP_SCALE * (1 - (2 * i) / (n - 1)) : 0;
    const terms = [model, category, brand, habit, shop];
    for (let k = 0; k < TERMS; k++) {
      const v = k === SHOP ? shopWeight * terms[k]! : (1 - shopWeight) * terms[k]!;
      parts[i * TERMS + k] = v;
      average[k]! += v / n;
    }
  }
  // The reason is the personal term that lifts the item most above the list's average (a term as
  // large for every candidate explains nothing about the order), or the shop's order when none does.
  const scores = new Float32Array(n);
  const reasons = new Uint8Array(n);
  const exact = new Float64Array(n); // sorted on, so float32 rounding cannot reorder near-ties
  for (let i = 0; i < n; i++) {
    let score = 0;
    let reason = SHOP;
    let lift = 1e-9;
    for (let k = 0; k < TERMS; k++) {
      const v = parts[i * TERMS + k]!;
      score += v;
      if (k !== SHOP && v - average[k]! > lift) {
        lift = v - average[k]!;
        reason = k;
      }
    }
    exact[i] = score;
    scores[i] = score;
    reasons[i] = reason;
  }
  // Ties keep the shop's order.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => exact[b]! - exact[a]! || a - b);
  const model = new Float32Array(n).fill(Number.NaN);
  if (modelScores) model.set(modelScores.subarray(0, n));
  return { order, scores, modelScores: model, reasons };
}

/** The ranking as RankedItem objects, best first (tests, and what the page makes of blendCompact). */
export function blend(
  ids: readonly string[],
  modelScores: Float32Array | null,
  features: Features,
  catalog: Catalog,
  shopWeight: number,
): RankedItem[] {
  return expandRanking(ids, blendCompact(ids, modelScores, features, catalog, shopWeight))!;
}
