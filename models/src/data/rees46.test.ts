import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REES46_PATH, sharedDataPath } from '../node/shared-data';
import { formatLineError } from './line-errors';
import { priceBucket } from './price-bucket';
import { parseRees46, REES46_HEADER } from './rees46';

const text = readFileSync(sharedDataPath(REES46_PATH), 'utf8');

describe('parseRees46', () => {
  it('reads the real sample: 1,000 events, 534 products, attributes from category_code, brand, price', () => {
    const { dataset, errorCount, lines } = parseRees46(text, 'oct.csv');
    expect(errorCount).toBe(0);
    expect(lines).toBe(1000);
    expect(dataset.numItems).toBe(534);
    expect(dataset.users.reduce((n, u) => n + u.events.length, 0)).toBe(1000);
    const actions = dataset.users.flatMap((u) => u.events.map((e) => e.action));
    expect(actions.filter((a) => a === 'add_to_cart').length).toBe(3);
    expect(actions.filter((a) => a === 'purchase').length).toBe(10);

    // Line 3: product 3900821, appliances.environment.water_heater, aqua, 33.20
    const i = dataset.itemIds.indexOf('3900821');
    const a = dataset.attributes![i]!;
    expect(dataset.categoryNames![a.category]).toBe('appliances');
    expect(dataset.brandNames![a.brand]).toBe('aqua');
    expect(a.priceBucket).toBe(priceBucket(33.2));
    // Line 2: empty category_code falls back to the category id.
    const s = dataset.attributes![dataset.itemIds.indexOf('44600062')]!;
    expect(dataset.categoryNames![s.category]).toBe('id:2103807459595387724');
  });

  it('sorts each user by time, stably', () => {
    const rows = [
      REES46_HEADER,
      '2019-10-01 00:00:09 UTC,view,2,1,,,1.00,7,s',
      '2019-10-01 00:00:01 UTC,view,1,1,,,1.00,7,s',
      '2019-10-01 00:00:09 UTC,cart,3,1,,,1.00,7,s',
    ].join('\n');
    const { dataset } = parseRees46(rows, 'x.csv');
    const u = dataset.users[0]!;
    expect(u.events.map((e) => dataset.itemIds[e.item])).toEqual(['1', '2', '3']);
    expect(u.events.map((e) => e.time)).toEqual([1569888001, 1569888009, 1569888009]);
  });

  it('reports malformed rows with file:line and skips remove_from_cart without an error', () => {
    const rows = [
      REES46_HEADER,
      '2019-10-01 00:00:00 UTC,like,1,1,,,1.00,7,s',
      'yesterday,view,1,1,,,1.00,7,s',
      '2019-10-01 00:00:00 UTC,view,,1,,,1.00,7,s',
      '2019-10-01 00:00:00 UTC,view,1,1,,,-3,7,s',
      '2019-10-01 00:00:00 UTC,view,1,1',
      '2019-10-01 00:00:00 UTC,remove_from_cart,1,1,,,1.00,7,s',
      '2019-10-01 00:00:00 UTC,view,1,1,,,1.00,7,s',
    ].join('\n');
    const r = parseRees46(rows, 'x.csv');
    expect(r.errors.map(formatLineError)).toEqual([
      "x.csv:2: event_type 'like' is not one of view, cart, purchase",
      "x.csv:3: event_time 'yesterday' is not 'YYYY-MM-DD hh:mm:ss UTC'",
      'x.csv:4: product_id is empty',
      "x.csv:5: price '-3' is not a non-negative number",
      'x.csv:6: expected 9 fields, got 4',
    ]);
    expect(r.skipped).toBe(1);
    expect(r.dataset.users[0]!.events.length).toBe(1);
  });

  it('rejects a file with the wrong header as one clear error', () => {
    const r = parseRees46('user,item\n1,2\n', 'wrong.csv');
    expect(r.errors.map(formatLineError)).toEqual([`wrong.csv:1: header is not '${REES46_HEADER}'`]);
    expect(r.dataset.users.length).toBe(0);
  });
});
