// PostgreSQL through `pg`, for several aggregator replicas behind a load balancer sharing one database.
// Weights live in the database too (the replicas share no filesystem).

import pg from 'pg';
import { applySchema } from './schema';
import { pgPoolSql } from './sql';
import { sqlBlobs } from './sql-blobs';
import { sqlStore } from './sql-store';
import type { Store } from './types';

export interface PostgresStoreOptions {
  readonly url: string;
  readonly poolSize?: number;
  readonly replicaId?: string;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 8 });
  // An idle client that loses its connection emits 'error' on the pool; without a listener it would crash.
  pool.on('error', () => {});
  const sql = pgPoolSql(pool);
  try {
    await applySchema(sql);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return sqlStore({
    kind: 'postgres',
    sql,
    blobs: sqlBlobs(sql),
    ...(options.replicaId ? { replicaId: options.replicaId } : {}),
  });
}
