// The bounded body reader: a body with a Content-Length lands in one buffer of exactly that size from
// the pool, a chunked body is joined, an oversized one is refused before it is read, and the buffer of
// an upload that breaks off mid-body goes back to the pool.

import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyPool } from './body-pool';
import { rawBody } from './read-body';

const pool = new BodyPool(1 << 20);
const seen: Buffer[] = [];
let url: URL;
let close: () => Promise<void>;

beforeAll(async () => {
  const app = express();
  app.post('/raw', rawBody(4096, pool), (req, res) => {
    seen.push(req.body as Buffer);
    res.json({ bytes: (req.body as Buffer).length });
  });
  app.use((err: { status?: number }, _req: express.Request, res: express.Response, _next: unknown) => {
    res.status(err.status ?? 500).json({});
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/raw`);
  close = () => new Promise((r) => server.close(() => r()));
});
afterAll(() => close());

describe('rawBody', () => {
  it('reads a Content-Length body into one own buffer of exactly that size, taken from the pool', async () => {
    const given = pool.take(1000);
    pool.give(given);
    const body = Buffer.alloc(1000, 7);
    const res = await fetch(url, { method: 'POST', body });
    expect(await res.json()).toEqual({ bytes: 1000 });
    const got = seen.at(-1)!;
    expect(got).toBe(given); // the pooled buffer, not a join of chunks
    expect(got.byteOffset).toBe(0);
    expect(got.buffer.byteLength).toBe(1000);
    expect(got.equals(body)).toBe(true);
  });

  it('joins a chunked body', async () => {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array([1, 2, 3]));
        c.enqueue(new Uint8Array([4, 5]));
        c.close();
      },
    });
    const res = await fetch(url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(await res.json()).toEqual({ bytes: 5 });
    expect([...seen.at(-1)!]).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a Content-Length over the limit with 413 before reading the body', async () => {
    const res = await fetch(url, { method: 'POST', body: Buffer.alloc(5000) });
    expect(res.status).toBe(413);
  });

  it('gives the buffer of an upload that breaks off mid-body back to the pool', async () => {
    const before = pool.retainedBytes;
    const count = seen.length;
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST /raw HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n${'a'.repeat(1000)}`);
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    for (let i = 0; i < 50 && pool.retainedBytes === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(pool.retainedBytes).toBe(before + 3000);
    expect(seen.length).toBe(count); // the handler never saw it
  });
});
