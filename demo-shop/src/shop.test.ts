// The storefront in real headless Chromium: built with Vite, served by `vite preview` on 127.0.0.1.
// Screenshots go to test-artifacts/demo-shop/ (gitignored) for a person to look at.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import catalogJson from '../catalog/catalog.json';
import type { Catalog } from './catalog-types';

const shopRoot = join(import.meta.dirname, '..');
const shots = join(shopRoot, '..', 'test-artifacts', 'demo-shop');
const catalog = catalogJson as unknown as Catalog;
const ids = new Set(catalog.products.map((p) => p.id));

let server: PreviewServer;
let context: BrowserContext;
let base = '';
/** The home page's "Recommended for you" shelf without the SDK (first test), to compare with a ranked one. */
let recommendedInShopOrder: string[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'hearth-shop-'));

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const outDir = join(tmp, 'dist');
  await build({ root: shopRoot, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({
    root: shopRoot,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  base = server.resolvedUrls?.local[0] ?? '';
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1360, height: 900 },
  });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The commands the shop pushed onto the snippet's queue (no SDK loaded: they stay queued). */
async function queued(page: Page): Promise<unknown[][]> {
  return page.evaluate(() => [...((window as unknown as { hearth: unknown[][] }).hearth ?? [])]);
}

async function tileIds(page: Page, scope = 'body'): Promise<string[]> {
  return page.$$eval(`${scope} [data-hearth-item].tile`, (els) =>
    els.map((e) => (e as HTMLElement).dataset['hearthItem'] ?? ''),
  );
}

describe('demo shop in Chromium', () => {
  it('browses home → department → category → product, adds to cart, searches, checks out', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });

    await page.goto(base);
    await page.waitForSelector('.tile');
    const home = await tileIds(page);
    expect(home.length).toBeGreaterThanOrEqual(24);
    expect(home.every((id) => ids.has(id))).toBe(true);
    expect(await page.locator('.dept-nav a').count()).toBe(catalog.departments.length);
    recommendedInShopOrder = await tileIds(page, '[data-list="home-recommended"]');
    expect(recommendedInShopOrder).toHaveLength(12);
    await page.screenshot({ path: join(shots, 'home.png'), fullPage: true });

    // Department, then one category of it: every tile belongs to that category.
    await page.click('.dept-nav a[data-dept="electronics"]');
    await page.waitForSelector('h1:text("Electronics")');
    await page.click('.chip:has-text("Smartphones")');
    await page.waitForSelector('h1:text("Smartphones")');
    const cats = await page.$$eval('.tile', (els) =>
      els.map((e) => (e as HTMLElement).dataset['hearthCategory']),
    );
    expect(cats.length).toBeGreaterThan(20);
    expect(new Set(cats)).toEqual(new Set(['electronics.smartphone']));
    await page.screenshot({ path: join(shots, 'category.png') });

    // Product page from the first tile.
    const first = (await tileIds(page))[0]!;
    const name = catalog.products.find((p) => p.id === first)!.name;
    await page.click(`.tile[data-hearth-item="${first}"] .tile-name`);
    await page.waitForSelector(`.product-main[data-product="${first}"]`);
    expect(await page.textContent('.product-info h1')).toBe(name);
    expect(await queued(page)).toContainEqual(['track', { type: 'view', item: first }]);
    await page.waitForTimeout(1000); // long enough on the page for a 'dwell' when the shopper leaves
    expect((await tileIds(page)).length).toBeGreaterThan(0); // "more like this" lists
    await page.screenshot({ path: join(shots, 'product.png') });

    // Add to cart: the drawer opens, the count says 1, and the add is tracked for Hearth.
    await page.click('.product-info [data-add]');
    await page.waitForSelector('.cart-drawer.open .cart-line');
    expect(await page.textContent('[data-cart-count]')).toBe('1');
    await page.waitForTimeout(300); // the drawer's slide-in, for the screenshot
    await page.screenshot({ path: join(shots, 'cart.png') });
    expect(await queued(page)).toContainEqual(['track', { type: 'add_to_cart', item: first }]);
    await page.click('.drawer [data-close]');

    // Search from the header.
    await page.fill('[data-search] input', 'samsung');
    await page.press('[data-search] input', 'Enter');
    await page.waitForSelector('h1:text("Results for")');
    const hits = await tileIds(page);
    expect(hits.length).toBeGreaterThan(10);
    for (const id of hits) expect(catalog.products.find((p) => p.id === id)?.brand).toBe('samsung');
    expect(await queued(page)).toContainEqual(['track', { type: 'search', query: 'samsung' }]);
    const dwell = (await queued(page)).find(
      (c) => c[0] === 'track' && (c[1] as { type: string }).type === 'dwell',
    )?.[1] as { item: string; ms: number } | undefined;
    expect(dwell?.item).toBe(first);
    expect(dwell?.ms).toBeGreaterThanOrEqual(1000);
    await page.waitForTimeout(300); // the drawer's slide-out
    await page.screenshot({ path: join(shots, 'search.png') });

    // A second product from a grid's "Add" button, then checkout: one purchase event per product.
    await page.click(`.tile[data-hearth-item="${hits[0]}"] [data-add]`);
    expect(await page.textContent('[data-cart-count]')).toBe('2');
    await page.click('[data-open-cart]');
    await page.click('[data-checkout]');
    await page.waitForSelector('h1:text("Thank you for your order")');
    const commands = await queued(page);
    expect(commands).toContainEqual(['track', { type: 'purchase', item: first }]);
    expect(commands).toContainEqual(['track', { type: 'purchase', item: hits[0] }]);
    expect(await page.textContent('[data-cart-count]')).toBe('0');

    // Debug panel without the SDK: honest "not loaded" states, buttons off, no invented numbers.
    await page.goto(`${base}#/d/gifts`);
    await page.waitForSelector('.tile');
    await page.click('.debug-toggle');
    await page.waitForSelector('.debug-panel:not([hidden]) [data-debug="rank"] table');
    expect(await page.textContent('[data-debug="sdk"]')).toContain('SDK not loaded');
    expect(await page.textContent('[data-debug="rank"]')).toContain('department:gifts');
    expect(await page.textContent('[data-debug="rank"]')).toContain('shop order');
    expect(await page.isDisabled('[data-action="forget"]')).toBe(true);
    expect(await page.isDisabled('[data-action="joinRound"]')).toBe(true);
    await page.waitForSelector('.toast.visible', { state: 'detached' }); // a clean screenshot
    await page.screenshot({ path: join(shots, 'debug-panel.png') });

    // The consent switch in the footer: the choice goes to Hearth's queue and survives a reload.
    await page.uncheck('[data-consent]');
    expect(await queued(page)).toContainEqual(['consent', false]);
    await page.reload();
    await page.waitForSelector('.tile');
    expect(await page.isChecked('[data-consent]')).toBe(false);
    expect(await queued(page)).toContainEqual(['consent', false]);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('puts a list in the order rank() returns, with scores, and keeps the shop order when rank() misbehaves', async () => {
    const page = await context.newPage();
    // A stand-in for the loaded SDK with the API shape of sdk/src/types.ts: rank() reverses the list.
    await page.addInitScript(() => {
      const q: unknown[] = [];
      (window as unknown as { hearth: unknown }).hearth = Object.assign(q, {
        loaded: true,
        mode: 'reverse',
        rank(items: string[]) {
          if (this.mode === 'throw') return Promise.reject(new Error('worker died'));
          if (this.mode === 'original')
            return Promise.resolve(items.map((id) => ({ id, score: 0, reason: 'original' })));
          if (this.mode === 'drop')
            return Promise.resolve(items.slice(1).map((id) => ({ id, score: 1, reason: '' })));
          return Promise.resolve(
            [...items].reverse().map((id, i) => ({ id, score: 1 - i / 100, reason: `because of test ${i}` })),
          );
        },
        explain: (id: string) =>
          Promise.resolve({ itemId: id, drivers: [], text: `because you viewed ${id}` }),
        status: () => ({
          initialized: true,
          backend: 'wasm',
          modelVersion: '7',
          consent: 'granted',
          events: 3,
        }),
      });
    });
    await page.goto(`${base}#/c/electronics.smartphone`);
    await page.waitForSelector('.list[data-ranker="hearth"]');
    const shopOrder = catalog.products
      .filter((p) => p.category === 'electronics.smartphone')
      .sort((a, b) => b.popularity - a.popularity || a.name.localeCompare(b.name))
      .map((p) => p.id);
    const shown = await tileIds(page);
    expect(shown).toEqual([...shopOrder].reverse().slice(0, 48));
    expect(await page.getAttribute('.tile >> nth=0', 'data-hearth-position')).toBe('0');
    expect(await page.getAttribute('.tile >> nth=0', 'data-hearth-score')).toBe('1.000');

    // The home shelf shows the top 12 of a wider pool: ranked in reverse, a different twelve.
    await page.goto(`${base}#/`);
    await page.waitForSelector('[data-list="home-recommended"][data-ranker="hearth"]');
    const recommended = await tileIds(page, '[data-list="home-recommended"]');
    expect(recommended).toHaveLength(12);
    expect(recommended.filter((id) => recommendedInShopOrder.includes(id))).toEqual([]);
    await page.goto(`${base}#/c/electronics.smartphone`);
    await page.waitForSelector('.list[data-ranker="hearth"]');

    await page.click('.debug-toggle');
    await page.waitForSelector('[data-debug="scores"] table');
    expect(await page.textContent('[data-debug="scores"]')).toContain('because of test 0');
    expect(await page.textContent('[data-debug="sdk"]')).toContain('wasm');
    await page.click(`[data-explain="${shopOrder.at(-1)}"]`);
    await page.waitForSelector('.explain');
    expect(await page.textContent('.explain')).toContain(`because you viewed ${shopOrder.at(-1)}`);
    await page.check('[data-show-scores]');
    expect(await page.isVisible('.tile >> nth=0 >> .tile-why')).toBe(true);
    await page.screenshot({ path: join(shots, 'debug-panel-ranked.png') });

    // Lists rendered before the SDK has loaded are re-ranked once it arrives (the snippet loads it async).
    const late = await context.newPage();
    await late.goto(`${base}#/c/electronics.smartphone`);
    await late.waitForSelector('.list[data-ranker="shop order"]');
    expect((await tileIds(late))[0]).toBe(shopOrder[0]);
    await late.evaluate(() => {
      Object.assign((window as unknown as { hearth: object }).hearth, {
        loaded: true,
        status: () => ({ initialized: true, backend: 'wasm', consent: 'granted' }),
        rank: (items: string[]) =>
          Promise.resolve([...items].reverse().map((id) => ({ id, score: 0, reason: '' }))),
      });
    });
    await late.waitForSelector('.list[data-ranker="hearth"]');
    expect((await tileIds(late))[0]).toBe(shopOrder.at(-1));
    await late.close();

    for (const mode of ['throw', 'drop', 'original']) {
      await page.evaluate((m) => {
        (window as unknown as { hearth: { mode: string } }).hearth.mode = m;
      }, mode);
      await page.goto(`${base}#/c/electronics.clocks`);
      await page.waitForSelector('.list[data-ranker="shop order"]');
      const clocks = catalog.products
        .filter((p) => p.category === 'electronics.clocks')
        .sort((a, b) => b.popularity - a.popularity || a.name.localeCompare(b.name))
        .map((p) => p.id);
      expect(await tileIds(page)).toEqual(clocks);
      await page.goto(`${base}#/`); // the next mode starts from another page
    }
    await page.close();
  });

  it('fits a phone screen (mobile web view) without sideways scrolling', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}#/c/gifts.kitchen`);
    await page.waitForSelector('.tile');
    const { scrollWidth, innerWidth, columns } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      columns: getComputedStyle(document.querySelector('.grid')!).gridTemplateColumns.split(' ').length,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    expect(columns).toBe(2);
    await page.screenshot({ path: join(shots, 'mobile-category.png') });
    await page.goto(`${base}#/`);
    await page.waitForSelector('.tile');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, 'mobile-home.png') });
    await page.close();
  });
});
