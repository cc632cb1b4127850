// End to end in real headless Chromium against a real aggregator process: two browser contexts are
// two shoppers. Both are sampled into one round (q = 1, minClients 2), train in their workers, and
// upload; the aggregator commits a new version, and both pages then rank with it. What left each
// browser is read byte for byte: the round's tensor layout and clipped values, nothing of the shopper.
import { decodeArtifact, decodeUpdate, parseManifest, recommenderFromArtifact } from '@hearth/models';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture } from '../browser/fixture';
import { buildSdkForTests, launchBrowser, startServer, type TestServer } from '../browser/harness';
import '../browser/page-globals';
import { type Aggregator, type AggregatorProxy, proxyAggregator, startAggregator } from './backend';

let agg: Aggregator;
let server: TestServer;
let proxy: AggregatorProxy;
let browser: Browser;

beforeAll(async () => {
  const [sdkDir, a] = await Promise.all([buildSdkForTests(), startAggregator()]);
  agg = a;
  server = await startServer({ sdkDir });
  proxy = proxyAggregator(server, agg);
  browser = await launchBrowser();
  (globalThis as { sdkDir?: string }).sdkDir = sdkDir;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await agg?.close();
});

async function until<T>(
  what: string,
  f: () => Promise<T | null | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Each shopper's own history: item ids and times that must never appear in what is sent. */
const SHOPPERS = [
  { items: ['p11', 'p23', 'p37', 'p41', 'p52'], t0: Date.now() - 3_600_000 + 123 },
  { items: ['p14', 'p29', 'p33', 'p48', 'p59'], t0: Date.now() - 7_200_000 + 456 },
];
const CANDIDATES = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];

async function shopper(i: number): Promise<Page> {
  const page = await openFixture(await browser.newContext(), server, {
    sdkOrigin: server.origin,
    sdkDir: (globalThis as { sdkDir?: string }).sdkDir!,
    config: {
      siteKey: 'shop',
      modelUrl: proxy.modelUrl,
      serverUrl: proxy.serverUrl,
      backends: ['wasm'],
      checkInDelaySec: 1,
      updateCheckSec: 1,
      autoCapture: false,
    },
  });
  const { items, t0 } = SHOPPERS[i]!;
  await page.evaluate(
    ({ items, t0 }) => {
      for (const [k, item] of items.entries())
        window.hearth.track({ type: 'click', item, time: t0 + k * 61_000 });
      // rank() all along, so some calls land while the worker trains.
      const w = window as unknown as { __ranks: { at: number; ms: number; reason: string }[] };
      w.__ranks = [];
      const loop = async () => {
        const at = Date.now();
        const r = await window.hearth.rank(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
        w.__ranks.push({ at, ms: Date.now() - at, reason: r[0]!.reason });
        // until this page has trained (fewer rank() calls competing for the two cores after that)
        if (!window.hearth.status().federation?.rounds) setTimeout(loop, 20);
      };
      void loop();
    },
    { items, t0 },
  );
  return page;
}

describe('federated learning, two shoppers', () => {
  it('both are sampled into one round, train, upload; the aggregator commits; a corrupted download keeps v1; both then rank with v2', async () => {
    const round = await agg.openRound({ q: 1, minClients: 2, clipBound: 0.5 });
    const pages = await Promise.all([shopper(0), shopper(1)]);
    const before = await pages[0]!.evaluate((c) => window.hearth.rank(c), CANDIDATES);
    expect(before[0]!.reason).not.toBe('original');

    const state = await until('both updates', async () => {
      const r = await agg.round(round.id);
      return r.received >= 2 ? r : null;
    });
    expect(state.received).toBe(2);
    // (the page counts a delivery when the 202 reaches it, a moment after the aggregator's receipt)
    const statuses = await Promise.all(
      pages.map((p) =>
        until('the page saw its 202', () =>
          p.evaluate(() => {
            const s = window.hearth.status();
            return s.federation?.sent === 1 ? s : null;
          }),
        ),
      ),
    );
    for (const s of statuses) {
      expect(s.federation?.rounds).toBe(1);
      expect(s.federation?.sent).toBe(1);
      expect(s.federation?.lastUpdate?.steps).toBeGreaterThan(0);
      expect(s.federation?.lastUpdate?.norm).toBeLessThanOrEqual(0.5);
    }

    // The worker yielded between steps: rank() calls made while it trained were answered by the
    // model, each well before the training as a whole was done.
    for (const [k, page] of pages.entries()) {
      const window_ = statuses[k]!.federation!.lastUpdate!.window;
      const ranks = await page.evaluate(
        () => (window as unknown as { __ranks: { at: number; ms: number; reason: string }[] }).__ranks,
      );
      // Answered by the model while training was still going on: without the yields between steps
      // no call could be served before the last step.
      const servedMidway = ranks.filter(
        (r) => r.at >= window_[0] && r.at + r.ms < window_[1] && r.reason !== 'original',
      );
      expect(servedMidway.length).toBeGreaterThan(0);
    }

    // The new version's weights arrive corrupted at first (one byte flipped on the way): the pages
    // notice the checksum, keep ranking with version 1, and try again later.
    let corrupted = 0;
    proxy.fault = (path) => {
      if (path !== '/v1/models/2/weights.bin') return undefined;
      corrupted++;
      const bytes = new Uint8Array(agg.model.weights.length);
      return { body: bytes, type: 'application/octet-stream' };
    };
    await agg.closeRound(round.id);
    await until('both pages tried the new version', async () => corrupted >= 2);
    await new Promise((r) => setTimeout(r, 1_500));
    for (const page of pages) {
      const ranked = await page.evaluate((c) => window.hearth.rank(c), CANDIDATES);
      expect(ranked[0]!.reason).not.toBe('original');
      expect(await page.evaluate(() => window.hearth.status().modelVersion)).toBe('1');
    }
    proxy.fault = null;
    const closed = await agg.round(round.id);
    expect(closed.state).toBe('committed');
    const version = closed.resultVersion!;
    expect(version).toBe(2);

    // Both pages pick the new version up in the background and rank with it: the scores are the new
    // model's, computed here in Node from the artifact the aggregator serves.
    const manifest = parseManifest(
      await (await fetch(`${agg.url}/v1/models/${version}/manifest.json`)).json(),
    );
    const weights = new Uint8Array(
      await (await fetch(`${agg.url}/v1/models/${version}/weights.bin`)).arrayBuffer(),
    );
    const next = recommenderFromArtifact(await decodeArtifact(manifest, weights));
    for (const page of pages) {
      await until('the new version ranking', () =>
        page.evaluate(async (c) => {
          await window.hearth.rank(c);
          return window.hearth.status().modelVersion === '2';
        }, CANDIDATES),
      );
    }
    const history = SHOPPERS[0]!.items.map((id, k) => ({
      id,
      action: 'click' as const,
      timeMs: SHOPPERS[0]!.t0 + k * 61_000,
    }));
    const index = new Map(manifest.catalog.itemIds.map((id, i) => [id, i]));
    const expected = await next.scoreCandidates(
      history.map((e) => ({ item: index.get(e.id)!, action: e.action, time: Math.floor(e.timeMs / 1000) })),
      CANDIDATES.map((c) => index.get(c)!),
    );
    const oldScores = await agg.model.scores(history, CANDIDATES);
    const ranked = await pages[0]!.evaluate((c) => window.hearth.rank(c), CANDIDATES);
    for (const item of ranked) {
      const k = CANDIDATES.indexOf(item.id);
      expect(item.modelScore).toBeCloseTo(expected[k]!, 3);
    }
    // ...and they differ from version 1's: the round changed the model.
    expect(CANDIDATES.some((_, k) => Math.abs(expected[k]! - oldScores[k]!) > 1e-4)).toBe(true);
    next.dispose();
    for (const page of pages) expect(await page.evaluate(() => window.__errors)).toEqual([]);
  });

  it('the uploaded bytes hold the announced layout and clipped values, and no event, item id or time', async () => {
    // Counted once per shopper; a resend the browser made after a lost answer would be a 200 duplicate.
    const uploads = proxy.uploads();
    expect(uploads.filter((u) => u.status === 202).length).toBe(2);
    expect(new Set(uploads.map((u) => u.clientId)).size).toBe(2);
    // The only other thing sent: check-ins naming a random client id, nothing else.
    const checkIns = proxy.seen.filter((r) => r.path === '/v1/rounds/checkin');
    expect(checkIns.length).toBeGreaterThanOrEqual(2);
    for (const c of checkIns) {
      const body = JSON.parse(Buffer.from(c.body).toString('utf8')) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['clientId']);
      expect(body.clientId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(
      proxy.seen.filter((r) => r.method !== 'GET' && !checkIns.includes(r) && !uploads.includes(r)),
    ).toEqual([]);
    const round = await agg.round(1);
    const layout = (round as unknown as { layout: { name: string; shape: number[] }[] }).layout;
    for (const u of uploads) {
      const update = decodeUpdate(u.body); // throws on any byte beyond the format
      expect(update.layout).toEqual(layout);
      expect(update.numExamples).toBe(0);
      let sq = 0;
      for (const v of update.values) sq += v * v;
      expect(Math.sqrt(sq)).toBeLessThanOrEqual(round.clipBound);
      const text = Buffer.from(u.body).toString('latin1');
      const ids = SHOPPERS.flatMap((s) => s.items);
      for (const id of ids) expect(text.includes(id)).toBe(false);
      for (const s of SHOPPERS)
        for (let k = 0; k < s.items.length; k++) {
          const ms = s.t0 + k * 61_000;
          const sec = Math.floor(ms / 1000);
          expect(text.includes(String(ms))).toBe(false);
          expect(text.includes(String(sec))).toBe(false);
          const u32 = Buffer.alloc(4);
          u32.writeUInt32LE(sec);
          expect(Buffer.from(u.body).includes(u32)).toBe(false);
        }
    }
  });

  it('nothing leaves without consent, under Global Privacy Control, or when the browser asks to save data', async () => {
    const since = proxy.seen.length;
    const uploadsBefore = proxy.uploads().length;
    const checkIns = () => proxy.seen.slice(since).filter((r) => r.path === '/v1/rounds/checkin');
    const open = async (init: string | null, extra: Record<string, unknown> = {}) => {
      const context = await browser.newContext();
      if (init) await context.addInitScript(init);
      const page = await openFixture(context, server, {
        sdkOrigin: server.origin,
        sdkDir: (globalThis as { sdkDir?: string }).sdkDir!,
        config: {
          siteKey: 'quiet',
          modelUrl: proxy.modelUrl,
          serverUrl: proxy.serverUrl,
          backends: ['wasm'],
          checkInDelaySec: 0,
          autoCapture: false,
          ...extra,
        },
      });
      await page.evaluate(() => {
        for (const item of ['p1', 'p2', 'p3']) window.hearth.track({ type: 'click', item });
      });
      return page;
    };
    const pending = await open(null, { requireConsent: true });
    const gpc = await open(
      "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })",
    );
    const saver = await open(
      "Object.defineProperty(Navigator.prototype, 'connection', { get: () => ({ saveData: true, type: 'wifi' }) })",
    );
    expect((await gpc.evaluate(() => window.hearth.status())).sharing).toBe(false);
    expect((await pending.evaluate(() => window.hearth.status())).sharing).toBe(false);
    await new Promise((r) => setTimeout(r, 4_000));
    expect(checkIns()).toEqual([]);
    // The control: the same page with consent checks in within the same time.
    await pending.evaluate(() => window.hearth.consent(true));
    await until('a check-in after consent', async () => checkIns().length > 0, 15_000);
    expect(proxy.uploads().length).toBe(uploadsBefore);
    for (const p of [pending, gpc, saver]) await p.context().close();
  });

  it("a shopper still ranking with an older version trains the round's version, downloaded and verified", async () => {
    const round = await agg.openRound({ q: 1, minClients: 2, clipBound: 0.5 });
    const latest = (await (await fetch(`${agg.url}/v1/models/latest`)).json()) as { version: number };
    expect(latest.version).toBe(2);
    // The latest pointer is unreachable for now, so this page keeps ranking with version 1.
    proxy.fault = (path) =>
      path === '/v1/models/latest' ? { status: 503, body: '{}', type: 'application/json' } : undefined;
    const since = proxy.seen.length;
    const page = await openFixture(await browser.newContext(), server, {
      sdkOrigin: server.origin,
      sdkDir: (globalThis as { sdkDir?: string }).sdkDir!,
      config: {
        siteKey: 'late',
        modelUrl: proxy.modelUrl,
        serverUrl: proxy.serverUrl,
        backends: ['wasm'],
        checkInDelaySec: 1,
        updateCheckSec: 3600,
        autoCapture: false,
      },
    });
    await page.evaluate(() => {
      for (const item of ['p5', 'p6', 'p7']) window.hearth.track({ type: 'click', item });
    });
    await until('its update', async () => (await agg.round(round.id)).received >= 1);
    proxy.fault = null;
    const fetched = proxy.seen.slice(since).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(fetched).toContain('GET /v1/models/2/weights.bin 200');
    const upload = proxy.uploads().at(-1)!;
    expect(upload.status).toBe(202);
    expect(decodeUpdate(upload.body).modelVersion).toBe(2);
    const status = await page.evaluate(() => window.hearth.status());
    expect(status.modelVersion).toBe('test-1'); // ranking is untouched: version 1's own label
    await page.context().close();
  });
});
