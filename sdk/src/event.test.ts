import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateEvent } from './event';

const now = 1_700_000_000_000;

describe('validateEvent', () => {
  it('accepts the event types and stamps the time', () => {
    expect(validateEvent({ type: 'add_to_cart', item: 'sku-1' }, now)).toEqual({
      ok: true,
      event: { type: 'add_to_cart', item: 'sku-1', t: now },
    });
    expect(validateEvent({ type: 'search', query: 'red lipstick', time: now - 5 }, now)).toEqual({
      ok: true,
      event: { type: 'search', query: 'red lipstick', t: now - 5 },
    });
    expect(validateEvent({ type: 'dwell', item: 'a', ms: 1234.4 }, now)).toMatchObject({
      ok: true,
      event: { ms: 1234 },
    });
  });

  it.each([
    ['nope', 'event must be an object'],
    [{ type: 'buy', item: 'a' }, 'event.type'],
    [{ type: 'purchase' }, 'event.item'],
    [{ type: 'purchase', item: '' }, 'event.item'],
    [{ type: 'search' }, 'event.query'],
    [{ type: 'view', item: 'a', time: Number.NaN }, 'event.time'],
    [{ type: 'view', item: 'a', time: now + 10 * 86_400_000 }, 'event.time'],
    [{ type: 'dwell', item: 'a', ms: -1 }, 'event.ms'],
  ])('drops %j naming the field', (input, field) => {
    const r = validateEvent(input, now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(field);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        const r = validateEvent(x, now);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});
