// End to end, as `npm start` runs it: the built SDK by its script-tag snippet in the built demo shop,
// the real aggregator on its embedded store seeded with the committed demo model, one server on
// 127.0.0.1 (scripts/demo-stack.ts), and real headless Chromium. Screenshots go to
// test-artifacts/e2e/ (gitignored) for a person to look at.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../demo-shop/src/catalog-types';
import { type Demo, REPO_ROOT, SITE_KEY, startDemo } from '../../scripts/demo-stack';
import { launchBrowser, scrollIntoView } from '../browser/harness';

const shots = join(REPO_ROOT, 'test-artifacts', 'e2e');
const catalog = JSON.parse(
  readFileSync(join(REPO_ROOT, 'demo-shop', 'catalog', 'catalog.json'), 'utf8'),
) as Catalog;
const categoryOf = new Map(catalog.products.map((p) => [p.id, p.category]));

let demo: Demo;
let browser: Browser;
const tmp = mkdtempSync(join(tmpdir(), 'hearth-e2e-'));

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  [demo, browser] = await Promise.all([startDemo({ dataDir: tmp, port: 0 }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Watched {
  page: Page;
  /** Uncaught errors and console errors of the page: the SDK must never cause one. */
  errors: string[];
  /** Every request the page made: method and path. */
  requests: { method: string; path: string }[];
}

async function open(context: BrowserContext, hash = '#/'): Promise<Watched> {
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: { method: string; path: string }[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => requests.push({ method: r.method(), path: new URL(r.url()).pathname }));
  await page.goto(`${demo.url}/${hash}`);
  return { page, errors, requests };
}

type SdkStatus = {
  backend: string;
  modelVersion?: string;
  storing?: boolean;
  events?: number;
  messages?: string[];
};

/** Waits until the SDK has loaded its model (status().backend is a real backend). */
async function sdkReady(page: Page): Promise<SdkStatus> {
  await page.waitForFunction(
    () => {
      const h = (window as unknown as { hearth: { loaded?: boolean; status?: () => { backend: string } } })
        .hearth;
      return h.loaded === true && (h.status?.().backend ?? 'none') !== 'none';
    },
    undefined,
    { timeout: 30_000 },
  );
  return status(page);
}

function status(page: Page): Promise<SdkStatus> {
  return page.evaluate(() => (window as unknown as { hearth: { status: () => SdkStatus } }).hearth.status());
}

/** Product ids of a list in display order, once the SDK has ranked it. */
async function rankedList(page: Page, list: string): Promise<string[]> {
  const sel = `.list[data-list="${list}"]`;
  await page.waitForSelector(`${sel}[data-ranker="hearth"]`, { timeout: 20_000 });
  return page.$$eval(`${sel} [data-hearth-item]`, (els) =>
    els.map((e) => (e as HTMLElement).dataset['hearthItem'] ?? ''),
  );
}

async function shopOrderList(page: Page, list: string): Promise<string[]> {
  const sel = `.list[data-list="${list}"]`;
  await page.waitForSelector(`${sel} [data-hearth-item]`);
  return page.$$eval(`${sel} [data-hearth-item]`, (els) =>
    els.map((e) => (e as HTMLElement).dataset['hearthItem'] ?? ''),
  );
}

/** Names of the IndexedDB databases the page's origin holds. */
function databases(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
}

describe('the demo shop with Hearth, end to end', () => {
  it('serves the demo model from the aggregator and the shop ranks with it', async () => {
    const latest = await (await fetch(`${demo.url}/v1/models/latest`)).json();
    expect(latest).toMatchObject({ version: 1, epsilon: 0 });
    const manifest = await (await fetch(`${demo.url}/v1/models/latest/manifest.json`)).json();
    // The model's catalogue covers the shop: every product but the three that were only ever returned.
    const ids = new Set<string>(manifest.catalog.itemIds);
    const missing = catalog.products.filter((p) => !ids.has(p.id));
    expect(missing.length).toBeLessThanOrEqual(3);
    // ...with the category names, so explanations can name what the shopper browses.
    const names = new Set<string>(manifest.catalog.categoryNames);
    expect(catalog.products.filter((p) => ids.has(p.id) && !names.has(p.category))).toEqual([]);

    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const { page, errors } = await open(context);
    const s = await sdkReady(page);
    // The SDK names a server version by its number, or by its checksum's prefix.
    expect([String(latest.version), latest.weightsSha256.slice(0, 12)]).toContain(s.modelVersion);
    expect(await rankedList(page, 'home-recommended')).toHaveLength(12);
    await page.screenshot({ path: join(shots, 'shop-home.png') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a shopper browses one category; the next list puts that category first', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const { page, errors, requests } = await open(context, '#/d/furniture');
    await sdkReady(page);
    // A category that the shop's own order of the department does NOT lead with.
    const shopOrder = await shopOrderList(page, 'department:furniture');
    const counts = new Map<string, number>();
    for (const id of shopOrder) counts.set(categoryOf.get(id)!, (counts.get(categoryOf.get(id)!) ?? 0) + 1);
    const first = categoryOf.get(shopOrder[0]!)!;
    const browsed = [...counts].filter(([c, n]) => c !== first && n >= 3).sort((a, b) => b[1] - a[1])[0]![0];
    expect(categoryOf.get(shopOrder[0]!)).not.toBe(browsed);

    // Browse it: its category page, then three of its products.
    await page.goto(`${demo.url}/#/c/${browsed}`);
    const inCategory = await shopOrderList(page, `category:${browsed}`);
    for (const id of inCategory.slice(0, 3)) {
      await page.click(`.list[data-list="category:${browsed}"] [data-hearth-item="${id}"] a.tile-name`);
      await page.waitForSelector(`.product-main[data-product="${id}"]`);
      await page.waitForTimeout(300);
      await page.goBack();
      await page.waitForSelector(`.list[data-list="category:${browsed}"]`);
    }
    expect((await status(page)).events).toBeGreaterThanOrEqual(3);

    await page.goto(`${demo.url}/#/d/furniture`);
    const ranked = await rankedList(page, 'department:furniture');
    expect(new Set(ranked)).toEqual(new Set(shopOrder));
    expect(categoryOf.get(ranked[0]!)).toBe(browsed);
    // Not one lucky tile: the browsed category fills the top of the list.
    const top = ranked.slice(0, Math.min(3, counts.get(browsed)!));
    expect(top.every((id) => categoryOf.get(id) === browsed)).toBe(true);

    const why = await page.evaluate(
      (id) =>
        (window as unknown as { hearth: { explain(id: string): Promise<{ text: string }> } }).hearth.explain(
          id,
        ),
      ranked[0]!,
    );
    expect(why.text).toContain(`you browse ${browsed}`);
    await page.screenshot({ path: join(shots, 'shop-department-ranked.png') });
    await page.click('.debug-toggle');
    await page.click('[data-show-scores]');
    await page.waitForSelector('[data-debug="rank"]');
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(shots, 'shop-debug-panel.png') });
    // Nothing of the browsing left the page: only GETs (assets, the model).
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('with consent off nothing is stored and nothing is sent', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    // The shop remembers the shopper's choice and hands it to Hearth on load (demo-shop/src/main.ts).
    await context.addInitScript(() => localStorage.setItem('hearth-market-consent', 'denied'));
    const { page, errors, requests } = await open(context);
    await sdkReady(page);
    expect(await page.isChecked('[data-consent]')).toBe(false);
    await page.goto(`${demo.url}/#/d/electronics`);
    const list = await shopOrderList(page, 'department:electronics');
    for (const id of list.slice(0, 2)) {
      await page.goto(`${demo.url}/#/p/${id}`);
      await page.waitForSelector(`.product-main[data-product="${id}"]`);
    }
    await page.click(`.product-main [data-add="${list[1]}"]`); // add_to_cart (opens the cart drawer)
    await page.click('.drawer-backdrop');
    await page.waitForTimeout(500);
    const s = await status(page);
    expect(s.storing).toBe(false);
    expect(await databases(page)).not.toContain(`hearth:${SITE_KEY}`);
    // The SDK's only trace is the refusal itself (an opt-out must survive a reload); no client id.
    const sdkKeys = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith('hearth:'))
        .map((k) => `${k}=${localStorage.getItem(k)}`),
    );
    expect(sdkKeys).toEqual([`hearth:${SITE_KEY}:consent=denied`]);
    expect(requests.filter((r) => r.method !== 'GET' || r.path.startsWith('/v1/rounds'))).toEqual([]);
    expect(errors).toEqual([]);

    // The same pages with consent on do store: the check above would catch a storage that ignored consent.
    await page.click('[data-consent]');
    await page.goto(`${demo.url}/#/p/${list[2]}`);
    await page.waitForSelector(`.product-main[data-product="${list[2]}"]`);
    await page.waitForFunction(
      async (name) => (await indexedDB.databases()).some((d) => d.name === name),
      `hearth:${SITE_KEY}`,
      { timeout: 10_000 },
    );
    await context.close();
  });

  it('the admin page shows versions, rounds and the ledger with the ε plot', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const { page, errors } = await open(context, '');
    await page.goto(demo.adminUrl);
    await page.waitForSelector('svg.eps-plot rect[data-version="1"]', { state: 'attached' });
    expect(await page.textContent('[data-card="latest"]')).toContain('v1');
    expect(await page.$$('[data-table="versions"] tr[data-version]')).toHaveLength(1);
    await page.click('[data-open-round]');
    await page.waitForSelector('[data-notice]');
    expect(await page.textContent('[data-notice]')).toMatch(/round \d+ opened/);
    expect(await page.getAttribute('[data-table="rounds"] tr[data-round]', 'data-state')).toBe('open');
    await page.screenshot({ path: join(shots, 'admin.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the debug panel shows recent events and features; "Join round now" sends an update the round counts; "Train now" personalises', async () => {
    const admin = async (method: string, path: string) => {
      const res = await fetch(`${demo.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${demo.adminToken}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect(res.ok).toBe(true);
      return (await res.json()) as Record<string, unknown>;
    };
    // No round open while the page makes its own first check-in (5 s after load): it finds none and
    // waits a minute, so the button, not the timer, is what joins the round opened below.
    const current = (await (await fetch(`${demo.url}/v1/rounds/current`)).json()) as {
      round: { id: number } | null;
    };
    if (current.round) await admin('POST', `/v1/admin/rounds/${current.round.id}/close`);

    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const { page, errors, requests } = await open(context, '#/d/computers');
    await sdkReady(page);
    const browsed = (await shopOrderList(page, 'department:computers')).slice(0, 3);
    for (const id of browsed) {
      await page.goto(`${demo.url}/#/p/${id}`);
      await page.waitForSelector(`.product-main[data-product="${id}"]`);
    }
    await page.goto(`${demo.url}/#/d/computers`);
    await rankedList(page, 'department:computers');
    await expect
      .poll(() => requests.some((r) => r.path === '/v1/rounds/checkin'), { timeout: 30_000 })
      .toBe(true);
    await page.waitForTimeout(300); // its answer (no round) has arrived

    const round = await admin('POST', '/v1/admin/rounds');
    await page.click('.debug-toggle');
    await page.waitForSelector('[data-recent-events]');
    // What the SDK reports, in words: the products just viewed, and the derived features.
    const name = catalog.products.find((p) => p.id === browsed[2])!.name;
    expect(await page.textContent('[data-debug="events"]')).toContain(name);
    const features = (await page.textContent('[data-debug="features"]')) ?? '';
    expect(features).toContain('top categories');
    expect(features).toContain(`${categoryOf.get(browsed[0]!)!.split('.')[0]}.`);
    expect(features).not.toContain('not reported');

    expect(await page.isEnabled('[data-action="joinRound"]')).toBe(true);
    await page.click('[data-action="joinRound"]');
    await page.waitForFunction(
      () => /^(Joined|Not joined)/.test(document.querySelector('.debug-result')?.textContent ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.textContent('.debug-result')).toMatch(
      new RegExp(`^Joined round ${round['id']}: .* was accepted by the aggregator`),
    );
    const counted = (await (await fetch(`${demo.url}/v1/rounds/${round['id']}`)).json()) as {
      received: number;
    };
    expect(counted.received).toBe(1);
    await scrollIntoView(page, '[data-debug="queue"]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'shop-debug-panel-join.png') });

    await page.click('[data-action="trainNow"]');
    await page.waitForFunction(
      () => /^(Trained|Not trained)/.test(document.querySelector('.debug-result')?.textContent ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.textContent('.debug-result')).toMatch(/^Trained \d+ steps on this device/);
    // The next list is ranked with the personal weights, and the panel says so.
    await page.goto(`${demo.url}/#/d/electronics`);
    await rankedList(page, 'department:electronics');
    await page.waitForFunction(() =>
      document.querySelector('[data-debug="model"]')?.textContent?.includes('personal'),
    );
    await scrollIntoView(page, '[data-debug="features"]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'shop-debug-panel-actions.png') });
    expect(errors).toEqual([]);
    await context.close();
  });
});
