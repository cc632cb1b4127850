// Where weights files live. Content-addressed by SHA-256, so a write is idempotent and a reader can
// verify what it got. A blob is written before the version row that names it: a crash in between leaves
// an orphan blob, never a version without its weights.

import { createHash } from 'node:crypto';
import type { Sql } from './sql';
import { ChecksumError } from './types';

export interface BlobStore {
  /**
   * Where named bytes (running sums) live: false, in files that putNamed writes; true, in the
   * database's named_blobs table, which the store may also write in its own statements.
   */
  readonly namedInDatabase: boolean;
  /** Stores bytes durably; returns their SHA-256 (hex). */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes stored under sha256, verified (ChecksumError when they do not match). */
  get(sha256: string): Promise<Uint8Array>;
  /**
   * Running sums: durable bytes under a name (round, replica, slot), overwritten in place. Returns
   * their checksum (sum-checksum.ts). `tx`: the transaction that records the name, for stores that
   * keep these bytes in the database (then the bytes commit or roll back with it); a file store writes
   * them before it.
   */
  putNamed(name: string, bytes: Uint8Array, tx?: Sql): Promise<string>;
  /** The bytes stored under `name`, verified against `checksum` (ChecksumError when they do not match). */
  getNamed(name: string, checksum: string): Promise<Uint8Array>;
  deleteNamed(name: string): Promise<void>;
  /** Every stored name, for the clean-up of sums of finished rounds. */
  listNamed(): Promise<string[]>;
}

export const NAME = /^[A-Za-z0-9_.-]{1,200}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function verified(sha256: string, bytes: Uint8Array): Uint8Array {
  const actual = sha256Hex(bytes);
  if (actual !== sha256) throw new ChecksumError(`weights ${sha256}: stored bytes hash to ${actual}`);
  return bytes;
}
