// On-device training in headless Chromium, per backend: the time of one local training step in the
// SDK's worker (the federated client's own path: check-in, round model, encoder-only SGD on the
// shopper's sequence, clipped delta, encoding) and the size in bytes of the update that is uploaded.
// A real aggregator process serves the model and the round (q = 1); each run is a fresh browser
// context (a new shopper, a new client id) with a 50-event history.
// The model has the shipped architecture (d 64, 2 blocks, 50 positions, dropout 0.5) over a
// 12,101-item catalogue, random weights with float16 item tables: step time does not depend on values.
// The SDK does not train on the cpu backend (a step takes seconds there, which rank() cannot wait for),
// so `--backends cpu` finds no update; wasm and webgpu (SwiftShader here, a real GPU on shoppers'
// devices) are measured. Writes bench/results/train-device.json and prints a table.
// `npm run bench:train-device [-- --runs 3 --backends wasm,webgpu]`

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixtureHtml } from '../test/browser/fixture';
import { buildSdkForTests, launchBrowser, startServer } from '../test/browser/harness';
import '../test/browser/page-globals';
import { proxyAggregator, startAggregator } from '../test/federated/backend';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    backends: { type: 'string', default: 'wasm,webgpu' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a positive integer');
const backends = values.backends.split(',') as ('wasm' | 'cpu' | 'webgpu')[];
const root = join(import.meta.dirname, '..');
const NUM_ITEMS = 12_101;
const HISTORY = 50;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

const sdkDir = await buildSdkForTests();
const agg = await startAggregator({
  numItems: NUM_ITEMS,
  architecture: { maxLen: 50, dim: 64, numBlocks: 2, ffnDim: 64, dropout: 0.5 },
  tableDtype: 'float16',
});
const server = await startServer({ sdkDir });
const proxy = proxyAggregator(server, agg);
const browser = await launchBrowser({ webgpu: true });
// One round that stays open for every run (minClients out of reach, so it never aggregates).
const round = await agg.openRound({ q: 1, population: 1000, minClients: 1000, durationSec: 3600 });
const layoutValues = round.layout.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);

interface Row {
  backend: string;
  runs: number;
  steps: number;
  firstStepMs: number;
  stepP50Ms: number;
  stepP95Ms: number;
  /** The whole local update (all steps, the delta read back, clipping, encoding): on webgpu a step's
   * time is when its work was queued, and only this total includes waiting for the GPU. */
  roundP50Ms: number;
  updateBytes: number;
  layoutTensors: number;
  layoutValues: number;
}
const rows: Row[] = [];

try {
  for (const backend of backends) {
    const first: number[] = [];
    const later: number[] = [];
    const totals: number[] = [];
    let bytes = 0;
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const t0 = Date.now() - HISTORY * 60_000;
      await page.goto(
        server.page(
          fixtureHtml({
            sdkOrigin: server.origin,
            sdkDir,
            config: {
              siteKey: 'bench',
              modelUrl: proxy.modelUrl,
              serverUrl: proxy.serverUrl,
              backends: [backend],
              checkInDelaySec: 0,
              autoCapture: false,
            },
          }),
        ),
      );
      const status = await page.evaluate(async (t0) => {
        const s = await window.__ready;
        for (let i = 0; i < 50; i++)
          window.hearth.track({ type: 'view', item: `p${1 + ((i * 37) % 12_000)}`, time: t0 + i * 60_000 });
        return s;
      }, t0);
      if (status.backend !== backend) throw new Error(`${backend}: the SDK fell back to ${status.backend}`);
      const update = await page.waitForFunction(() => window.hearth.status().federation?.lastUpdate, null, {
        timeout: 10 * 60_000,
        polling: 250,
      });
      const u = (await update.jsonValue())!;
      first.push(u.stepMs[0]!);
      later.push(...u.stepMs.slice(1));
      totals.push(u.window[1] - u.window[0]);
      bytes = u.bytes;
      await context.close();
      console.error(
        `${backend} run ${run + 1}/${runs}: steps ${u.stepMs.map((x) => x.toFixed(0)).join(', ')} ms`,
      );
    }
    rows.push({
      backend,
      runs,
      steps: first.length + later.length,
      firstStepMs: +quantile(first, 0.5).toFixed(1),
      stepP50Ms: +quantile(later, 0.5).toFixed(1),
      stepP95Ms: +quantile(later, 0.95).toFixed(1),
      roundP50Ms: +quantile(totals, 0.5).toFixed(0),
      updateBytes: bytes,
      layoutTensors: round.layout.length,
      layoutValues,
    });
  }
} finally {
  await browser.close();
  await server.close();
  await agg.close();
  rmSync(sdkDir, { recursive: true, force: true });
}

const result = {
  bench: 'train-device',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
  model: { numItems: NUM_ITEMS, maxLen: 50, dim: 64, numBlocks: 2, history: HISTORY, localSteps: 5 },
  rows,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/train-device.json'), `${JSON.stringify(result, null, 2)}\n`);
console.table(rows);
