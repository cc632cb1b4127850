import { describe, expect, it } from 'vitest';
import { hitRate, MetricAccumulator, ndcg } from './metrics';

describe('metrics', () => {
  it('HR@k counts a hit only when rank < k', () => {
    expect(hitRate(0, 5)).toBe(1);
    expect(hitRate(4, 5)).toBe(1);
    expect(hitRate(5, 5)).toBe(0);
    expect(hitRate(9, 10)).toBe(1);
  });

  it('NDCG@k is 1/log2(rank+2) inside the top k, 0 outside', () => {
    expect(ndcg(0, 10)).toBe(1);
    expect(ndcg(1, 10)).toBeCloseTo(1 / Math.log2(3), 12); // 0.6309
    expect(ndcg(2, 10)).toBe(0.5); // 1/log2(4)
    expect(ndcg(6, 10)).toBe(1 / 3); // 1/log2(8)
    expect(ndcg(10, 10)).toBe(0);
  });

  it('averages over users: ranks 0, 2, 6, 14 and 100', () => {
    const acc = new MetricAccumulator();
    for (const r of [0, 2, 6, 14, 100]) acc.add(r);
    const m = acc.mean();
    expect(m['HR@5']).toBeCloseTo(2 / 5, 12);
    expect(m['HR@10']).toBeCloseTo(3 / 5, 12);
    expect(m['HR@20']).toBeCloseTo(4 / 5, 12);
    expect(m['NDCG@5']).toBeCloseTo((1 + 0.5) / 5, 12);
    expect(m['NDCG@10']).toBeCloseTo((1 + 0.5 + 1 / 3) / 5, 12);
    expect(m['NDCG@20']).toBeCloseTo((1 + 0.5 + 1 / 3 + 0.25) / 5, 12); // rank 14: 1/log2(16)
  });
});
