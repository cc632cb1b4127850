// S19, S20 and S24 of the reliability scenarios, against the real HTTP app on 127.0.0.1.

import { afterEach, describe, expect, it } from 'vitest';
import { checkIn, sampledToken, updateBytes, upload } from '../testing/client';
import { TEST_LAYOUT, TEST_SIZE } from '../testing/model';
import { startTestServer, type TestServer } from '../testing/server';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 40_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('round scenarios over HTTP', () => {
  it('S19: one source registering many client ids gets 429 with Retry-After; one update per client per round', async () => {
    server = await startTestServer({ limits: { checkInsPerMinutePerSource: 20 } });
    await server.admin('POST', '/v1/admin/rounds', {});
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${server.url}/v1/rounds/checkin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: `sybil-client-${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.body?.cancel();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // an id it already registered may still check in (its retry is not a new id)
    expect((await checkIn(server.url, 'sybil-client-3')).status).toBe(200);
    // and each of those ids gets its update counted once, whatever it sends
    const { roundId, token, modelVersion } = await sampledToken(server.url, 'sybil-client-3');
    const body = updateBytes(roundId, modelVersion, TEST_LAYOUT, new Array(TEST_SIZE).fill(0.01));
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push((await upload(server.url, roundId, 'sybil-client-3', token, body)).status);
    expect(codes).toEqual([202, 200, 200]);
    expect(await server.ctx.store.receiptCount(roundId)).toBe(1);
  });

  it('S20: the deadline passes with fewer than minClients: abandoned, reason recorded, model unchanged, the next round opens', async () => {
    server = await startTestServer({
      rounds: {
        defaults: { q: 1, population: 10, z: 0.5, clipBound: 2, minClients: 3, durationSec: 4 },
        tickSec: 0.2,
        auto: { enabled: true, intervalSec: 0 },
      },
    });
    const s = server;
    const latestBefore = (await (await s.get('/v1/models/latest')).json()).version;
    const first = await until('the scheduler to open a round', async () => {
      const cur = await (await s.get('/v1/rounds/current')).json();
      return cur.round ?? undefined;
    });
    for (const client of ['s20-client-a', 's20-client-b']) {
      const t = await sampledToken(s.url, client);
      expect(
        (
          await upload(
            s.url,
            t.roundId,
            client,
            t.token,
            updateBytes(t.roundId, t.modelVersion, TEST_LAYOUT, new Array(TEST_SIZE).fill(0.1)),
          )
        ).status,
      ).toBe(202);
    }
    const abandoned = await until('the round to be abandoned', async () => {
      const r = await (await s.get(`/v1/rounds/${first.id}`)).json();
      return r.state === 'abandoned' ? r : undefined;
    });
    expect(abandoned.reason).toMatch(/too few updates: 2 acknowledged, minClients is 3/);
    expect(abandoned.resultVersion).toBeNull();
    expect((await (await s.get('/v1/models/latest')).json()).version).toBe(latestBefore);
    const ledger = await (await s.get('/v1/privacy/ledger')).json();
    // abandoning depended on how many answered: the ledger charges the round, conservatively
    expect(ledger.rounds).toHaveLength(1);
    expect(ledger.rounds[0]).toMatchObject({ roundId: first.id, received: 2, modelVersion: latestBefore });
    const next = await until('the next round', async () => {
      const cur = await (await s.get('/v1/rounds/current')).json();
      return cur.round && cur.round.id !== first.id ? cur.round : undefined;
    });
    expect(next.id).toBeGreaterThan(first.id);
    expect(next.modelVersion).toBe(latestBefore);
  });

  it('S24: invalid transitions are refused with state unchanged; a throwing handler gives a generic 500 and the round survives', async () => {
    server = await startTestServer();
    const s = server;
    const open = await s.admin('POST', '/v1/admin/rounds', {});
    expect(open.status).toBe(201);
    // open N+2 before N+1 closes
    const second = await s.admin('POST', '/v1/admin/rounds', {});
    expect([second.status, second.json.error.reason]).toEqual([409, 'round_active']);
    const id = open.json.id;
    for (const client of ['s24-client-a', 's24-client-b']) {
      const t = await sampledToken(s.url, client);
      await upload(
        s.url,
        id,
        client,
        t.token,
        updateBytes(id, t.modelVersion, TEST_LAYOUT, new Array(TEST_SIZE).fill(0.1)),
      );
    }
    // a handler that throws mid-ingest (the store fails once): generic 500, no stack, nothing stored
    const store = s.ctx.store;
    const realIngest = store.ingest.bind(store);
    (store as { ingest: typeof store.ingest }).ingest = async () => {
      throw new Error('disk on fire at /var/lib/secret/path');
    };
    const t = await sampledToken(s.url, 's24-client-c');
    const body = updateBytes(id, t.modelVersion, TEST_LAYOUT, new Array(TEST_SIZE).fill(0.1));
    const failed = await upload(s.url, id, 's24-client-c', t.token, body);
    (store as { ingest: typeof store.ingest }).ingest = realIngest;
    expect(failed.status).toBe(500);
    expect(failed.json).toEqual({ error: { reason: 'internal', message: 'internal error' } });
    expect(JSON.stringify(failed.json)).not.toMatch(/disk on fire|at .*\.ts/);
    expect(await store.receiptCount(id)).toBe(2);
    // the round is intact: the same update is then taken, and the round commits
    expect((await upload(s.url, id, 's24-client-c', t.token, body)).status).toBe(202);
    const closed = await s.admin('POST', `/v1/admin/rounds/${id}/close`);
    expect(closed.json.outcome).toBe('committed');
    expect(closed.json.round.received).toBe(3);
    // aggregate twice
    const twice = await s.admin('POST', `/v1/admin/rounds/${id}/close`);
    expect([twice.status, twice.json.error.reason]).toEqual([409, 'invalid_transition']);
    const abandonCommitted = await s.admin('POST', `/v1/admin/rounds/${id}/abandon`, { reason: 'x' });
    expect(abandonCommitted.status).toBe(409);
    const r = await (await s.get(`/v1/rounds/${id}`)).json();
    expect(r.state).toBe('committed');
    expect(r.resultVersion).toBe(closed.json.round.resultVersion);
    const ledger = await (await s.get('/v1/privacy/ledger')).json();
    expect(ledger.rounds).toHaveLength(1);
  });
});
