// Weights in the database, for PostgreSQL: replicas behind a load balancer share the database but not
// a filesystem. The database's own commit makes the write atomic. Bytes go as they are: `pg` sends a
// Buffer or Uint8Array parameter in binary, where hex text would double an 800 KB running sum on the
// wire and cost an encode in Node and a decode in PostgreSQL at every group commit.

import { type BlobStore, NAME, sha256Hex, verified } from './blobs';
import { bytesOf, type Sql } from './sql';
import { sumChecksum, verifiedSum } from './sum-checksum';

export function sqlBlobs(sql: Sql): BlobStore {
  return {
    namedInDatabase: true,
    async put(bytes) {
      const sha = sha256Hex(bytes);
      await sql.query(`INSERT INTO blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        sha,
        bytes,
      ]);
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
        `INSERT INTO named_blobs (name, bytes) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET bytes = EXCLUDED.bytes`,
        [name, bytes],
      );
      return sumChecksum(bytes);
    },
    async getNamed(name, checksum) {
      const rows = await sql.query<{ bytes: unknown }>('SELECT bytes FROM named_blobs WHERE name = $1', [
        name,
      ]);
      if (!rows[0]) throw new Error(`running sum ${name} is missing`);
      return verifiedSum(name, checksum, bytesOf(rows[0].bytes));
    },
    async deleteNamed(name) {
      await sql.query('DELETE FROM named_blobs WHERE name = $1', [name]);
    },
    async listNamed() {
      return (await sql.query<{ name: string }>('SELECT name FROM named_blobs')).map((r) => r.name);
    },
  };
}
