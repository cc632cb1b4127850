// S11-S18 of the reliability scenarios, against the real HTTP app on 127.0.0.1.

import { request } from 'node:http';
import { encodeUpdate } from '@hearth/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../rounds/token';
import { checkIn, sampledToken, updateBytes, upload } from '../testing/client';
import { TEST_LAYOUT, TEST_SIZE } from '../testing/model';
import { SECRET, startTestServer, type TestServer } from '../testing/server';

let server: TestServer;
let roundId: number;
let version: number;
const ones = (x: number) => new Array(TEST_SIZE).fill(x);

async function counts() {
  return server.ctx.store.roundCounts(roundId);
}

beforeAll(async () => {
  server = await startTestServer({ limits: { maxUpdateBytes: 64 * 1024 } });
  const opened = await server.admin('POST', '/v1/admin/rounds', { zeroingBound: 100 });
  expect(opened.status).toBe(201);
  roundId = opened.json.id;
  version = opened.json.modelVersion;
});
afterAll(() => server?.close());

describe('update ingestion over HTTP', () => {
  it('S11: rejects a NaN or ±Inf update before clipping, reason non_finite, nothing stored', async () => {
    const before = await counts();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const values = ones(0.01);
      values[3] = bad;
      const { token } = await sampledToken(server.url, 'client-s11-a');
      const res = await upload(
        server.url,
        roundId,
        'client-s11-a',
        token,
        updateBytes(roundId, version, TEST_LAYOUT, values),
      );
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ reason: 'non_finite', field: 'update[3]' });
    }
    expect(await counts()).toEqual(before);
    // the client is not blocked: its finite update is then taken
    const { token } = await sampledToken(server.url, 'client-s11-a');
    const ok = await upload(
      server.url,
      roundId,
      'client-s11-a',
      token,
      updateBytes(roundId, version, TEST_LAYOUT, ones(0.01)),
    );
    expect(ok.status).toBe(202);
  });

  it('S12: wrong shape, tensor count, missing or extra tensor, dtype/payload size: 400 naming the field, round unaffected', async () => {
    const before = await counts();
    const { token } = await sampledToken(server.url, 'client-s12-a');
    const send = (body: Uint8Array) => upload(server.url, roundId, 'client-s12-a', token, body);
    const cases: [Uint8Array, string][] = [
      [
        updateBytes(roundId, version, [{ name: 'block0/w', shape: [2, 8] }, TEST_LAYOUT[1]!], ones(0)),
        'tensors[0].shape',
      ],
      [updateBytes(roundId, version, [TEST_LAYOUT[0]!], new Array(16).fill(0)), 'tensorCount'],
      [
        updateBytes(roundId, version, [...TEST_LAYOUT, { name: 'extra', shape: [1] }], new Array(21).fill(0)),
        'tensorCount',
      ],
      [
        updateBytes(roundId, version, [{ name: 'block0/x', shape: [4, 4] }, TEST_LAYOUT[1]!], ones(0)),
        'tensors[0].name',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await send(body);
      expect(res.status).toBe(400);
      expect(res.json.error.field).toBe(field);
      expect(res.json.error.message).toContain(field);
    }
    // a float64 payload (8 bytes a value) instead of float32: the payload size gives it away
    const good = updateBytes(roundId, version, TEST_LAYOUT, ones(0));
    const f64 = new Uint8Array(good.length + 4 * TEST_SIZE);
    f64.set(good);
    const res = await send(f64);
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe('payload');
    // garbage
    expect((await send(Uint8Array.from([1, 2, 3]))).json.error.field).toBe('header');
    expect(await counts()).toEqual(before);
    expect((await server.ctx.store.getRound(roundId))?.state).toMatch(/open|collecting/);
  });

  it('S13: a norm far above the bound is clipped to it, one above the zeroing bound is zeroed; counts recorded', async () => {
    const before = await counts();
    const sumBefore = await server.ctx.store.roundSum(roundId, TEST_SIZE);
    const a = await sampledToken(server.url, 'client-s13-big');
    expect(
      (
        await upload(
          server.url,
          roundId,
          'client-s13-big',
          a.token,
          updateBytes(roundId, version, TEST_LAYOUT, ones(5)),
        )
      ).status,
    ).toBe(202);
    const b = await sampledToken(server.url, 'client-s13-huge');
    expect(
      (
        await upload(
          server.url,
          roundId,
          'client-s13-huge',
          b.token,
          updateBytes(roundId, version, TEST_LAYOUT, ones(1e6)),
        )
      ).status,
    ).toBe(202);
    const after = await counts();
    expect(after.count - before.count).toBe(2);
    expect(after.clipped - before.clipped).toBe(1);
    expect(after.zeroed - before.zeroed).toBe(1);
    const sum = await server.ctx.store.roundSum(roundId, TEST_SIZE);
    const added = Array.from(sum.sum, (v, i) => v - sumBefore.sum[i]!);
    const norm = Math.hypot(...added);
    expect(norm).toBeCloseTo(2, 5); // clip bound 2: the clipped one contributes exactly norm C, the zeroed one nothing
    const status = await (await server.get(`/v1/rounds/${roundId}`)).json();
    expect(status).toMatchObject({ clipped: after.clipped, zeroed: after.zeroed, received: after.count });
  });

  it('S14: an example count of 1e9 buys no extra weight (uniform weights under DP)', async () => {
    const sumBefore = await server.ctx.store.roundSum(roundId, TEST_SIZE);
    const values = Array.from({ length: TEST_SIZE }, (_, i) => (i % 5) * 0.01);
    const big = await sampledToken(server.url, 'client-s14-big');
    const bytes = encodeUpdate({
      roundId,
      modelVersion: version,
      numExamples: 1e9,
      layout: TEST_LAYOUT,
      values: Float32Array.from(values),
    });
    expect((await upload(server.url, roundId, 'client-s14-big', big.token, bytes)).status).toBe(202);
    const sum = await server.ctx.store.roundSum(roundId, TEST_SIZE);
    for (let i = 0; i < TEST_SIZE; i++)
      expect(sum.sum[i]! - sumBefore.sum[i]!).toBeCloseTo(Math.fround(values[i]!), 9);
  });

  it('S15: a body over the limit gets 413 before it is read: with Content-Length, and chunked', async () => {
    const { token } = await sampledToken(server.url, 'client-s15-a');
    const before = await counts();
    const { hostname, port } = new URL(server.url);
    const headers = {
      authorization: `Bearer ${token}`,
      'hearth-client-id': 'client-s15-a',
      'content-type': 'application/octet-stream',
    };
    // Content-Length of 1 GiB and no body at all: the answer comes from the header alone.
    const announced = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          hostname,
          port,
          method: 'POST',
          path: `/v1/rounds/${roundId}/updates`,
          headers: { ...headers, 'content-length': String(2 ** 30) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(announced).toBe(413);
    // Chunked: up to 16 MiB in 16 KiB chunks, one per tick; the 413 arrives long before the last chunk.
    const chunked = await new Promise<{ status: number; sentWhenAnswered: number }>((resolve, reject) => {
      let sent = 0;
      const req = request(
        { hostname, port, method: 'POST', path: `/v1/rounds/${roundId}/updates`, headers },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, sentWhenAnswered: sent });
          req.destroy();
        },
      );
      req.on('error', () => {});
      const chunk = new Uint8Array(16 * 1024);
      const pump = () => {
        if (sent >= 16 * 1024 * 1024 || req.destroyed) return req.destroyed ? undefined : void req.end();
        req.write(chunk);
        sent += chunk.length;
        setTimeout(pump, 2);
      };
      pump();
      setTimeout(() => reject(new Error('no answer to the chunked upload')), 20_000);
    });
    expect(chunked.status).toBe(413);
    expect(chunked.sentWhenAnswered).toBeLessThan(16 * 1024 * 1024);
    // The limit follows the round: at most twice its exact update size (+4 KiB), far below maxUpdateBytes.
    const tooBig = await upload(server.url, roundId, 'client-s15-a', token, new Uint8Array(10_000));
    expect([tooBig.status, tooBig.json.error.reason]).toEqual([413, 'too_large']);
    expect(await counts()).toEqual(before);
  });

  it('S17: the same update twice is counted once; stale or forged tokens get 401', async () => {
    const { token } = await sampledToken(server.url, 'client-s17-a');
    const body = updateBytes(roundId, version, TEST_LAYOUT, ones(0.02));
    const before = await counts();
    const first = await upload(server.url, roundId, 'client-s17-a', token, body);
    const second = await upload(server.url, roundId, 'client-s17-a', token, body);
    expect([first.status, first.json.status]).toEqual([202, 'accepted']);
    expect([second.status, second.json.status]).toEqual([200, 'duplicate']);
    expect((await counts()).count).toBe(before.count + 1);
    const stale = issueToken(SECRET, { roundId, clientId: 'client-s17-b', expiresAt: Date.now() - 1000 });
    const r1 = await upload(server.url, roundId, 'client-s17-b', stale, body);
    expect([r1.status, r1.json.error.reason]).toEqual([401, 'token_expired']);
    const forged = issueToken('not-the-server-secret', {
      roundId,
      clientId: 'client-s17-b',
      expiresAt: Date.now() + 60_000,
    });
    const r2 = await upload(server.url, roundId, 'client-s17-b', forged, body);
    expect([r2.status, r2.json.error.reason]).toEqual([401, 'bad_signature']);
    const r3 = await upload(server.url, roundId, 'client-s17-b', '', body);
    expect(r3.status).toBe(401);
    expect((await counts()).count).toBe(before.count + 1);
  });

  it("S18: another client's token, or a round the client was not assigned: 403, nothing stored", async () => {
    const { token } = await sampledToken(server.url, 'client-s18-a');
    const before = await counts();
    const body = updateBytes(roundId, version, TEST_LAYOUT, ones(0.01));
    const other = await upload(server.url, roundId, 'client-s18-b', token, body);
    expect([other.status, other.json.error.reason]).toEqual([403, 'wrong_client']);
    const elsewhere = await upload(server.url, roundId + 1, 'client-s18-a', token, body);
    expect([elsewhere.status, elsewhere.json.error.reason]).toEqual([403, 'not_assigned']);
    expect(await counts()).toEqual(before);
  });

  it('S16: an update for a closed round or a stale model version: 409/410, never folded into a later round', async () => {
    const { token } = await sampledToken(server.url, 'client-s16-late');
    const stale = await upload(
      server.url,
      roundId,
      'client-s16-late',
      token,
      updateBytes(roundId, version + 5, TEST_LAYOUT, ones(0.01)),
    );
    expect([stale.status, stale.json.error.reason]).toEqual([409, 'stale_model_version']);
    const closed = await server.admin('POST', `/v1/admin/rounds/${roundId}/close`);
    expect(closed.status).toBe(200);
    expect(closed.json.outcome).toBe('committed');
    const finalCount = (await counts()).count;
    const late = await upload(
      server.url,
      roundId,
      'client-s16-late',
      token,
      updateBytes(roundId, version, TEST_LAYOUT, ones(0.01)),
    );
    expect([late.status, late.json.error.reason]).toEqual([410, 'round_closed']);
    const next = await server.admin('POST', '/v1/admin/rounds', {});
    expect(next.status).toBe(201);
    // the old token and the old round id do not reach the new round
    const again = await upload(
      server.url,
      next.json.id,
      'client-s16-late',
      token,
      updateBytes(next.json.id, next.json.modelVersion, TEST_LAYOUT, ones(0.01)),
    );
    expect(again.status).toBe(403);
    expect(await server.ctx.store.receiptCount(next.json.id)).toBe(0);
    expect((await counts()).count).toBe(finalCount);
    const ci = await checkIn(server.url, 'client-s16-late');
    expect(ci.json.roundId).toBe(next.json.id);
  });
});
