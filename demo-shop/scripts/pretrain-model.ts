/**
 * Pretrains the demo shop's model from the shop's own event history and writes it to demo-shop/model/.
 *
 *   npm run pretrain-model -w demo-shop            (about a minute on two cores)
 *
 * The history is the two public samples the catalogue was derived from (../shared/data/):
 * - REES46: every view / cart / purchase of a product the shop sells, as the shopper's event
 *   (REES46 products keep their product_id in the catalogue, so no mapping is needed);
 * - UCI Online Retail: every purchase line (quantity > 0, not a cancellation) of a product the shop
 *   sells, as a `purchase` by the customer (or, without a CustomerID, by the invoice: one basket).
 * Every catalogue product came from one of these two files, so nearly every product appears in the
 * history and gets a row in the model's catalogue. Attributes come from the catalogue, not the source lines:
 * category = the shop's category path, brand, price in USD. The model embeds them, so a product seen
 * once still scores through its category, brand and price bucket.
 *
 * The history is written as JSON lines to a temporary file (never into the repository: the data stays
 * in ../shared/data) and handed to the ordinary `npm run pretrain -- --format jsonl`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog, Product } from '../src/catalog-types';
import { parseCsv } from './derive-catalog';

const here = import.meta.dirname;
const repoRoot = join(here, '..', '..');
const dataDir = join(repoRoot, '..', 'shared', 'data');

interface JsonlEvent {
  user: string;
  item: string;
  action: 'view' | 'add_to_cart' | 'purchase';
  time: string;
  category: string;
  brand?: string;
  price: number;
}

const REES46_ACTIONS: Record<string, JsonlEvent['action']> = {
  view: 'view',
  cart: 'add_to_cart',
  purchase: 'purchase',
};

function attributes(p: Product): Pick<JsonlEvent, 'category' | 'brand' | 'price'> {
  return { category: p.category, ...(p.brand ? { brand: p.brand } : {}), price: p.price };
}

/** "12/1/2010 8:26" (month/day/year, UK shop time = UTC in December) -> ISO 8601. */
function onlineRetailTime(s: string): string {
  const m = /^(\d+)\/(\d+)\/(\d{4}) (\d+):(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`unexpected InvoiceDate '${s}'`);
  const [, mo, d, y, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi)).toISOString();
}

/** The shop's event history as JSON lines for `pretrain --format jsonl`. */
export function shopEvents(catalog: Catalog, rees46Csv: string, onlineRetailCsv: string): JsonlEvent[] {
  const products = new Map(catalog.products.map((p) => [p.id, p]));
  const events: JsonlEvent[] = [];
  for (const e of parseCsv(rees46Csv)) {
    const p = products.get(e['product_id'] ?? '');
    const action = REES46_ACTIONS[e['event_type'] ?? ''];
    if (!p || !action) continue;
    const time = (e['event_time'] ?? '').replace(' UTC', 'Z').replace(' ', 'T');
    events.push({ user: `rees46:${e['user_id']}`, item: p.id, action, time, ...attributes(p) });
  }
  for (const l of parseCsv(onlineRetailCsv)) {
    const p = products.get(`or-${l['StockCode']}`);
    const invoice = l['InvoiceNo'] ?? '';
    if (!p || invoice.startsWith('C') || !(Number(l['Quantity']) > 0)) continue;
    const user = l['CustomerID'] ? `or:${l['CustomerID']}` : `or-invoice:${invoice}`;
    const time = onlineRetailTime(l['InvoiceDate'] ?? '');
    events.push({ user, item: p.id, action: 'purchase', time, ...attributes(p) });
  }
  return events;
}

function main(): number {
  const catalog = JSON.parse(readFileSync(join(here, '..', 'catalog', 'catalog.json'), 'utf8')) as Catalog;
  const events = shopEvents(
    catalog,
    readFileSync(join(dataDir, 'rees46-sample', '2019-Oct-sample.csv'), 'utf8'),
    readFileSync(join(dataDir, 'online-retail-sample', 'OnlineRetail.csv'), 'latin1'),
  );
  const covered = new Set(events.map((e) => e.item));
  const missing = catalog.products.filter((p) => !covered.has(p.id)).map((p) => p.id);
  // Only products whose sole lines are cancellations (returns) have no event: they get no row in the
  // model, and the SDK keeps them at the shop's position.
  if (missing.length > 0)
    console.error(`pretrain-model: ${missing.length} products have no event: ${missing.join(', ')}`);
  const tmp = mkdtempSync(join(tmpdir(), 'hearth-shop-events-'));
  const data = join(tmp, 'shop-events.jsonl');
  writeFileSync(data, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  console.error(`pretrain-model: ${events.length} events, ${covered.size} products -> ${data}`);
  // Small on purpose: the catalogue has 982 products and the history ~2,000 events; d=32 with one
  // block trains in about a minute on two cores and keeps the weights near 100 KB.
  const args = [
    ...['--data', data, '--format', 'jsonl', '--out', join(here, '..', 'model')],
    ...['--dim', '32', '--blocks', '1', '--heads', '1', '--max-len', '20', '--dropout', '0.3'],
    ...['--loss', 'full', '--lr', '0.003', '--batch-size', '64', '--epochs', '60'],
    ...['--validate-every', '2', '--patience', '5', '--backend', 'wasm', '--seed', '7', '--fresh'],
  ];
  const run = spawnSync('npx', ['tsx', join(repoRoot, 'models', 'src', 'cli', 'pretrain.ts'), ...args], {
    stdio: 'inherit',
    cwd: repoRoot,
  });
  rmSync(tmp, { recursive: true, force: true });
  return run.status ?? 1;
}

if (process.argv[1] === import.meta.filename) process.exitCode = main();
