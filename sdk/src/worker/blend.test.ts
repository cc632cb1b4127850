import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../event';
import { blend } from './blend';
import { buildFeatures, type Catalog } from './features';

// Items a1..a3 are category 1 / brand 1, b1..b3 category 2 / brand 2; 'x' is not in the catalogue.
const catalog: Catalog = {
  index: new Map([
    ['a1', 1],
    ['a2', 2],
    ['a3', 3],
    ['b1', 4],
    ['b2', 5],
    ['b3', 6],
  ]),
  category: Int32Array.from([0, 1, 1, 1, 2, 2, 2]),
  brand: Int32Array.from([0, 1, 1, 1, 2, 2, 2]),
};
const now = Date.UTC(2026, 0, 5, 14, 0, 0); // a Monday, 14:00 UTC

describe('blend', () => {
  const ids = ['a1', 'b1', 'a2', 'b2', 'x'];
  const empty = buildFeatures([], catalog, now, 0);

  it('keeps the shop order when there is no signal', () => {
    expect(blend(ids, null, empty, catalog, 0.2).map((r) => r.id)).toEqual(ids);
  });

  it('follows the model scores when the shop weight is zero', () => {
    const scores = Float32Array.from([0.1, 0.9, 0.2, 0.5, Number.NaN]);
    const ranked = blend(ids, scores, empty, catalog, 0);
    expect(ranked.map((r) => r.id).slice(0, 2)).toEqual(['b1', 'b2']);
    expect(ranked[0]).toMatchObject({ reason: 'model', modelScore: expect.closeTo(0.9, 5) });
    expect(ranked.find((r) => r.id === 'x')?.modelScore).toBeUndefined();
  });

  it('moves the category the shopper clicked up', () => {
    const clicks: StoredEvent[] = ['b1', 'b2', 'b3'].map((item) => ({ type: 'click', item, t: now }));
    const ranked = blend(ids, null, buildFeatures(clicks, catalog, now, 0), catalog, 0.2);
    expect(ranked.map((r) => r.id).slice(0, 2)).toEqual(['b1', 'b2']);
    expect(ranked[0]?.reason).toBe('category');
  });

  it('returns a permutation of the input', () => {
    const scores = Float32Array.from([3, 1, 2, 5, 4]);
    const ranked = blend(ids, scores, empty, catalog, 0.5);
    expect([...ranked.map((r) => r.id)].sort()).toEqual([...ids].sort());
  });
});
