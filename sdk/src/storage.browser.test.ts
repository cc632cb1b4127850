// Store (storage.ts) on its own in real Chromium IndexedDB: the model cache and the outbound queue
// that the federated client (issue 7) builds on, and what happens when another tab takes the database.
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startServer, type TestServer } from '../../test/browser/harness';
import type { CachedModel, OutboxEntry, Store } from './storage';

type StorageModule = typeof import('./storage');
declare const storage: StorageModule;

let server: TestServer;
let browser: Browser;
let pageUrl: string;

beforeAll(async () => {
  const bundle = await build({
    stdin: {
      contents: "import * as s from './storage'; window.storage = s;",
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
  pageUrl = server.page('<!doctype html><script src="/storage.js"></script>');
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
