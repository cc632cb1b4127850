// Two aggregator processes on one PostgreSQL, behind an imaginary load balancer: clients check in at
// one replica and upload to either, some send the same update to both at once. Each acknowledged
// update is counted exactly once, and the round's sum is exactly the sum of the accepted updates.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../storage/postgres';
import { createTestDatabase, type TestDatabase } from '../storage/test-postgres';
import { sampledToken, updateBytes, upload } from '../testing/client';
import { TEST_LAYOUT, TEST_SIZE } from '../testing/model';
import { type ChildServer, spawnServer, writeSeedModel } from '../testing/spawn';

const children: ChildServer[] = [];
let db: TestDatabase | undefined;
let dir = '';
afterAll(async () => {
  for (const c of children) await c.kill9().catch(() => {});
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('several replicas on one PostgreSQL', () => {
  it('two server processes take updates for one round; each acknowledged update counts exactly once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-replicas-'));
    db = await createTestDatabase();
    await writeSeedModel(join(dir, 'seed'));
    const config = {
      rounds: {
        defaults: { q: 1, population: 100, z: 0.5, clipBound: 100, minClients: 2, durationSec: 3600 },
        tickSec: 0.5,
      },
      privacy: { delta: 1e-5, epsilonBudget: 1000 },
    };
    const env = {
      HEARTH_STORE_URL: db.url,
      HEARTH_SEED_MODEL_DIR: join(dir, 'seed'),
      HEARTH_CONFIG_DIR: dir,
    };
    // started together: the seed model must still be registered once
    const [a, b] = await Promise.all([spawnServer(env, config), spawnServer(env, config)]);
    children.push(a!, b!);
    const replicas = [a!, b!];
    const open = await a!.admin('POST', '/v1/admin/rounds', {});
    expect(open.status).toBe(201);
    const roundId: number = open.json.id;

    const clients = Array.from({ length: 40 }, (_, i) => `replica-client-${String(i).padStart(3, '0')}`);
    // values that sum exactly in floating point: k/64
    const valuesOf = (i: number) => Array.from({ length: TEST_SIZE }, (_, j) => ((i + j) % 9) / 64);
    const results = await Promise.all(
      clients.map(async (client, i) => {
        const t = await sampledToken(replicas[i % 2]!.url, client);
        const body = updateBytes(roundId, t.modelVersion, TEST_LAYOUT, valuesOf(i));
        // every third client sends its update to both replicas at once, then retries one of them
        const targets = i % 3 === 0 ? [0, 1, 0] : [(i + 1) % 2];
        const statuses = await Promise.all(
          targets.map((r) => upload(replicas[r]!.url, roundId, client, t.token, body)),
        );
        return statuses.map((s) => s.status);
      }),
    );
    for (const statuses of results) {
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.every((s) => s === 202 || s === 200)).toBe(true);
    }

    const store = await openPostgresStore({ url: db.url });
    try {
      expect((await store.listVersions()).map((v) => v.version)).toEqual([1]);
      expect(await store.receiptCount(roundId)).toBe(40);
      const total = await store.roundSum(roundId, TEST_SIZE);
      expect(total.count).toBe(40);
      const expected = Array.from({ length: TEST_SIZE }, (_, j) =>
        clients.reduce((s, _c, i) => s + valuesOf(i)[j]!, 0),
      );
      expect(Array.from(total.sum)).toEqual(expected);
      // both replicas wrote running sums
      const status = await (await fetch(`${b!.url}/v1/rounds/${roundId}`)).json();
      expect(status.received).toBe(40);
    } finally {
      await store.close();
    }
    const closed = await b!.admin('POST', `/v1/admin/rounds/${roundId}/close`);
    expect(closed.json.outcome).toBe('committed');
    const again = await a!.admin('POST', `/v1/admin/rounds/${roundId}/close`);
    expect(again.status).toBe(409);
    const latestA = await (await fetch(`${a!.url}/v1/models/latest`)).json();
    const latestB = await (await fetch(`${b!.url}/v1/models/latest`)).json();
    expect(latestA.version).toBe(2);
    expect(latestB.weightsSha256).toBe(latestA.weightsSha256);
  });
});
