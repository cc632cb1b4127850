// The admin CLI as a process, against a real server on 127.0.0.1.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from '../testing/server';
import { writeSeedModel } from '../testing/spawn';
import { main } from './admin';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const exec = promisify(execFile);
let server: TestServer;
let dir: string;

/** One command, in this process (the entry point is `main`, as the script runs it). */
async function admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    { HEARTH_SERVER_URL: server.url, HEARTH_ADMIN_TOKEN: ADMIN },
    (s) => {
      stdout += `${s}\n`;
    },
    (s) => {
      stderr += `${s}\n`;
    },
  );
  return { code, stdout, stderr };
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

  it('runs as a process through the root npm script, with exit codes', async () => {
    const env = { ...process.env, HEARTH_SERVER_URL: server.url, HEARTH_ADMIN_TOKEN: ADMIN };
    const ok = await exec('npm', ['run', '-s', 'admin', '--', 'models', 'list'], { cwd: ROOT, env });
    expect(JSON.parse(ok.stdout).versions.length).toBeGreaterThan(0);
    const bad = await exec('npm', ['run', '-s', 'admin', '--', 'rounds', 'close', 'x'], {
      cwd: ROOT,
      env,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/round id: expected a positive integer/);
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
