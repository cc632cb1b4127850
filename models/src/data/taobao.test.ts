import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedDataPath, TAOBAO_PATH } from '../node/shared-data';
import { formatLineError } from './line-errors';
import { parseTaobao } from './taobao';

const text = readFileSync(sharedDataPath(TAOBAO_PATH), 'utf8');

describe('parseTaobao', () => {
  it('reads the real sample and maps pv/fav/cart/buy to view/add_to_cart/add_to_cart/purchase', () => {
    const { dataset, errorCount } = parseTaobao(text, 'UserBehavior.csv');
    expect(errorCount).toBe(0);
    const actions = dataset.users.flatMap((u) => u.events.map((e) => e.action));
    expect(actions.length).toBe(3926 + 128 + 190 + 77);
    expect(actions.filter((a) => a === 'view').length).toBe(3926);
    expect(actions.filter((a) => a === 'add_to_cart').length).toBe(128 + 190);
    expect(actions.filter((a) => a === 'purchase').length).toBe(77);
    for (const u of dataset.users)
      for (let i = 1; i < u.events.length; i++)
        expect(u.events[i]!.time!).toBeGreaterThanOrEqual(u.events[i - 1]!.time!);
    // Line 1: 1,2268318,2520377,pv,1511544070
    const first = dataset.users[0]!.events[0]!;
    expect(dataset.itemIds[first.item]).toBe('2268318');
    expect(dataset.categoryNames![dataset.attributes![first.item]!.category]).toBe('2520377');
    expect(dataset.numBrands).toBe(1);
    expect(dataset.numPriceBuckets).toBe(1);
  });

  it('reports malformed lines with file:line', () => {
    const rows = ['1,2,3,pv,1511544070', '1,2,3,like,1511544070', '1,2,3,pv,soon', '1,2,3', ',2,3,pv,1'].join(
      '\n',
    );
    const r = parseTaobao(rows, 't.csv');
    expect(r.errors.map(formatLineError)).toEqual([
      "t.csv:2: behavior 'like' is not one of pv, fav, cart, buy",
      "t.csv:3: unix_ts 'soon' is not a Unix time in seconds",
      't.csv:4: expected 5 fields (user,item,category,behavior,unix_ts), got 3',
      't.csv:5: user is empty',
    ]);
    expect(r.dataset.users[0]!.events.length).toBe(1);
  });
});
