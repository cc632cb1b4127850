// The little SQL surface the store needs, so one store (sql-store.ts) runs on both PGlite (embedded,
// in-process) and PostgreSQL through `pg` (several replicas). Both speak the same dialect; the only
// differences the adapters hide are how rows come back and how a transaction is begun.

import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { pglitePrepared } from './pglite-prepared';

export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * query() for a statement run very often (the group commit's): prepared once per connection under
   * `name` (one name, one text), so later runs skip parsing and planning.
   */
  queryPrepared<T = Record<string, unknown>>(
    name: string,
    text: string,
    params: readonly unknown[],
  ): Promise<T[]>;
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<R>(fn: (tx: Sql) => Promise<R>): Promise<R>;
  close(): Promise<void>;
}

/** The error code PostgreSQL (and PGlite) report for a unique-constraint violation. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}

export function pgliteSql(db: PGlite): Sql {
  const prepared = pglitePrepared(db);
  const wrapTx = (tx: Transaction): Sql => ({
    query: async <T>(text: string, params?: readonly unknown[]) =>
      (await tx.query<T>(text, params ? [...params] : [])).rows,
    // inside a transaction (which holds PGlite's locks): a plain query
    queryPrepared: async <T>(_name: string, text: string, params: readonly unknown[]) =>
      (await tx.query<T>(text, [...params])).rows,
    transaction: (fn) => fn(wrapTx(tx)),
    close: async () => {},
  });
  return {
    query: async <T>(text: string, params?: readonly unknown[]) =>
      (await db.query<T>(text, params ? [...params] : [])).rows,
    queryPrepared: prepared,
    // PGlite is one connection: it queues transactions, so they never interleave.
    transaction: (fn) => db.transaction((tx) => fn(wrapTx(tx))),
    close: () => db.close(),
  };
}

export function pgPoolSql(pool: pg.Pool): Sql {
  const clientSql = (client: pg.PoolClient): Sql => ({
    query: async <T>(text: string, params?: readonly unknown[]) =>
      (await client.query(text, params ? [...params] : [])).rows as T[],
    queryPrepared: async <T>(name: string, text: string, params: readonly unknown[]) =>
      (await client.query({ name, text, values: [...params] })).rows as T[],
    transaction: (fn) => fn(clientSql(client)),
    close: async () => {},
  });
  return {
    query: async <T>(text: string, params?: readonly unknown[]) =>
      (await pool.query(text, params ? [...params] : [])).rows as T[],
    // pg prepares a named statement once on each pooled connection
    queryPrepared: async <T>(name: string, text: string, params: readonly unknown[]) =>
      (await pool.query({ name, text, values: [...params] })).rows as T[],
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(clientSql(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** A bytea column as a Uint8Array (pg gives a Buffer, PGlite a Uint8Array; both are Uint8Arrays). */
export function bytesOf(value: unknown): Uint8Array {
  // pg hands out Buffers; callers (and tests) want plain Uint8Arrays.
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected bytea, got ${typeof value}`);
}
