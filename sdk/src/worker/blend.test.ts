import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../event';
import { buffers, expandRanking } from '../ranking';
import { bestFirst, blend, blendCompact } from './blend';
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

  it('tips close calls to the category the shopper favours at this part of the day, and says so', () => {
    // Earlier visits: lipstick (a*) in the evenings, perfume (b*) in the mornings; equal overall.
    const earlier: StoredEvent[] = [];
    for (let d = 1; d <= 10; d++) {
      const day = Date.UTC(2026, 0, 5) - d * 86_400_000;
      earlier.push({ type: 'click', item: 'a3', t: day + 20 * 3_600_000 });
      earlier.push({ type: 'click', item: 'b3', t: day + 9 * 3_600_000 });
    }
    const list = ['b1', 'a1', 'b2', 'a2', 'b3', 'a3'];
    // This visit so far: one lipstick and one perfume click, so recency does not separate them.
    const at = (hour: number) => {
      const t = Date.UTC(2026, 0, 5, hour, 30);
      const visit: StoredEvent[] = [
        { type: 'click', item: 'a3', t: t - 120_000 },
        { type: 'click', item: 'b3', t: t - 60_000 },
      ];
      return blend(list, null, buildFeatures([...earlier, ...visit], catalog, t, 0), catalog, 0.1);
    };
    const evening = at(20);
    expect(evening.map((r) => r.id).slice(0, 2)).toEqual(['a1', 'a2']);
    expect(evening[0]?.reason).toBe('time_of_day');
    const morning = at(9);
    expect(morning.map((r) => r.id).slice(0, 2)).toEqual(['b1', 'b2']);
    expect(morning[0]?.reason).toBe('time_of_day');
    // Something the shopper does now outweighs the habit: two clicks on perfume this evening.
    const t = Date.UTC(2026, 0, 5, 20, 30);
    const now: StoredEvent[] = [
      { type: 'click', item: 'b3', t: t - 60_000 },
      { type: 'click', item: 'b2', t: t - 30_000 },
    ];
    const ranked = blend(list, null, buildFeatures([...earlier, ...now], catalog, t, 0), catalog, 0.1);
    expect(ranked[0]).toMatchObject({ id: 'b1', reason: 'category' });
  });

  it('gives no personal reason for a signal every candidate shares', () => {
    const clicks: StoredEvent[] = ['a1', 'a2'].map((item) => ({ type: 'click', item, t: now }));
    const ranked = blend(['a3', 'a2', 'a1'], null, buildFeatures(clicks, catalog, now, 0), catalog, 0.2);
    expect(ranked.map((r) => [r.id, r.reason])).toEqual([
      ['a3', 'shop_order'],
      ['a2', 'shop_order'],
      ['a1', 'shop_order'],
    ]);
  });

  it('sends its arrays in one buffer, transferred once, and they arrive whole', () => {
    const scores = Float32Array.from([0.1, 0.9, 0.2, 0.5, Number.NaN]);
    const indices = ids.map((id) => catalog.index.get(id) ?? 0);
    const r = blendCompact(indices, scores, empty, catalog, 0.2);
    expect(buffers(r)).toHaveLength(1);
    const before = expandRanking(ids, r);
    const sent = structuredClone(r, { transfer: buffers(r) });
    expect(r.order.length).toBe(0); // transferred: detached here
    expect(expandRanking(ids, sent)).toEqual(before);
  });

  it('orders best first, ties in the shop order, as a comparator sort would', () => {
    for (const n of [0, 1, 2, 7, 100, 513]) {
      // Few distinct values: many ties.
      const score = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 13) / 4);
      const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b);
      expect(Array.from(bestFirst(score))).toEqual(expected);
    }
  });

  it('keeps the shop order on a list of ties (no signal, no shop weight)', () => {
    expect(blend(ids, null, empty, catalog, 0).map((r) => r.id)).toEqual(ids);
  });
});
