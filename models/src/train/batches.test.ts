import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../eval/rng';
import type { Interaction } from '../types';
import { bucketLength, encodeTrainingBatch, makeBatches } from './batches';

const seq = (...items: number[]): Interaction[] => items.map((item) => ({ item, action: 'purchase' }));

describe('encodeTrainingBatch', () => {
  it('aligns each input position with the next item as target, left-padded', () => {
    const b = encodeTrainingBatch([seq(5, 6, 7), seq(8, 9)], 4);
    expect(Array.from(b.items)).toEqual([0, 0, 5, 6, 0, 0, 0, 8]);
    expect(Array.from(b.targets)).toEqual([0, 0, 6, 7, 0, 0, 0, 9]);
    expect(Array.from(b.positions)).toEqual([2, 3, 7]);
  });
});

describe('makeBatches', () => {
  const sequences = Array.from({ length: 100 }, (_, i) =>
    seq(...Array.from({ length: 2 + (i % 30) }, (_, k) => k + 1)),
  );

  it('covers every target once, in batches of similar length', () => {
    const batches = makeBatches(sequences, 16, 20, mulberry32(1));
    const targets = batches.reduce((n, b) => n + b.positions.length, 0);
    // A sequence of n items gives n − 1 targets, capped at maxLen = 20.
    expect(targets).toBe(sequences.reduce((n, s) => n + Math.min(s.length - 1, 20), 0));
    for (const b of batches) {
      expect(b.batch).toBeLessThanOrEqual(16);
      expect(b.length).toBe(bucketLength(b.length, 20));
      // Sorted by length before cutting: no batch pads a 2-item sequence to 20.
      const lengths = Array.from(
        { length: b.batch },
        (_, r) => b.items.subarray(r * b.length, (r + 1) * b.length).filter((x) => x > 0).length,
      );
      expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(8);
    }
  });

  it('keeps the target positions of a batch under the budget', () => {
    const batches = makeBatches(sequences, 64, 20, mulberry32(2), 50);
    for (const b of batches) expect(b.positions.length <= 50 || b.batch === 1).toBe(true);
  });

  it('is reproducible from the seed and differs across seeds', () => {
    const order = (seed: number) =>
      makeBatches(sequences, 16, 20, mulberry32(seed)).map((b) => Array.from(b.items).join());
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
  });

  it('rejects a bad batch size', () => {
    expect(() => makeBatches(sequences, 0, 20, mulberry32(1))).toThrow(/batchSize/);
  });
});
