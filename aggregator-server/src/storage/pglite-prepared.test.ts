import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pglitePrepared } from './pglite-prepared';

describe('pglitePrepared', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create('memory://');
    await db.exec(`CREATE TABLE t (id int PRIMARY KEY, name text, ok boolean);
      CREATE FUNCTION fail(message text) RETURNS integer LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION '%', message; END $$;`);
  });
  afterAll(() => db.close());

  it('returns the rows query() returns, typed by the same parsers, run after run', async () => {
    const run = pglitePrepared(db);
    const insert = 'INSERT INTO t SELECT * FROM unnest($1::int[], $2::text[], $3::boolean[]) RETURNING *';
    expect(
      await run('ins', insert, [
        [1, 2],
        ['a', 'b'],
        [true, false],
      ]),
    ).toEqual([
      { id: 1, name: 'a', ok: true },
      { id: 2, name: 'b', ok: false },
    ]);
    expect(await run('ins', insert, [[3], ['it\'s "quoted"'], [null]])).toEqual([
      { id: 3, name: 'it\'s "quoted"', ok: null },
    ]);
    const select = 'SELECT id, name, ok FROM t WHERE id = ANY($1::int[]) ORDER BY id';
    expect(await run('sel', select, [[1, 3]])).toEqual((await db.query(select, [[1, 3]])).rows as unknown[]);
  });

  it('throws the statement error and leaves the connection usable, with nothing of it stored', async () => {
    const run = pglitePrepared(db);
    const text =
      'WITH i AS (INSERT INTO t VALUES ($1, $2, true) RETURNING 1) SELECT fail($2), (SELECT count(*) FROM i)';
    await expect(run('failing', text, [10, 'nope'])).rejects.toThrow('nope');
    expect((await db.query('SELECT count(*)::int AS n FROM t WHERE id = 10')).rows).toEqual([{ n: 0 }]);
    expect(await run('count', 'SELECT count(*)::int AS n FROM t WHERE id > $1', [0])).toEqual([{ n: 3 }]);
  });

  it('waits for an open transaction instead of running inside it', async () => {
    const run = pglitePrepared(db);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO t VALUES (20, $1, true)', ['in tx']);
      await held;
      throw new Error('rolled back');
    });
    const inserted = run('ins20', 'INSERT INTO t VALUES ($1, $2, false) RETURNING id', [21, 'after']);
    await new Promise((r) => setTimeout(r, 50));
    release();
    await expect(tx).rejects.toThrow('rolled back');
    // had it run inside the transaction, the rollback would have taken row 21 with it
    expect(await inserted).toEqual([{ id: 21 }]);
    expect((await db.query('SELECT id FROM t WHERE id >= 20 ORDER BY id')).rows).toEqual([{ id: 21 }]);
  });

  it('refuses one name for two texts', async () => {
    const run = pglitePrepared(db);
    await run('same', 'SELECT $1::int AS x', [1]);
    await expect(run('same', 'SELECT $1::int AS y', [1])).rejects.toThrow('prepared with another text');
  });
});
