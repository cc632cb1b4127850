// joinRound() against a real aggregator process, in real headless Chromium: the page checks in at once
// (not at idle time), trains when sampled, and the outbox delivers the update; under Global Privacy
// Control or without consent nothing at all leaves the page, not even the check-in.
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
let sdkDir: string;

beforeAll(async () => {
  const [dir, a] = await Promise.all([buildSdkForTests(), startAggregator()]);
  sdkDir = dir;
  agg = a;
  server = await startServer({ sdkDir });
  proxy = proxyAggregator(server, agg);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await agg?.close();
});

/** A shopper page with a short history; the idle-time check-in is an hour away, so only joinRound() asks. */
async function shopper(
  siteKey: string,
  extra: { head?: string; requireConsent?: boolean } = {},
): Promise<Page> {
  const page = await openFixture(await browser.newContext(), server, {
    sdkOrigin: server.origin,
    sdkDir,
    ...(extra.head ? { head: extra.head } : {}),
    config: {
      siteKey,
      modelUrl: proxy.modelUrl,
      serverUrl: proxy.serverUrl,
      backends: ['wasm'],
      checkInDelaySec: 3600,
      updateCheckSec: 3600,
      autoCapture: false,
      ...(extra.requireConsent ? { requireConsent: true } : {}),
    },
  });
  await page.evaluate(() => {
    const t0 = Date.now() - 600_000;
    for (const [k, item] of ['p3', 'p9', 'p15', 'p21'].entries())
      window.hearth.track({ type: 'click', item, time: t0 + k * 30_000 });
  });
  return page;
}

/** Requests that reached the aggregator through the proxy since `since`, other than model downloads. */
const sentSince = (since: number) =>
  proxy.seen.slice(since).filter((r) => r.method !== 'GET' || r.path.startsWith('/v1/rounds'));

describe('joinRound()', () => {
  it('checks in now, trains and uploads: the aggregator counts the update once', async () => {
    const page = await shopper('join');
    // Sending is one tab's job (per site key): this page holds the lock once the outbox starts.
    await page.waitForFunction(() => window.hearth.status().federation?.sender === true);
    expect(await page.evaluate(() => window.hearth.joinRound())).toEqual({
      joined: false,
      reason: 'no_round',
    });

    const round = await agg.openRound({ q: 1, minClients: 2, clipBound: 0.5 });
    const result = await page.evaluate(() => window.hearth.joinRound());
    expect(result).toMatchObject({ joined: true, roundId: round.id, delivered: true });
    if (!result.joined) throw new Error('not joined');
    expect(result.steps).toBeGreaterThan(0);
    expect(result.norm).toBeLessThanOrEqual(0.5);
    expect((await agg.round(round.id)).received).toBe(1);
    const uploads = proxy.uploads();
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.status).toBe(202);
    expect(uploads[0]!.body.byteLength).toBe(result.bytes);

    // Asked again in the same round: nothing new is sent (the aggregator would count it once anyway).
    expect(await page.evaluate(() => window.hearth.joinRound())).toEqual({
      joined: false,
      reason: 'already_joined',
      roundId: round.id,
    });
    expect(proxy.uploads()).toHaveLength(1);
    const s = await page.evaluate(() => window.hearth.status());
    expect(s.federation).toMatchObject({ rounds: 1, sent: 1, lastUpdate: { roundId: round.id } });
    expect(await page.evaluate(() => window.__errors)).toEqual([]);
    await page.context().close();
  });

  it('under Global Privacy Control or without consent it sends nothing, not even a check-in', async () => {
    // A round is open (the previous test left it open, or this one opens it): a check-in would be sampled.
    const current = (await (await fetch(`${agg.url}/v1/rounds/current`)).json()) as { round: unknown };
    if (!current.round) await agg.openRound({ q: 1, minClients: 2, clipBound: 0.5 });
    const gpc = await shopper('join-gpc', {
      head: "<script>Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })</script>",
    });
    const pending = await shopper('join-pending', { requireConsent: true });
    const since = proxy.seen.length;
    expect(await gpc.evaluate(() => window.hearth.joinRound())).toEqual({ joined: false, reason: 'gpc' });
    expect(await pending.evaluate(() => window.hearth.joinRound())).toEqual({
      joined: false,
      reason: 'no_consent',
    });
    // The same pages would send once allowed: consent given on the pending one, it joins.
    await new Promise((r) => setTimeout(r, 500)); // anything in flight would have arrived by now
    expect(sentSince(since)).toEqual([]);
    await pending.evaluate(() => window.hearth.consent(true));
    await pending.waitForFunction(() => window.hearth.status().federation?.sender === true);
    expect(await pending.evaluate(() => window.hearth.joinRound())).toMatchObject({ joined: true });
    expect(sentSince(since).map((r) => r.path)).toEqual(
      expect.arrayContaining(['/v1/rounds/checkin', expect.stringMatching(/\/updates$/)]),
    );
    for (const p of [gpc, pending]) {
      expect(await p.evaluate(() => window.__errors)).toEqual([]);
      await p.context().close();
    }
  });
});
