import { describe, expect, it } from 'vitest';
import { mulberry32 } from './rng';
import { sampleUnseen } from './sample-negatives';

describe('sampleUnseen', () => {
  it('draws distinct unseen items in 1..numItems', () => {
    const seen = new Uint32Array(501);
    for (let j = 1; j <= 500; j += 2) seen[j] = 3; // odd items seen
    const got = sampleUnseen(500, seen, 3, 99, mulberry32(1));
    expect(got.length).toBe(99);
    expect(new Set(got).size).toBe(99);
    for (const j of got) {
      expect(j % 2).toBe(0);
      expect(j).toBeGreaterThanOrEqual(1);
      expect(j).toBeLessThanOrEqual(500);
    }
  });

  it('returns every unseen item when fewer than asked remain', () => {
    const seen = new Uint32Array(11).fill(1);
    seen[4] = 0;
    seen[9] = 0;
    expect([...sampleUnseen(10, seen, 1, 99, mulberry32(1))]).toEqual([4, 9]);
  });

  it('is uniform enough: each of 10 unseen items drawn about equally often', () => {
    const counts = new Array(11).fill(0);
    const random = mulberry32(5);
    const seen = new Uint32Array(11);
    for (let i = 0; i < 20000; i++) for (const j of sampleUnseen(10, seen, 1, 1, random)) counts[j]++;
    for (let j = 1; j <= 10; j++) expect(Math.abs(counts[j] - 2000)).toBeLessThan(200);
  });
});
