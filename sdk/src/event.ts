// Validates events before they enter the log: a bad event is dropped with one debug message (the
// caller logs it), never thrown at the page. What is stored is this small, flat record.
import type { EventType } from './types';

export interface StoredEvent {
  type: EventType;
  /** Shop product id (absent for search). */
  item?: string;
  query?: string;
  /** Dwell ms (type 'dwell'). */
  ms?: number;
  /** Ms since the epoch. */
  t: number;
}

const TYPES: readonly EventType[] = ['view', 'click', 'add_to_cart', 'purchase', 'search', 'dwell'];
const DAY = 86_400_000;

export type EventResult = { ok: true; event: StoredEvent } | { ok: false; error: string };

function text(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 200;
}

export function validateEvent(input: unknown, now: number): EventResult {
  if (typeof input !== 'object' || input === null) return { ok: false, error: 'event must be an object' };
  const e = input as Record<string, unknown>;
  if (!TYPES.includes(e.type as EventType))
    return { ok: false, error: `event.type must be one of ${TYPES.join(', ')}` };
  const type = e.type as EventType;
  const t = e.time === undefined ? now : e.time;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < now - 365 * DAY || t > now + DAY)
    return { ok: false, error: 'event.time must be ms since the epoch, within the last year' };
  const event: StoredEvent = { type, t };
  if (type === 'search') {
    if (!text(e.query)) return { ok: false, error: 'event.query must be a string of 1-200 characters' };
    event.query = e.query;
  } else {
    if (!text(e.item)) return { ok: false, error: 'event.item must be a product id of 1-200 characters' };
    event.item = e.item;
  }
  if (type === 'dwell') {
    if (typeof e.ms !== 'number' || !Number.isFinite(e.ms) || e.ms < 0 || e.ms > DAY)
      return { ok: false, error: 'event.ms must be a dwell time in ms' };
    event.ms = Math.round(e.ms);
  }
  return { ok: true, event };
}
