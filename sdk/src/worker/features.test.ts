import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../event';
import { AFFINITY_HALF_LIFE_MS, buildFeatures, type Catalog, context } from './features';

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

describe('buildFeatures', () => {
  it('builds the sequence in time order from known items with model actions only', () => {
    const events: StoredEvent[] = [
      { type: 'click', item: 'b1', t: now - 1000 },
      { type: 'view', item: 'a1', t: now - 5000 },
      { type: 'search', query: 'shoes', t: now - 4000 },
      { type: 'view', item: 'x', t: now - 3000 },
      { type: 'dwell', item: 'a1', ms: 20_000, t: now - 2000 },
    ];
    const f = buildFeatures(events, catalog, now, 0);
    expect(f.sequence).toEqual([
      { item: 1, action: 'view', time: Math.floor((now - 5000) / 1000) },
      { item: 4, action: 'click', time: Math.floor((now - 1000) / 1000) },
    ]);
    expect(f.sequenceIds).toEqual(['a1', 'b1']);
  });

  it('decays affinities with age and normalises them', () => {
    const events: StoredEvent[] = [
      // Both before the current session (an hour ago and a half-life before that).
      { type: 'click', item: 'a1', t: now - 3_600_000 - AFFINITY_HALF_LIFE_MS },
      { type: 'click', item: 'b1', t: now - 3_600_000 },
    ];
    const f = buildFeatures(events, catalog, now, 0);
    expect(f.category.get(2)! / f.category.get(1)!).toBeCloseTo(2, 5);
    expect(f.category.get(1)! + f.category.get(2)!).toBeCloseTo(1, 9);
  });

  it('counts the current session double: what the shopper is after now', () => {
    const events: StoredEvent[] = [
      // An earlier visit (a 40-minute gap before this session) and this session, same weights.
      { type: 'click', item: 'a1', t: now - 45 * 60_000 },
      { type: 'click', item: 'a2', t: now - 44 * 60_000 },
      { type: 'click', item: 'b1', t: now - 2 * 60_000 },
      { type: 'click', item: 'b2', t: now - 60_000 },
    ];
    const f = buildFeatures(events, catalog, now, 0);
    expect(f.context.sessionEvents).toBe(2);
    const ratio = f.category.get(2)! / f.category.get(1)!;
    expect(ratio).toBeGreaterThan(2); // 2x for the session, a little more for recency
    expect(ratio).toBeLessThan(2.3);
  });

  it('weights purchases above views', () => {
    const f = buildFeatures(
      [
        { type: 'view', item: 'a1', t: now },
        { type: 'purchase', item: 'b1', t: now },
      ],
      catalog,
      now,
      0,
    );
    expect(f.brand.get(2)!).toBeGreaterThan(f.brand.get(1)!);
  });

  it('counts the session back to the last 30-minute gap and reads the local hour', () => {
    const sorted: StoredEvent[] = [
      { type: 'view', item: 'a1', t: now - 3 * 3_600_000 },
      { type: 'view', item: 'a2', t: now - 20 * 60_000 },
      { type: 'view', item: 'a3', t: now - 5 * 60_000 },
    ];
    expect(context(sorted, now, 120)).toEqual({
      sessionEvents: 2,
      minutesSinceLast: 5,
      hour: 16,
      partOfDay: 'afternoon',
    });
    expect(context([], now, -14 * 60)).toMatchObject({
      sessionEvents: 0,
      minutesSinceLast: -1,
      hour: 0,
      partOfDay: 'night',
    });
  });
});
