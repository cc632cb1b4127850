// A full federated round, end to end: two shoppers in their own browser profiles browse the demo shop,
// each page trains on its shopper's own history and uploads a clipped update to the real aggregator,
// the round commits a new model version (charged to the privacy ledger), and the pages switch to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, REPO_ROOT, startDemo } from '../../scripts/demo-stack';
import { launchBrowser, scrollIntoView } from '../browser/harness';

const shots = join(REPO_ROOT, 'test-artifacts', 'e2e');
let demo: Demo;
let browser: Browser;
const tmp = mkdtempSync(join(tmpdir(), 'hearth-e2e-round-'));

beforeAll(async () => {
  [demo, browser] = await Promise.all([
    // Look for a new model every 2 s (not 30 s). Check in 6 s after load: by then each shopper has
    // browsed (a page with fewer than two events skips the round until its deadline).
    startDemo({ dataDir: tmp, port: 0, sdkConfig: { checkInDelaySec: 6, updateCheckSec: 2 } }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function admin(method: string, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${demo.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${demo.adminToken}`, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  expect(res.ok).toBe(true);
  return (await res.json()) as Record<string, unknown>;
}

async function until<T>(
  what: string,
  f: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  explain: () => Promise<string> = async () => '',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${await explain()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** How the SDK may name a server version in status().modelVersion: its number, or its checksum's prefix. */
const labels = (v: { version: number; weightsSha256: string }) => [
  String(v.version),
  v.weightsSha256.slice(0, 12),
];

const modelVersion = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { hearth: { status(): { modelVersion?: string } } }).hearth.status().modelVersion,
  );

describe('a federated round with two shoppers', () => {
  it('produces a new model version that the pages then rank with', async () => {
    const round = await admin('POST', '/v1/admin/rounds');
    const roundId = round['id'] as number;
    const v1 = (await (await fetch(`${demo.url}/v1/models/latest`)).json()) as { weightsSha256: string };

    const shoppers = await Promise.all(
      ['#/d/computers', '#/d/furniture'].map(async (start) => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        await page.goto(`${demo.url}/${start}`);
        // A short history of its own: three product pages of the department.
        const ids = await page.$$eval('.list [data-hearth-item]', (els) =>
          els.slice(0, 3).map((e) => (e as HTMLElement).dataset['hearthItem'] ?? ''),
        );
        for (const id of ids) {
          await page.goto(`${demo.url}/#/p/${id}`);
          await page.waitForSelector(`.product-main[data-product="${id}"]`);
        }
        return { page, errors };
      }),
    );

    // Each page checks in, is sampled (q = 1), trains and uploads; the server counts two updates.
    await until(
      'two updates',
      async () => {
        const r = (await (await fetch(`${demo.url}/v1/rounds/${roundId}`)).json()) as { received: number };
        return r.received >= 2 ? r : undefined;
      },
      90_000, // generous: a loaded two-core CI machine starts workers slowly
      // What the pages' SDKs say, so a failure shows why an update did not come.
      () =>
        Promise.all(
          shoppers.map(({ page }) =>
            page.evaluate(() =>
              JSON.stringify((window as unknown as { hearth: { status(): unknown } }).hearth.status()),
            ),
          ),
        ).then((s) => s.join('\n')),
    );
    const closed = await admin('POST', `/v1/admin/rounds/${roundId}/close`);
    expect(closed['outcome']).toBe('committed');
    const v2 = (await (await fetch(`${demo.url}/v1/models/latest`)).json()) as {
      version: number;
      parent: number;
      epsilon: number;
      weightsSha256: string;
    };
    expect(v2).toMatchObject({ version: 2, parent: 1 });
    expect(v2.weightsSha256).not.toBe(v1.weightsSha256);
    expect(v2.epsilon).toBeGreaterThan(0);
    const ledger = (await (await fetch(`${demo.url}/v1/privacy/ledger`)).json()) as { epsilonSpent: number };
    expect(ledger.epsilonSpent).toBeCloseTo(v2.epsilon, 9);

    // Both pages pick the new version up and keep ranking with it.
    for (const { page, errors } of shoppers) {
      await until(
        'the new version on the page',
        async () => (labels(v2).includes((await modelVersion(page)) ?? '') ? true : undefined),
        30_000,
        () =>
          page.evaluate(() =>
            JSON.stringify((window as unknown as { hearth: { status(): unknown } }).hearth.status()),
          ),
      );
      await page.goto(`${demo.url}/#/d/appliances`);
      await page.waitForSelector('.list[data-list="department:appliances"][data-ranker="hearth"]');
      expect(errors).toEqual([]);
    }

    // For a person to look at: the debug panel after the round, and the admin page's ε plot.
    const { page } = shoppers[0]!;
    await page.click('.debug-toggle');
    await page.waitForSelector('[data-debug="model"]');
    // The panel shows the update this page sent, as the SDK reports it.
    expect(await page.textContent('[data-debug="queue"]')).toContain(`round ${roundId}:`);
    // ...and the ε of the version it ranks with, from the aggregator's registry.
    expect(await page.textContent('[data-debug="model"]')).toContain(
      `${v2.epsilon.toFixed(3)} (aggregator, v2)`,
    );
    await scrollIntoView(page, '[data-debug="queue"]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'round-debug-panel.png') });
    await page.goto(`${demo.url}/admin`);
    const bar = await page.getAttribute('svg.eps-plot rect[data-version="2"]', 'data-epsilon');
    expect(Number(bar)).toBeCloseTo(v2.epsilon, 9);
    await page.screenshot({ path: join(shots, 'round-admin.png'), fullPage: true });
  }, 150_000);
});
