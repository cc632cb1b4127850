// Fixture pages for browser tests: a storefront-like page that loads the SDK by snippet (or a plain
// script tag), marks product tiles with data-hearth-item, and records what reaches the host page's own
// error handlers, so a test can tell the SDK never broke the page.
import type { BrowserContext, Page } from 'playwright-core';
import { snippetFor } from '../../sdk/scripts/build';
import { SDK_DIST, type TestServer } from './harness';
import './page-globals';

export interface Tile {
  id: string;
  label?: string;
}

export interface FixtureOptions {
  /** Origin serving /sdk/ (another origin than the page's = the SDK on a CDN). */
  sdkOrigin: string;
  /** Passed to hearth.init() through the queue; omit to not call init. */
  config?: Record<string, unknown>;
  tiles?: Tile[];
  /** Extra HTML at the top of <head>, before the SDK (CSP meta, patches of fetch, ...). */
  head?: string;
  /** 'snippet' (default): the async loader snippet; 'script': a plain <script src> of hearth.js. */
  loader?: 'snippet' | 'script';
  /** The folder the SDK was built into (for the snippet's source). */
  sdkDir?: string;
}

export function snippetSource(src: string, sdkDir = SDK_DIST): string {
  return snippetFor(src, sdkDir);
}

export function fixtureHtml(o: FixtureOptions): string {
  const src = `${o.sdkOrigin}/sdk/hearth.js`;
  const loader =
    o.loader === 'script'
      ? `<script src="${src}"></script>`
      : `<script>${snippetSource(src, o.sdkDir)}</script>`;
  // window.__ready settles with init()'s status: after the worker started (or ranking fell back).
  const init = o.config
    ? `<script>window.__ready = window.hearth.init(${JSON.stringify(o.config)});</script>`
    : '';
  const tiles = (o.tiles ?? [])
    .map((t) => `<li data-hearth-item="${t.id}" style="height:60px">${t.label ?? t.id}</li>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>fixture</title>
${o.head ?? ''}
<script>
  // The host page's own handlers: they must see only the page's own errors, never the SDK's.
  window.__errors = [];
  window.addEventListener('error', (e) => window.__errors.push('error: ' + e.message));
  window.addEventListener('unhandledrejection', (e) => window.__errors.push('rejection: ' + String(e.reason)));
</script>
${loader}
${init}
</head><body>
<ul id="list" style="margin:0;padding:0;list-style:none">
${tiles}
</ul>
</body></html>`;
}

/** Opens a fixture page in `context` and waits until init() has finished; returns the page. */
export async function openFixture(
  context: BrowserContext,
  server: TestServer,
  options: FixtureOptions,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.page(fixtureHtml(options)));
  await page.waitForFunction(() => window.hearth?.loaded === true);
  if (options.config) await page.evaluate(() => window.__ready);
  return page;
}
