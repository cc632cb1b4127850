// Store (storage.ts) on its own in real Chromium IndexedDB: the model cache and the outbound queue
// that the federated client (issue 7) builds on, and what happens when another tab takes the database
// (S8: two pages of one profile, one holding the old schema version, the other opening the next).
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startServer, type TestServer } from '../../test/browser/harness';
import type { CachedModel, OutboxEntry, Store } from './storage';

type StorageModule = typeof import('./storage');
declare const storage: StorageModule;
/** The SDK's debug messages so far (log.ts), in the page. */
declare const said: string[];

let server: TestServer;
let browser: Browser;
let pageUrl: string;

beforeAll(async () => {
  const bundle = await build({
    stdin: {
      contents:
        "import * as s from './storage'; import { history } from './log'; window.storage = s; window.said = history;",
      resolveDir: import.meta.dirname,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    logLevel: 'error',
  });
  server = await startServer();
  server.route('/storage.js', { body: bundle.outputFiles[0]!.text, type: 'text/javascript' });
  // The page's own handlers record anything the SDK lets escape (it must not).
  pageUrl = server.page(`<!doctype html><script>
    window.__errors = [];
    addEventListener('error', (e) => __errors.push('error: ' + e.message));
    addEventListener('unhandledrejection', (e) => __errors.push('rejection: ' + String(e.reason)));
  </script><script src="/storage.js"></script>`);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function page(): Promise<Page> {
  const p = await (await browser.newContext()).newPage();
  await p.goto(pageUrl);
  return p;
}

const limits = { maxEvents: 10, maxAgeMs: 86_400_000, maxOutbox: 3 };

describe('Store', () => {
  it('keeps one cached model, replaced by a new version, looked up by its URL', async () => {
    const p = await page();
    const r = await p.evaluate(async (l) => {
      const store: Store = new storage.Store('models', l);
      const model = (version: string): CachedModel => ({
        url: '/m.json',
        version,
        checksum: version.repeat(8),
        manifest: '{}',
        weights: new Uint8Array([1, 2, 3]).buffer,
        savedAt: 1,
      });
      await store.putModel(model('v1'));
      await store.putModel(model('v2'));
      const got = await store.getModel('/m.json');
      const other = await store.getModel('/other.json');
      store.close();
      const again = await new storage.Store('models', l).getModel('/m.json');
      return {
        version: got?.version,
        bytes: [...new Uint8Array(got!.weights)],
        other,
        again: again?.version,
      };
    }, limits);
    expect(r).toEqual({ version: 'v2', bytes: [1, 2, 3], other: undefined, again: 'v2' });
  });

  it('bounds the outbound queue (oldest give way), dequeues by id, and survives a reload', async () => {
    const p = await page();
    const ids = await p.evaluate(async (l) => {
      const store: Store = new storage.Store('queue', l);
      for (let i = 0; i < 5; i++) {
        const entry: Omit<OutboxEntry, 'id'> = {
          body: new Uint8Array([i]).buffer,
          meta: { round: i },
          createdAt: i,
          attempts: 0,
          notBefore: 0,
        };
        await store.enqueue(entry);
      }
      const queued = await store.outbox();
      await store.dequeue(queued[0]!.id!);
      return (await store.outbox()).map((e) => e.meta.round);
    }, limits);
    expect(ids).toEqual([3, 4]);
    await p.reload();
    const after = await p.evaluate(
      async (l) => (await new storage.Store('queue', l).outbox()).map((e) => e.meta.round),
      limits,
    );
    expect(after).toEqual([3, 4]);
  });

  it('steps aside for a newer schema in another tab, then answers from its fallbacks without throwing', async () => {
    const p = await page();
    const result = await p.evaluate(async (l) => {
      const store: Store = new storage.Store('taken', l);
      await store.addEvents([{ type: 'click', item: 'a', t: Date.now() }]);
      const upgraded = await new Promise<boolean>((resolve) => {
        const req = indexedDB.open(storage.dbName('taken'), 99);
        req.onsuccess = () => {
          req.result.close();
          resolve(true);
        };
        req.onerror = () => resolve(false);
      });
      return {
        upgraded,
        write: await store.addEvents([{ type: 'click', item: 'b', t: Date.now() }]),
        read: await store.recentEvents(10),
        queue: await store.enqueue({
          body: new ArrayBuffer(1),
          meta: {},
          createdAt: 0,
          attempts: 0,
          notBefore: 0,
        }),
      };
    }, limits);
    expect(result).toEqual({ upgraded: true, write: false, read: [], queue: false });
  });

  it('destroy() deletes the database even while a connection is open (it closes on blocking)', async () => {
    const p = await page();
    const names = await p.evaluate(async (l) => {
      const store: Store = new storage.Store('doomed', l);
      await store.addEvents([{ type: 'click', item: 'a', t: Date.now() }]);
      const deleted = await storage.destroy('doomed');
      return { deleted, dbs: (await indexedDB.databases()).map((d) => d.name) };
    }, limits);
    expect(names).toEqual({ deleted: true, dbs: [] });
  });
});

describe('S8: two tabs, one opening the next schema version', () => {
  /** Two pages of one profile (they share IndexedDB), each recording errors that escape. */
  async function twoTabs() {
    const context = await browser.newContext();
    const escaped: string[] = [];
    const open = async () => {
      const p = await context.newPage();
      p.on('pageerror', (e) => escaped.push(e.message));
      await p.goto(pageUrl);
      return p;
    };
    const errors = async (...pages: Page[]) => {
      for (const p of pages) if (!p.isClosed()) escaped.push(...(await p.evaluate(() => window.__errors)));
      return escaped;
    };
    return { context, old: await open(), newer: await open(), errors };
  }
  const event = (item: string) => ({ type: 'click' as const, item, t: Date.now() });

  it('S8: the old tab steps aside on versionchange: the upgrade is not blocked, no event is lost, nothing is thrown', async () => {
    const { context, old, newer, errors } = await twoTabs();
    await old.evaluate(
      async ([l, e]) => {
        const store: Store = new storage.Store('tabs', l);
        (window as unknown as { store: Store }).store = store;
        await store.addEvents([e[0]!, e[1]!]);
        await store.addEvents([e[2]!]);
      },
      [limits, [event('a'), event('b'), event('c')]] as const,
    );
    // The next release opens schema version 2 while the old tab still holds version 1.
    const upgraded = await newer.evaluate(async (l) => {
      const store: Store = new storage.Store('tabs', l, storage.DB_VERSION + 1);
      (window as unknown as { store: Store }).store = store;
      const events = (await store.recentEvents(10)).map((e) => e.item);
      const versions = (await indexedDB.databases()).map((d) => d.version);
      return { events, versions, said: [...said] };
    }, limits);
    expect(upgraded.events).toEqual(['a', 'b', 'c']);
    expect(upgraded.versions).toEqual([2]);
    // It stepped aside at once, so the newer tab was never blocked.
    expect(upgraded.said.filter((m) => m.includes('waiting for another tab'))).toEqual([]);
    const after = await old.evaluate(async (e) => {
      const store = (window as unknown as { store: Store }).store;
      return { write: await store.addEvents([e]), read: await store.recentEvents(10), said: [...said] };
    }, event('d'));
    // The old tab goes on from memory (the SDK keeps its events there) and says so once.
    expect(after).toEqual({
      write: false,
      read: [],
      said: ['storage: another tab needs the database; continuing from memory'],
    });
    const more = await newer.evaluate(async (e) => {
      const store = (window as unknown as { store: Store }).store;
      await store.addEvents([e]);
      return (await store.recentEvents(10)).map((x) => x.item);
    }, event('e'));
    expect(more).toEqual(['a', 'b', 'c', 'e']);
    expect(await errors(old, newer)).toEqual([]);
    await context.close();
  });

  it('S8: an old connection that ignores versionchange fires blocked: reads answer from memory, a write waits and lands once it closes', async () => {
    const { context, old, newer, errors } = await twoTabs();
    // An older build that never steps aside: its version-1 connection has no versionchange handler.
    await old.evaluate(
      async ([l, e]) => {
        const store: Store = new storage.Store('stuck', l);
        await store.addEvents([...e]);
        store.close();
        await new Promise<void>((resolve, reject) => {
          const req = indexedDB.open(storage.dbName('stuck'), 1);
          req.onsuccess = () => {
            (window as unknown as { held: IDBDatabase }).held = req.result;
            resolve();
          };
          req.onerror = () => reject(req.error);
        });
      },
      [limits, [event('a'), event('b')]] as const,
    );
    const blocked = await newer.evaluate(async (l) => {
      const w = window as unknown as { store: Store; write: Promise<boolean>; wrote?: boolean };
      w.store = new storage.Store('stuck', l, storage.DB_VERSION + 1);
      const t = performance.now();
      const read = await w.store.recentEvents(10);
      const readMs = performance.now() - t;
      w.write = w.store.addEvents([{ type: 'click', item: 'late', t: Date.now() }]);
      void w.write.then((ok) => {
        w.wrote = ok;
      });
      await new Promise((r) => setTimeout(r, 300));
      return { read, readMs, pending: w.wrote === undefined, said: [...said] };
    }, limits);
    expect(blocked.said).toContain('storage: waiting for another tab to close an older Hearth database');
    // Start-up reads do not hang on the other tab: they answer from their fallback after a second.
    expect(blocked.read).toEqual([]);
    expect(blocked.readMs).toBeGreaterThanOrEqual(900);
    expect(blocked.readMs).toBeLessThan(5000);
    expect(blocked.pending).toBe(true);
    // The old tab goes away: the upgrade completes and the waiting write lands; nothing was lost.
    await old.close();
    const landed = await newer.evaluate(async () => {
      const w = window as unknown as { store: Store; write: Promise<boolean> };
      return {
        wrote: await w.write,
        events: (await w.store.recentEvents(10)).map((e) => e.item),
        versions: (await indexedDB.databases()).map((d) => d.version),
      };
    });
    expect(landed).toEqual({ wrote: true, events: ['a', 'b', 'late'], versions: [2] });
    expect(await errors(newer)).toEqual([]);
    await context.close();
  });

  it('S8: forget() while another tab ignores versionchange is blocked, says so, and completes when it closes', async () => {
    const { context, old, newer, errors } = await twoTabs();
    await old.evaluate(async (l) => {
      const store: Store = new storage.Store('forgotten', l);
      await store.addEvents([{ type: 'click', item: 'a', t: Date.now() }]);
      store.close();
      await new Promise<void>((resolve) => {
        const req = indexedDB.open(storage.dbName('forgotten'));
        req.onsuccess = () => {
          (window as unknown as { held: IDBDatabase }).held = req.result;
          resolve();
        };
      });
    }, limits);
    await newer.evaluate(() => {
      const w = window as unknown as { deleting: Promise<boolean> };
      w.deleting = storage.destroy('forgotten');
    });
    await expect
      .poll(() => newer.evaluate(() => [...said]))
      .toContain('storage: forget() waits for other tabs to let go of the database');
    await old.close();
    const done = await newer.evaluate(async () => ({
      deleted: await (window as unknown as { deleting: Promise<boolean> }).deleting,
      dbs: (await indexedDB.databases()).map((d) => d.name),
    }));
    expect(done).toEqual({ deleted: true, dbs: [] });
    expect(await errors(newer)).toEqual([]);
    await context.close();
  });
});
