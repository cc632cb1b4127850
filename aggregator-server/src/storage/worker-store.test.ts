import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layout, params, storeContract, version } from './contract';
import type { Store } from './types';
import { openStoreInWorker, type StoreWorker } from './worker-store';

// The whole contract, through the worker thread: arguments, results and errors (StoreConflictError
// by class) survive the trip.
storeContract('embedded, in a worker thread', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-worker-store-'));
  return {
    open: async () => (await openStoreInWorker({ kind: 'embedded', dir })).store,
    cleanup: () => rm(dir, { recursive: true, force: true }),
    sumNames: async () =>
      (await readdir(join(dir, 'weights', 'sums')).catch(() => [])).map((f) => f.replace(/\.f64$/, '')),
  };
});

describe('the store worker', () => {
  let dir: string;
  let w: StoreWorker;
  let store: Store;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-worker-store-'));
    w = await openStoreInWorker({ kind: 'embedded', dir });
    store = w.store;
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sums values that live in shared memory, read in place by the worker', async () => {
    const v = await store.createVersion(version(1), 'base');
    const r = await store.openRound({
      modelVersion: v.version,
      params,
      layout,
      deadline: new Date(Date.now() + 60_000),
    });
    const shared = new Float32Array(new SharedArrayBuffer(16));
    shared.set([1, 2, 3, 4]);
    const u = { values: shared, scale: 0.5, clipped: true, zeroed: false };
    const out = await store.ingest(r.id, [{ clientId: 'client-a', ...u }]);
    expect(out).toEqual({ kind: 'ok', accepted: ['client-a'], duplicates: [] });
    shared.set([10, 20, 30, 40]); // the next request's body in the same pooled buffer
    await store.ingest(r.id, [{ clientId: 'client-b', ...u }]);
    const sum = await store.roundSum(r.id, 4);
    expect(Array.from(sum.sum)).toEqual([5.5, 11, 16.5, 22]);
    expect(sum).toMatchObject({ count: 2, clipped: 2, zeroed: 0 });
  });

  it("checks updates in the worker with the privacy core's own answer", async () => {
    const ok = await w.checkUpdate(Float32Array.from([3, 4]), 2);
    expect(ok).toEqual({ ok: true, norm: 5 });
    const bad = await w.checkUpdate(Float32Array.from([1, Number.NaN, 2]), 3);
    expect(bad).toMatchObject({ ok: false, reason: 'non_finite', field: 'update[1]' });
    const short = await w.checkUpdate(Float32Array.from([1]), 3);
    expect(short).toMatchObject({ ok: false, reason: 'wrong_length', expected: 3, actual: 1 });
  });

  it('refuses calls once closed, instead of leaving them waiting', async () => {
    const other = await openStoreInWorker({ kind: 'embedded', dir: join(dir, 'other') });
    await other.store.close();
    await expect(other.store.latest()).rejects.toThrow(/worker thread exited/);
  });

  it("fails to open with the store's own error when the store cannot open", async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    await expect(openStoreInWorker({ kind: 'embedded', dir: file })).rejects.toThrow(/EEXIST|ENOTDIR/);
  });
});
