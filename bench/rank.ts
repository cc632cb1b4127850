// rank() in headless Chromium, per backend: latency p50/p95 for 20, 100 and 500 candidates with a
// 50-event history, next to the model's bare forward pass (Recommender.scoreCandidates) in the same
// page on the same history (a new event is tracked before every timed call, so neither side can reuse
// an earlier result; 'repeat' is a second rank() of the same list with nothing tracked in between;
// 'a frame after a click' is a rank() 16 ms after a tracked click, as a single-page shop renders its
// next list, by when the SDK has encoded the history ahead; 'blocks' times k rank() calls in a row and
// then k bare passes in a row, each warm in its own thread, where the main loop alternates them); the
// longest main-thread task while the SDK
// starts and ranks (PerformanceObserver 'longtask', which reports tasks of 50 ms and more); and the
// time from init() to the first model-ranked result,
// cold (fresh profile) and warm (model in IndexedDB, SDK files in the HTTP cache).
// A second baseline in the same loop is a bare worker's hop: a plain Worker that takes the candidate
// ids, stays busy as long as that iteration's bare pass and answers with as many scores. It is the
// least that any design running the model off the main thread pays on this machine.
// The model has the shipped architecture (d 64, 2 blocks, 50 positions) over a 12,101-item catalogue
// (Amazon Beauty's size), random weights with float16 item tables: latency does not depend on values.
// Writes bench/results/rank.json and prints a table. `npm run bench:rank [-- --iterations 50]`

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { fixtureHtml } from '../test/browser/fixture';
import { buildSdkForTests, launchBrowser, startServer } from '../test/browser/harness';
import { makeTestModel, serveModel } from '../test/browser/test-model';
import '../test/browser/page-globals';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '50' },
    backends: { type: 'string', default: 'wasm,cpu,webgpu' },
    sizes: { type: 'string', default: '20,100,500' },
  },
});
const iterations = Number(values.iterations);
if (!Number.isInteger(iterations) || iterations < 5) throw new Error('--iterations: an integer >= 5');
const backends = values.backends.split(',') as ('wasm' | 'cpu' | 'webgpu')[];
const sizes = values.sizes.split(',').map(Number);
const root = join(import.meta.dirname, '..');
const NUM_ITEMS = 12_101;
const HISTORY = 50;
/** rank() calls timed a frame (16 ms) after a click, per candidate count. */
const PAUSED = 15;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

/** The page's timer ticks in steps of this much (Chromium coarsens it where a page is not isolated). */
const TICK_MS = 0.1;

/**
 * The median of durations read off a timer that ticks in TICK_MS steps, interpolated within the
 * step that holds it (the median of grouped data): every raw median here is a whole number of
 * ticks, so a ratio of two of them moves in steps of ~5 %. Chromium jitters where each tick falls,
 * so a duration reads as the step above or below in proportion to where it lies between them: the
 * share of readings in each step carries what the ticks round off.
 */
function tickMedian(xs: number[]): number {
  const ticks = xs.map((x) => Math.round(x / TICK_MS)).sort((a, b) => a - b);
  const m = ticks[Math.floor(ticks.length / 2)] ?? Number.NaN;
  const below = ticks.filter((t) => t < m).length;
  const within = ticks.filter((t) => t === m).length;
  return (m - 0.5 + (ticks.length / 2 - below) / within) * TICK_MS;
}

// The bare forward pass: the model core with the same TensorFlow.js build as the worker, in the page.
async function bareBundle(): Promise<string> {
  const out = await build({
    stdin: {
      contents: `
        import { decodeArtifact, expectedShapes, parseManifest, parseModelConfig, recommenderFromArtifact } from '@hearth/models';
        import * as tf from '@tensorflow/tfjs';
        import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
        import '@tensorflow/tfjs-backend-webgpu';
        let rec;
        let echo;
        const ECHO = 'onmessage = (e) => { const t = performance.now(); while (performance.now() - t < e.data.busyMs) {} ' +
          'postMessage({ busy: performance.now() - t, scores: new Float32Array(e.data.ids.length) }); };';
        window.bare = {
          async load(manifestUrl, backend, wasmBase) {
            setWasmPaths(wasmBase);
            tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
            if (!(await tf.setBackend(backend))) throw new Error('no backend ' + backend);
            const manifest = parseManifest(await (await fetch(manifestUrl)).json());
            const weights = new Uint8Array(await (await fetch(new URL('weights.bin', manifestUrl))).arrayBuffer());
            const shapes = expectedShapes(parseModelConfig(manifest.architecture));
            rec = recommenderFromArtifact(await decodeArtifact(manifest, weights, { shapes }));
          },
          async time(history, candidates) {
            const t = performance.now();
            await rec.scoreCandidates(history, candidates);
            return performance.now() - t;
          },
          // The floor of any worker design: a bare worker that takes the candidate ids, is busy as
          // long as the forward pass and answers with as many scores. Its round trip minus that busy
          // time is the thread hop alone (messages, cloning, both threads waking up).
          hop(ids, busyMs) {
            echo ??= new Worker(URL.createObjectURL(new Blob([ECHO], { type: 'text/javascript' })));
            return new Promise((done) => {
              const t = performance.now();
              echo.onmessage = (e) => done(performance.now() - t - e.data.busy);
              echo.postMessage({ ids, busyMs });
            });
          },
        };`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    logLevel: 'error',
    alias: { '@tensorflow/tfjs': join(root, 'sdk/src/worker/tf.ts') },
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return out.outputFiles[0]!.text;
}

const LONGTASKS = `<script>
  window.__longtasks = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longtasks.push(e.duration); })
      .observe({ type: 'longtask', buffered: true });
  } catch {}
</script>`;

type Row = Record<string, string | number>;

async function main() {
  console.log('building the SDK and a 12,101-item model...');
  const [sdkDir, model, bare] = await Promise.all([
    buildSdkForTests(),
    makeTestModel({
      numItems: NUM_ITEMS,
      architecture: { maxLen: 50, dim: 64, numBlocks: 2, ffnDim: 64 },
      tableDtype: 'float16',
    }),
    bareBundle(),
  ]);
  const server = await startServer({ sdkDir });
  server.headers('/sdk/', { 'cache-control': 'public, max-age=3600' }); // as a CDN serves them
  server.route('/bare.js', { body: bare, type: 'text/javascript' });
  const modelUrl = serveModel(server, model);
  const browser = await launchBrowser({ webgpu: true });
  const t0 = Date.now() - 86_400_000;
  const history = Array.from({ length: HISTORY }, (_, i) => ({
    item: ((i * 37) % NUM_ITEMS) + 1,
    action: (['view', 'click', 'add_to_cart'] as const)[i % 3]!,
    timeMs: t0 + i * 90_000,
  }));
  const latency: Row[] = [];
  const longest: Row[] = [];
  const first: Row[] = [];

  try {
    for (const backend of backends) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const config = {
        siteKey: `bench-${backend}`,
        modelUrl,
        backends: [backend],
        autoCapture: false,
        rankTimeoutMs: 60_000,
      };
      await page.goto(
        server.page(fixtureHtml({ sdkOrigin: server.origin, sdkDir, config, head: LONGTASKS })),
      );
      await page.waitForFunction(() => window.hearth?.loaded === true);
      const status = await page.evaluate(() => window.__ready);
      if (status.backend !== backend) {
        console.log(`${backend}: not available here (${status.messages.join('; ')})`);
        await ctx.close();
        continue;
      }
      await page.addScriptTag({ url: `${server.origin}/bare.js` });
      await page.evaluate(
        ([url, b, base]) =>
          (window as unknown as { bare: { load(...a: string[]): Promise<void> } }).bare.load(url!, b!, base!),
        [modelUrl, backend, `${server.origin}/sdk/`],
      );
      await page.evaluate((h) => {
        for (const e of h) window.hearth.track({ type: e.action, item: `p${e.item}`, time: e.timeMs });
      }, history);
      for (const n of sizes) {
        const candidates = Array.from({ length: n }, (_, i) => ((i * 101 + 7) % NUM_ITEMS) + 1);
        const r = await page.evaluate(
          async ({ n: count, candidates: c, history: h, iterations: k, t0: start, PAUSED }) => {
            const ids = c.map((i) => `p${i}`);
            // The page's history as the bare pass sees it; it carries on across candidate counts.
            const w = window as unknown as {
              __bareHistory?: { item: number; action: string; time: number }[];
              __tracked?: number;
            };
            w.__bareHistory ??= h.map((e) => ({
              item: e.item,
              action: e.action,
              time: Math.floor(e.timeMs / 1000),
            }));
            const interactions = w.__bareHistory;
            const bare = (
              window as unknown as {
                bare: {
                  time(h: unknown, c: number[]): Promise<number>;
                  hop(ids: string[], busyMs: number): Promise<number>;
                };
              }
            ).bare;
            const sdk: number[] = [];
            const repeat: number[] = [];
            const inWorker: number[] = [];
            const inModel: number[] = [];
            const pass: number[] = [];
            const hop: number[] = [];
            for (let i = 0; i < k + 3; i++) {
              // A new event before every call, as a shopper's click would: the worker cannot reuse the
              // last user vector, so this is the full work, the same as the bare pass below.
              w.__tracked = (w.__tracked ?? 0) + 1;
              const tracked = w.__tracked;
              const item = ((tracked * 53 + 11) % 12_000) + 1;
              const time = start + tracked * 1000;
              window.hearth.track({ type: 'click', item: `p${item}`, time });
              interactions.push({ item, action: 'click', time: Math.floor(time / 1000) });
              interactions.splice(0, interactions.length - h.length);
              // rank() right after the click, in the same task: the worst case for the SDK, with no
              // idle moment to encode ahead in. The bare pass runs after it, on the same history,
              // once the worker has gone idle (on 2 cores it would otherwise share them).
              let t = performance.now();
              const ranked = await window.hearth.rank(ids);
              const ms = performance.now() - t;
              if (ranked[0]?.reason === 'original')
                throw new Error(`rank() fell back for ${count} candidates`);
              const workerMs = window.hearth.status().lastRank?.workerMs ?? Number.NaN;
              const modelMs = window.hearth.status().lastRank?.modelMs ?? Number.NaN;
              // The same list again, nothing tracked in between (a page ranking a second widget).
              t = performance.now();
              await window.hearth.rank(ids);
              const again = performance.now() - t;
              const b = await bare.time(interactions, c);
              const h0 = await bare.hop(ids, b);
              // The first calls compile shapes; they are not timed.
              if (i >= 3) {
                sdk.push(ms);
                repeat.push(again);
                inWorker.push(workerMs);
                inModel.push(modelMs);
                pass.push(b);
                hop.push(h0);
              }
            }
            // A single-page shop: the next list is ranked a moment after the click (a frame, 16 ms, here), by
            // when the SDK has encoded the new history ahead; rank() then only scores.
            const paused: number[] = [];
            let pausedEncoded = 0;
            for (let i = 0; i < PAUSED; i++) {
              w.__tracked = (w.__tracked ?? 0) + 1;
              const item = ((w.__tracked * 53 + 11) % 12_000) + 1;
              window.hearth.track({ type: 'click', item: `p${item}`, time: start + w.__tracked * 1000 });
              interactions.push({
                item,
                action: 'click',
                time: Math.floor((start + w.__tracked * 1000) / 1000),
              });
              interactions.splice(0, interactions.length - h.length);
              await new Promise((done) => setTimeout(done, 16));
              const t = performance.now();
              await window.hearth.rank(ids);
              paused.push(performance.now() - t);
              if (window.hearth.status().lastRank?.encoded) pausedEncoded++;
            }
            // Blocks: k rank() calls in a row, then k bare passes in a row, each after a click. Each copy of
            // the model then runs warm in its own thread, as the one copy in a shop's worker does.
            const blockSdk: number[] = [];
            const blockBare: number[] = [];
            for (let round = 0; round < 2; round++) {
              for (const side of ['sdk', 'bare'] as const) {
                for (let i = 0; i < k / 2 + 2; i++) {
                  w.__tracked = (w.__tracked ?? 0) + 1;
                  const item = ((w.__tracked * 53 + 11) % 12_000) + 1;
                  const time = start + w.__tracked * 1000;
                  // The SDK is told of the click only in its own block: told during the bare block,
                  // its worker would encode ahead while the bare pass runs, sharing the 2 cores.
                  if (side === 'sdk') window.hearth.track({ type: 'click', item: `p${item}`, time });
                  interactions.push({ item, action: 'click', time: Math.floor(time / 1000) });
                  interactions.splice(0, interactions.length - h.length);
                  let ms: number;
                  if (side === 'bare') ms = await bare.time(interactions, c);
                  else {
                    const t = performance.now();
                    await window.hearth.rank(ids);
                    ms = performance.now() - t;
                  }
                  if (i >= 2) (side === 'sdk' ? blockSdk : blockBare).push(ms);
                }
              }
            }
            return { sdk, repeat, inWorker, inModel, pass, hop, paused, pausedEncoded, blockSdk, blockBare };
          },
          { n, candidates, history, iterations, t0: t0 + HISTORY * 90_000, PAUSED },
        );
        const row = {
          backend,
          candidates: n,
          'rank p50 ms': +quantile(r.sdk, 0.5).toFixed(2),
          'rank p95 ms': +quantile(r.sdk, 0.95).toFixed(2),
          'in worker p50 ms': +quantile(r.inWorker, 0.5).toFixed(2),
          'model in worker p50 ms': +quantile(r.inModel, 0.5).toFixed(2),
          // rank() minus the worker's own time, call by call: messages, cloning, thread wake-ups.
          'round trip p50 ms': +quantile(
            r.sdk.map((ms, i) => ms - r.inWorker[i]!),
            0.5,
          ).toFixed(2),
          'bare p50 ms': +quantile(r.pass, 0.5).toFixed(2),
          'bare p95 ms': +quantile(r.pass, 0.95).toFixed(2),
          'overhead p50 %': +((quantile(r.sdk, 0.5) / quantile(r.pass, 0.5) - 1) * 100).toFixed(0),
          // The same ratio of medians interpolated within the timer's 0.1 ms steps (see tickMedian).
          'overhead, interpolated p50 %': +((tickMedian(r.sdk) / tickMedian(r.pass) - 1) * 100).toFixed(1),
          // The same ratio for the bare worker's hop alone: what any worker design pays here.
          'bare worker hop p50 ms': +quantile(r.hop, 0.5).toFixed(2),
          'hop alone p50 %': +((quantile(r.hop, 0.5) / quantile(r.pass, 0.5)) * 100).toFixed(0),
          'hop alone, interpolated p50 %': +((tickMedian(r.hop) / tickMedian(r.pass)) * 100).toFixed(1),
          'blocks: rank p50 ms': +quantile(r.blockSdk, 0.5).toFixed(2),
          'blocks: bare p50 ms': +quantile(r.blockBare, 0.5).toFixed(2),
          'blocks: overhead p50 %': +(
            (quantile(r.blockSdk, 0.5) / quantile(r.blockBare, 0.5) - 1) *
            100
          ).toFixed(0),
          'repeat rank p50 ms': +quantile(r.repeat, 0.5).toFixed(2),
          'rank a frame (16 ms) after a click p50 ms': +quantile(r.paused, 0.5).toFixed(2),
          'of those, encoder in the call': `${r.pausedEncoded}/${r.paused.length}`,
        };
        latency.push(row);
        console.log(row);
      }
      await ctx.close();
    }

    // The SDK alone on the main thread: init, 50 events, 100 rank() calls; every long task counts.
    {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const config = { siteKey: 'bench-longtask', modelUrl, autoCapture: false };
      await page.goto(
        server.page(fixtureHtml({ sdkOrigin: server.origin, sdkDir, config, head: LONGTASKS })),
      );
      await page.waitForFunction(() => window.hearth?.loaded === true);
      await page.evaluate(() => window.__ready);
      const tasks = await page.evaluate(async (h) => {
        for (const e of h) window.hearth.track({ type: e.action, item: `p${e.item}`, time: e.timeMs });
        for (let i = 0; i < 100; i++)
          await window.hearth.rank(Array.from({ length: 100 }, (_, j) => `p${j * 7 + i + 1}`));
        await new Promise((done) => setTimeout(done, 200));
        return (window as unknown as { __longtasks: number[] }).__longtasks;
      }, history);
      longest.push({
        backend: (await page.evaluate(() => window.hearth.status().backend)) as string,
        'main-thread long tasks (>=50 ms)': tasks.length,
        'longest ms': tasks.length ? Math.max(...tasks) : 0,
      });
      await ctx.close();
    }

    // init() -> first model-ranked result, cold then warm.
    for (let trial = 0; trial < 3; trial++) {
      const ctx = await browser.newContext();
      for (const kind of ['cold', 'warm']) {
        const page = await ctx.newPage();
        await page.goto(server.page(fixtureHtml({ sdkOrigin: server.origin, sdkDir, loader: 'script' })));
        const r = await page.evaluate(
          async ([url]) => {
            const t = performance.now();
            void window.hearth.init({ siteKey: 'bench-first', modelUrl: url!, autoCapture: false });
            window.hearth.track({ type: 'click', item: 'p5' });
            for (;;) {
              const ranked = await window.hearth.rank(['p1', 'p2', 'p3'], { timeoutMs: 20 });
              if (ranked[0]?.reason !== 'original') break;
              if (performance.now() - t > 30_000) throw new Error('no model-ranked result in 30 s');
              await new Promise((done) => setTimeout(done, 5));
            }
            return { ms: performance.now() - t, status: window.hearth.status() };
          },
          [modelUrl],
        );
        first.push({
          trial,
          kind,
          'init -> first ranked ms': Math.round(r.ms),
          backend: r.status.backend,
          'model from cache': String(r.status.modelCached),
          'worker up ms': Math.round(r.status.startup?.workerMs ?? Number.NaN),
          'backend ready ms': Math.round(r.status.startup?.backendMs ?? Number.NaN),
          'model built ms': Math.round(r.status.startup?.modelMs ?? Number.NaN),
          'warm-up ms': Math.round(r.status.startup?.warmUpMs ?? Number.NaN),
        });
        await page.close();
      }
      await ctx.close();
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(sdkDir, { recursive: true, force: true });
  }

  const median = (kind: string) =>
    quantile(
      first.filter((f) => f.kind === kind).map((f) => f['init -> first ranked ms'] as number),
      0.5,
    );
  const wasm100 = latency.find((r) => r.backend === 'wasm' && r.candidates === 100);
  const goals = {
    'p95 rank, 100 candidates, wasm < 10 ms': wasm100?.['rank p95 ms'],
    'SDK overhead over bare pass (wasm, 100) < 25 %': wasm100?.['overhead p50 %'],
    '  the same, medians interpolated within the timer step %': wasm100?.['overhead, interpolated p50 %'],
    '  of which a bare worker hop alone (wasm, 100) %': wasm100?.['hop alone p50 %'],
    '  the same, interpolated %': wasm100?.['hop alone, interpolated p50 %'],
    'no main-thread task > 50 ms': longest[0]?.['longest ms'],
    'first ranked result cold < 1500 ms (median)': median('cold'),
    'first ranked result warm < 500 ms (median)': median('warm'),
  };
  console.log('\nrank() latency per backend (ms):');
  console.table(latency);
  console.log('main thread while the SDK starts and ranks 100 lists:');
  console.table(longest);
  console.log('init() to the first model-ranked result:');
  console.table(first);
  console.log('goals:');
  console.table(goals);
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'rank.json'),
    `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() }, iterations, numItems: NUM_ITEMS, history: HISTORY, latency, mainThread: longest, firstRanked: first, goals }, null, 2)}\n`,
  );
  console.log(`wrote ${join(dir, 'rank.json')}`);
}

await main();
