// Uploads through a server whose store and update checks run in the worker thread (the default for a
// configured server): the same answers as on the main thread, S11's non-finite refusal included.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seededGaussianForTestsOnly } from '../privacy/noise';
import { type RunningServer, startServer } from '../server';
import { sampledToken, updateBytes, upload } from '../testing/client';
import { TEST_LAYOUT, TEST_SIZE } from '../testing/model';
import { ADMIN, testConfig } from '../testing/server';
import { writeSeedModel } from '../testing/spawn';

let dir: string;
let server: RunningServer;
const ones = (x: number) => new Array(TEST_SIZE).fill(x);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-worker-uploads-'));
  const config = testConfig({
    store: { kind: 'embedded', dir: join(dir, 'data') },
    seedModelDir: await writeSeedModel(join(dir, 'seed')),
  });
  expect(config.storeInWorker).toBe(true);
  server = await startServer(config, {
    noise: seededGaussianForTestsOnly(7),
    log: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

it('S11 through the worker: non-finite is a 400 naming the index; finite ones are counted once', async () => {
  const res = await fetch(`${server.url}/v1/admin/rounds`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(201);
  const round = (await res.json()) as { id: number; modelVersion: number };
  const send = async (clientId: string, values: number[]) => {
    const { token } = await sampledToken(server.url, clientId);
    return upload(
      server.url,
      round.id,
      clientId,
      token,
      updateBytes(round.id, round.modelVersion, TEST_LAYOUT, values),
    );
  };
  const bad = ones(0.01);
  bad[5] = Number.NaN;
  const refused = await send('client-w-nan', bad);
  expect(refused.status).toBe(400);
  expect(refused.json.error).toMatchObject({ reason: 'non_finite', field: 'update[5]' });

  // a burst, so that several updates share one group commit in the worker
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) => send(`client-w-${String(i).padStart(2, '0')}`, ones(0.1))),
  );
  expect(answers.map((a) => a.status)).toEqual(new Array(12).fill(202));
  // the bodies were lent to the worker (transferred, not copied) and came back into the pool
  expect(server.ctx.uploadBodies.retainedBytes).toBeGreaterThan(0);
  expect((await send('client-w-00', ones(0.1))).json.status).toBe('duplicate');
  expect(await server.ctx.store.roundCounts(round.id)).toEqual({ count: 12, clipped: 0, zeroed: 0 });
  const sum = await server.ctx.store.roundSum(round.id, TEST_SIZE);
  for (const x of sum.sum) expect(x).toBeCloseTo(1.2, 5);
});
