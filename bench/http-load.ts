// A deliberately cheap HTTP/1.1 load generator for bench/ingest.ts. On a 2-core machine the client
// competes with the server for CPU, so it must do as little as possible per request: every request's
// head (method, path, headers, the client's token) is encoded before the clock starts, the body is one
// shared Buffer written as is (no copy, no per-request encoding), connections are kept alive, and the
// response is parsed just far enough to read its status and skip its body. autocannon, used before,
// rebuilt every request in JavaScript and cost about as much CPU as the server's own work.

import { connect, type Socket } from 'node:net';

export interface LoadRequest {
  /** The request line and headers, without Content-Length and without the final blank line. */
  readonly head: string;
}

export interface LoadResult {
  /** Responses with a 2xx status. */
  readonly ok: number;
  /** Responses with another status, plus requests that got no response (connection errors). */
  readonly failed: number;
  readonly seconds: number;
  /** CPU seconds this process spent (user + system) while the load ran: the client's share. */
  readonly clientCpuSeconds: number;
  /** One response body per failing status, to say why. */
  readonly failures: Map<number, string>;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * Sends every request once, over `connections` keep-alive connections to host:port, each with the
 * same body. A request whose connection breaks is counted as failed and not retried.
 */
export async function runLoad(options: {
  host: string;
  port: number;
  connections: number;
  requests: readonly LoadRequest[];
  body: Buffer;
}): Promise<LoadResult> {
  const { host, port, body } = options;
  // Heads are encoded up front, outside the timed part.
  const heads = options.requests.map((r) =>
    Buffer.from(`${r.head}\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'),
  );
  let next = 0;
  let ok = 0;
  let failed = 0;
  const failures = new Map<number, string>();

  const worker = async (): Promise<void> => {
    let socket: Socket | null = null;
    let pending: Buffer = Buffer.alloc(0);
    let waiter: (() => void) | null = null;
    let closed = false;
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const s = connect({ host, port, noDelay: true });
        closed = false;
        pending = Buffer.alloc(0);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
        s.on('data', (d: Buffer) => {
          pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
          waiter?.();
        });
        s.on('close', () => {
          closed = true;
          waiter?.();
        });
        s.on('error', () => {});
      });
    const wake = () => new Promise<void>((r) => (waiter = r));

    /** Reads one response; null when the connection closed first. */
    const response = async (): Promise<{ status: number; text: string; close: boolean } | null> => {
      for (;;) {
        const end = pending.indexOf(CRLF2);
        if (end >= 0) {
          const head = pending.toString('latin1', 0, end);
          const status = Number(head.slice(9, 12));
          const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
          const total = end + 4 + length;
          while (pending.length < total && !closed) await wake();
          if (pending.length < total) return null;
          const close = /\r\nconnection:\s*close/i.test(head);
          // the body only matters when the request failed: it says why
          const text = status >= 300 ? pending.toString('utf8', end + 4, total) : '';
          pending = pending.subarray(total);
          return { status, text, close };
        }
        if (closed) return null;
        await wake();
      }
    };

    for (let i = next++; i < heads.length; i = next++) {
      if (!socket || closed) socket = await open();
      socket.cork();
      socket.write(heads[i]!);
      socket.write(body);
      socket.uncork();
      const r = await response();
      if (r === null) {
        failed++;
        socket.destroy();
        socket = null;
        continue;
      }
      if (r.status >= 200 && r.status < 300) ok++;
      else {
        failed++;
        if (!failures.has(r.status)) failures.set(r.status, r.text.slice(0, 300));
      }
      if (r.close) {
        socket.destroy();
        socket = null;
      }
    }
    socket?.end();
  };

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { ok, failed, seconds, clientCpuSeconds: (cpu.user + cpu.system) / 1e6, failures };
}
