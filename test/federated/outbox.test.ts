// S5-S8: the outbound queue (sdk/src/outbox.ts over storage.ts) in real headless Chromium, sending
// real updates to a real aggregator process through a same-origin proxy that injects the faults
// (a connection cut mid-upload, a 429). The queue runs on a bare page here, so each scenario controls
// exactly what is queued; the full SDK path (training, queueing, sending) is two-shoppers.test.ts.
import { encodeUpdate } from '@hearth/models';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outbox } from '../../sdk/src/outbox';
import type { OutboxEntry, Store } from '../../sdk/src/storage';
import { launchBrowser, startServer, type TestServer } from '../browser/harness';
import { type Aggregator, type AggregatorProxy, proxyAggregator, startAggregator } from './backend';

interface PageApi {
  start(siteKey: string): void;
  outbox: Outbox;
  store: Store;
  share: boolean;
  messages: string[];
}
declare const fl: PageApi;

let agg: Aggregator;
let server: TestServer;
let proxy: AggregatorProxy;
let browser: Browser;
let pageUrl: string;
let roundId: number;
let layout: { name: string; shape: number[] }[];
let clients = 0;

beforeAll(async () => {
  const bundle = await build({
    stdin: {
      contents: `
        import { Outbox } from './outbox';
        import { Store } from './storage';
        import { history } from './log';
        window.fl = {
          share: true,
          messages: history,
          start(siteKey) {
            fl.store = new Store(siteKey, { maxEvents: 10, maxAgeMs: 864e5, maxOutbox: 20 });
            fl.outbox = new Outbox({ siteKey, store: () => fl.store, sharing: () => fl.share });
            fl.outbox.start();
          },
        };`,
      resolveDir: `${import.meta.dirname}/../../sdk/src`,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    logLevel: 'error',
  });
  agg = await startAggregator();
  server = await startServer();
  proxy = proxyAggregator(server, agg);
  server.route('/fl.js', { body: bundle.outputFiles[0]!.text, type: 'text/javascript' });
  pageUrl = server.page('<!doctype html><script src="/fl.js"></script>');
  browser = await launchBrowser();
  // One long round that stays open (minClients out of reach): every test's clients upload into it.
  const round = await agg.openRound({ q: 1, minClients: 10, population: 10, durationSec: 3600 });
  roundId = round.id;
  layout = round.layout;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await agg?.close();
});

/** A real sampled client: its round token from the aggregator, and a valid update for the round. */
async function client(
  values = 0.001,
): Promise<{ id: string; body: number[]; meta: Record<string, string | number> }> {
  const id = `outbox-client-${++clients}-${Math.random().toString(36).slice(2, 8)}`;
  const res = await fetch(`${agg.url}/v1/rounds/checkin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: id }),
  });
  const offer = (await res.json()) as { status: string; token: string; expiresAt: string };
  expect(offer.status).toBe('sampled');
  const size = layout.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const body = encodeUpdate({
    roundId,
    modelVersion: 1,
    numExamples: 0,
    layout,
    values: new Float32Array(size).fill(values),
  });
  return {
    id,
    body: [...body],
    meta: {
      url: `${proxy.serverUrl}v1/rounds/${roundId}/updates`,
      token: offer.token,
      clientId: id,
      roundId,
      expiresAt: Date.parse(offer.expiresAt),
    },
  };
}

async function open(context: BrowserContext, siteKey: string, share = true): Promise<Page> {
  const page = await context.newPage();
  await page.goto(pageUrl);
  await page.evaluate(
    ({ siteKey, share }) => {
      fl.share = share;
      fl.start(siteKey);
    },
    { siteKey, share },
  );
  return page;
}

/** Queues through the outbox (as the SDK does), from this page. */
function add(page: Page, c: Awaited<ReturnType<typeof client>>): Promise<boolean> {
  return page.evaluate(({ body, meta }) => fl.outbox.add(new Uint8Array(body), meta as never), c);
}

/** Straight into IndexedDB, as an earlier page would have left it. */
function enqueue(page: Page, c: Awaited<ReturnType<typeof client>>): Promise<boolean> {
  return page.evaluate(
    ({ body, meta }) =>
      fl.store.enqueue({
        body: new Uint8Array(body).buffer,
        meta: meta as never,
        createdAt: 0,
        attempts: 0,
        notBefore: 0,
      }),
    c,
  );
}

const queued = (page: Page) =>
  page.evaluate(async () =>
    (await fl.store.outbox()).map((e: OutboxEntry) => ({ ...e, body: e.body.byteLength })),
  );

const arrivals = (id: string) => proxy.uploads().filter((u) => u.clientId === id);

async function until<T>(what: string, f: () => Promise<T> | T, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function receipts(): Promise<number> {
  return (await agg.round(roundId)).received;
}

describe('outbound queue', () => {
  it('S5: an aborted upload stays queued, backs off with jitter, and is sent exactly once after a reload', async () => {
    const context = await browser.newContext();
    const c = await client();
    const before = await receipts();
    proxy.fault = (path) => (path.endsWith('/updates') ? 'abort' : undefined);
    const page = await open(context, 's5');
    await until('the sender', () => page.evaluate(() => fl.outbox.sender));
    expect(await add(page, c)).toBe(true);

    // Two cut-off attempts: each wait is half to all of 2 s * 2^attempt (1-2 s, then 2-4 s).
    const first = await until('a first retry scheduled', async () =>
      (await queued(page)).find((e) => e.attempts === 1),
    );
    const wait1 = first.notBefore - arrivals(c.id)[0]!.at;
    expect(wait1).toBeGreaterThanOrEqual(1_000 - 100);
    expect(wait1).toBeLessThanOrEqual(2_000 + 500);
    const second = await until(
      'a second retry scheduled',
      async () => (await queued(page)).find((e) => e.attempts === 2),
      10_000,
    );
    const gap = second.notBefore - arrivals(c.id).at(-1)!.at;
    expect(gap).toBeGreaterThanOrEqual(2_000 - 100);
    expect(gap).toBeLessThanOrEqual(4_000 + 500);
    expect(arrivals(c.id).length).toBe(2);
    expect(await receipts()).toBe(before);

    // The network comes back; the page is reloaded: the queued update is sent once, and only once.
    proxy.fault = null;
    await page.reload();
    await page.evaluate(() => fl.start('s5'));
    await until('the update delivered', async () => (await queued(page)).length === 0, 15_000);
    expect(await receipts()).toBe(before + 1);
    const delivered = arrivals(c.id).filter((a) => a.status >= 200 && a.status < 300);
    expect(delivered.map((a) => a.status)).toEqual([202]);
    await page.waitForTimeout(1_000);
    expect(arrivals(c.id).length).toBe(3);
    await context.close();
  });

  it('S6: a 429 holds every request until Retry-After; a 400 is dropped with one debug message', async () => {
    const context = await browser.newContext();
    const [a, b] = [await client(), await client()];
    let refused: number | null = null;
    proxy.fault = (path) => {
      if (!path.endsWith('/updates') || refused !== null) return undefined;
      refused = Date.now();
      return {
        status: 429,
        headers: { 'retry-after': '2' },
        body: '{"error":{"reason":"overloaded"}}',
        type: 'application/json',
      };
    };
    const page = await open(context, 's6');
    await until('the sender', () => page.evaluate(() => fl.outbox.sender));
    await add(page, a);
    await add(page, b);
    await until('both delivered', async () => (await queued(page)).length === 0, 15_000);
    // No request at all (neither the refused one nor the other queued one) before Retry-After.
    const after429 = proxy
      .uploads()
      .filter((u) => u.at > refused! && (u.clientId === a.id || u.clientId === b.id));
    expect(after429.length).toBe(2);
    for (const u of after429) expect(u.at - refused!).toBeGreaterThanOrEqual(2_000);
    expect(arrivals(a.id).map((u) => u.status)).toEqual([429, 202]);
    proxy.fault = null;

    // A real 400 from the aggregator (the update's layout is not the round's): dropped, not retried.
    const bad = await client();
    const wrong = encodeUpdate({
      roundId,
      modelVersion: 1,
      numExamples: 0,
      layout: [{ name: 'x', shape: [3] }],
      values: new Float32Array(3),
    });
    const bad2 = await client();
    await add(page, { ...bad, body: [...wrong] });
    await add(page, { ...bad2, body: [...wrong] });
    await until('both dropped', async () => (await queued(page)).length === 0);
    await page.waitForTimeout(3_000);
    expect(arrivals(bad.id).map((u) => u.status)).toEqual([400]);
    expect(arrivals(bad2.id).map((u) => u.status)).toEqual([400]);
    const messages = await page.evaluate(() =>
      fl.messages.filter((m) => m.startsWith('outbox: an update was dropped')),
    );
    expect(messages.length).toBe(1);
    await context.close();
  });

  it('S7: on pagehide the sender flushes with keepalive only while under 60 KB in flight; the rest waits in IndexedDB', async () => {
    const context = await browser.newContext();
    const cs: Awaited<ReturnType<typeof client>>[] = [];
    for (let i = 0; i < 7; i++) cs.push(await client());
    const size = cs[0]!.body.length;
    const fits = Math.floor((60 * 1024) / size);
    expect(fits).toBeLessThan(7); // the test needs more than the budget queued
    // Queued while the page may not share yet: nothing is sent, but the sender knows the queue.
    const page = await open(context, 's7', false);
    await until('the sender', () => page.evaluate(() => fl.outbox.sender));
    for (const c of cs) await enqueue(page, c);
    await page.evaluate(() => fl.outbox.kick());
    await page.evaluate(() => fl.outbox.idle());
    expect((await queued(page)).length).toBe(7);
    expect(cs.flatMap((c) => arrivals(c.id)).length).toBe(0);

    await page.evaluate(() => {
      fl.share = true;
    });
    const left = Date.now();
    await page.goto(`${server.origin}/elsewhere`); // pagehide: the page is gone right after
    await until('the keepalive uploads', () => cs.flatMap((c) => arrivals(c.id)).length >= fits, 10_000);
    await new Promise((r) => setTimeout(r, 1_000)); // and nothing more comes
    const flushed = cs.flatMap((c) => arrivals(c.id));
    expect(flushed.length).toBe(fits);
    expect(flushed.reduce((n, u) => n + u.body.length, 0)).toBeLessThanOrEqual(60 * 1024);
    for (const u of flushed) expect(u.status).toBe(202);
    for (const u of flushed) expect(u.at).toBeGreaterThanOrEqual(left);

    // The rest waited in IndexedDB and goes with the next page; every client counts exactly once.
    const back = await open(context, 's7');
    await until('the queue drained', async () => (await queued(back)).length === 0, 20_000);
    for (const c of cs) expect(arrivals(c.id).filter((u) => u.status === 202).length).toBe(1);
    await context.close();
  });

  it('S8: two tabs send each queued update once; a tab upgrading the schema is not blocked', async () => {
    const context = await browser.newContext();
    const [a, b] = [await open(context, 's8'), await open(context, 's8')];
    await until('one sender', async () => {
      const s = await Promise.all([a, b].map((p) => p.evaluate(() => fl.outbox.sender)));
      return s.filter(Boolean).length === 1;
    });
    const senders = await Promise.all([a, b].map((p) => p.evaluate(() => fl.outbox.sender)));
    expect(senders.filter(Boolean).length).toBe(1);
    const [sender, other] = senders[0] ? [a, b] : [b, a];
    const cs: Awaited<ReturnType<typeof client>>[] = [];
    for (let i = 0; i < 4; i++) cs.push(await client());
    // Both tabs queue (the other tab pings the sender); both tabs kick their outbox as well.
    for (const [i, c] of cs.entries()) await add(i % 2 ? sender : other, c);
    await Promise.all([a, b].map((p) => p.evaluate(() => fl.outbox.kick())));
    await until('all delivered', async () => (await queued(sender)).length === 0, 15_000);
    await sender.waitForTimeout(1_000);
    for (const c of cs) expect(arrivals(c.id).map((u) => u.status)).toEqual([202]);

    // The sender tab closes: the other takes over (the lock passes on) and sends what comes next.
    await sender.close();
    await until('the other tab sends', () => other.evaluate(() => fl.outbox.sender), 5_000);
    const late = await client();
    await add(other, late);
    await until('delivered by the new sender', async () => (await queued(other)).length === 0);
    expect(arrivals(late.id).map((u) => u.status)).toEqual([202]);

    // A newer SDK in a third tab opens the next schema version: the older tab steps aside at once
    // (blocking), so the upgrade is not blocked; the old tab then sends nothing more.
    const newer = await context.newPage();
    await newer.goto(pageUrl);
    const upgraded = await newer.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const req = indexedDB.open('hearth:s8', 2);
          req.onupgradeneeded = () => resolve('upgraded');
          req.onblocked = () => resolve('blocked');
          req.onerror = () => resolve('error');
          setTimeout(() => resolve('deadlock'), 5_000);
        }),
    );
    expect(upgraded).toBe('upgraded');
    const after = await client();
    await enqueue(other, after);
    await other.evaluate(() => fl.outbox.kick());
    await other.waitForTimeout(1_000);
    expect(arrivals(after.id).length).toBe(0);
    await context.close();
  });

  it('S8: without Web Locks, a lease in localStorage elects one sender; each update is sent once', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined });
    });
    const tabs = [await open(context, 's8-lease'), await open(context, 's8-lease')];
    expect(await tabs[0]!.evaluate(() => navigator.locks)).toBeUndefined();
    await until('one sender', async () => {
      const s = await Promise.all(tabs.map((p) => p.evaluate(() => fl.outbox.sender)));
      return s.filter(Boolean).length === 1;
    });
    const cs: Awaited<ReturnType<typeof client>>[] = [];
    for (let i = 0; i < 4; i++) cs.push(await client());
    for (const [i, c] of cs.entries()) await add(tabs[i % 2]!, c);
    for (const t of tabs) await t.evaluate(() => fl.outbox.kick());
    await until('all delivered', async () => (await queued(tabs[0]!)).length === 0, 15_000);
    await tabs[0]!.waitForTimeout(1_500);
    for (const c of cs) expect(arrivals(c.id).map((u) => u.status)).toEqual([202]);
    await context.close();
  });
});
