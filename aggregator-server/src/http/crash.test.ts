// S23: the server is killed with SIGKILL mid-round and during a checkpoint write. After each restart
// the latest version loads intact (checksum), the acknowledged updates are still counted, no partial
// checkpoint ever becomes latest, and versions are immutable.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../storage/blobs';
import { sampledToken, updateBytes, upload } from '../testing/client';
import { TEST_LAYOUT, TEST_SIZE } from '../testing/model';
import { type ChildServer, spawnServer, writeSeedModel } from '../testing/spawn';

const children: ChildServer[] = [];
let dir = '';
afterAll(async () => {
  for (const c of children) await c.kill9().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = {
  rounds: {
    defaults: { q: 1, population: 10, z: 0.5, clipBound: 2, minClients: 2, durationSec: 3600 },
    tickSec: 0.25,
    aggregatingTimeoutSec: 1,
  },
  privacy: { delta: 1e-5, epsilonBudget: 1000 },
};

async function start(env: Record<string, string> = {}): Promise<ChildServer> {
  const c = await spawnServer(
    {
      HEARTH_DATA_DIR: join(dir, 'data'),
      HEARTH_SEED_MODEL_DIR: join(dir, 'seed'),
      HEARTH_CONFIG_DIR: dir,
      ...env,
    },
    config,
  );
  children.push(c);
  return c;
}

async function latestIntact(c: ChildServer) {
  const latest = await (await fetch(`${c.url}/v1/models/latest`)).json();
  const weights = new Uint8Array(await (await fetch(c.url + latest.weightsUrl)).arrayBuffer());
  expect(sha256Hex(weights)).toBe(latest.weightsSha256);
  return latest as { version: number; weightsSha256: string; parent: number | null };
}

const values = (k: number) => new Array(TEST_SIZE).fill(k / 64);

describe('crash safety', () => {
  it('S23: SIGKILL mid-round and mid-checkpoint; restarts resume with the acknowledged updates', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-crash-'));
    await writeSeedModel(join(dir, 'seed'));

    // 1. A round with three acknowledged updates, then kill -9.
    let c = await start();
    const base = await latestIntact(c);
    expect(base.version).toBe(1);
    const open = await c.admin('POST', '/v1/admin/rounds', {});
    expect(open.status).toBe(201);
    const roundId: number = open.json.id;
    const tokens = new Map<string, string>();
    for (const [i, client] of ['crash-client-a', 'crash-client-b', 'crash-client-c'].entries()) {
      const t = await sampledToken(c.url, client);
      tokens.set(client, t.token);
      expect(
        (await upload(c.url, roundId, client, t.token, updateBytes(roundId, 1, TEST_LAYOUT, values(i + 1))))
          .status,
      ).toBe(202);
    }
    await c.kill9();

    // 2. Restart: the model is intact, the round goes on with the three acknowledged updates.
    c = await start();
    expect((await latestIntact(c)).weightsSha256).toBe(base.weightsSha256);
    const status = await (await fetch(`${c.url}/v1/rounds/${roundId}`)).json();
    expect(status).toMatchObject({ state: 'collecting', received: 3 });
    // tokens survive the restart (same secret); a resend is a duplicate, a new client is counted
    const resend = await upload(
      c.url,
      roundId,
      'crash-client-a',
      tokens.get('crash-client-a')!,
      updateBytes(roundId, 1, TEST_LAYOUT, values(1)),
    );
    expect(resend.status).toBe(200);
    const d = await sampledToken(c.url, 'crash-client-d');
    expect(
      (
        await upload(
          c.url,
          roundId,
          'crash-client-d',
          d.token,
          updateBytes(roundId, 1, TEST_LAYOUT, values(4)),
        )
      ).status,
    ).toBe(202);
    await c.stop();

    // 3. Kill -9 while the new version's weights are half written.
    c = await start({ HEARTH_FAULT_PAUSE_CHECKPOINT_MS: '600000' });
    const closing = c.admin('POST', `/v1/admin/rounds/${roundId}/close`).catch(() => null);
    await c.waitForLog(/checkpoint_write_paused/);
    await c.kill9();
    await closing;
    const weightFiles = await readdir(join(dir, 'data', 'weights'));
    expect(weightFiles.some((f) => f.endsWith('.tmp'))).toBe(true); // the half-written checkpoint

    // 4. Restart: latest is still version 1, intact; the stuck round is aggregated again with all four
    //    acknowledged updates and commits version 2 exactly once.
    c = await start();
    const after = await latestIntact(c);
    expect([1, 2]).toContain(after.version); // the recovery may already have run
    const committed = await (async () => {
      for (let i = 0; i < 100; i++) {
        const r = await (await fetch(`${c.url}/v1/rounds/${roundId}`)).json();
        if (r.state === 'committed') return r;
        await new Promise((res) => setTimeout(res, 200));
      }
      throw new Error('the round was not recovered');
    })();
    expect(committed.received).toBe(4);
    const v2 = await latestIntact(c);
    expect(v2).toMatchObject({ version: 2, parent: 1 });
    const models = await (await fetch(`${c.url}/v1/models`)).json();
    expect(models.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(models.versions[0].weightsSha256).toBe(base.weightsSha256);
    const ledger = await (await fetch(`${c.url}/v1/privacy/ledger`)).json();
    expect(ledger.rounds).toHaveLength(1);
    await c.stop();
  });
});
