// A group commit in ONE SQL statement, for the common case: the round still collects, every client of
// the batch is new, and this replica has counted updates of the round before. Then no BEGIN, no
// COMMIT, no separate statements: on PostgreSQL that is one round trip instead of five, and each round
// trip waits for the database and then for a turn of the server's event loop, which under load serves
// dozens of upload streams first (a group commit took 70 ms where its queries took 13).
//
// The running sum with the whole batch added is prepared first: written durably to the free slot
// (files), or sent with the statement (database). The statement locks the round row FOR SHARE, checks
// that none of the clients has a receipt, and only then inserts the receipts and points this replica's
// row at the new sum. If another replica inserts one of the same clients at the same moment, the
// insert skips it, the count of inserted receipts comes out short, and hearth_abort() fails the whole
// statement, so nothing of it stays. In every case where it does not go through, the caller takes the
// general path (sql-store.ts), a transaction of several statements that handles duplicates.

import type { BlobStore } from './blobs';
import { addScaledAll, f64Bytes, type RunningSum } from './running-sum';
import type { Sql } from './sql';
import { sumChecksum } from './sum-checksum';
import type { ClippedUpdate, RoundState } from './types';

export const RACED_MESSAGE = 'hearth: a receipt of this batch was inserted meanwhile';

export type OneStatementResult =
  /** Committed: every update of the batch was accepted. */
  | { readonly kind: 'done'; readonly next: RunningSum }
  | { readonly kind: 'round_not_collecting'; readonly state: RoundState | 'missing' }
  /** Not for this path (nothing stored). `dirty`: `base` was changed and must be read back. */
  | { readonly kind: 'general'; readonly dirty: boolean };

export async function ingestInOneStatement(o: {
  sql: Sql;
  blobs: BlobStore;
  replicaId: string;
  roundId: number;
  updates: readonly ClippedUpdate[];
  /** This replica's committed running sum; changed in place (then `dirty` unless done). */
  base: RunningSum;
}): Promise<OneStatementResult> {
  const { sql, blobs, replicaId, roundId, updates, base } = o;
  // The first batch moves the round from open to collecting, with its own lock order: general path.
  if (base.count === 0) return { kind: 'general', dirty: false };
  const ids = updates.map((u) => u.clientId);
  if (new Set(ids).size !== ids.length) return { kind: 'general', dirty: false };
  if (updates.some((u) => u.values.length !== base.sum.length)) return { kind: 'general', dirty: false };

  const next = base;
  addScaledAll(next.sum, updates);
  for (const u of updates) {
    next.count++;
    if (u.clipped) next.clipped++;
    if (u.zeroed) next.zeroed++;
  }
  next.seq++;
  // the slot the row does not name (see sql-store.ts)
  const name = `sum-r${roundId}-${replicaId}-${next.seq % 2}`;
  const bytes = f64Bytes(next.sum);
  const checksum = blobs.namedInDatabase ? sumChecksum(bytes) : await blobs.putNamed(name, bytes);
  const params: unknown[] = [
    roundId,
    replicaId,
    ids,
    updates.map((u) => u.clipped),
    updates.map((u) => u.zeroed),
    next.count,
    next.clipped,
    next.zeroed,
    next.seq,
    name,
    checksum,
    updates.length,
  ];
  if (blobs.namedInDatabase) params.push(bytes);
  let rows: { state: RoundState | null; ok: boolean | null }[];
  try {
    rows = await sql.queryPrepared(
      blobs.namedInDatabase ? 'hearth_ingest_batch_blob' : 'hearth_ingest_batch',
      `WITH r AS (SELECT state FROM rounds WHERE id = $1 FOR SHARE),
       go AS (SELECT (SELECT state FROM r) IS NOT DISTINCT FROM 'collecting'
                AND NOT EXISTS (SELECT 1 FROM receipts WHERE round_id = $1 AND client_id = ANY($3::text[])) AS ok),
       ins AS (
         INSERT INTO receipts (round_id, client_id, replica, clipped, zeroed)
         SELECT $1, u.client_id, $2, u.clipped, u.zeroed
         FROM unnest($3::text[], $4::boolean[], $5::boolean[]) AS u(client_id, clipped, zeroed), go
         WHERE go.ok
         ON CONFLICT DO NOTHING RETURNING 1),
       part AS (
         INSERT INTO round_partials (round_id, replica, count, clipped, zeroed, seq, sum_blob, sum_sha256)
         SELECT $1, $2, $6, $7, $8, $9, $10, $11 FROM go WHERE go.ok
         ON CONFLICT (round_id, replica) DO UPDATE
         SET count = $6, clipped = $7, zeroed = $8, seq = $9, sum_blob = $10, sum_sha256 = $11
         RETURNING 1)
       ${
         blobs.namedInDatabase
           ? `, blob AS (
         INSERT INTO named_blobs (name, bytes) SELECT $10, $13 FROM go WHERE go.ok
         ON CONFLICT (name) DO UPDATE SET bytes = EXCLUDED.bytes RETURNING 1)`
           : ''
       }
       SELECT (SELECT state FROM r) AS state, (SELECT ok FROM go) AS ok,
         CASE WHEN (SELECT ok FROM go) AND (SELECT count(*) FROM ins) <> $12
           THEN hearth_abort('${RACED_MESSAGE}') END AS raced`,
      params,
    );
  } catch (e) {
    if ((e as Error).message === RACED_MESSAGE) return { kind: 'general', dirty: true };
    throw e;
  }
  const row = rows[0];
  if (row?.state !== 'collecting') return { kind: 'round_not_collecting', state: row?.state ?? 'missing' };
  if (!row.ok) return { kind: 'general', dirty: true };
  return { kind: 'done', next };
}
