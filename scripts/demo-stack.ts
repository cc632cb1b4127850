// The whole Hearth loop on one machine, as `npm start` runs it and the end-to-end tests drive it:
//   - the SDK, built by its own build script (snippet, hearth.js, the worker, wasm);
//   - the demo shop, built by Vite;
//   - the aggregator on its embedded store, seeded with the demo model (demo-shop/model) when empty;
//   - one HTTP server on 127.0.0.1 for all of it: the shop at /, the SDK at /hearth/, the aggregator's
//     API proxied at /v1/ (same origin, so the shop's SDK needs no CORS), and the admin page at /admin.
// The shop's index.html gets the SDK's loader snippet and init({ siteKey, modelUrl, serverUrl }) where a
// merchant would paste them.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { configSchema, type RunningServer, startServer } from '@hearth/aggregator-server';
import { renderAdminPage } from './admin-page';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const DEMO_MODEL_DIR = join(REPO_ROOT, 'demo-shop', 'model');
export const SITE_KEY = 'hearth-market';

/** Where index.html takes the snippet (demo-shop/index.html). */
const SNIPPET_MARKER = '<!--hearth-snippet-->';

export interface DemoOptions {
  /** Everything the demo writes: aggregator store, secrets, built SDK and shop. Default .data/demo. */
  dataDir?: string;
  /** Port of the one HTTP server (0: any free port). Default 8080. */
  port?: number;
  /** Extra `init()` config for the SDK (tests: requireConsent). */
  sdkConfig?: Record<string, unknown>;
  /** Round settings for the demo's aggregator (tests make rounds short). */
  rounds?: Record<string, unknown>;
  /** Progress lines (npm start prints them; tests pass nothing). */
  log?: (line: string) => void;
}

export interface Demo {
  /** The shop's origin, e.g. http://127.0.0.1:8080 */
  url: string;
  adminUrl: string;
  aggregator: RunningServer;
  /** The admin bearer token (kept in the data dir, so it survives restarts). */
  adminToken: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Secrets are generated once per data dir: restarting keeps round tokens and the admin token valid. */
function secrets(dir: string): { secret: string; adminToken: string } {
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const s = { secret: randomBytes(32).toString('hex'), adminToken: randomBytes(32).toString('hex') };
  writeFileSync(file, `${JSON.stringify(s)}\n`, { mode: 0o600 });
  return s;
}

/**
 * One demo per data dir: a lock file with the owner's pid. A lock whose process is gone (killed, not
 * stopped) is taken over. Returns the release function.
 */
function lockDataDir(dir: string): () => void {
  const file = join(dir, 'demo.lock');
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(readFileSync(file, 'utf8'));
    let alive = Number.isInteger(owner) && owner > 0;
    try {
      if (alive) process.kill(owner, 0);
    } catch {
      alive = false;
    }
    if (alive)
      throw Object.assign(
        new Error(`${dir} is in use by another Hearth demo (pid ${owner}); stop it first`),
        {
          code: 'EDEMOINUSE',
        },
      );
    writeFileSync(file, String(process.pid));
  }
  return () => rmSync(file, { force: true });
}

/**
 * Demo round settings. A demo has a handful of shoppers, not 100,000: every check-in is sampled
 * (q = 1) from an assumed population of 10, and two updates make a round. With q = 1 nothing is gained
 * from sampling, so the ledger shows the honest price of so few clients: z = 2 costs ε ≈ 2.2 for the
 * first round and ≈ 5.4 after five (δ = 1e-5), so the default budget of 10 lasts about ten rounds.
 * serverLr scales the noisy average (noise std z·C/(q·N) = 0.2 per coordinate) down, so a round nudges
 * the shared encoder rather than replacing it with noise.
 */
export const DEMO_ROUNDS = {
  q: 1,
  population: 10,
  minClients: 2,
  z: 2,
  clipBound: 1,
  serverLr: 0.1,
  durationSec: 300,
};

async function buildAssets(dataDir: string, log: (line: string) => void) {
  const sdkDir = join(dataDir, 'sdk');
  const shopDir = join(dataDir, 'shop');
  let t = performance.now();
  const { buildSdk, snippetFor } = await import('../sdk/scripts/build');
  await buildSdk({ outdir: sdkDir, types: false });
  log(`built the SDK in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const vite = await import('vite');
  const { shopRoot } = await import('@hearth/demo-shop');
  await vite.build({
    root: shopRoot,
    configFile: join(shopRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: shopDir, emptyOutDir: true },
  });
  log(`built the shop in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { sdkDir, shopDir, snippet: snippetFor('/hearth/hearth.js', sdkDir) };
}

/** The shop's index.html with the snippet and init() pasted in, as a merchant's template would have it. */
export function pageWithSnippet(html: string, snippet: string, config: Record<string, unknown>): string {
  if (!html.includes(SNIPPET_MARKER))
    throw new Error(`demo-shop/index.html lost its ${SNIPPET_MARKER} marker`);
  // JSON inside <script>: escape '<' so no value can close the tag.
  const init = JSON.stringify(config).replace(/</g, '\\u003c');
  // A function replacement: the minified snippet may contain `$&` and the like.
  return html.replace(
    SNIPPET_MARKER,
    () => `<script>${snippet}</script>\n    <script>hearth.init(${init});</script>`,
  );
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

async function sendFile(res: ServerResponse, root: string, path: string): Promise<boolean> {
  let file: string;
  try {
    file = normalize(join(root, decodeURIComponent(path)));
  } catch {
    return false; // malformed %-escape
  }
  if (!file.startsWith(root + sep)) return false; // no ../ (or %2e%2e/) out of the folder
  try {
    if (!(await stat(file)).isFile()) return false;
  } catch {
    return false;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
  });
  res.end(await readFile(file));
  return true;
}

/** Forwards a request to the aggregator unchanged (method, path, headers, body) and streams the answer back. */
function proxy(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const upstream = request(
    new URL(req.url ?? '/', target),
    { method: req.method, headers: { ...req.headers, host: target.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error":{"reason":"unavailable","message":"aggregator unreachable"}}');
  });
  req.pipe(upstream);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) break;
  }
  return new URLSearchParams(body);
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const log = options.log ?? (() => {});
  const dataDir = resolve(options.dataDir ?? join(REPO_ROOT, '.data', 'demo'));
  mkdirSync(dataDir, { recursive: true });
  // The port and the data dir are claimed before anything is built or opened: a second `npm start`
  // fails at once instead of opening the same embedded store twice.
  const unlock = lockDataDir(dataDir);
  let serve: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  const server: Server = createServer((req, res) => {
    if (!serve) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '2' });
      return void res.end('Hearth is starting; reload in a few seconds.');
    }
    serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${(e as Error).message}`);
    });
  });
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 8080, '127.0.0.1', () => ok());
    });
  } catch (e) {
    unlock();
    throw e;
  }
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const aggregator = await startStack(dataDir, origin, options, log);
    serve = aggregator.serve;
    return {
      url: origin,
      adminUrl: `${origin}/admin`,
      aggregator: aggregator.running,
      adminToken: aggregator.adminToken,
      dataDir,
      async close() {
        const closed = new Promise<void>((ok) => server.close(() => ok()));
        server.closeAllConnections();
        await closed;
        await aggregator.running.close();
        unlock();
      },
    };
  } catch (e) {
    server.close();
    unlock();
    throw e;
  }
}

/** Builds SDK and shop, starts the aggregator, and returns the request handler for the one server. */
async function startStack(
  dataDir: string,
  origin: string,
  options: DemoOptions,
  log: (line: string) => void,
) {
  const { secret, adminToken } = secrets(dataDir);
  const { sdkDir, shopDir, snippet } = await buildAssets(dataDir, log);

  const config = configSchema.parse({
    port: 0,
    secret,
    adminToken,
    store: { kind: 'embedded', dir: join(dataDir, 'aggregator') },
    seedModelDir: DEMO_MODEL_DIR,
    logLevel: 'warn',
    rounds: { defaults: { ...DEMO_ROUNDS, ...options.rounds }, tickSec: 1 },
  });
  const aggregator = await startServer(config);
  const versions = await aggregator.ctx.store.listVersions();
  log(
    `aggregator on its embedded store (${config.store.kind === 'embedded' ? config.store.dir : ''}), ${versions.length} model version(s)`,
  );
  const target = new URL(aggregator.url);

  const admin = async (method: string, path: string) => {
    const res = await fetch(`${aggregator.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  const indexHtml = readFileSync(join(shopDir, 'index.html'), 'utf8');
  const page = () =>
    pageWithSnippet(indexHtml, snippet, {
      siteKey: SITE_KEY,
      modelUrl: `${origin}/v1/models/latest/manifest.json`,
      // The aggregator (proxied on this origin): rounds, and new model versions as they are published.
      serverUrl: `${origin}/`,
      // A demo is watched, not left running for days: check in 5 s after load (not 20 s) and look for
      // a new model version every 30 s (not 10 min), so a round's result shows up while QA looks.
      checkInDelaySec: 5,
      updateCheckSec: 30,
      ...options.sdkConfig,
    });

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const path = url.pathname;
    if (path.startsWith('/v1/') || path === '/healthz') return proxy(req, res, target);
    if (path === '/admin' || path === '/admin/') {
      const [models, ledger, rounds] = await Promise.all([
        fetch(`${aggregator.url}/v1/models`).then((r) => r.json()),
        fetch(`${aggregator.url}/v1/privacy/ledger`).then((r) => r.json()),
        admin('GET', '/v1/admin/rounds'),
      ]);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(
        renderAdminPage({ models, ledger, rounds: rounds.json, notice: url.searchParams.get('notice') }),
      );
    }
    // Buttons of the admin page (a form POST, then back to the page with what happened).
    if (req.method === 'POST' && path.startsWith('/admin/rounds')) {
      const form = await readForm(req);
      const id = form.get('id') ?? '';
      const action = path.slice('/admin/rounds/'.length);
      const r =
        path === '/admin/rounds'
          ? await admin('POST', '/v1/admin/rounds')
          : /^\d+$/.test(id) && action === 'close'
            ? await admin('POST', `/v1/admin/rounds/${id}/close`)
            : { status: 400, json: { error: { message: 'unknown action' } } };
      const error = (r.json.error as { message?: string } | undefined)?.message;
      const notice =
        error ?? (path === '/admin/rounds' ? `round ${r.json.id} opened` : `round ${id}: ${r.json.outcome}`);
      res.writeHead(303, { location: `/admin?notice=${encodeURIComponent(notice)}` });
      return void res.end();
    }
    if (path.startsWith('/hearth/') && (await sendFile(res, sdkDir, path.slice('/hearth/'.length)))) return;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      return void res.end(page());
    }
    if (await sendFile(res, shopDir, path.slice(1))) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  };

  return { running: aggregator, adminToken, serve };
}
