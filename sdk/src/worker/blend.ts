// Turns model scores and affinities into the final order. The model's scores are standardised over
// the candidates (their scale means nothing across models), then mixed with the shopper's decayed
// category/brand affinity and the shop's own order, so a merchant's merchandising still counts
// (shopWeight) and an item the model does not know stays near where the shop put it.
import type { RankedItem } from '../types';
import type { Catalog, Features } from './features';

/** Weight of the affinity term relative to one standard deviation of model score. */
export const AFFINITY_WEIGHT = 2;
/** The shop's first item gets +SHOP_SCALE, its last -SHOP_SCALE, before shopWeight. */
export const SHOP_SCALE = 2;

export type Reason = 'model' | 'category' | 'brand' | 'shop_order';

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
  const scored = ids.map((id, position) => {
    const raw = modelScores?.[position];
    const model = raw !== undefined && Number.isFinite(raw) && sd > 0 ? (raw - mean) / sd : 0;
    const index = catalog.index.get(id) ?? 0;
    const category = AFFINITY_WEIGHT * (features.category.get(catalog.category[index] ?? 0) ?? 0);
    const brand = 0.5 * AFFINITY_WEIGHT * (features.brand.get(catalog.brand[index] ?? 0) ?? 0);
    const shop = n > 1 ? SHOP_SCALE * (1 - (2 * position) / (n - 1)) : 0;
    const parts: [Reason, number][] = [
      ['model', (1 - shopWeight) * model],
      ['category', (1 - shopWeight) * category],
      ['brand', (1 - shopWeight) * brand],
      ['shop_order', shopWeight * shop],
    ];
    let score = 0;
    let reason: [Reason, number] = ['shop_order', 0];
    for (const part of parts) {
      score += part[1];
      if (part[1] > reason[1]) reason = part;
    }
    const item: RankedItem = { id, score, reason: reason[0] };
    if (raw !== undefined && Number.isFinite(raw)) item.modelScore = raw;
    return { item, position };
  });
  // Ties keep the shop's order.
  scored.sort((a, b) => b.item.score - a.item.score || a.position - b.position);
  return scored.map((s) => s.item);
}
