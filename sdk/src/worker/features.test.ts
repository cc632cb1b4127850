import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../event';
import {
  AFFINITY_HALF_LIFE_MS,
  buildFeatures,
  type Catalog,
  context,
  EventCache,
  HABIT_PRIOR,
  timeOfDayHabit,
} from './features';

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

  it('with an event cache, gives what it gives without, as events come and go', () => {
    const cache = new EventCache(catalog);
    const history: StoredEvent[] = [
      { type: 'view', item: 'a1', t: now - 9000 },
      { type: 'dwell', item: 'a1', ms: 15_000, t: now - 8000 },
      { type: 'view', item: 'x', t: now - 7000 },
      { type: 'add_to_cart', item: 'b2', t: now - 6000 },
    ];
    expect(buildFeatures(history, catalog, now, 0, cache)).toEqual(buildFeatures(history, catalog, now, 0));
    // The page's next rank(): one event more, the oldest gone, a later clock.
    const next = [...history.slice(1), { type: 'click' as const, item: 'b3', t: now - 1000 }];
    expect(buildFeatures(next, catalog, now + 60_000, 60, cache)).toEqual(
      buildFeatures(next, catalog, now + 60_000, 60),
    );
    // A cache of another catalogue (a new model's) is not read: b2 is a category-1 product there.
    const other: Catalog = { ...catalog, category: Int32Array.from([0, 1, 1, 1, 2, 1, 2]) };
    expect(buildFeatures(next, other, now, 0, cache)).toEqual(buildFeatures(next, other, now, 0));
    expect(buildFeatures(next, other, now, 0, cache).category).not.toEqual(
      buildFeatures(next, catalog, now, 0).category,
    );
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

const DAY = 86_400_000;
/** Earlier visits: lipstick (a*) on weekday evenings (20:00 UTC), perfume (b*) in the mornings (09:00). */
function habitHistory(days: number): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let d = 1; d <= days; d++) {
    const day = Date.UTC(2026, 0, 5) - d * DAY;
    events.push({ type: 'click', item: 'a1', t: day + 20 * 3_600_000 });
    events.push({ type: 'click', item: 'b1', t: day + 9 * 3_600_000 });
  }
  return events;
}

describe('local hour', () => {
  it('is the hour a Date at the offset reads, for times and offsets on both sides of zero', () => {
    const offsets = [-720, -570, -300, 0, 45, 330, 345, 600, 840];
    for (let k = 0; k < 2000; k++) {
      const t = Math.round((k * 7_919_113_117) % 4e12) - 1e11;
      const offset = offsets[k % offsets.length]!;
      expect(context([], t, offset).hour).toBe(new Date(t + offset * 60_000).getUTCHours());
    }
  });
});

describe('time-of-day habit', () => {
  const evening = Date.UTC(2026, 0, 5, 20, 30);
  const morning = Date.UTC(2026, 0, 5, 9, 30);

  it('favours the category of earlier visits at this part of the day, not the other', () => {
    const events = habitHistory(6);
    const f = buildFeatures(events, catalog, evening, 0);
    expect(f.context.partOfDay).toBe('evening');
    // Evenings were all lipstick (share 1) against half of everything: lift 0.5, times 6 / (6 + prior).
    expect(f.timeOfDay.get(1)).toBeCloseTo(0.5 * (6 / (6 + HABIT_PRIOR)), 9);
    expect(f.timeOfDay.has(2)).toBe(false);
    // The same shopper in the morning: perfume.
    const m = buildFeatures(events, catalog, morning, 0);
    expect(m.timeOfDay.get(2)).toBeCloseTo(0.5 * (6 / (6 + HABIT_PRIOR)), 9);
    expect(m.timeOfDay.has(1)).toBe(false);
  });

  it('reads the part of day on the shopper’s clock', () => {
    // 20:30 UTC is 09:30 the next morning at UTC+13: perfume time.
    const f = buildFeatures(habitHistory(6), catalog, evening, 13 * 60);
    expect(f.context.partOfDay).toBe('morning');
    // Event hours move with the offset too: 09:00 UTC visits are evenings there (22:00).
    expect(f.timeOfDay.has(1) || f.timeOfDay.has(2)).toBe(true);
    expect(f.timeOfDay.get(2) ?? 0).toBe(0);
  });

  it('grows with evidence and is nothing when the part of day makes no difference', () => {
    const few = buildFeatures(habitHistory(2), catalog, evening, 0).timeOfDay.get(1)!;
    const many = buildFeatures(habitHistory(12), catalog, evening, 0).timeOfDay.get(1)!;
    expect(many).toBeGreaterThan(few);
    expect(many).toBeLessThan(0.5);
    // Same mix at every hour: the affinity says it all, the habit adds nothing.
    const flat = habitHistory(6).flatMap((e) => [e, { ...e, item: e.item === 'a1' ? 'b1' : 'a1' }]);
    expect(buildFeatures(flat, catalog, evening, 0).timeOfDay.size).toBe(0);
    expect(timeOfDayHabit([], evening, 0).size).toBe(0);
  });

  it('learns from earlier visits only: the current session is the affinity’s business', () => {
    // Only this evening's session, all lipstick: no habit yet.
    const session: StoredEvent[] = [
      { type: 'click', item: 'a1', t: evening - 10 * 60_000 },
      { type: 'click', item: 'b1', t: evening - 5 * 60_000 },
    ];
    expect(buildFeatures(session, catalog, evening, 0).timeOfDay.size).toBe(0);
  });
});
