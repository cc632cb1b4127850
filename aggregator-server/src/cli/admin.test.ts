// The admin CLI as a process, against a real server on 127.0.0.1.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from '../testing/server';
import { writeSeedModel } from '../testing/spawn';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const exec = promisify(execFile);
let server: TestServer;
let dir: string;

async function admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'aggregator-server/src/cli/admin.ts'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, HEARTH_SERVER_URL: server.url, HEARTH_ADMIN_TOKEN: ADMIN },
      },
    );
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'hearth-admin-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('admin CLI', () => {
  it('opens, reports and abandons rounds; lists, registers and rolls back models; prints the ledger', async () => {
    const open = await admin('rounds', 'open', '--min-clients', '1', '--duration', '120');
    expect(open.code).toBe(0);
    const round = JSON.parse(open.stdout);
    expect(round).toMatchObject({ state: 'open', minClients: 1 });
    const status = JSON.parse((await admin('rounds', 'status', String(round.id))).stdout);
    expect(status.id).toBe(round.id);
    const again = await admin('rounds', 'open');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409 another round is still active/);
    const abandoned = JSON.parse(
      (await admin('rounds', 'abandon', String(round.id), '--reason', 'operator test')).stdout,
    );
    expect(abandoned).toMatchObject({ state: 'abandoned', reason: 'operator test' });

    await writeSeedModel(join(dir, 'model'));
    const reg = JSON.parse(
      (await admin('models', 'register', join(dir, 'model'), '--note', 'from disk')).stdout,
    );
    expect(reg).toMatchObject({ version: 2, note: 'from disk' });
    const rb = JSON.parse((await admin('models', 'rollback', '1', '--reason', 'test')).stdout);
    expect(rb.version).toBe(1);
    const list = JSON.parse((await admin('models', 'list')).stdout);
    expect(list.latest).toBe(1);
    const report = await admin('privacy', 'report');
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/privacy: ε = 0\.0000 of 1000 at δ = 0\.00001/);
  });

  it('bad arguments exit 2 with the usage; a missing --out stops pretrain before it starts', async () => {
    const bad = await admin('rounds', 'open', '--q', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--q: expected a number/);
    expect((await admin('nonsense')).code).toBe(2);
    expect((await admin('models', 'rollback', '1')).stderr).toMatch(/--reason is required/);
    const pre = await admin('pretrain', '--epochs', '1');
    expect(pre.code).toBe(2);
    expect(pre.stderr).toMatch(/--out DIR is required/);
  });
});
