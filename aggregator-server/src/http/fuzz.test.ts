// Fuzzing the HTTP boundary: random and truncated update bodies, random JSON (and non-JSON) bodies.
// Always a 4xx (never a 5xx, never a crash), and never a stored partial update.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampledToken, updateBytes, upload } from '../testing/client';
import { TEST_LAYOUT, TEST_SIZE } from '../testing/model';
import { startTestServer, type TestServer } from '../testing/server';

let server: TestServer;
let roundId: number;
let modelVersion: number;
let token: string;
const CLIENT = 'fuzz-client-1';

beforeAll(async () => {
  server = await startTestServer();
  const open = await server.admin('POST', '/v1/admin/rounds', {});
  roundId = open.json.id;
  ({ token, modelVersion } = await sampledToken(server.url, CLIENT));
});
afterAll(() => server?.close());

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await res.body?.cancel();
  return res.status;
}

describe('HTTP fuzzing', () => {
  it('random update bodies: always 400, nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const res = await upload(server.url, roundId, CLIENT, token, bytes);
        expect(res.status).toBe(400);
        expect(typeof res.json.error.field).toBe('string');
      }),
      { numRuns: 150 },
    );
    expect(await server.ctx.store.receiptCount(roundId)).toBe(0);
  });

  it('truncated valid updates: always 400, nothing stored', async () => {
    const good = updateBytes(
      roundId,
      modelVersion,
      TEST_LAYOUT,
      Array.from({ length: TEST_SIZE }, (_, i) => i / 100),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(good.length - 1), async (cut) => {
        const res = await upload(server.url, roundId, CLIENT, token, good.subarray(0, cut));
        expect(res.status).toBe(400);
      }),
      { numRuns: 150 },
    );
    expect(await server.ctx.store.receiptCount(roundId)).toBe(0);
  });

  it('bit-flipped valid updates: refused (4xx) or taken whole, never a 5xx, at most one counted', async () => {
    const good = updateBytes(
      roundId,
      modelVersion,
      TEST_LAYOUT,
      Array.from({ length: TEST_SIZE }, (_, i) => i / 100),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const flipped = good.slice();
        flipped[at]! ^= xor;
        // a flip in the header or table is refused; one in the payload is a different, complete update
        const res = await upload(server.url, roundId, CLIENT, token, flipped);
        expect([200, 202, 400, 409, 403]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
    const counts = await server.ctx.store.roundCounts(roundId);
    expect(counts.count).toBeLessThanOrEqual(1);
    expect(await server.ctx.store.receiptCount(roundId)).toBe(counts.count);
  });

  it('random JSON and non-JSON bodies on check-in and admin routes: 4xx, never 5xx', async () => {
    const admin = { authorization: 'Bearer admin-token-0123456789' };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ clientId: v })),
        ),
        async (body) => {
          const checkin = await post('/v1/rounds/checkin', body);
          expect(checkin === 200 || (checkin >= 400 && checkin < 500)).toBe(true);
          const rollback = await post('/v1/admin/models/rollback', body, admin);
          expect(rollback === 200 || (rollback >= 400 && rollback < 500)).toBe(true);
          const open = await post('/v1/admin/rounds', body, admin);
          expect(open >= 400 && open < 500).toBe(true); // a round is active: never a second one
        },
      ),
      { numRuns: 150 },
    );
    expect((await server.ctx.store.activeRound())?.id).toBe(roundId);
    expect((await server.ctx.store.latest())?.version).toBe(1);
    const health = await (await server.get('/healthz')).json();
    expect(health.ok).toBe(true);
  });
});
