// Feature engineering on the device, from the page's event log to what the ranker needs:
//  - the interaction sequence the model reads (catalogue indices, actions, time in seconds; the model
//    core turns time into gap buckets),
//  - decayed category and brand affinities (what the shopper has been looking at, recent counts more),
//  - session and time-of-day context, and the shopper's time-of-day habit: the categories they favour
//    at this part of the day more than at other times, from earlier visits.
// Pure functions, no TensorFlow: they run the same in Node tests.
import type { Action, Interaction } from '@hearth/models';
import type { StoredEvent } from '../event';

/** How much each kind of event says about interest, for affinities. */
const WEIGHT: Record<StoredEvent['type'], number> = {
  view: 1,
  click: 2,
  dwell: 1,
  add_to_cart: 4,
  purchase: 6,
  search: 0,
};
/** Affinities halve every 6 hours: a session's interest dominates, last week's still counts a little. */
export const AFFINITY_HALF_LIFE_MS = 6 * 3_600_000;
/** A gap this long starts a new session (the usual analytics convention). */
export const SESSION_GAP_MS = 30 * 60_000;
/** The current session's events count this much more: they say what the shopper is after now. */
export const SESSION_BOOST = 2;
/**
 * Pseudo-count for the time-of-day habit: with n earlier events at this part of the day, a habit
 * counts n / (n + prior). Three evenings of browsing say little; thirty say a lot.
 */
export const HABIT_PRIOR = 8;

export interface Catalog {
  /** Shop product id -> catalogue index (1..numItems). */
  index: Map<string, number>;
  /** Per catalogue index; 0 = unknown. Empty arrays when the model has no such attribute. */
  category: Int32Array;
  brand: Int32Array;
}

export interface Context {
  /** Events in the current session (none older than SESSION_GAP_MS before the next). */
  sessionEvents: number;
  /** Minutes since the last event, or -1 when there is none. */
  minutesSinceLast: number;
  /** Local hour of day 0..23 and its part: night, morning, afternoon, evening. */
  hour: number;
  partOfDay: 'night' | 'morning' | 'afternoon' | 'evening';
}

export interface Features {
  sequence: Interaction[];
  /** The shop product id of each sequence entry (for explanations). */
  sequenceIds: string[];
  /** Normalised (sum 1) decayed affinity per category / brand index. */
  category: Map<number, number>;
  brand: Map<number, number>;
  /**
   * Time-of-day habit per category, 0..1: how much more of the shopper's earlier engagement (before
   * this session) at the current part of the day went to the category than of all their earlier
   * engagement, shrunk towards 0 when there is little of it. Absent when the part of day makes no
   * difference, so it never repeats what the affinity already says.
   */
  timeOfDay: Map<number, number>;
  context: Context;
}

const ACTION: Partial<Record<StoredEvent['type'], Action>> = {
  view: 'view',
  click: 'click',
  add_to_cart: 'add_to_cart',
  purchase: 'purchase',
};

function normalise(m: Map<number, number>): Map<number, number> {
  let total = 0;
  for (const v of m.values()) total += v;
  if (total > 0) for (const [k, v] of m) m.set(k, v / total);
  return m;
}

/** Part of the day of a local hour. */
export function partOfDay(hour: number): Context['partOfDay'] {
  return hour < 6 ? 'night' : hour < 12 ? 'morning' : hour < 18 ? 'afternoon' : 'evening';
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The hour of day at a UTC offset; arithmetic rather than a Date, as it runs per event per rank(). */
function localHour(t: number, utcOffsetMin: number): number {
  const ms = (t + utcOffsetMin * 60_000) % DAY;
  return Math.floor((ms < 0 ? ms + DAY : ms) / HOUR);
}

/** The events by time; the page's log is in order already, so usually no copy is sorted. */
function byTime(events: readonly StoredEvent[]): readonly StoredEvent[] {
  for (let i = 1; i < events.length; i++)
    if (events[i]!.t < events[i - 1]!.t) return [...events].sort((a, b) => a.t - b.t);
  return events;
}

/**
 * The habit map (see Features.timeOfDay): the category's share of the earlier events at this part of
 * the day minus its share of all earlier events, times n / (n + HABIT_PRIOR) for n such events.
 * Undecayed: a habit is what repeats over days, which a 6-hour half-life would erase.
 */
export function timeOfDayHabit(
  earlier: readonly { category: number; weight: number; t: number }[],
  now: number,
  utcOffsetMin: number,
): Map<number, number> {
  const current = partOfDay(localHour(now, utcOffsetMin));
  const all = new Map<number, number>();
  const here = new Map<number, number>();
  let n = 0;
  for (const e of earlier) {
    all.set(e.category, (all.get(e.category) ?? 0) + e.weight);
    if (partOfDay(localHour(e.t, utcOffsetMin)) !== current) continue;
    here.set(e.category, (here.get(e.category) ?? 0) + e.weight);
    n++;
  }
  const habit = new Map<number, number>();
  if (n === 0) return habit;
  normalise(all);
  normalise(here);
  const confidence = n / (n + HABIT_PRIOR);
  for (const [c, share] of here) {
    const lift = share - (all.get(c) ?? 0);
    if (lift > 1e-9) habit.set(c, lift * confidence);
  }
  return habit;
}

/**
 * What the features read of one event, fixed once the event and the catalogue are. Named as
 * timeOfDayHabit reads its input (category, weight, t), so the record serves as that too.
 */
interface Resolved {
  /** The model's input for the event; null for one the sequence leaves out (search, dwell). */
  interaction: Interaction | null;
  item: string;
  category: number;
  brand: number;
  /** Interest weight, dwell time included (see WEIGHT). */
  weight: number;
  t: number;
}

/**
 * Each event's Resolved record, kept for the events seen before. The worker's copy of the history
 * keeps its event objects from one rank() to the next (../history), so a call resolves only the new
 * ones instead of looking every product up in the whole catalogue again.
 */
export class EventCache {
  private memo = new WeakMap<StoredEvent, Resolved | null>();
  constructor(readonly catalog: Catalog) {}

  /** Null for an event without a product in the catalogue. */
  resolve(e: StoredEvent): Resolved | null {
    let r = this.memo.get(e);
    if (r === undefined) {
      r = resolveEvent(e, this.catalog);
      this.memo.set(e, r);
    }
    return r;
  }
}

function resolveEvent(e: StoredEvent, catalog: Catalog): Resolved | null {
  const index = e.item === undefined ? undefined : catalog.index.get(e.item);
  // Unknown products cannot be embedded; they still rank by shop order.
  if (index === undefined || e.item === undefined) return null;
  const action = ACTION[e.type];
  return {
    interaction: action ? { item: index, action, time: Math.floor(e.t / 1000) } : null,
    item: e.item,
    category: catalog.category[index] ?? 0,
    brand: catalog.brand[index] ?? 0,
    // Dwell counts in proportion to time spent, capped (a tab left open is not three times the interest).
    weight: WEIGHT[e.type] * (e.type === 'dwell' ? Math.min((e.ms ?? 0) / 10_000, 3) : 1),
    t: e.t,
  };
}

/**
 * @param cache events resolved by earlier calls against the same catalogue (the worker keeps one
 *   for rank() and prepare()); without it, each event is resolved afresh.
 */
export function buildFeatures(
  events: readonly StoredEvent[],
  catalog: Catalog,
  now: number,
  utcOffsetMin: number,
  cache?: EventCache,
): Features {
  const resolved = cache?.catalog === catalog ? cache : new EventCache(catalog);
  const sequence: Interaction[] = [];
  const sequenceIds: string[] = [];
  const category = new Map<number, number>();
  const brand = new Map<number, number>();
  const sorted = byTime(events);
  const ctx = context(sorted, now, utcOffsetMin);
  const sessionStart = sorted.length - ctx.sessionEvents;
  const earlier: Resolved[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const r = resolved.resolve(sorted[i]!);
    if (r === null) continue;
    if (r.interaction) {
      sequence.push(r.interaction);
      sequenceIds.push(r.item);
    }
    const decay = 0.5 ** (Math.max(0, now - r.t) / AFFINITY_HALF_LIFE_MS);
    const w = r.weight * decay * (i >= sessionStart ? SESSION_BOOST : 1);
    if (r.category > 0) category.set(r.category, (category.get(r.category) ?? 0) + w);
    if (r.category > 0 && r.weight > 0 && i < sessionStart) earlier.push(r);
    if (r.brand > 0) brand.set(r.brand, (brand.get(r.brand) ?? 0) + w);
  }
  return {
    sequence,
    sequenceIds,
    category: normalise(category),
    brand: normalise(brand),
    timeOfDay: timeOfDayHabit(earlier, now, utcOffsetMin),
    context: ctx,
  };
}

export function context(sorted: readonly StoredEvent[], now: number, utcOffsetMin: number): Context {
  let sessionEvents = 0;
  let next = now;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const t = sorted[i]!.t;
    if (next - t > SESSION_GAP_MS) break;
    sessionEvents++;
    next = t;
  }
  const last = sorted[sorted.length - 1];
  const hour = localHour(now, utcOffsetMin);
  return {
    sessionEvents,
    minutesSinceLast: last ? Math.floor((now - last.t) / 60_000) : -1,
    hour,
    partOfDay: partOfDay(hour),
  };
}
