import { describe, expect, it } from 'vitest';
import { NUM_PRICE_BUCKETS, priceBucket } from './price-bucket';

describe('priceBucket', () => {
  it('puts unknown prices in 0 and sub-unit prices in 1', () => {
    for (const p of [undefined, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(priceBucket(p)).toBe(0);
    expect(priceBucket(0.5)).toBe(1);
  });

  it('uses half-octave buckets: [1,1.414) -> 2, [1.414,2) -> 3, [2,2.83) -> 4', () => {
    expect(priceBucket(1)).toBe(2);
    expect(priceBucket(1.41)).toBe(2);
    expect(priceBucket(1.42)).toBe(3);
    expect(priceBucket(2)).toBe(4);
    expect(priceBucket(1000)).toBe(1 + Math.floor(2 * Math.log2(1000)) + 1);
  });

  it('is monotone and capped at the last bucket', () => {
    let last = 0;
    for (let p = 0.01; p < 1e9; p *= 1.07) {
      const b = priceBucket(p);
      expect(b).toBeGreaterThanOrEqual(last);
      last = b;
    }
    expect(last).toBe(NUM_PRICE_BUCKETS - 1);
  });
});
