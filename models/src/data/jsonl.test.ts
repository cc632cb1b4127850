import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REES46_PATH, sharedDataPath } from '../node/shared-data';
import { parseJsonl } from './jsonl';
import { formatLineError } from './line-errors';
import { parseRees46 } from './rees46';

describe('parseJsonl', () => {
  it('reads events with numeric or ISO times, sorts by time, keeps attributes', () => {
    const text = [
      '{"user":"u1","item":"sku-2","action":"purchase","time":"2024-05-01T12:00:10Z","category":"shoes","brand":"acme","price":59.9}',
      '{"user":"u1","item":"sku-1","action":"view","time":1714564800}',
      '{"user":42,"item":7,"action":"search","time":1}',
    ].join('\n');
    const { dataset, errorCount } = parseJsonl(text, 'log.jsonl');
    expect(errorCount).toBe(0);
    const u1 = dataset.users[0]!;
    expect(u1.events.map((e) => dataset.itemIds[e.item])).toEqual(['sku-1', 'sku-2']);
    expect(u1.events.map((e) => e.time)).toEqual([1714564800, 1714564810]);
    expect(dataset.users[1]!.user).toBe('42');
    const a = dataset.attributes![dataset.itemIds.indexOf('sku-2')]!;
    expect(dataset.categoryNames![a.category]).toBe('shoes');
    expect(dataset.brandNames![a.brand]).toBe('acme');
    expect(dataset.attributes![dataset.itemIds.indexOf('sku-1')]).toEqual({
      category: 0,
      brand: 0,
      priceBucket: 0,
    });
  });

  it('names the bad field of every malformed line', () => {
    const text = [
      '{"user":"u1","item":"a","action":"view","time":1}',
      '{"user":"u1","item":"a","action":"like","time":1}',
      '{"user":"u1","item":"a","action":"view"}',
      '{"user":"u1","item":"a","action":"view","time":1,"categroy":"x"}',
      '{"user":"u1","item":"a","action":"view","time":1,"price":"cheap"}',
      'not json',
      '{"user":"","item":"a","action":"view","time":"yesterday"}',
    ].join('\n');
    const r = parseJsonl(text, 'log.jsonl');
    const messages = r.errors.map(formatLineError);
    expect(messages.length).toBe(6);
    expect(messages[0]).toMatch(/^log\.jsonl:2: action: /);
    expect(messages[1]).toMatch(/^log\.jsonl:3: time: /);
    expect(messages[2]).toMatch(/^log\.jsonl:4: .*categroy/);
    expect(messages[3]).toMatch(/^log\.jsonl:5: price: /);
    expect(messages[4]).toBe('log.jsonl:6: not valid JSON');
    expect(messages[5]).toMatch(/^log\.jsonl:7: user: .*; time: /);
    expect(r.dataset.users[0]!.events.length).toBe(1);
  });
});

describe('parseJsonl on real events', () => {
  it('reads the REES46 sample rewritten as JSON lines into the same users, items, actions and attributes', () => {
    const csv = readFileSync(sharedDataPath(REES46_PATH), 'utf8');
    const fromCsv = parseRees46(csv, 'oct.csv').dataset;
    const jsonl = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => {
        const [time, type, item, categoryId, code, brand, price, user] = row.split(',');
        const action = { view: 'view', cart: 'add_to_cart', purchase: 'purchase' }[type!];
        const category = code ? code.split('.')[0] : `id:${categoryId}`;
        return JSON.stringify({
          user,
          item,
          action,
          time: time!.replace(' UTC', 'Z').replace(' ', 'T'),
          category,
          ...(brand ? { brand } : {}),
          price: Number(price),
        });
      })
      .join('\n');
    const fromJsonl = parseJsonl(jsonl, 'oct.jsonl');
    expect(fromJsonl.errorCount).toBe(0);
    expect({ ...fromJsonl.dataset, name: 'oct.csv' }).toEqual(fromCsv);
  });
});
