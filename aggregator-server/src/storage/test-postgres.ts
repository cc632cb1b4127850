// A real PostgreSQL for tests. HEARTH_TEST_PG_URL, when set, names a server to use. Otherwise the first
// test file that asks starts a throwaway cluster (initdb + pg_ctl, trust auth on 127.0.0.1, fsync off),
// shared by every test worker of the same Vitest run through a directory keyed by the runner's pid, and
// a watchdog stops it when that runner exits. Each caller gets a fresh database of its own.
// It throws when no server can be had: the PostgreSQL tests fail, they never skip.

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = process.env.HEARTH_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary, as the postgres user when we are root (initdb refuses to run as root). */
function asPostgres(dir: string): { run: (bin: string, args: string[]) => string; prefix: string[] } {
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const prefix = root ? ['runuser', '-u', 'postgres', '--'] : [];
  return {
    prefix,
    run: (bin, args) => {
      const argv = [...prefix, join(BIN, bin), ...args];
      return execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    },
  };
}

async function startCluster(dir: string): Promise<string> {
  if (!existsSync(join(BIN, 'initdb')))
    throw new Error(`PostgreSQL binaries not found in ${BIN} (install the postgresql package)`);
  const pgdir = join(dir, 'pg');
  mkdirSync(pgdir);
  const { run, prefix } = asPostgres(pgdir);
  const data = join(pgdir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${pgdir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
  run('pg_ctl', ['-D', data, '-l', join(pgdir, 'log'), '-w', '-t', '60', '-o', opts, 'start']);
  // Stop the cluster when the Vitest runner (our parent) is gone, however it ends.
  const stop = [...prefix, join(BIN, 'pg_ctl'), '-D', data, 'stop', '-m', 'immediate'].join(' ');
  spawn('sh', ['-c', `while kill -0 ${process.ppid} 2>/dev/null; do sleep 1; done; ${stop}; rm -rf ${dir}`], {
    detached: true,
    stdio: 'ignore',
  }).unref();
  return `postgresql://postgres@127.0.0.1:${port}/postgres`;
}

/** The URL of a server for this test run: HEARTH_TEST_PG_URL, or the run's shared throwaway cluster. */
async function serverUrl(): Promise<string> {
  const fromEnv = process.env.HEARTH_TEST_PG_URL;
  if (fromEnv) return fromEnv;
  const dir = join(tmpdir(), `hearth-test-pg-${process.ppid}`);
  const urlFile = join(dir, 'url');
  const errorFile = join(dir, 'error');
  let owner = false;
  try {
    mkdirSync(dir);
    owner = true;
  } catch {
    // another worker of this run is starting it
  }
  if (owner) {
    try {
      const url = await startCluster(dir);
      writeFileSync(`${urlFile}.tmp`, url);
      renameSync(`${urlFile}.tmp`, urlFile);
    } catch (e) {
      const detail =
        e instanceof Error ? `${e.message}\n${String((e as { stderr?: unknown }).stderr ?? '')}` : String(e);
      writeFileSync(errorFile, detail);
      throw new Error(`could not start a throwaway PostgreSQL: ${detail}`);
    }
  }
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    if (existsSync(urlFile)) return readFileSync(urlFile, 'utf8');
    if (existsSync(errorFile))
      throw new Error(`could not start a throwaway PostgreSQL: ${readFileSync(errorFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('timed out waiting for the throwaway PostgreSQL');
}

/** A fresh, empty database on the test server; drop() removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = await serverUrl();
  const name = `hearth_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
