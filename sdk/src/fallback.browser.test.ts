// How the SDK degrades, in real headless Chromium without WebGPU (requestAdapter() gives null, the
// state many shoppers' browsers are in): S1 failures, S2 strict CSP, S3 the SDK on a CDN origin,
// S4 no WebGPU, S9 a page that wraps fetch, S10 foreign messages, and a mobile web view.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, devices, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureOptions, fixtureHtml } from '../../test/browser/fixture';
import { buildSdkForTests, launchBrowser, startServer, type TestServer } from '../../test/browser/harness';
import { makeTestModel, serveModel } from '../../test/browser/test-model';

let sdkDir: string;
let shop: TestServer; // the merchant's origin: pages and the model
let cdn: TestServer; // another origin serving the SDK
let browser: Browser;
let modelUrl: string;
const consoleLines: string[] = [];

beforeAll(async () => {
  const [dir, model] = await Promise.all([buildSdkForTests(), makeTestModel()]);
  sdkDir = dir;
  shop = await startServer({ sdkDir });
  cdn = await startServer({ sdkDir });
  // A CDN serves scripts and wasm to any origin.
  cdn.headers('/sdk/', { 'access-control-allow-origin': '*' });
  modelUrl = serveModel(shop, model);
  // The same model with one flipped byte in its weights.
  const corrupt = Uint8Array.from(model.weights);
  corrupt[100] = (corrupt[100] ?? 0) ^ 0xff;
  serveModel(shop, { ...model, weights: corrupt }, '/bad-model/');
  // A merchant-hosted worker that first removes WebGPU and Web Locks, as in mobile web views.
  shop.route('/no-gpu-worker.js', {
    type: 'text/javascript',
    body: `for (const k of ['gpu', 'locks']) Object.defineProperty(WorkerNavigator.prototype, k, { get: () => undefined });
importScripts('/sdk/hearth-worker.js');`,
  });
  // A worker of an SDK from before the lane of rank() and prepare() (or from before the lane moved to
  // the worker's own channel): its handshake reply says it has no lane the page can use.
  shop.route('/laneless-worker.js', {
    type: 'text/javascript',
    body: `const post = MessagePort.prototype.postMessage;
MessagePort.prototype.postMessage = function (m, ...rest) {
  if (m && typeof m === 'object' && 'ready' in m) m = { ready: m.ready, lane: false };
  return post.call(this, m, ...rest);
};
self.postMessage = () => { throw new Error('an older worker never answers on its own channel'); };
importScripts('/sdk/hearth-worker.js');`,
  });
  // A worker that dies mid-session (S1): right after its third reply (handshake, start, first rank).
  shop.route('/dying-worker.js', {
    type: 'text/javascript',
    body: `importScripts('/sdk/hearth-worker.js');
let replies = 0;
const dieAfter = (post) => function (...args) {
  post.apply(this, args);
  if (++replies === 3) self.close();
};
// comlink answers on its port, rank() on the worker's own channel.
MessagePort.prototype.postMessage = dieAfter(MessagePort.prototype.postMessage);
self.postMessage = dieAfter(self.postMessage);`,
  });
  // An SDK copy whose worker crashes on start (S1).
  shop.route('/broken/hearth.js', { type: 'text/javascript', body: readFileSync(join(sdkDir, 'hearth.js')) });
  shop.route('/broken/hearth-worker.js', {
    type: 'text/javascript',
    body: 'throw new Error("worker boom");',
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await shop?.close();
  await cdn?.close();
  if (sdkDir) rmSync(sdkDir, { recursive: true, force: true });
});

async function context(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 800, height: 600 }, ...options });
  ctx.on('console', (m) => consoleLines.push(m.text()));
  return ctx;
}

async function open(
  options: Partial<FixtureOptions>,
  ctx?: BrowserContext,
  headers?: Record<string, string>,
): Promise<Page> {
  const c = ctx ?? (await context());
  const page = await c.newPage();
  await page.goto(shop.page(fixtureHtml({ sdkOrigin: shop.origin, sdkDir, ...options }), headers));
  await page.waitForFunction(() => window.hearth?.loaded === true);
  if (options.config) await page.evaluate(() => window.__ready);
  return page;
}

const IDS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];

/** Tracks two clicks, ranks IDS, and returns what a test checks. */
async function rankAfterClicks(page: Page) {
  return page.evaluate(async (ids) => {
    window.hearth.track({ type: 'click', item: 'p3' });
    window.hearth.track({ type: 'click', item: 'p6' });
    const ranked = await window.hearth.rank(ids);
    return { ranked, status: window.hearth.status(), errors: window.__errors };
  }, IDS);
}

describe('S4: no WebGPU', () => {
  it('S4: requestAdapter() returns null: the next backend (wasm) ranks', async () => {
    const page = await open({ config: { siteKey: 's4-null', modelUrl } });
    const r = await rankAfterClicks(page);
    expect(r.status.backend).toBe('wasm');
    expect(r.status.messages).toContain('backend webgpu: no WebGPU adapter');
    expect(r.ranked[0]?.reason).not.toBe('original');
    expect(r.errors).toEqual([]);
  });

  it('S4: navigator.gpu missing (merchant-hosted workerUrl): wasm ranks', async () => {
    const page = await open({ config: { siteKey: 's4-missing', modelUrl, workerUrl: '/no-gpu-worker.js' } });
    const r = await rankAfterClicks(page);
    expect(r.status.backend).toBe('wasm');
    expect(r.status.messages).toContain('backend webgpu: navigator.gpu missing');
  });
});

describe('a merchant-hosted worker from an older SDK', () => {
  it('without the lane of rank() and prepare(), ranks over comlink', async () => {
    const page = await open({ config: { siteKey: 'laneless', modelUrl, workerUrl: '/laneless-worker.js' } });
    const r = await rankAfterClicks(page);
    expect(r.status.backend).toBe('wasm');
    expect(r.ranked.map((x) => x.reason)).not.toContain('original');
    expect(r.status.lastRank?.workerMs).toBeGreaterThanOrEqual(0);
  });
});

describe('S2: strict Content-Security-Policy', () => {
  it("S2: no 'wasm-unsafe-eval', no blob: workers: quietly falls back to cpu", async () => {
    const before = consoleLines.length;
    const csp =
      "default-src 'self'; script-src 'self' 'unsafe-inline'; worker-src 'self'; connect-src 'self'";
    // The merchant sends the policy with every response, the worker script's included (a worker loaded
    // from a URL runs under the policy of its own response).
    const undo = shop.headers('/', { 'content-security-policy': csp });
    let r: Awaited<ReturnType<typeof rankAfterClicks>>;
    try {
      r = await rankAfterClicks(await open({ config: { siteKey: 's2-cpu', modelUrl } }));
    } finally {
      undo();
    }
    expect(r.status.backend, r.status.messages.join('; ')).toBe('cpu');
    expect(r.ranked[0]?.reason).not.toBe('original');
    expect(r.errors).toEqual([]);
    // Quiet: the SDK itself prints nothing without debug (the browser reports the CSP refusal).
    expect(consoleLines.slice(before).filter((l) => l.includes('[hearth]'))).toEqual([]);
  });

  it('S2: no worker allowed at all: the shop order, capture still works', async () => {
    const csp = "default-src 'self'; script-src 'self' 'unsafe-inline'; worker-src 'none'";
    const page = await open({ config: { siteKey: 's2-none', modelUrl } }, undefined, {
      'content-security-policy': csp,
    });
    const r = await rankAfterClicks(page);
    expect(r.status.backend).toBe('none');
    expect(r.ranked.map((x) => [x.id, x.reason])).toEqual(IDS.map((id) => [id, 'original']));
    expect(r.status.events).toBe(2);
    expect(r.errors).toEqual([]);
  });
});

describe('S3: the SDK on a CDN (another origin)', () => {
  it('S3: the worker starts from a blob URL and ranks with the model', async () => {
    const page = await open({ sdkOrigin: cdn.origin, config: { siteKey: 's3-blob', modelUrl } });
    const r = await rankAfterClicks(page);
    expect(r.status.backend).toBe('wasm');
    expect(r.ranked[0]?.reason).not.toBe('original');
    expect(cdn.requests).toContain('/sdk/hearth-worker.js');
  });

  it('S3: blob: workers forbidden: the merchant-hosted workerUrl is used', async () => {
    const csp = `default-src 'self'; script-src 'self' 'unsafe-inline' ${cdn.origin}; worker-src 'self'; connect-src 'self' ${cdn.origin}`;
    const page = await open(
      { sdkOrigin: cdn.origin, config: { siteKey: 's3-url', modelUrl, workerUrl: '/no-gpu-worker.js' } },
      undefined,
      { 'content-security-policy': csp },
    );
    const r = await rankAfterClicks(page);
    expect(r.status.backend).not.toBe('none');
    expect(r.ranked[0]?.reason).not.toBe('original');
  });

  it('S3: blob: and workerUrl both blocked: captures and ranks in the shop order', async () => {
    const csp = `default-src 'self'; script-src 'self' 'unsafe-inline' ${cdn.origin}; worker-src 'self'`;
    const page = await open({ sdkOrigin: cdn.origin, config: { siteKey: 's3-none', modelUrl } }, undefined, {
      'content-security-policy': csp,
    });
    const r = await rankAfterClicks(page);
    expect(r.status.backend).toBe('none');
    expect(r.ranked.map((x) => x.reason)).toEqual(IDS.map(() => 'original'));
    expect(r.status.events).toBe(2);
    expect(r.errors).toEqual([]);
  });
});

describe('S1: failures never reach the page', () => {
  const failures: [string, Partial<FixtureOptions>][] = [
    ['the model download 404s', { config: { siteKey: 's1-404', modelUrl: '/model/missing.json' } }],
    [
      'the worker throws on start',
      { config: { siteKey: 's1-worker', modelUrl: '/model/manifest.json', assetsUrl: '/broken/' } },
    ],
    [
      'the weights fail their SHA-256 check',
      { config: { siteKey: 's1-corrupt', modelUrl: '/bad-model/manifest.json' } },
    ],
  ];
  for (const [what, options] of failures) {
    it(`S1: ${what}: rank() resolves with the shop order; the page's own handlers still run`, async () => {
      const page = await open(options);
      const r = await page.evaluate(async (ids) => {
        const ranked = await window.hearth.rank(ids);
        setTimeout(() => Promise.reject(new Error('page bug')));
        await new Promise((done) => setTimeout(done, 100));
        return { ranked, status: window.hearth.status(), errors: window.__errors };
      }, IDS);
      expect(r.ranked.map((x) => [x.id, x.reason])).toEqual(IDS.map((id) => [id, 'original']));
      expect(r.status.backend).toBe('none');
      expect(r.errors).toEqual(['rejection: Error: page bug']);
      if (what.includes('SHA-256')) expect(r.status.messages.join('\n')).toContain('SHA-256');
    });
  }
});

describe('S1: a worker that dies mid-session', () => {
  it('S1: rank() still resolves, with the shop order, within its timeout', async () => {
    const page = await open({
      config: { siteKey: 's1-dies', modelUrl, workerUrl: '/dying-worker.js', rankTimeoutMs: 200 },
    });
    const before = await rankAfterClicks(page);
    expect(before.ranked[0]?.reason).not.toBe('original');
    const after = await page.evaluate(async (ids) => {
      const timed = async () => {
        const t = performance.now();
        const ranked = await window.hearth.rank(ids);
        return { reasons: ranked.map((x) => x.reason), ms: performance.now() - t };
      };
      const first = await timed(); // waits its 200 ms deadline
      const next = [await timed(), await timed(), await timed()]; // not waited for again
      return { first, next, errors: window.__errors };
    }, IDS);
    expect(after.first.reasons).toEqual(IDS.map(() => 'original'));
    expect(after.first.ms).toBeGreaterThanOrEqual(190);
    expect(after.first.ms).toBeLessThan(1000);
    for (const n of after.next) {
      expect(n.reasons).toEqual(IDS.map(() => 'original'));
      expect(n.ms).toBeLessThan(100);
    }
    expect(after.errors).toEqual([]);
  });
});

describe('S9: a page that monkey-patches fetch', () => {
  it("S9: the SDK's requests never go through the page's wrapper", async () => {
    const head = `<script>
      window.__wrapped = [];
      const realFetch = window.fetch;
      window.fetch = function (input, init) { window.__wrapped.push(String(input)); return realFetch.call(this, input, init); };
      const realOpen = XMLHttpRequest.prototype.open;
      XMLHttpRequest.prototype.open = function (m, u) { window.__wrapped.push(String(u)); return realOpen.apply(this, arguments); };
    </script>`;
    const requestsBefore = shop.requests.length;
    const page = await open({ head, config: { siteKey: 's9', modelUrl } });
    const r = await rankAfterClicks(page);
    expect(r.ranked[0]?.reason).not.toBe('original');
    expect(shop.requests.slice(requestsBefore)).toContain('/model/manifest.json');
    expect(await page.evaluate(() => (window as unknown as { __wrapped: string[] }).__wrapped)).toEqual([]);
  });
});

describe('S10: foreign messages', () => {
  it('S10: postMessage from a foreign-origin frame is ignored', async () => {
    const page = await open({ config: { siteKey: 's10', modelUrl } });
    const before = await page.evaluate(() => window.hearth.status().events);
    // A frame on another origin posts comlink-shaped calls and the handshake to the page.
    cdn.route('/evil.html', {
      type: 'text/html',
      body: `<script>
        for (const msg of [
          { 'hearth:connect': 'x' },
          { id: '1', type: 'APPLY', path: ['rank'], argumentList: [] },
          { id: '2', type: 'SET', path: ['start'], value: { wireType: 'RAW', value: 1 } },
        ]) parent.postMessage(msg, '*');
      </script>`,
    });
    await page.evaluate(async (src) => {
      const f = document.createElement('iframe');
      f.src = src;
      document.body.append(f);
      await new Promise((done) => f.addEventListener('load', done));
      await new Promise((done) => setTimeout(done, 200));
    }, `${cdn.origin}/evil.html`);
    const r = await rankAfterClicks(page);
    expect(r.status.events).toBe(before + 2);
    expect(r.status.backend).toBe('wasm');
    expect(r.ranked[0]?.reason).not.toBe('original');
    expect(r.errors).toEqual([]);
  });
});

describe('cross-origin isolation', () => {
  it('a cross-origin-isolated page (threaded wasm allowed) still ranks with wasm', async () => {
    const undo = shop.headers('/', {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    try {
      const page = await open({ config: { siteKey: 'coi', modelUrl } });
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      const r = await rankAfterClicks(page);
      expect(r.status.backend).toBe('wasm');
      expect(r.ranked[0]?.reason).not.toBe('original');
    } finally {
      undo();
    }
  });
});

describe('consent with a model', () => {
  it('requireConsent: ranks with the model from memory, and neither events nor the model are stored', async () => {
    const page = await open({ config: { siteKey: 'consent-model', modelUrl, requireConsent: true } });
    const r = await rankAfterClicks(page);
    expect(r.ranked[0]?.reason).not.toBe('original');
    await page.waitForTimeout(300);
    const traces = await page.evaluate(async () => ({
      dbs: (await indexedDB.databases()).map((d) => d.name),
      keys: Object.keys(localStorage),
    }));
    expect(traces).toEqual({ dbs: [], keys: [] });
  });
});

describe('mobile web view', () => {
  it('works with mobile emulation and WebGPU and Web Locks removed', async () => {
    const ctx = await context({ ...devices['Pixel 7'] });
    await ctx.addInitScript(() => {
      for (const k of ['gpu', 'locks'])
        Object.defineProperty(Navigator.prototype, k, { get: () => undefined });
    });
    const tiles = IDS.map((id) => ({ id }));
    const page = await open(
      { config: { siteKey: 'mobile', modelUrl, workerUrl: '/no-gpu-worker.js' }, tiles },
      ctx,
    );
    await page.tap('[data-hearth-item="p2"]');
    const r = await page.evaluate(async (ids) => {
      const ranked = await window.hearth.rank(ids);
      return {
        ranked,
        status: window.hearth.status(),
        gpu: 'gpu' in navigator && navigator.gpu !== undefined,
      };
    }, IDS);
    expect(r.gpu).toBe(false);
    expect(r.status.backend).toBe('wasm');
    expect(r.ranked[0]?.reason).not.toBe('original');
    expect(r.status.events).toBeGreaterThanOrEqual(1);
  });
});
