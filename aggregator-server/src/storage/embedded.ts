// The embedded default: PGlite (PostgreSQL compiled to WebAssembly, in-process, no server) for the
// registry, rounds, sums and ledger, and plain files for the weights. PGlite speaks PostgreSQL's own
// dialect, so the embedded store and the PostgreSQL store share one schema and one implementation.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type FileBlobOptions, fileBlobs } from './file-blobs';
import { openDurablePGlite } from './pglite-durable';
import { applySchema } from './schema';
import { pgliteSql } from './sql';
import { sqlStore } from './sql-store';
import type { Store } from './types';

export interface EmbeddedStoreOptions extends FileBlobOptions {
  /** Data directory: `db/` holds the database, `weights/` the weights files. */
  readonly dir: string;
  /** Keep the database in memory (tests); the weights still go to files under dir. */
  readonly inMemory?: boolean;
}

export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<Store> {
  await mkdir(options.dir, { recursive: true });
  // On disk, commits are fsynced (./pglite-durable): PGlite's defaults keep them in the page cache only.
  const db = options.inMemory
    ? await PGlite.create('memory://')
    : await openDurablePGlite(join(options.dir, 'db'));
  const sql = pgliteSql(db);
  await applySchema(sql);
  return sqlStore({ kind: 'embedded', sql, blobs: fileBlobs(join(options.dir, 'weights'), options) });
}
