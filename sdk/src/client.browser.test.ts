// The main-thread SDK in real headless Chromium: snippet and queue, the verbs' contract with the host
// page, capture, storage bounds, consent, forget, namespacing (S10) and storage failures (S1).
// The worker is not needed here (no modelUrl); worker.browser.test.ts covers ranking.
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureOptions, fixtureHtml, snippetSource } from '../../test/browser/fixture';
import { buildSdkForTests, launchBrowser, startServer, type TestServer } from '../../test/browser/harness';
import '../../test/browser/page-globals';
import type { StoredEvent } from './event';

let sdkDir: string;
let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  sdkDir = await buildSdkForTests({ worker: false });
  server = await startServer({ sdkDir });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (sdkDir) rmSync(sdkDir, { recursive: true, force: true });
});

const tiles = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${i + 1}` }));

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  contexts.push(context);
  return context;
}

/** Opens a fixture page and waits until the SDK has loaded and init() has finished. */
async function open(options: Partial<FixtureOptions>, context?: BrowserContext): Promise<Page> {
  const page = await (context ?? (await newContext())).newPage();
  await page.goto(server.page(fixtureHtml({ sdkOrigin: server.origin, sdkDir, ...options })));
  await page.waitForFunction(() => window.hearth?.loaded === true);
  return page;
}

/** Reads the events of a site key straight from IndexedDB, or null when the database does not exist. */
function storedEvents(page: Page, siteKey: string): Promise<StoredEvent[] | null> {
  return page.evaluate(async (name) => {
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === name)) return null;
    return new Promise<StoredEvent[]>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        const db = req.result;
        const all = db.transaction('events').objectStore('events').getAll();
        all.onsuccess = () => {
          db.close();
          resolve(all.result as StoredEvent[]);
        };
      };
    });
  }, `hearth:${siteKey}`);
}

async function eventsEventually(page: Page, siteKey: string, count: number): Promise<StoredEvent[]> {
  let events: StoredEvent[] | null = null;
  await expect
    .poll(async () => {
      events = await storedEvents(page, siteKey);
      return events?.length ?? -1;
    })
    .toBe(count);
  return events!;
}

describe('snippet and command queue', () => {
  it('queues calls until the SDK loads, resolves them, and is harmless when included twice', async () => {
    const src = `${server.origin}/sdk/hearth.js`;
    const requestsBefore = server.requests.filter((r) => r.startsWith('/sdk/hearth.js')).length;
    const page = await open({
      // The snippet twice (a CMS adding it again) and the bundle once more by plain script tag.
      head: `<script>${snippetSource(src, sdkDir)}</script>
<script>
  window.hearth.track({ type: 'add_to_cart', item: 'early' });
  window.__earlyRank = window.hearth.rank(['x', 'y']);
</script>`,
      config: { siteKey: 'queue' },
    });
    await page.addScriptTag({ url: src });
    const result = await page.evaluate(async () => ({
      early: await (window as unknown as { __earlyRank: Promise<unknown> }).__earlyRank,
      status: window.hearth.status(),
      scripts: document.querySelectorAll('script[src$="hearth.js"]').length,
      errors: window.__errors,
    }));
    expect(result.early).toEqual([
      { id: 'x', score: 0, reason: 'original' },
      { id: 'y', score: 0, reason: 'original' },
    ]);
    expect(result.status).toMatchObject({ initialized: true, siteKey: 'queue', events: 1 });
    expect(result.status.messages.filter((m) => m.includes('init() called again'))).toEqual([]);
    expect(result.scripts).toBe(2); // one from the snippet (not two), one added by the test
    expect(server.requests.filter((r) => r.startsWith('/sdk/hearth.js')).length - requestsBefore).toBe(2);
    expect(result.errors).toEqual([]);
  });

  it('a queued rank() settles with the shop order when the SDK never loads', async () => {
    const page = await (await newContext()).newPage();
    const html = `<!doctype html><script>${snippetSource(`${server.origin}/sdk/missing.js`, sdkDir)}</script>`;
    await page.goto(server.page(html));
    const started = Date.now();
    const ranked = await page.evaluate(() => window.hearth.rank(['a', 'b']));
    expect(ranked.map((r) => [r.id, r.reason])).toEqual([
      ['a', 'original'],
      ['b', 'original'],
    ]);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('the verbs never break the page', () => {
  it('rank() resolves with the original order without a model, and with what it can on bad input', async () => {
    const page = await open({ config: { siteKey: 'verbs' } });
    const r = await page.evaluate(async () => {
      const h = window.hearth as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      return {
        plain: await h.rank!(['a', 'b', 'c']),
        notArray: await h.rank!('a,b'),
        mixed: await h.rank!([1, 'a', null, 'b']),
        explain: await h.explain!('a'),
        forgetBeforeAnything: await h.forget!(),
        errors: window.__errors,
      };
    });
    expect(r.plain).toEqual(['a', 'b', 'c'].map((id) => ({ id, score: 0, reason: 'original' })));
    expect(r.notArray).toEqual([]);
    expect((r.mixed as { id: string }[]).map((x) => x.id)).toEqual(['a', 'b']);
    expect(r.explain).toMatchObject({ itemId: 'a', drivers: [] });
    expect(r.errors).toEqual([]);
  });

  it('a bad config leaves the SDK inactive with one warning naming the field', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await page.goto(
      server.page(
        fixtureHtml({ sdkOrigin: server.origin, sdkDir, config: { siteKey: 'ok', rankTimeoutMs: 'fast' } }),
      ),
    );
    await page.waitForFunction(() => window.hearth?.loaded === true);
    const status = await page.evaluate(() => window.hearth.status());
    expect(status.initialized).toBe(false);
    expect(warnings).toEqual([expect.stringContaining('config.rankTimeoutMs')]);
    expect(await page.evaluate(() => window.hearth.rank(['a']))).toEqual([
      { id: 'a', score: 0, reason: 'original' },
    ]);
  });

  it('track() drops bad events with one debug message per kind of mistake', async () => {
    const page = await open({ config: { siteKey: 'track' } });
    const status = await page.evaluate(() => {
      const track = window.hearth.track as (e: unknown) => void;
      track({ type: 'purchase' });
      track({ type: 'purchase' });
      track({ type: 'teleport', item: 'a' });
      track(null);
      track({ type: 'purchase', item: 'sku-9' });
      track({ type: 'search', query: 'red shoes' });
      return window.hearth.status();
    });
    expect(status.events).toBe(2);
    expect(status.messages.filter((m) => m.includes('event.item'))).toHaveLength(1);
    expect(status.messages.filter((m) => m.includes('event.type'))).toHaveLength(1);
    expect(await eventsEventually(page, 'track', 2)).toEqual([
      expect.objectContaining({ type: 'purchase', item: 'sku-9' }),
      expect.objectContaining({ type: 'search', query: 'red shoes' }),
    ]);
  });
});

describe('capture', () => {
  it('records impressions of tiles visible enough, clicks, and dwell on product pages', async () => {
    const page = await open({ config: { siteKey: 'capture', impressionThreshold: 0.5 }, tiles: tiles(30) });
    // 600px viewport, 60px tiles: p1..p10 are visible, p11 is not.
    await expect
      .poll(async () => (await storedEvents(page, 'capture'))?.length ?? 0)
      .toBeGreaterThanOrEqual(10);
    const viewed = (await storedEvents(page, 'capture'))!.filter((e) => e.type === 'view').map((e) => e.item);
    expect(viewed).toContain('p1');
    expect(viewed).toContain('p10');
    expect(viewed).not.toContain('p11');
    expect(viewed).not.toContain('p30');
    await page.click('[data-hearth-item="p3"]');
    // Tiles rendered later are observed too.
    await page.evaluate(() => {
      const li = document.createElement('li');
      li.dataset.hearthItem = 'late';
      li.style.height = '60px';
      document.getElementById('list')!.prepend(li);
    });
    await expect
      .poll(async () => (await storedEvents(page, 'capture'))!.map((e) => `${e.type}:${e.item}`))
      .toEqual(expect.arrayContaining(['click:p3', 'view:late']));

    // A product page: the markup names the product being viewed.
    const html = fixtureHtml({ sdkOrigin: server.origin, sdkDir, config: { siteKey: 'dwell2' } }).replace(
      '<body>',
      '<body data-hearth-product="sku-7">',
    );
    const p = await (await newContext()).newPage();
    await p.goto(server.page(html));
    await p.waitForFunction(() => window.hearth?.status().initialized === true);
    await p.waitForTimeout(1100);
    await p.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide')));
    const events = await eventsEventually(p, 'dwell2', 2);
    expect(events[0]).toMatchObject({ type: 'view', item: 'sku-7' });
    expect(events[1]).toMatchObject({ type: 'dwell', item: 'sku-7' });
    expect(events[1]!.ms).toBeGreaterThanOrEqual(1000);
  });
});

describe('storage', () => {
  it('keeps the event log to its count bound, newest kept', async () => {
    const page = await open({ config: { siteKey: 'bounded', maxEvents: 5 } });
    await page.evaluate(() => {
      for (let i = 1; i <= 8; i++) window.hearth.track({ type: 'click', item: `i${i}` });
    });
    const events = await eventsEventually(page, 'bounded', 5);
    expect(events.map((e) => e.item)).toEqual(['i4', 'i5', 'i6', 'i7', 'i8']);
  });

  it('drops events older than the age bound when it reads the log', async () => {
    const page = await open({ config: { siteKey: 'aged', maxEventAgeDays: 1 } });
    await page.evaluate(() => {
      const day = 86_400_000;
      window.hearth.track({ type: 'click', item: 'old', time: Date.now() - 2 * day });
      window.hearth.track({ type: 'click', item: 'new' });
    });
    const events = await eventsEventually(page, 'aged', 1);
    expect(events.map((e) => e.item)).toEqual(['new']);
  });

  it('an older tab steps aside when another tab opens a newer schema (blocking), without a deadlock', async () => {
    const context = await newContext();
    const older = await open({ config: { siteKey: 'upgrade' } }, context);
    await older.evaluate(() => window.hearth.track({ type: 'click', item: 'a' }));
    await eventsEventually(older, 'upgrade', 1);
    const newer = await context.newPage();
    await newer.goto(server.page('<!doctype html><title>newer</title>'));
    const upgraded = await newer.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const req = indexedDB.open('hearth:upgrade', 2);
          req.onupgradeneeded = () => req.result.createObjectStore('v2');
          req.onsuccess = () => {
            req.result.close();
            resolve('upgraded');
          };
          req.onerror = () => resolve(`error ${req.error}`);
          setTimeout(() => resolve('blocked'), 5000);
        }),
    );
    expect(upgraded).toBe('upgraded');
    // The older tab keeps working from memory and says so once.
    const status = await older.evaluate(() => {
      window.hearth.track({ type: 'click', item: 'b' });
      return window.hearth.status();
    });
    expect(status.events).toBe(2);
    expect(status.messages).toContain('storage: another tab needs the database; continuing from memory');
    expect(await older.evaluate(() => window.__errors)).toEqual([]);
  });

  it('S1: IndexedDB that fails to open is swallowed; capture and rank() go on from memory', async () => {
    const context = await newContext();
    await context.addInitScript(() => {
      IDBFactory.prototype.open = () => {
        throw new DOMException('disk on fire', 'UnknownError');
      };
    });
    const page = await open({ config: { siteKey: 'broken-idb' } }, context);
    const r = await page.evaluate(async () => {
      window.hearth.track({ type: 'click', item: 'a' });
      const ranked = await window.hearth.rank(['a', 'b']);
      // The host page's own handlers still work.
      setTimeout(() => {
        throw new Error('page bug');
      });
      await new Promise((done) => setTimeout(done, 50));
      return { ranked, status: window.hearth.status(), errors: window.__errors };
    });
    expect(r.ranked.map((x) => x.id)).toEqual(['a', 'b']);
    expect(r.status.events).toBe(1);
    expect(r.status.messages.some((m) => m.startsWith('storage unavailable'))).toBe(true);
    expect(r.errors).toEqual(['error: Uncaught Error: page bug']);
  });
});

describe('consent and forget', () => {
  it('requireConsent: nothing is stored before consent; consent(true) stores and is remembered', async () => {
    const context = await newContext();
    const page = await open(
      { config: { siteKey: 'consent', requireConsent: true }, tiles: tiles(3) },
      context,
    );
    await page.evaluate(() => window.hearth.track({ type: 'purchase', item: 'p1' }));
    await page.waitForTimeout(300);
    const before = await page.evaluate(async () => ({
      dbs: (await indexedDB.databases()).map((d) => d.name),
      keys: Object.keys(localStorage),
      status: window.hearth.status(),
    }));
    expect(before.dbs).toEqual([]);
    expect(before.keys).toEqual([]);
    expect(before.status).toMatchObject({ consent: 'pending', storing: false, sharing: false });
    expect(before.status.events).toBeGreaterThanOrEqual(1); // this session still personalises, from memory

    const after = await page.evaluate(() => window.hearth.consent(true));
    expect(after).toMatchObject({ consent: 'granted', storing: true, sharing: true });
    const stored = await eventsEventually(page, 'consent', before.status.events);
    expect(stored.map((e) => e.item)).toContain('p1');

    const again = await open({ config: { siteKey: 'consent', requireConsent: true } }, context);
    expect(await again.evaluate(() => window.hearth.status())).toMatchObject({
      consent: 'granted',
      storing: true,
    });
  });

  it('Global Privacy Control: nothing may leave the device, whatever the consent', async () => {
    const context = await newContext();
    await context.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
    );
    const page = await open({ config: { siteKey: 'gpc' } }, context);
    expect(await page.evaluate(() => window.hearth.consent(true))).toMatchObject({
      gpc: true,
      consent: 'granted',
      storing: true,
      sharing: false,
    });
  });

  it('S10: two site keys on one origin are stored apart; forget() deletes every trace of one only', async () => {
    const context = await newContext();
    const a = await open({ config: { siteKey: 'shop-a' } }, context);
    const b = await open({ config: { siteKey: 'shop-b' } }, context);
    await a.evaluate(() => window.hearth.track({ type: 'click', item: 'a-item' }));
    await b.evaluate(() => window.hearth.track({ type: 'click', item: 'b-item' }));
    expect((await eventsEventually(a, 'shop-a', 1)).map((e) => e.item)).toEqual(['a-item']);
    expect((await eventsEventually(b, 'shop-b', 1)).map((e) => e.item)).toEqual(['b-item']);
    await a.evaluate(() => window.hearth.consent(true)); // leaves a localStorage trace to forget
    expect(await a.evaluate(() => window.hearth.forget())).toBe(true);
    const after = await a.evaluate(async () => ({
      dbs: (await indexedDB.databases()).map((d) => d.name),
      keys: Object.keys(localStorage),
      status: window.hearth.status(),
    }));
    expect(after.dbs).toEqual(['hearth:shop-b']);
    expect(after.keys).toEqual([]);
    expect(after.status.events).toBe(0);
    expect((await storedEvents(b, 'shop-b'))?.map((e) => e.item)).toEqual(['b-item']);
  });
});
