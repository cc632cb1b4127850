// Turns model scores and affinities into the final order. The model's scores are standardised over
// the candidates (their scale means nothing across models), then mixed with the shopper's decayed
// category/brand affinity, a small boost for the categories the shopper habitually favours at this
// part of the day, and the shop's own order, so a merchant's merchandising still counts (shopWeight)
// and an item the model does not know stays near where the shop put it. Each item's reason is the
// personal term that lifts it most above the other candidates, else 'shop_order'.
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

export type Reason = 'model' | 'category' | 'brand' | 'time_of_day' | 'shop_order';

/**
 * @param modelScores one per candidate, NaN where the model could not score it (unknown product)
 */
export function blend(
  ids: readonly string[],
  modelScores: Float32Array | null,
  features: Features,
  catalog: Catalog,
  shopWeight: number,
): RankedItem[] {
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
  const REASONS: Reason[] = ['model', 'category', 'brand', 'time_of_day', 'shop_order'];
  const parts = ids.map((id, position) => {
    const raw = modelScores?.[position];
    const model = raw !== undefined && Number.isFinite(raw) && sd > 0 ? (raw - mean) / sd : 0;
    const index = catalog.index.get(id) ?? 0;
    const c = catalog.category[index] ?? 0;
    const category = AFFINITY_WEIGHT * (features.category.get(c) ?? 0);
    const habit = TIME_OF_DAY_WEIGHT * (features.timeOfDay.get(c) ?? 0);
    const brand = 0.5 * AFFINITY_WEIGHT * (features.brand.get(catalog.brand[index] ?? 0) ?? 0);
    const shop = n > 1 ? SHOP_SCALE * (1 - (2 * position) / (n - 1)) : 0;
    // In REASONS' order.
    return [model, category, brand, habit, shop].map((v, k) =>
      REASONS[k] === 'shop_order' ? shopWeight * v : (1 - shopWeight) * v,
    );
  });
  // The reason is the personal term that lifts the item most above the list's average (a term as
  // large for every candidate explains nothing about the order), or the shop's order when none does.
  const average = REASONS.map((_, k) => parts.reduce((sum, p) => sum + p[k]!, 0) / Math.max(n, 1));
  const scored = ids.map((id, position) => {
    const p = parts[position]!;
    let score = 0;
    let reason: Reason = 'shop_order';
    let lift = 1e-9;
    p.forEach((v, k) => {
      score += v;
      if (REASONS[k] !== 'shop_order' && v - average[k]! > lift) {
        lift = v - average[k]!;
        reason = REASONS[k]!;
      }
    });
    const raw = modelScores?.[position];
    const item: RankedItem = { id, score, reason };
    if (raw !== undefined && Number.isFinite(raw)) item.modelScore = raw;
    return { item, position };
  });
  // Ties keep the shop's order.
  scored.sort((a, b) => b.item.score - a.item.score || a.position - b.position);
  return scored.map((s) => s.item);
}
