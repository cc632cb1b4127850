// POST /v1/discard, the transport baseline of bench/ingest.ts: absent unless configured (a production
// server must not offer an endpoint that accepts large bodies for nothing), and when on, it reads the
// whole body through the upload's reader, limit included.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server';

const LIMIT = 64 * 1024;
let off: TestServer;
let on: TestServer;
beforeAll(async () => {
  [off, on] = await Promise.all([
    startTestServer(),
    startTestServer({ discardEndpoint: true, limits: { maxUpdateBytes: LIMIT } }),
  ]);
});
afterAll(() => Promise.all([off?.close(), on?.close()]));

const post = (server: TestServer, bytes: number) =>
  fetch(`${server.url}/v1/discard`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(bytes).fill(7),
  });

describe('the discard endpoint', () => {
  it('does not exist unless configured', async () => {
    expect((await post(off, 1000)).status).toBe(404);
  });

  it('reads the whole body and says how many bytes it dropped', async () => {
    for (const bytes of [0, 1, 40_004, LIMIT]) {
      const res = await post(on, bytes);
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ bytes });
    }
  });

  it('refuses a body over the upload limit with 413, as an upload would', async () => {
    const res = await post(on, LIMIT + 1);
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatchObject({ reason: 'too_large' });
  });
});
