import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api-error';
import { layout, params, storeContract, version } from './contract';
import type { Store } from './types';
import { openStoreInWorker } from './worker-store';

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
  let store: Store;
  const returned: ArrayBuffer[] = [];
  let roundId: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-worker-store-'));
    store = (await openStoreInWorker({ kind: 'embedded', dir }, { lendBodies: (b) => returned.push(b) }))
      .store;
    const v = await store.createVersion(version(1), 'base');
    roundId = (
      await store.openRound({
        modelVersion: v.version,
        params,
        layout,
        deadline: new Date(Date.now() + 60_000),
      })
    ).id;
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lends whole bodies to the worker and gets them back, with their bytes, after the commit', async () => {
    const bodies = [Float32Array.from([1, 2, 3, 4]), Float32Array.from([0, 0, 0, 2])];
    const originals = bodies.map((b) => b.buffer);
    const answer = store.ingest(
      roundId,
      bodies.map((values, i) => ({
        clientId: `lent-${i}`,
        values,
        scale: 1,
        clipped: false,
        zeroed: false,
        body: values.buffer,
      })),
    );
    // transferred, not copied: the caller's views are empty until the buffers come back
    expect(bodies.map((b) => b.length)).toEqual([0, 0]);
    expect(await answer).toEqual({ kind: 'ok', accepted: ['lent-0', 'lent-1'], duplicates: [] });
    expect(returned).toHaveLength(2);
    expect(returned.map((b) => Array.from(new Float32Array(b)))).toEqual([
      [1, 2, 3, 4],
      [0, 0, 0, 2],
    ]);
    expect(returned).not.toContain(originals[0]);
    expect(Array.from((await store.roundSum(roundId, 4)).sum)).toEqual([1, 2, 3, 6]);
  });

  it('copies updates that name no body of their own, and lends nothing of them', async () => {
    returned.length = 0;
    const values = Float32Array.from([1, 1, 1, 1]);
    await store.ingest(roundId, [{ clientId: 'copied-0', values, scale: 1, clipped: false, zeroed: false }]);
    expect(values.length).toBe(4);
    expect(returned).toHaveLength(0);
    expect(Array.from((await store.roundSum(roundId, 4)).sum)).toEqual([2, 3, 4, 7]);
  });

  it('gives lent bodies back when the batch is refused', async () => {
    returned.length = 0;
    const values = Float32Array.from([1, 1, 1, 1]);
    const u = { clientId: 'nobody', values, scale: 1, clipped: false, zeroed: false, body: values.buffer };
    const out = await store.ingest(99_999, [u]);
    expect(out).toEqual({ kind: 'round_not_collecting', state: 'missing' });
    expect(returned).toHaveLength(1);
  });

  it('sums values that live in shared memory, read in place by the worker', async () => {
    returned.length = 0;
    const shared = new Float32Array(new SharedArrayBuffer(16));
    shared.set([1, 2, 3, 4]);
    const u = { values: shared, scale: 0.5, clipped: true, zeroed: false };
    await store.ingest(roundId, [{ clientId: 'shared-a', ...u }]);
    shared.set([10, 20, 30, 40]); // the next request's body in the same buffer
    await store.ingest(roundId, [{ clientId: 'shared-b', ...u }]);
    expect(Array.from((await store.roundSum(roundId, 4)).sum)).toEqual([7.5, 14, 20.5, 29]);
    expect(returned).toHaveLength(0);
  });

  it("runs the group commit's queue: each answer after its commit, bodies back, commits reported", async () => {
    const commits: number[] = [];
    const w = await openStoreInWorker(
      { kind: 'embedded', dir: join(dir, 'queue') },
      { lendBodies: (b) => returned.push(b), onCommit: (size) => commits.push(size) },
    );
    try {
      const v = await w.store.createVersion(version(1), 'base');
      const deadline = new Date(Date.now() + 60_000);
      const r = await w.store.openRound({ modelVersion: v.version, params, layout, deadline });
      returned.length = 0;
      const update = (clientId: string) => {
        const values = Float32Array.from([1, 0, 0, 1]);
        return { clientId, values, scale: 1, clipped: false, zeroed: false, body: values.buffer };
      };
      const answers = Promise.all(['q-a', 'q-b', 'q-c', 'q-a'].map((id) => w.queue.add(r.id, update(id))));
      expect(w.queue.pending).toBe(4);
      expect((await answers).map((a) => a.kind)).toEqual(['accepted', 'accepted', 'accepted', 'duplicate']);
      expect(w.queue.pending).toBe(0);
      expect(returned).toHaveLength(4);
      expect(commits.reduce((a, b) => a + b, 0)).toBe(4);
      expect(await w.store.roundCounts(r.id)).toEqual({ count: 3, clipped: 0, zeroed: 0 });
      expect(await w.queue.add(12_345, update('q-d'))).toEqual({
        kind: 'round_not_collecting',
        state: 'missing',
      });
    } finally {
      await w.store.close();
    }
  });

  it('checks and clips in the worker: a non-finite update is a 400 naming the index, nothing stored', async () => {
    const w = await openStoreInWorker({ kind: 'embedded', dir: join(dir, 'check') });
    try {
      const v = await w.store.createVersion(version(1), 'base');
      const deadline = new Date(Date.now() + 60_000);
      const r = await w.store.openRound({ modelVersion: v.version, params, layout, deadline });
      const request = (clientId: string, values: number[]) => ({
        roundId: r.id,
        size: 4,
        clipBound: params.clipBound,
        zeroingBound: 10,
        update: { clientId, values: Float32Array.from(values) },
      });
      const err = await w.queue.checkAndAdd!(request('c-nan', [1, Number.NaN, 0, 0])).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ status: 400, reason: 'non_finite', field: 'update[1]' });
      // norm 5 > clipBound 1: scaled to norm 1; norm 20 > zeroingBound 10: counted, adds nothing
      const clipped = await w.queue.checkAndAdd!(request('c-big', [3, 4, 0, 0]));
      expect(clipped).toEqual({ result: { kind: 'accepted' }, clipped: true, zeroed: false });
      const zeroed = await w.queue.checkAndAdd!(request('c-huge', [0, 0, 12, 16]));
      expect(zeroed).toEqual({ result: { kind: 'accepted' }, clipped: false, zeroed: true });
      const sum = await w.store.roundSum(r.id, 4);
      expect(sum).toMatchObject({ count: 2, clipped: 1, zeroed: 1 });
      expect(Array.from(sum.sum).map((x) => Number(x.toFixed(6)))).toEqual([0.6, 0.8, 0, 0]);
    } finally {
      await w.store.close();
    }
  });

  it("a full queue's 503 arrives as an ApiError with its status and Retry-After", async () => {
    const w = await openStoreInWorker(
      { kind: 'embedded', dir: join(dir, 'full') },
      { batcher: { maxQueue: 0 } },
    );
    try {
      const values = Float32Array.from([1, 0, 0, 1]);
      const err = await w.queue
        .add(1, { clientId: 'q-x', values, scale: 1, clipped: false, zeroed: false })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ status: 503, reason: 'overloaded', retryAfterSec: 1 });
    } finally {
      await w.store.close();
    }
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
