/**
 * Price buckets on a log scale, fixed and data-independent, so that the SDK computes the same bucket
 * for a product the model never saw: half-octave buckets (each covers a factor of sqrt(2)), because
 * what matters to a shopper is the relative price (5 vs 10 is as different as 500 vs 1000).
 *
 *   0            unknown (missing, zero, negative or not a number)
 *   1            0 < price < 1
 *   1 + j        2^((j-1)/2) <= price < 2^(j/2), for j = 1..NUM_PRICE_BUCKETS-2
 *   last bucket  everything above (about 1,000,000 and up)
 */
export const NUM_PRICE_BUCKETS = 42;

export function priceBucket(price: number | undefined): number {
  if (price === undefined || !Number.isFinite(price) || price <= 0) return 0;
  if (price < 1) return 1;
  const j = Math.floor(2 * Math.log2(price)) + 1;
  return Math.min(1 + j, NUM_PRICE_BUCKETS - 1);
}
