// The one Store implementation, over any Sql (PGlite or pg) and any BlobStore (files or the database).
// How an acknowledged update is made durable and counted once:
//   one transaction locks the round row (FOR SHARE, so a close waits for it), checks the round still
//   collects, inserts the receipts (round, client) with ON CONFLICT DO NOTHING, adds exactly the newly
//   inserted clients' vectors to this replica's running sum, writes that sum durably into the one of
//   its two slots that the row does not name (a file overwritten in place and fdatasynced for the
//   embedded store; a row written in the same transaction for PostgreSQL) and points the replica's
//   round_partials row at it. The HTTP layer answers 2xx only after that commit. Memory stays O(model):
//   each replica keeps one running sum per round, and storage holds two per replica, never one vector
//   per client; they are deleted once the round is finished.

import { randomUUID } from 'node:crypto';
import type { TensorLayout } from '@hearth/models';
import type { BlobStore } from './blobs';
import { ingestInOneStatement } from './ingest-one-statement';
import { addScaledAll, bytesToF64, f64Bytes, type RunningSum, sumFromBytes, zeroSum } from './running-sum';
import { isUniqueViolation, type Sql } from './sql';
import {
  type ClippedUpdate,
  type IngestOutcome,
  type LatestPointer,
  type LedgerEntry,
  type ModelVersionRecord,
  type NewLedgerEntry,
  type NewModelVersion,
  type RoundParams,
  type RoundRecord,
  type RoundState,
  type RoundSum,
  type Store,
  StoreConflictError,
} from './types';

interface VersionRow {
  version: number;
  parent: number | null;
  round_id: number | null;
  manifest: Record<string, unknown>;
  weights_sha256: string;
  weights_bytes: number;
  epsilon: number;
  delta: number;
  note: string;
  created_at: Date;
}

interface RoundRow {
  id: number;
  model_version: number;
  state: RoundState;
  // absent in rounds stored before it existed
  params: Omit<RoundParams, 'serverItemTablesLr'> & { serverItemTablesLr?: number | null };
  layout: TensorLayout;
  deadline: Date;
  opened_at: Date;
  state_changed_at: Date;
  closed_at: Date | null;
  reason: string | null;
  result_version: number | null;
}

const toVersion = (r: VersionRow): ModelVersionRecord => ({
  version: r.version,
  parent: r.parent,
  roundId: r.round_id,
  manifest: r.manifest,
  weightsSha256: r.weights_sha256,
  weightsBytes: r.weights_bytes,
  epsilon: r.epsilon,
  delta: r.delta,
  note: r.note,
  createdAt: new Date(r.created_at),
});

const toRound = (r: RoundRow): RoundRecord => ({
  id: r.id,
  modelVersion: r.model_version,
  state: r.state,
  // rounds stored before serverItemTablesLr existed used serverLr everywhere
  params: { ...r.params, serverItemTablesLr: r.params.serverItemTablesLr ?? null },
  layout: r.layout,
  deadline: new Date(r.deadline),
  openedAt: new Date(r.opened_at),
  stateChangedAt: new Date(r.state_changed_at),
  closedAt: r.closed_at === null ? null : new Date(r.closed_at),
  reason: r.reason,
  resultVersion: r.result_version,
});

export interface SqlStoreOptions {
  readonly kind: 'embedded' | 'postgres';
  readonly sql: Sql;
  readonly blobs: BlobStore;
  readonly replicaId?: string;
}

export function sqlStore(options: SqlStoreOptions): Store {
  const { sql, blobs } = options;
  const replicaId = options.replicaId ?? randomUUID();
  // This replica's running sums, mirrored from its round_partials rows after each commit.
  const partials = new Map<number, RunningSum>();
  // Ingests run one at a time per process: each reads the cached running sum and writes the next one.
  let ingestQueue: Promise<unknown> = Promise.resolve();

  async function insertVersion(tx: Sql, input: NewModelVersion, sha: string): Promise<ModelVersionRecord> {
    await tx.query('LOCK TABLE model_versions IN EXCLUSIVE MODE');
    const rows = await tx.query<VersionRow>(
      `INSERT INTO model_versions
         (version, parent, round_id, manifest, weights_sha256, weights_bytes, epsilon, delta, note)
       SELECT coalesce(max(version), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8 FROM model_versions
       RETURNING *`,
      [
        input.parent,
        input.roundId,
        JSON.stringify(input.manifest),
        sha,
        input.weights.length,
        input.epsilon,
        input.delta,
        input.note ?? '',
      ],
    );
    return toVersion(rows[0]!);
  }

  async function pointTo(tx: Sql, version: number, reason: string): Promise<LatestPointer> {
    const rows = await tx.query<{ version: number; reason: string; created_at: Date }>(
      'INSERT INTO latest_pointer (version, reason) VALUES ($1, $2) RETURNING version, reason, created_at',
      [version, reason],
    );
    const r = rows[0]!;
    return { version: r.version, reason: r.reason, createdAt: new Date(r.created_at) };
  }

  /** A round's privacy charge: written in the same transaction as its commit or abandonment. */
  async function chargeLedger(
    tx: Sql,
    roundId: number,
    modelVersion: number,
    e: NewLedgerEntry,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO privacy_ledger
         (round_id, model_version, q, z, clip_bound, expected_clients, received, epsilon, delta)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [roundId, modelVersion, e.q, e.z, e.clipBound, e.expectedClients, e.received, e.epsilon, e.delta],
    );
  }

  /**
   * This replica's running sum of a round as last committed: cached after each commit, read back from
   * its row when the cache has none (first batch of the round in this process, or after a failed
   * commit whose outcome is unknown), so a sum is never restarted from zero over a stored one.
   */
  async function committedRunningSum(roundId: number, size: number): Promise<RunningSum> {
    const cached = partials.get(roundId);
    if (cached) return cached;
    const rows = await sql.query<{
      count: number;
      clipped: number;
      zeroed: number;
      seq: number;
      sum_blob: string;
      sum_sha256: string;
    }>(
      'SELECT count, clipped, zeroed, seq, sum_blob, sum_sha256 FROM round_partials WHERE round_id = $1 AND replica = $2',
      [roundId, replicaId],
    );
    const row = rows[0];
    if (!row) return { sum: zeroSum(size), count: 0, clipped: 0, zeroed: 0, seq: 0 };
    const sum = sumFromBytes(await blobs.getNamed(row.sum_blob, row.sum_sha256));
    return { sum, count: row.count, clipped: row.clipped, zeroed: row.zeroed, seq: row.seq };
  }

  async function ingestNow(roundId: number, updates: readonly ClippedUpdate[]): Promise<IngestOutcome> {
    if (updates.length === 0) return { kind: 'ok', accepted: [], duplicates: [] };
    const size = updates[0]!.values.length;
    let base: RunningSum;
    let outcome: IngestOutcome & { next?: RunningSum };
    try {
      base = await committedRunningSum(roundId, size);
      const fast = await ingestInOneStatement({ sql, blobs, replicaId, roundId, updates, base });
      if (fast.kind === 'done') {
        partials.set(roundId, fast.next);
        return { kind: 'ok', accepted: updates.map((u) => u.clientId), duplicates: [] };
      }
      if (fast.kind === 'round_not_collecting') {
        partials.delete(roundId);
        return fast;
      }
      if (fast.dirty) {
        partials.delete(roundId);
        base = await committedRunningSum(roundId, size);
      }
      // The general path: the first batch of the round, or a batch with duplicates.
      outcome = await sql.transaction(async (tx): Promise<IngestOutcome & { next?: RunningSum }> => {
        // open -> collecting FIRST: two replicas whose first batches both read 'open' under FOR SHARE and
        // then both tried this UPDATE would deadlock. Taking the row's exclusive lock first (while it is
        // still open) puts every transaction on the same lock order. Once this replica has counted an
        // update of the round, the round was collecting, which it never leaves for open: skipped.
        if (base.count === 0)
          await tx.query(
            `UPDATE rounds SET state = 'collecting', state_changed_at = now() WHERE id = $1 AND state = 'open'`,
            [roundId],
          );
        // One statement (each one costs a round trip, and on PGlite CPU time on the server's own thread):
        // lock the round row FOR SHARE (a close waits for this transaction), and only while it collects
        // insert the receipts. Unique (round, client): a client already counted, here or by another
        // replica, is not inserted again.
        const rows = await tx.query<{ state: RoundState | null; inserted: string[] }>(
          `WITH r AS (SELECT state FROM rounds WHERE id = $1 FOR SHARE),
           ins AS (
             INSERT INTO receipts (round_id, client_id, replica, clipped, zeroed)
             SELECT $1, u.client_id, $2, u.clipped, u.zeroed
             FROM unnest($3::text[], $4::boolean[], $5::boolean[]) AS u(client_id, clipped, zeroed), r
             WHERE r.state = 'collecting'
             ON CONFLICT DO NOTHING RETURNING client_id)
           SELECT (SELECT state FROM r) AS state,
                  coalesce((SELECT array_agg(client_id) FROM ins), '{}'::text[]) AS inserted`,
          [
            roundId,
            replicaId,
            updates.map((u) => u.clientId),
            updates.map((u) => u.clipped),
            updates.map((u) => u.zeroed),
          ],
        );
        const state = rows[0]?.state;
        if (state !== 'collecting') return { kind: 'round_not_collecting', state: state ?? 'missing' };
        const inserted = rows[0]!.inserted;
        const fresh = new Set(inserted);
        // Added in place, with no copy of the sum: if this transaction fails, the catch below drops the
        // cached sum, and the next batch reads the committed one back from storage.
        const next = base;
        const accepted: string[] = [];
        const duplicates: string[] = [];
        const added: ClippedUpdate[] = [];
        for (const u of updates) {
          if (!fresh.delete(u.clientId)) {
            duplicates.push(u.clientId);
            continue;
          }
          if (u.values.length !== size)
            throw new RangeError(`update of ${u.clientId} has ${u.values.length} values, expected ${size}`);
          added.push(u);
          next.count++;
          if (u.clipped) next.clipped++;
          if (u.zeroed) next.zeroed++;
          accepted.push(u.clientId);
        }
        addScaledAll(next.sum, added);
        if (accepted.length > 0) {
          // Two slots per (round, replica), used in turn: the row names the slot of the last commit, and
          // this one overwrites the other, which nothing refers to, so a crash mid-write tears nothing
          // that counts. The new sum is durable before this transaction commits (a file is fsynced
          // first; a database blob commits with the row).
          next.seq++;
          const name = `sum-r${roundId}-${replicaId}-${next.seq % 2}`;
          const sha = await blobs.putNamed(name, f64Bytes(next.sum), tx);
          await tx.query(
            `INSERT INTO round_partials (round_id, replica, count, clipped, zeroed, seq, sum_blob, sum_sha256)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (round_id, replica) DO UPDATE
           SET count = $3, clipped = $4, zeroed = $5, seq = $6, sum_blob = $7, sum_sha256 = $8`,
            [roundId, replicaId, next.count, next.clipped, next.zeroed, next.seq, name, sha],
          );
        }
        return { kind: 'ok', accepted, duplicates, next };
      });
    } catch (e) {
      // Whether it committed is unknown (a lost connection during COMMIT): read the row back next time.
      partials.delete(roundId);
      throw e;
    }
    if (outcome.kind !== 'ok') return outcome;
    if (outcome.next && outcome.accepted.length > 0) partials.set(roundId, outcome.next);
    return { kind: 'ok', accepted: outcome.accepted, duplicates: outcome.duplicates };
  }

  /**
   * Deletes the running sums of finished rounds (committed or abandoned): nothing reads them again.
   * Runs after every finishing transition and at start (a crash may have come between the two).
   */
  async function collectSums(): Promise<number> {
    const names = await blobs.listNamed();
    const byRound = new Map<number, string[]>();
    for (const name of names) {
      const id = Number(/^sum-r(\d+)-/.exec(name)?.[1]);
      if (Number.isInteger(id)) byRound.set(id, [...(byRound.get(id) ?? []), name]);
    }
    if (byRound.size === 0) return 0;
    const finished = await sql.query<{ id: number }>(
      `SELECT id FROM rounds WHERE id = ANY($1::int[]) AND state IN ('committed', 'abandoned')`,
      [[...byRound.keys()]],
    );
    let deleted = 0;
    for (const { id } of finished) {
      partials.delete(id);
      for (const name of byRound.get(id) ?? []) {
        await blobs.deleteNamed(name);
        deleted++;
      }
    }
    return deleted;
  }
  /** Best effort: a failed clean-up is retried by the next one. */
  const collectSumsQuietly = () => collectSums().catch(() => 0);

  const store: Store = {
    kind: options.kind,
    replicaId,

    async createVersion(input, latestReason) {
      if (input.parent !== null && !(await store.getVersion(input.parent)))
        throw new StoreConflictError(`parent version ${input.parent} does not exist`);
      const sha = await blobs.put(input.weights);
      return sql.transaction(async (tx) => {
        const v = await insertVersion(tx, input, sha);
        if (latestReason !== null) await pointTo(tx, v.version, latestReason);
        return v;
      });
    },

    async seedVersion(input, reason) {
      const sha = await blobs.put(input.weights);
      return sql.transaction(async (tx) => {
        // insertVersion takes the table lock first, so a racing replica waits here and then sees the row
        await tx.query('LOCK TABLE model_versions IN EXCLUSIVE MODE');
        const existing = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM model_versions');
        if ((existing[0]?.n ?? 0) > 0) return null;
        const v = await insertVersion(tx, input, sha);
        await pointTo(tx, v.version, reason);
        return v;
      });
    },

    async getVersion(version) {
      const rows = await sql.query<VersionRow>('SELECT * FROM model_versions WHERE version = $1', [version]);
      return rows[0] ? toVersion(rows[0]) : null;
    },

    async listVersions() {
      return (await sql.query<VersionRow>('SELECT * FROM model_versions ORDER BY version')).map(toVersion);
    },

    async readWeights(version) {
      const v = await store.getVersion(version);
      if (!v) throw new Error(`model version ${version} does not exist`);
      return blobs.get(v.weightsSha256);
    },

    async latest() {
      const rows = await sql.query<{ version: number; reason: string; created_at: Date }>(
        'SELECT version, reason, created_at FROM latest_pointer ORDER BY seq DESC LIMIT 1',
      );
      const r = rows[0];
      return r ? { version: r.version, reason: r.reason, createdAt: new Date(r.created_at) } : null;
    },

    async setLatest(version, reason) {
      if (!(await store.getVersion(version)))
        throw new StoreConflictError(`model version ${version} does not exist`);
      return pointTo(sql, version, reason);
    },

    async openRound(input) {
      try {
        const rows = await sql.query<RoundRow>(
          `INSERT INTO rounds (model_version, state, params, layout, deadline)
           VALUES ($1, 'open', $2, $3, $4) RETURNING *`,
          [input.modelVersion, JSON.stringify(input.params), JSON.stringify(input.layout), input.deadline],
        );
        return toRound(rows[0]!);
      } catch (e) {
        if (isUniqueViolation(e)) throw new StoreConflictError('another round is still active');
        throw e;
      }
    },

    async getRound(id) {
      const rows = await sql.query<RoundRow>('SELECT * FROM rounds WHERE id = $1', [id]);
      return rows[0] ? toRound(rows[0]) : null;
    },

    async activeRound() {
      const rows = await sql.query<RoundRow>(
        `SELECT * FROM rounds WHERE state IN ('open','collecting','aggregating') ORDER BY id DESC LIMIT 1`,
      );
      return rows[0] ? toRound(rows[0]) : null;
    },

    async listRounds(limit) {
      return (await sql.query<RoundRow>('SELECT * FROM rounds ORDER BY id DESC LIMIT $1', [limit])).map(
        toRound,
      );
    },

    async transitionRound(id, from, to, reason) {
      const finished = to === 'committed' || to === 'abandoned';
      const rows = await sql.query<RoundRow>(
        `UPDATE rounds SET state = $2, state_changed_at = now(),
           reason = coalesce($4, reason), closed_at = CASE WHEN $5 THEN now() ELSE closed_at END
         WHERE id = $1 AND state = ANY($3::text[]) RETURNING *`,
        [id, to, [...from], reason ?? null, finished],
      );
      if (rows[0] && finished) await collectSumsQuietly();
      return rows[0] ? toRound(rows[0]) : null;
    },

    ingest(roundId, updates) {
      const run = ingestQueue.then(() => ingestNow(roundId, updates));
      ingestQueue = run.catch(() => {});
      return run;
    },

    async receiptCount(roundId) {
      const rows = await sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM receipts WHERE round_id = $1',
        [roundId],
      );
      return rows[0]?.n ?? 0;
    },

    async roundCounts(roundId) {
      const rows = await sql.query<{ count: number; clipped: number; zeroed: number }>(
        `SELECT coalesce(sum(count), 0)::int AS count, coalesce(sum(clipped), 0)::int AS clipped,
                coalesce(sum(zeroed), 0)::int AS zeroed
         FROM round_partials WHERE round_id = $1`,
        [roundId],
      );
      return rows[0] ?? { count: 0, clipped: 0, zeroed: 0 };
    },

    async roundSum(roundId, size) {
      const sum = new Float64Array(size);
      let count = 0;
      let clipped = 0;
      let zeroed = 0;
      // One replica's row at a time, so memory stays O(model) whatever the number of replicas.
      const replicas = await sql.query<{ replica: string }>(
        'SELECT replica FROM round_partials WHERE round_id = $1',
        [roundId],
      );
      for (const { replica } of replicas) {
        const rows = await sql.query<{
          count: number;
          clipped: number;
          zeroed: number;
          sum_blob: string;
          sum_sha256: string;
        }>(
          'SELECT count, clipped, zeroed, sum_blob, sum_sha256 FROM round_partials WHERE round_id = $1 AND replica = $2',
          [roundId, replica],
        );
        const row = rows[0]!;
        const part = bytesToF64(await blobs.getNamed(row.sum_blob, row.sum_sha256));
        if (part.length !== size)
          throw new RangeError(`partial sum of round ${roundId} has ${part.length} values, expected ${size}`);
        for (let i = 0; i < size; i++) sum[i]! += part[i]!;
        count += row.count;
        clipped += row.clipped;
        zeroed += row.zeroed;
      }
      return { count, clipped, zeroed, sum } satisfies RoundSum;
    },

    async commitRound(roundId, input, entry) {
      const sha = await blobs.put(input.weights);
      const result = await sql.transaction(async (tx) => {
        const locked = await tx.query<RoundRow>('SELECT * FROM rounds WHERE id = $1 FOR UPDATE', [roundId]);
        const round = locked[0];
        if (round?.state !== 'aggregating')
          throw new StoreConflictError(`round ${roundId} is ${round?.state ?? 'missing'}, not aggregating`);
        const version = await insertVersion(tx, { ...input, roundId }, sha);
        await pointTo(tx, version.version, `round ${roundId} committed`);
        await chargeLedger(tx, roundId, version.version, entry);
        const rows = await tx.query<RoundRow>(
          `UPDATE rounds SET state = 'committed', state_changed_at = now(), closed_at = now(), result_version = $2
           WHERE id = $1 RETURNING *`,
          [roundId, version.version],
        );
        return { round: toRound(rows[0]!), version };
      });
      partials.delete(roundId);
      await collectSumsQuietly();
      return result;
    },

    async abandonRound(roundId, reason, charge) {
      const abandoned = await sql.transaction(async (tx) => {
        const rows = await tx.query<RoundRow>(
          `UPDATE rounds SET state = 'abandoned', state_changed_at = now(), closed_at = now(), reason = $2
           WHERE id = $1 AND state = 'aggregating' RETURNING *`,
          [roundId, reason],
        );
        const round = rows[0];
        if (!round) throw new StoreConflictError(`round ${roundId} is not aggregating`);
        if (charge) await chargeLedger(tx, roundId, round.model_version, charge);
        return toRound(round);
      });
      await collectSumsQuietly();
      return abandoned;
    },

    collectSums,

    async ledger() {
      const rows = await sql.query<{
        round_id: number;
        model_version: number;
        q: number;
        z: number;
        clip_bound: number;
        expected_clients: number;
        received: number;
        epsilon: number;
        delta: number;
        created_at: Date;
      }>('SELECT * FROM privacy_ledger ORDER BY round_id');
      return rows.map(
        (r): LedgerEntry => ({
          roundId: r.round_id,
          modelVersion: r.model_version,
          q: r.q,
          z: r.z,
          clipBound: r.clip_bound,
          expectedClients: r.expected_clients,
          received: r.received,
          epsilon: r.epsilon,
          delta: r.delta,
          createdAt: new Date(r.created_at),
        }),
      );
    },

    close: () => sql.close(),
  };
  return store;
}
