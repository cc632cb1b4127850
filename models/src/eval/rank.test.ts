import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rankFull, rankSampled } from './rank';

// The definition, written the slow obvious way: sort the candidates, find the target's position with
// ties placed before it.
function referenceRank(scores: number[], target: number, excluded: Set<number>): number {
  const candidates = scores
    .map((s, j) => ({ s, j }))
    .filter(({ j }) => j > 0 && (j === target || !excluded.has(j)));
  candidates.sort((a, b) => b.s - a.s || (a.j === target ? 1 : b.j === target ? -1 : 0));
  return candidates.findIndex(({ j }) => j === target);
}

describe('rankFull', () => {
  it('matches a sort-based reference on random scores with many ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.nat(),
        (values, excludedRaw, targetRaw) => {
          const scores = [0, ...values];
          const target = 1 + (targetRaw % values.length);
          const excluded = new Set(excludedRaw.map((e) => 1 + (e % values.length)));
          const marks = new Uint32Array(scores.length);
          for (const e of excluded) marks[e] = 7;
          const got = rankFull(Float32Array.from(scores), target, marks, 7);
          expect(got).toBe(referenceRank(scores, target, excluded));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('ignores column 0 and never excludes the target even when it is marked', () => {
    const row = Float32Array.of(100, 1, 2, 3);
    const marks = Uint32Array.of(0, 1, 1, 0);
    expect(rankFull(row, 2, marks, 1)).toBe(1); // only item 3 beats it; item 1 excluded, column 0 ignored
  });

  it('counts NaN candidates against the target and throws on a NaN target', () => {
    expect(rankFull(Float32Array.of(0, 5, Number.NaN, 1), 1, new Uint32Array(4), 1)).toBe(1);
    expect(() => rankFull(Float32Array.of(0, Number.NaN, 1), 1, new Uint32Array(3), 1)).toThrow(
      /NaN for target item 1/,
    );
  });
});

describe('rankSampled', () => {
  it('counts only the given negatives that score at least the target', () => {
    const row = Float32Array.of(0, 5, 9, 5, 1, 7);
    expect(rankSampled(row, 1, [2, 3, 4])).toBe(2); // 9 beats, 5 ties (counts), 1 does not
    expect(rankSampled(row, 2, [1, 3, 4, 5])).toBe(0);
  });
});
