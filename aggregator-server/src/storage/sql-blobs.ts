// Weights in the database, for PostgreSQL: replicas behind a load balancer share the database but not
// a filesystem. The database's own commit makes the write atomic.

import { type BlobStore, NAME, sha256Hex, verified } from './blobs';
import { bytesOf, hexParam, type Sql } from './sql';

export function sqlBlobs(sql: Sql): BlobStore {
  return {
    async put(bytes) {
      const sha = sha256Hex(bytes);
      await sql.query(
        `INSERT INTO blobs (sha256, bytes) VALUES ($1, decode($2, 'hex')) ON CONFLICT DO NOTHING`,
        [sha, hexParam(bytes)],
      );
      return sha;
    },
    async get(sha) {
      const rows = await sql.query<{ bytes: unknown }>('SELECT bytes FROM blobs WHERE sha256 = $1', [sha]);
      if (!rows[0]) throw new Error(`weights ${sha} are missing from the blobs table`);
      return verified(sha, bytesOf(rows[0].bytes));
    },
    async putNamed(name, bytes, tx) {
      if (!NAME.test(name)) throw new RangeError(`blob name ${JSON.stringify(name)} is not allowed`);
      // inside the caller's transaction: the sum and the row naming it commit together, in one commit
      await (tx ?? sql).query(
        `INSERT INTO named_blobs (name, bytes) VALUES ($1, decode($2, 'hex'))
         ON CONFLICT (name) DO UPDATE SET bytes = EXCLUDED.bytes`,
        [name, hexParam(bytes)],
      );
      return sha256Hex(bytes);
    },
    async getNamed(name, sha) {
      const rows = await sql.query<{ bytes: unknown }>('SELECT bytes FROM named_blobs WHERE name = $1', [
        name,
      ]);
      if (!rows[0]) throw new Error(`running sum ${name} is missing`);
      return verified(sha, bytesOf(rows[0].bytes));
    },
    async deleteNamed(name) {
      await sql.query('DELETE FROM named_blobs WHERE name = $1', [name]);
    },
    async listNamed() {
      return (await sql.query<{ name: string }>('SELECT name FROM named_blobs')).map((r) => r.name);
    },
  };
}
