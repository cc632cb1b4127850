import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import { durableStartParams, openDurablePGlite } from './pglite-durable';

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hearth-pgl-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a durable PGlite', () => {
  it('runs PostgreSQL with fsync on, the WAL synced by fsync()', async () => {
    const db = await openDurablePGlite(freshDir());
    try {
      expect((await db.query<{ fsync: string }>('SHOW fsync')).rows[0]?.fsync).toBe('on');
      expect(
        (await db.query<{ wal_sync_method: string }>('SHOW wal_sync_method')).rows[0]?.wal_sync_method,
      ).toBe('fsync');
    } finally {
      await db.close();
    }
  });

  it('syncs a file to disk on every commit, before the commit returns', async () => {
    const synced: number[] = [];
    const db = await openDurablePGlite(freshDir(), (fd) => synced.push(fd));
    try {
      await db.query('CREATE TABLE receipts (id int)');
      for (let i = 0; i < 5; i++) {
        const before = synced.length;
        await db.query('INSERT INTO receipts VALUES ($1)', [i]);
        expect(synced.length).toBeGreaterThan(before);
      }
    } finally {
      await db.close();
    }
  });

  it('keeps its rows across a reopen', async () => {
    const dir = freshDir();
    const db = await openDurablePGlite(dir);
    await db.query('CREATE TABLE ledger (epsilon float8)');
    await db.query('INSERT INTO ledger VALUES (0.5)');
    await db.close();
    const again = await openDurablePGlite(dir);
    try {
      expect((await again.query<{ epsilon: number }>('SELECT epsilon FROM ledger')).rows).toEqual([
        { epsilon: 0.5 },
      ]);
    } finally {
      await again.close();
    }
  });

  it("PGlite's own defaults, the reason for all this: fsync off", async () => {
    const db = await PGlite.create(freshDir());
    try {
      expect((await db.query<{ fsync: string }>('SHOW fsync')).rows[0]?.fsync).toBe('off');
    } finally {
      await db.close();
    }
    expect(durableStartParams()).not.toContain('-F');
  });
});
