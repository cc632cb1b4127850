import { describe, expect, it } from 'vitest';
import { type CompactRanking, expandRanking } from './ranking';

const ids = ['a', 'b', 'c'];
const good = (): CompactRanking => ({
  order: Int32Array.from([2, 0, 1]),
  scores: Float32Array.from([0.5, 0.25, 2]),
  modelScores: Float32Array.from([1.5, Number.NaN, -1]),
  reasons: Uint8Array.from([1, 4, 0]),
});

describe('expandRanking', () => {
  it('turns the arrays into items, best first, with the model score only where there is one', () => {
    expect(expandRanking(ids, good())).toEqual([
      { id: 'c', score: 2, reason: 'model', modelScore: -1 },
      { id: 'a', score: 0.5, reason: 'category', modelScore: 1.5 },
      { id: 'b', score: 0.25, reason: 'shop_order' },
    ]);
  });

  it('refuses an answer that does not fit the ids (the page keeps the shop order)', () => {
    const broken: Partial<CompactRanking>[] = [
      { order: Int32Array.from([2, 0]) }, // too short
      { order: Int32Array.from([2, 2, 1]) }, // not a permutation
      { order: Int32Array.from([3, 0, 1]) }, // out of range
      { reasons: Uint8Array.from([1, 9, 0]) }, // no such reason
      { scores: Float32Array.from([1, 2, 3, 4]) },
      { modelScores: [1, 2, 3] as unknown as Float32Array }, // not the typed array the worker sends
    ];
    for (const b of broken) expect(expandRanking(ids, { ...good(), ...b })).toBeNull();
  });
});
