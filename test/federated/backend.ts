// What the federated browser tests stand on: a real aggregator process (main.ts in a child process,
// embedded store in a temporary folder, 127.0.0.1, port 0) seeded with a model of the real
// architecture, and a same-origin proxy to it on the page's test server. The proxy is where faults are
// injected (an upload cut off, a 429) and where the tests see what left the browser, byte for byte.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_FILE, WEIGHTS_FILE } from '@hearth/models';
import { type ChildServer, spawnServer } from '../../aggregator-server/src/testing/spawn';
import type { Reply, TestServer } from '../browser/harness';
import { makeTestModel, type TestModel, type TestModelOptions } from '../browser/test-model';

export interface Aggregator {
  readonly child: ChildServer;
  readonly url: string;
  readonly model: TestModel;
  /** Opens a round on the latest version (q = 1 by default: every check-in is sampled). */
  openRound(
    params?: Record<string, unknown>,
  ): Promise<{ id: number; layout: { name: string; shape: number[] }[] }>;
  closeRound(id: number): Promise<unknown>;
  round(
    id: number,
  ): Promise<{ state: string; received: number; resultVersion: number | null; clipBound: number }>;
  close(): Promise<void>;
}

export async function startAggregator(model: TestModelOptions = {}): Promise<Aggregator> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-fl-'));
  const m = await makeTestModel(model);
  const seed = join(dir, 'seed');
  await import('node:fs/promises').then((fs) => fs.mkdir(seed));
  await writeFile(join(seed, MANIFEST_FILE), m.manifest);
  await writeFile(join(seed, WEIGHTS_FILE), m.weights);
  const child = await spawnServer(
    { HEARTH_DATA_DIR: join(dir, 'data'), HEARTH_SEED_MODEL_DIR: seed, HEARTH_CONFIG_DIR: dir },
    {
      privacy: { delta: 1e-5, epsilonBudget: 1000 },
      rounds: {
        defaults: { q: 1, population: 10, z: 0.5, clipBound: 1, minClients: 2, durationSec: 600 },
        tickSec: 0.5,
      },
    },
  );
  const admin = async (method: string, path: string, body?: unknown) => {
    const r = await child.admin(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  return {
    child,
    url: child.url,
    model: m,
    openRound: (params = {}) => admin('POST', '/v1/admin/rounds', params),
    closeRound: (id) => admin('POST', `/v1/admin/rounds/${id}/close`),
    round: (id) => admin('GET', `/v1/rounds/${id}`),
    async close() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One request that reached the proxy (uploads keep their body: the privacy test reads it). */
export interface Seen {
  method: string;
  path: string;
  clientId: string | undefined;
  body: Uint8Array;
  status: number;
  at: number;
}

/** Returns a reply to fake one, 'abort' to cut the connection, or undefined to forward. */
export type Fault = (path: string, req: IncomingMessage) => Reply | 'abort' | undefined;

export interface AggregatorProxy {
  /** The aggregator as the page sees it: `${origin}/fl/`. */
  serverUrl: string;
  /** The base model's manifest URL through the proxy. */
  modelUrl: string;
  seen: Seen[];
  uploads(): Seen[];
  fault: Fault | null;
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/**
 * Routes `/fl/v1/...` of the page's server to the aggregator (same origin for the page). The test
 * server matches exact paths, so rounds and versions 1..`maxId` are routed.
 */
export function proxyAggregator(server: TestServer, agg: Aggregator, maxId = 6): AggregatorProxy {
  const prefix = '/fl/';
  const proxy: AggregatorProxy = {
    serverUrl: `${server.origin}${prefix}`,
    modelUrl: `${server.origin}${prefix}v1/models/1/manifest.json`,
    seen: [],
    uploads: () => proxy.seen.filter((s) => s.path.endsWith('/updates')),
    fault: null,
  };
  const forward = async (req: IncomingMessage): Promise<Reply> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.slice(prefix.length - 1);
    const body = await readBody(req);
    const seen: Seen = {
      method: req.method ?? 'GET',
      path,
      clientId: req.headers['hearth-client-id'] as string | undefined,
      body,
      status: 0,
      at: Date.now(),
    };
    proxy.seen.push(seen);
    const fault = proxy.fault?.(path, req);
    if (fault === 'abort') {
      req.socket.destroy();
      return new Promise<Reply>(() => {});
    }
    if (fault) {
      seen.status = fault.status ?? 200;
      return fault;
    }
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'hearth-client-id', 'content-type', 'if-none-match'])
      if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
    const res = await fetch(agg.url + path, {
      method: seen.method,
      headers,
      ...(seen.method === 'GET' || seen.method === 'HEAD' ? {} : { body: Buffer.from(body) }),
    });
    seen.status = res.status;
    const out: Record<string, string> = {};
    for (const h of ['retry-after', 'etag', 'cache-control'])
      if (res.headers.get(h) !== null) out[h] = res.headers.get(h)!;
    return {
      status: res.status,
      headers: out,
      body: new Uint8Array(await res.arrayBuffer()),
      type: res.headers.get('content-type') ?? 'application/octet-stream',
    };
  };
  const paths = [`${prefix}v1/rounds/checkin`, `${prefix}v1/models/latest`];
  for (let i = 1; i <= maxId; i++)
    paths.push(
      `${prefix}v1/models/${i}/manifest.json`,
      `${prefix}v1/models/${i}/weights.bin`,
      `${prefix}v1/rounds/${i}/updates`,
    );
  for (const p of paths) server.route(p, forward);
  return proxy;
}
