// The committed catalogue is what the script derives from the shared data, and keeps what the model needs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveCatalog, formatCatalog, parseCsv } from '../scripts/derive-catalog';
import { search, shopOrder } from './catalog';

const root = join(import.meta.dirname, '..', '..');
const data = join(root, '..', 'shared', 'data');
const reesCsv = readFileSync(join(data, 'rees46-sample', '2019-Oct-sample.csv'), 'utf8');
const retailCsv = readFileSync(join(data, 'online-retail-sample', 'OnlineRetail.csv'), 'latin1');
const committed = readFileSync(join(root, 'demo-shop', 'catalog', 'catalog.json'), 'utf8');
const catalog = deriveCatalog(reesCsv, retailCsv);

describe('derived catalogue', () => {
  it('is exactly the committed catalog.json (deterministic, and not edited by hand)', () => {
    expect(formatCatalog(catalog)).toBe(committed);
    expect(formatCatalog(deriveCatalog(reesCsv, retailCsv))).toBe(committed);
  });

  it('has several hundred products with unique ids, names, prices and a department each', () => {
    const ids = catalog.products.map((p) => p.id);
    expect(ids.length).toBeGreaterThan(500);
    expect(new Set(ids).size).toBe(ids.length);
    const inDepartments = new Set(catalog.departments.flatMap((d) => d.categories.map((c) => c.id)));
    for (const p of catalog.products) {
      expect(p.name.length).toBeGreaterThan(2);
      expect(p.price).toBeGreaterThan(0);
      expect(inDepartments.has(p.category)).toBe(true);
    }
  });

  it('keeps REES46 product ids with their category, brand and price from the event log', () => {
    const events = parseCsv(reesCsv);
    const rees = catalog.products.filter((p) => p.source === 'rees46');
    expect(rees.length).toBeGreaterThan(300);
    for (const p of rees) {
      const e = events.find((x) => x['product_id'] === p.id);
      expect(e).toBeDefined();
      expect(p.price).toBe(Number(e!['price']));
      expect(p.brand).toBe(e!['brand'] || null);
      if (e!['category_code']) expect(p.category).toBe(e!['category_code']);
    }
    // The most viewed product of the sample is in, under its own id.
    expect(catalog.products.find((p) => p.id === '1004767')?.name).toBe('Samsung Smartphone S4767');
  });

  it('takes Online Retail names and converts their prices from GBP', () => {
    const heart = catalog.products.find((p) => p.id === 'or-85123A');
    expect(heart?.name).toBe('White Hanging Heart T-Light Holder');
    expect(heart?.category).toBe('gifts.lights');
    expect(heart?.price).toBe(Math.round(2.55 * 1.56 * 100) / 100);
    expect(catalog.products.some((p) => p.id === 'or-POST')).toBe(false);
  });

  it('parses quoted CSV fields with commas and doubled quotes', () => {
    expect(parseCsv('a,b\n"x, y","say ""hi"""\r\n1,2')).toEqual([
      { a: 'x, y', b: 'say "hi"' },
      { a: '1', b: '2' },
    ]);
  });
});

describe('storefront catalogue helpers', () => {
  it('finds products by brand and by kind, every word matching', () => {
    const hits = search('apple smartphone');
    expect(hits.length).toBeGreaterThan(3);
    for (const p of hits) expect(p.brand === 'apple' && p.category === 'electronics.smartphone').toBe(true);
    expect(search('mug').every((p) => /mug/i.test(p.name))).toBe(true);
    expect(search('   ')).toEqual([]);
    // "phones" finds smartphones (inside a word, plural ignored), not only the one "Telephone".
    expect(search('phones').filter((p) => p.category === 'electronics.smartphone').length).toBeGreaterThan(
      50,
    );
    expect(search('MUGS').length).toBe(search('mug').length);
  });

  it('orders lists most popular first', () => {
    const order = shopOrder(catalog.products);
    for (let i = 1; i < order.length; i++)
      expect(order[i - 1]!.popularity).toBeGreaterThanOrEqual(order[i]!.popularity);
  });
});
