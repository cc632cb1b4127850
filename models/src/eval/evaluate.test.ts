import { describe, expect, it } from 'vitest';
import type { Dataset, Interaction } from '../types';
import { type BatchScorer, evaluate } from './evaluate';
import { mulberry32 } from './rng';

const ev = (...items: number[]): Interaction[] => items.map((item) => ({ item, action: 'view' }));

// 6 items; u2 is too short to evaluate.
const tiny: Dataset = {
  name: 'tiny',
  numItems: 6,
  itemIds: ['', 'a', 'b', 'c', 'd', 'e', 'f'],
  users: [
    { user: 'u0', events: ev(1, 2, 3, 4) },
    { user: 'u1', events: ev(2, 5, 2) },
    { user: 'u2', events: ev(1, 2) },
  ],
  numCategories: 1,
  numBrands: 1,
  numPriceBuckets: 1,
};

// Item 1 scores highest, item 6 lowest, whoever the user is.
const fixed = Float32Array.of(0, 10, 9, 8, 7, 6, 5);
function fixedScorer(seen: Interaction[][][] = []): BatchScorer {
  return async (histories) => {
    seen.push(histories);
    const out = new Float32Array(histories.length * fixed.length);
    for (let b = 0; b < histories.length; b++) out.set(fixed, b * fixed.length);
    return out;
  };
}

describe('evaluate, full ranking', () => {
  it('test split: excludes history items, never the target (u0 rank 0, u1 rank 1)', async () => {
    const seen: Interaction[][][] = [];
    const r = await evaluate(tiny, fixedScorer(seen), { protocol: 'full', split: 'test' });
    // u0: target 4 (7); 1,2,3 are history; 5,6 score lower -> rank 0 (without exclusion: 3).
    // u1: target 2 (9) is also in its history but stays a candidate; 1 (10) beats it -> rank 1.
    expect(r.users).toBe(2);
    expect(r['HR@5']).toBe(1);
    expect(r['NDCG@5']).toBeCloseTo((1 + 1 / Math.log2(3)) / 2, 12);
    expect(seen.flat().map((h) => h.map((e) => e.item))).toEqual([
      [1, 2, 3],
      [2, 5],
    ]);
  });

  it('valid split: history = training part, target = second-to-last', async () => {
    const r = await evaluate(tiny, fixedScorer(), { protocol: 'full', split: 'valid' });
    // u0: target 3 (8), history 1,2 excluded -> rank 0. u1: target 5 (6), history 2 excluded;
    // 1 (10), 3 (8), 4 (7) beat it -> rank 3.
    expect(r['NDCG@5']).toBeCloseTo((1 + 1 / Math.log2(5)) / 2, 12);
    expect(r['HR@5']).toBe(1);
  });

  it('counts ties against the target: constant scores rank last', async () => {
    const constant: BatchScorer = async (h) => new Float32Array(h.length * 7).fill(1);
    // u0: candidates 5, 6 tie with target 4 -> rank 2; u1: candidates 1, 3, 4, 6 -> rank 4.
    const r = await evaluate(tiny, constant, { protocol: 'full' });
    expect(r['NDCG@5']).toBeCloseTo((0.5 + 1 / Math.log2(6)) / 2, 12);
  });

  it('rejects a scorer that returns the wrong number of scores or a NaN target score', async () => {
    await expect(evaluate(tiny, async () => new Float32Array(3), { protocol: 'full' })).rejects.toThrow(
      /returned 3 scores for 2 users; expected 2 × 7/,
    );
    await expect(
      evaluate(tiny, async (h) => new Float32Array(h.length * 7).fill(Number.NaN), { protocol: 'full' }),
    ).rejects.toThrow(/NaN for target item 4/);
  });
});

describe('evaluate, sampled100', () => {
  // 2,000 items, 300 users with random sequences; a random but deterministic scorer.
  const random = mulberry32(7);
  const users = Array.from({ length: 300 }, (_, u) => ({
    user: `u${u}`,
    events: ev(
      ...Array.from({ length: 3 + Math.floor(random() * 20) }, () => 1 + Math.floor(random() * 2000)),
    ),
  }));
  const big: Dataset = {
    ...tiny,
    numItems: 2000,
    itemIds: Array.from({ length: 2001 }, (_, i) => `${i}`),
    users,
  };
  const table = Float32Array.from({ length: 2001 }, () => random());
  const scorer: BatchScorer = async (h) => {
    const out = new Float32Array(h.length * 2001);
    for (let b = 0; b < h.length; b++) out.set(table, b * 2001);
    return out;
  };

  it('is deterministic for a seed, whatever the batch size; another seed draws other negatives', async () => {
    const a = await evaluate(big, scorer, { protocol: 'sampled100', batchSize: 7 });
    const b = await evaluate(big, scorer, { protocol: 'sampled100', batchSize: 256 });
    const c = await evaluate(big, scorer, { protocol: 'sampled100', seed: 1 });
    expect(a).toEqual(b);
    expect(c['NDCG@10']).not.toBe(a['NDCG@10']);
    expect(a.users).toBe(300);
    // Random scores: the target is uniform among 100 candidates, so HR@10 is about 0.1.
    expect(a['HR@10']).toBeGreaterThan(0.05);
    expect(a['HR@10']).toBeLessThan(0.16);
  });

  it('uses only unseen items as negatives: with every other item seen, the target ranks first', async () => {
    // u0 saw 1..4; only 5 and 6 are unseen, both score below 4.
    const r = await evaluate(tiny, fixedScorer(), { protocol: 'sampled100' });
    // u1 saw 2 and 5; negatives are 1, 3, 4, 6; 1 (10) beats target 2 (9) -> rank 1.
    expect(r['NDCG@5']).toBeCloseTo((1 + 1 / Math.log2(3)) / 2, 12);
  });
});
