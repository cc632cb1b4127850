// Two stores (two replicas) on one PostgreSQL database, ingesting into the same fresh round at the same
// moment: the first batches of both race to move the round from open to collecting. They must neither
// deadlock nor lose an update.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layout, params, version } from './contract';
import { openPostgresStore } from './postgres';
import { createTestDatabase, type TestDatabase } from './test-postgres';
import type { Store } from './types';

let db: TestDatabase;
let a: Store;
let b: Store;
beforeAll(async () => {
  db = await createTestDatabase();
  a = await openPostgresStore({ url: db.url });
  b = await openPostgresStore({ url: db.url });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const upd = (clientId: string) => ({
  clientId,
  values: Float64Array.from([1, 2, 3, 4]),
  scale: 1,
  clipped: false,
  zeroed: false,
});

describe('replicas racing on one round', () => {
  it('first batches from two replicas at once: no deadlock, every update counted once', async () => {
    const v = await a.createVersion(version(1), 'base');
    for (let k = 0; k < 15; k++) {
      const r = await a.openRound({
        modelVersion: v.version,
        params,
        layout,
        deadline: new Date(Date.now() + 60_000),
      });
      const batch = (p: string) => Array.from({ length: 5 }, (_, i) => upd(`${p}-${i}`));
      const [x, y] = await Promise.all([a.ingest(r.id, batch('a')), b.ingest(r.id, batch('b'))]);
      expect(x.kind).toBe('ok');
      expect(y.kind).toBe('ok');
      expect((await a.roundSum(r.id, 4)).count).toBe(10);
      await a.transitionRound(r.id, ['collecting'], 'abandoned', 'next');
    }
  });
});

describe('a replica restarted under the same id', () => {
  it('continues its stored running sum instead of starting again from zero', async () => {
    const v = await a.createVersion(version(2), 'base');
    const r = await a.openRound({
      modelVersion: v.version,
      params,
      layout,
      deadline: new Date(Date.now() + 60_000),
    });
    const first = await openPostgresStore({ url: db.url, replicaId: 'fixed-replica' });
    await first.ingest(r.id, [upd('s-1'), upd('s-2')]);
    await first.close();
    const again = await openPostgresStore({ url: db.url, replicaId: 'fixed-replica' });
    try {
      await again.ingest(r.id, [upd('s-3')]);
      const total = await again.roundSum(r.id, 4);
      expect(total.count).toBe(3);
      expect(Array.from(total.sum)).toEqual([3, 6, 9, 12]);
    } finally {
      await again.close();
    }
    await a.transitionRound(r.id, ['collecting'], 'abandoned', 'next');
  });
});

describe('a receipt inserted by another replica while a one-statement commit runs', () => {
  it('fails that statement as a whole; the general path counts the other clients once and skips it', async () => {
    const v = await a.createVersion(version(3), 'base');
    const r = await a.openRound({
      modelVersion: v.version,
      params,
      layout,
      deadline: new Date(Date.now() + 60_000),
    });
    await a.ingest(r.id, [upd('race-w')]); // the first batch takes the general path; later ones do not
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      // another replica's transaction holds an uncommitted receipt of race-x: the statement's dup check
      // cannot see it, its insert waits for it, then skips it
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO receipts (round_id, client_id, replica, clipped, zeroed) VALUES ($1, 'race-x', 'other', false, false)`,
        [r.id],
      );
      const pending = a.ingest(r.id, [upd('race-x'), upd('race-y')]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.query('COMMIT');
      expect(await pending).toEqual({ kind: 'ok', accepted: ['race-y'], duplicates: ['race-x'] });
    } finally {
      await other.end();
    }
    const total = await a.roundSum(r.id, 4);
    expect(total.count).toBe(2); // race-w and race-y; race-x's vector belongs to the other replica
    expect(Array.from(total.sum)).toEqual([2, 4, 6, 8]);
    expect(await a.receiptCount(r.id)).toBe(3);
    await a.transitionRound(r.id, ['collecting'], 'abandoned', 'next');
  });
});
