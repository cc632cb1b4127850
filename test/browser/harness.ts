// The browser test harness, shared by the SDK's browser tests and later end-to-end tests:
//   launchBrowser({ webgpu })  real headless Chromium (Debian package) through playwright-core
//   startServer()              a static + programmable HTTP server on 127.0.0.1, port 0
// One browser per test file, one context per scenario (a fresh profile: its own IndexedDB), pages
// as needed. Both close cleanly (no dangling sockets or processes).
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = join(import.meta.dirname, '..', '..');
export const SDK_DIST = join(root, 'sdk', 'dist');

/** Builds the SDK into a fresh temporary folder (parallel test files never share one) and returns it. */
export async function buildSdkForTests(options: { worker?: boolean } = {}): Promise<string> {
  const { buildSdk } = await import('../../sdk/scripts/build');
  const outdir = mkdtempSync(join(tmpdir(), 'hearth-sdk-'));
  await buildSdk({ outdir, types: false, ...options });
  return outdir;
}

/** Flags for a closed network: no background traffic, no GPU process, no sandbox (containers). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export interface LaunchOptions {
  /** Adds --enable-unsafe-webgpu: a SwiftShader (software) WebGPU adapter. Without it there is none. */
  webgpu?: boolean;
  args?: string[];
}

/**
 * Launches Chromium; throws (the test fails) when the browser is missing. Playwright gives every
 * launch a fresh temporary --user-data-dir and every context a fresh profile.
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.webgpu ? ['--enable-unsafe-webgpu'] : []), ...(options.args ?? [])],
  });
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Content type; guessed from the path when absent. */
  type?: string;
}

export type Handler = (req: IncomingMessage) => Reply | Promise<Reply>;

export interface TestServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Serves `reply` (or a handler's reply) at `path` exactly; replaces an earlier route. */
  route(path: string, reply: Reply | Handler): void;
  /** Registers an HTML page at a fresh path and returns its absolute URL. */
  page(html: string, headers?: Record<string, string>): string;
  /** Extra headers for every response whose path starts with `prefix` (e.g. a CSP); returns an undo. */
  headers(prefix: string, headers: Record<string, string>): () => void;
  /** Paths requested so far, in order (query strings included). */
  readonly requests: string[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.bin': 'application/octet-stream',
};

export interface ServerOptions {
  /** Folder served at /sdk/ (default sdk/dist; tests pass the folder they built into). */
  sdkDir?: string;
  /** More static folders, by path prefix: { '/fixtures/': '/abs/dir' }. */
  statics?: Record<string, string>;
}

/** Starts the server: static folders first looked up after routes; everything else is a 404. */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const routes = new Map<string, Reply | Handler>();
  const extraHeaders: [string, Record<string, string>][] = [];
  const requests: string[] = [];
  const mounts: [string, string][] = [
    ['/sdk/', options.sdkDir ?? SDK_DIST],
    ...Object.entries(options.statics ?? {}),
  ];
  let pages = 0;

  const resolve = async (req: IncomingMessage): Promise<Reply> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes.get(path);
    if (route) return typeof route === 'function' ? route(req) : route;
    for (const [prefix, dir] of mounts) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, decodeURIComponent(path.slice(prefix.length))));
      if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) break;
      return { body: readFileSync(file), type: TYPES[extname(file)] ?? 'application/octet-stream' };
    }
    return { status: 404, body: 'not found', type: 'text/plain' };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    resolve(req)
      .then((reply) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const headers: Record<string, string> = {
          'content-type': reply.type ?? TYPES[extname(path)] ?? 'text/plain',
          'cache-control': 'no-store',
        };
        for (const [prefix, h] of extraHeaders) if (path.startsWith(prefix)) Object.assign(headers, h);
        Object.assign(headers, reply.headers);
        res.writeHead(reply.status ?? 200, headers);
        res.end(reply.body ?? '');
      })
      .catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    requests,
    route: (path, reply) => void routes.set(path, reply),
    page(html, headers) {
      const path = `/page/${++pages}.html`;
      routes.set(path, { body: html, type: TYPES['.html']!, ...(headers ? { headers } : {}) });
      return origin + path;
    },
    headers(prefix, headers) {
      const entry: [string, Record<string, string>] = [prefix, headers];
      extraHeaders.push(entry);
      return () => {
        const at = extraHeaders.indexOf(entry);
        if (at >= 0) extraHeaders.splice(at, 1);
      };
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * Scrolls the element now matching `selector` into view, for a screenshot. Not a locator's
 * scrollIntoViewIfNeeded: the demo's debug panel re-renders itself, and a locator waiting for its
 * element to be stable fails when the element is replaced meanwhile.
 */
export async function scrollIntoView(page: Page, selector: string): Promise<void> {
  await page.evaluate((s) => document.querySelector(s)?.scrollIntoView({ block: 'center' }), selector);
}
