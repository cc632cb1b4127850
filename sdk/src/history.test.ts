import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from './event';
import { HistoryLog, HistoryMirror, HistoryOutOfSync } from './history';

const event = (n: number): StoredEvent => ({ type: 'click', item: `p${n}`, t: 1_000 * n });

describe('HistoryLog and HistoryMirror', () => {
  it('after a click, a sync carries only that event, and the copy equals the page history', () => {
    const log = new HistoryLog(50);
    const mirror = new HistoryMirror();
    for (let i = 0; i < 60; i++) log.append(event(i));
    const first = log.sync();
    expect(first.full).toBe(true);
    expect(mirror.apply(first)).toEqual(log.events);
    log.append(event(60));
    const next = log.sync();
    expect(next.full).toBe(false);
    expect(next.events).toEqual([event(60)]);
    expect(mirror.apply(next)).toEqual(log.events);
    expect(mirror.events).toHaveLength(50);
    expect(mirror.events[0]).toEqual(event(11));
  });

  it('any mix of events, replacements and syncs leaves the copy equal to the page history', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), n: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ kind: fc.constant('replace' as const), n: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('sync' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const log = new HistoryLog(8);
        const mirror = new HistoryMirror();
        let next = 0;
        for (const o of ops) {
          if (o.kind === 'append') for (let i = 0; i < o.n; i++) log.append(event(next++));
          else if (o.kind === 'replace') log.replace(Array.from({ length: o.n }, () => event(next++)));
          else expect(mirror.apply(log.sync())).toEqual(log.events);
        }
        expect(mirror.apply(log.sync())).toEqual(log.events);
      }),
    );
  });

  it('a difference that does not fit the copy is refused, and the page then sends it whole', () => {
    const log = new HistoryLog(50);
    log.append(event(1));
    new HistoryMirror().apply(log.sync()); // a worker that is gone since
    log.append(event(2));
    const fresh = new HistoryMirror();
    expect(() => fresh.apply(log.sync())).toThrow(HistoryOutOfSync);
    log.resend();
    const again = log.sync();
    expect(again.full).toBe(true);
    expect(fresh.apply(again)).toEqual([event(1), event(2)]);
  });

  it('a cleared copy (forget) refuses differences until the whole history comes', () => {
    const log = new HistoryLog(50);
    const mirror = new HistoryMirror();
    log.append(event(1));
    mirror.apply(log.sync());
    mirror.clear(log.epoch);
    expect(mirror.events).toEqual([]);
    log.append(event(2));
    expect(() => mirror.apply(log.sync())).toThrow(HistoryOutOfSync);
  });

  it('after a forget, a request posted before it (arriving late, on the other port) is refused', () => {
    const log = new HistoryLog(50);
    const mirror = new HistoryMirror();
    log.append(event(1));
    const before = log.sync(); // posted, but overtaken by the forget below
    log.replace([]); // forget(): a new epoch, sent with setPersist(false)
    mirror.clear(log.epoch);
    expect(() => mirror.apply(before)).toThrow(HistoryOutOfSync);
    expect(mirror.events).toEqual([]);
    log.append(event(2));
    log.resend();
    expect(mirror.apply(log.sync())).toEqual([event(2)]);
  });

  it('replacing the history with nothing empties the copy', () => {
    const log = new HistoryLog(50);
    const mirror = new HistoryMirror();
    log.append(event(1));
    mirror.apply(log.sync());
    log.replace([]);
    expect(mirror.apply(log.sync())).toEqual([]);
  });
});
