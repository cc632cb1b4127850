import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { applySchema } from './schema';
import { pgliteSql, pgPoolSql, type Sql } from './sql';
import { createTestDatabase, type TestDatabase } from './test-postgres';

/** How each large-value column is stored: 'e' is EXTERNAL (out of line, never compressed). */
async function storage(sql: Sql): Promise<Record<string, string>> {
  const rows = await sql.query<{ relname: string; attstorage: string }>(
    `SELECT c.relname, a.attstorage FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relname IN ('blobs', 'named_blobs') AND a.attname = 'bytes'`,
  );
  return Object.fromEntries(rows.map((r) => [r.relname, r.attstorage]));
}

describe('the schema', () => {
  it('stores weights and running sums uncompressed (PGlite), and applying it twice changes nothing', async () => {
    const db = await PGlite.create('memory://');
    try {
      const sql = pgliteSql(db);
      await applySchema(sql);
      expect(await storage(sql)).toEqual({ blobs: 'e', named_blobs: 'e' });
      await applySchema(sql);
      expect(await storage(sql)).toEqual({ blobs: 'e', named_blobs: 'e' });
    } finally {
      await db.close();
    }
  });

  let database: TestDatabase | undefined;
  afterAll(async () => {
    await database?.drop();
  });

  it('stores weights and running sums uncompressed (PostgreSQL), also for a database made before', async () => {
    database = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const sql = pgPoolSql(pool);
      // A database from before this change: the default, EXTENDED (compressed when large).
      await sql.query('CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, bytes BYTEA NOT NULL)');
      await sql.query('CREATE TABLE named_blobs (name TEXT PRIMARY KEY, bytes BYTEA NOT NULL)');
      expect(await storage(sql)).toEqual({ blobs: 'x', named_blobs: 'x' });
      await applySchema(sql);
      expect(await storage(sql)).toEqual({ blobs: 'e', named_blobs: 'e' });
    } finally {
      await pool.end();
    }
  });
});
