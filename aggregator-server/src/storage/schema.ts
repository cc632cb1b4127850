// One schema for both stores (PGlite speaks PostgreSQL's dialect). Applied under an advisory lock so two
// replicas starting together on one PostgreSQL do not race each other's CREATE statements.

import type { Sql } from './sql';

export const SCHEMA_VERSION = 1;

const statements = [
  `CREATE TABLE IF NOT EXISTS hearth_schema (version INTEGER PRIMARY KEY)`,
  // Immutable: rows are inserted, never updated or deleted.
  `CREATE TABLE IF NOT EXISTS model_versions (
     version INTEGER PRIMARY KEY CHECK (version >= 1),
     parent INTEGER REFERENCES model_versions(version),
     round_id INTEGER,
     manifest JSONB NOT NULL,
     weights_sha256 TEXT NOT NULL CHECK (weights_sha256 ~ '^[0-9a-f]{64}$'),
     weights_bytes INTEGER NOT NULL CHECK (weights_bytes >= 0),
     epsilon DOUBLE PRECISION NOT NULL CHECK (epsilon >= 0),
     delta DOUBLE PRECISION NOT NULL CHECK (delta >= 0),
     note TEXT NOT NULL DEFAULT '',
     created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
  // Weights for stores without a filesystem of their own (PostgreSQL shared by replicas); content-addressed.
  `CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, bytes BYTEA NOT NULL)`,
  // Running sums of the PostgreSQL store, under unique names (the embedded store keeps them as files).
  `CREATE TABLE IF NOT EXISTS named_blobs (name TEXT PRIMARY KEY, bytes BYTEA NOT NULL)`,
  // Weights and sums are floats, stored uncompressed (EXTERNAL, out of line). PostgreSQL's default
  // (EXTENDED) runs pglz on every write: on a dense 800 KB sum it gives up early (4.0 against 3.6 ms per
  // UPDATE), but on a sparse one (70% zeros, as a sum over item-table rows few clients touch would be)
  // it costs 20.5 against 3.7 ms of server CPU per group commit, to save I/O on a machine that is short
  // of CPU. Altered only when needed: ALTER TABLE locks the table, and a replica starting must not stall
  // the others.
  ...['blobs', 'named_blobs'].map(
    (table) => `DO $$ BEGIN
       IF (SELECT attstorage FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attname = 'bytes') <> 'e'
       THEN ALTER TABLE ${table} ALTER COLUMN bytes SET STORAGE EXTERNAL; END IF;
     END $$`,
  ),
  // The latest pointer is a log: the newest row wins, so a rollback appends and rewrites nothing.
  `CREATE TABLE IF NOT EXISTS latest_pointer (
     seq SERIAL PRIMARY KEY,
     version INTEGER NOT NULL REFERENCES model_versions(version),
     reason TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
  `CREATE TABLE IF NOT EXISTS rounds (
     id SERIAL PRIMARY KEY,
     model_version INTEGER NOT NULL REFERENCES model_versions(version),
     state TEXT NOT NULL CHECK (state IN ('open','collecting','aggregating','committed','abandoned')),
     params JSONB NOT NULL,
     layout JSONB NOT NULL,
     deadline TIMESTAMPTZ NOT NULL,
     opened_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     state_changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     closed_at TIMESTAMPTZ,
     reason TEXT,
     result_version INTEGER REFERENCES model_versions(version))`,
  // At most one round that is not finished: a second open fails on this index (S24: open N+2 before N+1).
  `CREATE UNIQUE INDEX IF NOT EXISTS rounds_one_active ON rounds ((true))
     WHERE state IN ('open','collecting','aggregating')`,
  // One row per acknowledged update: the primary key makes each (round, client) count exactly once,
  // across replicas too.
  `CREATE TABLE IF NOT EXISTS receipts (
     round_id INTEGER NOT NULL REFERENCES rounds(id),
     client_id TEXT NOT NULL,
     replica TEXT NOT NULL,
     clipped BOOLEAN NOT NULL,
     zeroed BOOLEAN NOT NULL,
     received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     PRIMARY KEY (round_id, client_id))`,
  // Each replica's running sum for a round (float64 little-endian): the row names the blob that holds
  // it and its SHA-256. The blob is written (durably) before the transaction that inserts the receipts
  // it covers commits, and the previous blob is deleted only after: the row is the commit point.
  // Summed over replicas at close.
  `CREATE TABLE IF NOT EXISTS round_partials (
     round_id INTEGER NOT NULL REFERENCES rounds(id),
     replica TEXT NOT NULL,
     count INTEGER NOT NULL,
     clipped INTEGER NOT NULL,
     zeroed INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     sum_blob TEXT NOT NULL,
     sum_sha256 TEXT NOT NULL,
     PRIMARY KEY (round_id, replica))`,
  // Fails the statement that calls it (and so undoes everything that statement did): the one-statement
  // group commit (ingest-one-statement.ts) calls it when its receipts raced another replica's.
  `CREATE OR REPLACE FUNCTION hearth_abort(message text) RETURNS integer LANGUAGE plpgsql
     AS $$ BEGIN RAISE EXCEPTION '%', message; END $$`,
  `CREATE TABLE IF NOT EXISTS privacy_ledger (
     round_id INTEGER PRIMARY KEY REFERENCES rounds(id),
     model_version INTEGER NOT NULL REFERENCES model_versions(version),
     q DOUBLE PRECISION NOT NULL,
     z DOUBLE PRECISION NOT NULL,
     clip_bound DOUBLE PRECISION NOT NULL,
     expected_clients DOUBLE PRECISION NOT NULL,
     received INTEGER NOT NULL,
     epsilon DOUBLE PRECISION NOT NULL,
     delta DOUBLE PRECISION NOT NULL,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
];

export async function applySchema(sql: Sql): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(727274)');
    for (const s of statements) await tx.query(s);
    await tx.query('INSERT INTO hearth_schema (version) VALUES ($1) ON CONFLICT DO NOTHING', [
      SCHEMA_VERSION,
    ]);
  });
}
