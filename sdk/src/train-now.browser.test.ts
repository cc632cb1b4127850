// trainNow() in real headless Chromium: the worker fine-tunes a copy of the model on the shopper's own
// history, the next rank() uses it, and forget() takes it away again. The verb's contract with the
// page holds too: it resolves with a reason instead of throwing (no consent, no history, no model).
// joinRound() with a real aggregator is in test/federated/join-round.test.ts.
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureOptions, openFixture, snippetSource } from '../../test/browser/fixture';
import { buildSdkForTests, launchBrowser, startServer, type TestServer } from '../../test/browser/harness';
import { makeTestModel, serveModel } from '../../test/browser/test-model';

let sdkDir: string;
let server: TestServer;
let browser: Browser;
let modelUrl: string;

beforeAll(async () => {
  const [dir, model] = await Promise.all([buildSdkForTests(), makeTestModel()]);
  sdkDir = dir;
  server = await startServer({ sdkDir });
  modelUrl = serveModel(server, model);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (sdkDir) rmSync(sdkDir, { recursive: true, force: true });
});

async function open(config: Record<string, unknown>): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  const options: FixtureOptions = { sdkOrigin: server.origin, sdkDir, config };
  return openFixture(context, server, options);
}

const T0 = Date.now() - 600_000;
// Five clicks in one category of the test model (p1, p4, p7... share category 1).
const HISTORY = ['p4', 'p7', 'p10', 'p13', 'p16'].map((item, k) => ({
  type: 'click' as const,
  item,
  time: T0 + k * 40_000,
}));
const CANDIDATES = Array.from({ length: 30 }, (_, i) => `p${i + 20}`);

/** Tracks HISTORY and returns the model's score of each candidate, in candidate order. */
async function scoresAfter(page: Page, history = HISTORY): Promise<number[]> {
  return page.evaluate(
    async ({ history, candidates }) => {
      for (const e of history) window.hearth.track(e);
      const ranked = await window.hearth.rank(candidates, { timeoutMs: 20_000 });
      const byId = new Map(ranked.map((r) => [r.id, r.modelScore ?? Number.NaN]));
      return candidates.map((c) => byId.get(c)!);
    },
    { history, candidates: CANDIDATES },
  );
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

describe('trainNow()', () => {
  it('fine-tunes on the shopper history: lower loss, new scores for this page; forget() drops it', async () => {
    const page = await open({ siteKey: 'train', modelUrl, backends: ['wasm'], autoCapture: false });
    const before = await scoresAfter(page);
    expect(before.every(Number.isFinite)).toBe(true);
    expect(await page.evaluate(() => window.hearth.status().personalised)).toBe(false);

    const result = await page.evaluate(() => window.hearth.trainNow());
    expect(result).toMatchObject({ trained: true, steps: 10, modelVersion: 'test-1' });
    if (!result.trained) throw new Error('not trained');
    expect(result.lossAfter).toBeLessThan(result.lossBefore);

    // The next rank() (same history) scores with the personal weights.
    const after = await scoresAfter(page, []);
    expect(maxDiff(before, after)).toBeGreaterThan(1e-3);
    const s = await page.evaluate(() => window.hearth.status());
    expect(s.personalised).toBe(true);
    expect(s.modelVersion).toBe('test-1'); // still the server's version underneath
    expect(s.features).toMatchObject({ sequenceLength: 5, topCategories: [{ name: 'Lipstick', share: 1 }] });
    expect(s.recentEvents.map((e) => e.item)).toEqual(HISTORY.map((e) => e.item));

    // forget() deletes every trace, the weights learned from the history included: the same history
    // tracked again is scored by the server's model, exactly as before training.
    expect(await page.evaluate(() => window.hearth.forget())).toBe(true);
    const s2 = await page.evaluate(() => window.hearth.status());
    expect(s2.recentEvents).toEqual([]);
    expect(s2.features).toBeUndefined();
    const again = await scoresAfter(page);
    expect(maxDiff(before, again)).toBeLessThan(1e-4);
    expect(await page.evaluate(() => window.hearth.status().personalised)).toBe(false);
    expect(await page.evaluate(() => window.__errors)).toEqual([]);
    await page.context().close();
  });

  it('resolves with a reason instead of training without consent, history or model, and never throws', async () => {
    const page = await open({
      siteKey: 'train-consent',
      modelUrl,
      backends: ['wasm'],
      autoCapture: false,
      requireConsent: true,
    });
    const before = await scoresAfter(page);
    // Consent pending: the history is in memory for this page only, and is not learned from.
    expect(await page.evaluate(() => window.hearth.trainNow())).toEqual({
      trained: false,
      reason: 'no_consent',
    });
    expect(maxDiff(before, await scoresAfter(page, []))).toBe(0);
    await page.evaluate(() => window.hearth.consent(true));
    expect(await page.evaluate(() => window.hearth.trainNow())).toMatchObject({ trained: true });
    // Withdrawn: the personal weights go with the stored history.
    await page.evaluate(() => window.hearth.consent(false));
    expect(await page.evaluate(() => window.hearth.status().personalised)).toBeUndefined();

    // One event is nothing to predict from.
    const short = await open({ siteKey: 'train-short', modelUrl, backends: ['wasm'], autoCapture: false });
    await short.evaluate(() => window.hearth.track({ type: 'click', item: 'p4' }));
    expect(await short.evaluate(() => window.hearth.trainNow())).toEqual({
      trained: false,
      reason: 'too_short',
    });

    // No model configured, and no init() at all (called through the snippet's stubs before the SDK
    // has loaded, as a page may): resolved, not thrown.
    const bare = await open({ siteKey: 'train-bare', autoCapture: false });
    expect(await bare.evaluate(() => window.hearth.trainNow())).toEqual({
      trained: false,
      reason: 'no_model',
    });
    expect(await bare.evaluate(() => window.hearth.joinRound())).toEqual({
      joined: false,
      reason: 'no_server',
    });
    const none = await browser.newContext().then((c) => c.newPage());
    const snippet = snippetSource(`${server.origin}/sdk/hearth.js`, sdkDir);
    await none.goto(
      server.page(
        `<script>${snippet}</script><script>window.__early = Promise.all([window.hearth.trainNow(), window.hearth.joinRound()]);</script>`,
      ),
    );
    expect(await none.evaluate(() => (window as unknown as { __early: Promise<unknown> }).__early)).toEqual([
      { trained: false, reason: 'not_initialized' },
      { joined: false, reason: 'not_initialized' },
    ]);
    for (const p of [page, short, bare]) expect(await p.evaluate(() => window.__errors)).toEqual([]);
    for (const p of [page, short, bare, none]) await p.context().close();
  });
});
