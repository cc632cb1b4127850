// Ingestion throughput of the aggregator over loopback: 100,000-parameter updates from many concurrent
// clients, each with its own id and round token, against a server process on the embedded store; with
// two baselines from the same run: the same server's discard endpoint (reads the body, drops it: the
// transport's own limit) and the bare validate-clip-sum loop of the privacy core in this process.
// Resident memory of the server is sampled while rounds of 1,000 to 20,000 clients run, and the same
// load goes to one and then two replicas sharing a PostgreSQL.
//   npm run bench:ingest [-- --params 100000 --connections 32 --sizes 1000,5000,20000 --no-postgres]
// Writes bench/results/ingest.json and prints a table. Load goes to 127.0.0.1 only, bounded in count.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeArtifact, encodeUpdate, MANIFEST_FILE, WEIGHTS_FILE } from '@hearth/models';
import autocannon from 'autocannon';
import { dpFedAvg, seededGaussianForTestsOnly } from '../aggregator-server/src/privacy';
import { issueToken } from '../aggregator-server/src/rounds/token';
import { createTestDatabase } from '../aggregator-server/src/storage/test-postgres';
import { SECRET } from '../aggregator-server/src/testing/server';
import { type ChildServer, spawnServer } from '../aggregator-server/src/testing/spawn';

const { values: args } = parseArgs({
  options: {
    params: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '32' },
    sizes: { type: 'string', default: '1000,5000,20000' },
    discard: { type: 'string', default: '3000' },
    'pg-updates': { type: 'string', default: '4000' },
    'no-postgres': { type: 'boolean', default: false },
  },
});
const PARAMS = Number(args.params);
const CONNECTIONS = Number(args.connections);
const SIZES = args.sizes.split(',').map(Number);
const DISCARD = Number(args.discard);
const PG_UPDATES = Number(args['pg-updates']);
for (const [k, v] of Object.entries({
  params: PARAMS,
  connections: CONNECTIONS,
  discard: DISCARD,
  'pg-updates': PG_UPDATES,
  ...Object.fromEntries(SIZES.map((s, i) => [`sizes[${i}]`, s])),
}))
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k}: expected an integer >= 1, got ${v}`);

const ROWS = 100;
const COLS = PARAMS / ROWS;
if (!Number.isInteger(COLS)) throw new Error('--params: must be a multiple of 100');
const layout = [{ name: 'block0/w', shape: [ROWS, COLS] }];

const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-ingest-'));
const seed = join(dir, 'seed');
mkdirSync(seed);
const artifact = await encodeArtifact({
  architecture: { kind: 'bench' },
  catalog: { itemIds: ['', 'a'] },
  tensors: [{ name: 'block0/w', shape: [ROWS, COLS], data: new Float32Array(PARAMS) }],
});
writeFileSync(join(seed, MANIFEST_FILE), JSON.stringify(artifact.manifest));
writeFileSync(join(seed, WEIGHTS_FILE), artifact.weights);

const gauss = seededGaussianForTestsOnly(1);
const values = Float32Array.from({ length: PARAMS }, () => gauss.next() / Math.sqrt(PARAMS));
const config = {
  rounds: {
    defaults: { q: 1, population: 1_000_000, z: 1, clipBound: 1, minClients: 1, durationSec: 3600 },
    tickSec: 5,
  },
  privacy: { delta: 1e-6, epsilonBudget: 1e9 },
  limits: { maxUpdateBytes: 8 * PARAMS, checkInsPerMinutePerSource: 1_000_000 },
  discardEndpoint: true,
};

/** Peak resident memory of a process while `fn` runs, from /proc (MiB). */
async function peakRss<T>(pids: number[], fn: () => Promise<T>): Promise<{ result: T; peakMiB: number }> {
  let peak = 0;
  const sample = () => {
    let total = 0;
    for (const pid of pids) {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += Number(m?.[1] ?? 0);
    }
    peak = Math.max(peak, total / 1024);
  };
  sample();
  const timer = setInterval(sample, 50);
  try {
    const result = await fn();
    sample();
    return { result, peakMiB: peak };
  } finally {
    clearInterval(timer);
  }
}

/** `count` uploads split over `servers`, each client with its own id and token; returns updates/s. */
async function uploads(
  servers: ChildServer[],
  roundId: number,
  modelVersion: number,
  count: number,
  prefix: string,
): Promise<{ rate: number; non2xx: number }> {
  const body = Buffer.from(encodeUpdate({ roundId, modelVersion, numExamples: 1, layout, values }));
  const expiresAt = Date.now() + 3_600_000;
  const per = Math.ceil(count / servers.length);
  const started = performance.now();
  const results = await Promise.all(
    servers.map((s, k) => {
      let n = 0;
      return autocannon({
        url: s.url,
        connections: Math.max(1, Math.floor(CONNECTIONS / servers.length)),
        amount: per,
        timeout: 60,
        requests: [
          {
            method: 'POST',
            path: `/v1/rounds/${roundId}/updates`,
            onResponse: (status: number, body: string) => {
              if (status >= 300) errorSamples.set(status, body.slice(0, 300));
            },
            setupRequest: (req) => {
              const clientId = `${prefix}-${k}-${String(n++).padStart(7, '0')}`;
              return {
                ...req,
                headers: {
                  'content-type': 'application/octet-stream',
                  'hearth-client-id': clientId,
                  authorization: `Bearer ${issueToken(SECRET, { roundId, clientId, expiresAt })}`,
                },
                body,
              };
            },
          },
        ],
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ok = results.reduce((s, r) => s + r['2xx'], 0);
  return { rate: ok / seconds, non2xx: results.reduce((s, r) => s + r.non2xx + r.errors, 0) };
}

/** Mean group-commit size and duration from the server's Prometheus metrics. */
function commitStats(metrics: string) {
  const num = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
  const commits = num('hearth_ingest_batch_size_count');
  return {
    commits,
    meanBatch: num('hearth_ingest_batch_size_sum') / commits,
    meanCommitMs: (1000 * num('hearth_ingest_commit_seconds_sum')) / commits,
  };
}

async function discard(server: ChildServer, count: number): Promise<number> {
  const body = Buffer.from(encodeUpdate({ roundId: 1, modelVersion: 1, numExamples: 1, layout, values }));
  const started = performance.now();
  const r = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    amount: count,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        path: '/v1/discard',
        onResponse: (status: number, text: string) => {
          if (status >= 300) errorSamples.set(status, text.slice(0, 300));
        },
        setupRequest: (req) => ({ ...req, headers: { 'content-type': 'application/octet-stream' }, body }),
      },
    ],
  });
  return r['2xx'] / ((performance.now() - started) / 1000);
}

function bareLoop(count: number): number {
  const strategy = dpFedAvg({
    samplingRate: 1,
    population: count,
    noiseMultiplier: 1,
    clipBound: 1,
    noise: seededGaussianForTestsOnly(2),
    allowInsecureNoise: true,
  });
  const acc = strategy.begin({ dimension: PARAMS });
  const started = performance.now();
  for (let i = 0; i < count; i++) strategy.accumulate(acc, { values });
  return count / ((performance.now() - started) / 1000);
}

const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  params: PARAMS,
  updateBytes: encodeUpdate({ roundId: 1, modelVersion: 1, numExamples: 1, layout, values }).length,
  connections: CONNECTIONS,
  cpus: cpus().length,
  loadavgBefore: loadavg(),
};
const children: ChildServer[] = [];
/** One response body per non-2xx status, to say why. */
const errorSamples = new Map<number, string>();
try {
  report.bareClipAndSumPerSec = bareLoop(2000);

  const env = {
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_SEED_MODEL_DIR: seed,
    HEARTH_CONFIG_DIR: dir,
  };
  const server = await spawnServer(env, config);
  children.push(server);
  report.serverIdleRssMiB =
    Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))?.[1]) / 1024;
  report.discardPerSec = await discard(server, DISCARD);
  const rounds: { clients: number; updatesPerSec: number; non2xx: number; serverPeakRssMiB: number }[] = [];
  for (const size of SIZES) {
    const open = await server.admin('POST', '/v1/admin/rounds', {});
    if (open.status !== 201) throw new Error(`open round: ${JSON.stringify(open.json)}`);
    const { result, peakMiB } = await peakRss([server.proc.pid!], () =>
      uploads([server], open.json.id, open.json.modelVersion, size, `r${open.json.id}`),
    );
    rounds.push({
      clients: size,
      updatesPerSec: result.rate,
      non2xx: result.non2xx,
      serverPeakRssMiB: peakMiB,
    });
    await server.admin('POST', `/v1/admin/rounds/${open.json.id}/close`);
  }
  report.embedded = rounds;
  report.embeddedCommits = commitStats(await (await fetch(`${server.url}/metrics`)).text());
  await server.stop();

  if (!args['no-postgres']) {
    const db = await createTestDatabase();
    const pgEnv = {
      HEARTH_STORE_URL: db.url,
      HEARTH_SEED_MODEL_DIR: seed,
      HEARTH_CONFIG_DIR: dir,
    };
    const [a, b] = await Promise.all([spawnServer(pgEnv, config), spawnServer(pgEnv, config)]);
    children.push(a!, b!);
    const one = await a!.admin('POST', '/v1/admin/rounds', {});
    const single = await uploads([a!], one.json.id, one.json.modelVersion, PG_UPDATES, 'pg1');
    await a!.admin('POST', `/v1/admin/rounds/${one.json.id}/close`);
    const two = await a!.admin('POST', '/v1/admin/rounds', {});
    const both = await uploads([a!, b!], two.json.id, two.json.modelVersion, PG_UPDATES, 'pg2');
    await b!.admin('POST', `/v1/admin/rounds/${two.json.id}/close`);
    report.postgres = {
      oneReplicaPerSec: single.rate,
      twoReplicasPerSec: both.rate,
      speedup: both.rate / single.rate,
      non2xx: single.non2xx + both.non2xx,
    };
    await a!.stop();
    await b!.stop();
    await db.drop();
  }
} finally {
  for (const c of children) await c.kill9().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
report.loadavgAfter = loadavg();
report.errorSamples = Object.fromEntries(errorSamples);
if (errorSamples.size > 0) console.log('non-2xx answers:', report.errorSamples);

mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'ingest.json'), `${JSON.stringify(report, null, 2)}\n`);

const f = (x: unknown) => (typeof x === 'number' ? x.toFixed(0) : String(x));
const rows: [string, string][] = [
  ['update size (bytes)', f(report.updateBytes)],
  ['bare clip-and-sum (updates/s, 1 core)', f(report.bareClipAndSumPerSec)],
  ['discard endpoint (requests/s)', f(report.discardPerSec)],
  ['server resident memory after start (MiB)', f(report.serverIdleRssMiB)],
];
for (const r of report.embedded as {
  clients: number;
  updatesPerSec: number;
  serverPeakRssMiB: number;
  non2xx: number;
}[])
  rows.push([
    `embedded, ${r.clients} clients (updates/s | peak RSS MiB | non-2xx)`,
    `${f(r.updatesPerSec)} | ${f(r.serverPeakRssMiB)} | ${r.non2xx}`,
  ]);
const best = Math.max(...(report.embedded as { updatesPerSec: number }[]).map((r) => r.updatesPerSec));
rows.push(['embedded best / discard', `${((100 * best) / (report.discardPerSec as number)).toFixed(0)}%`]);
if (report.postgres) {
  const p = report.postgres as { oneReplicaPerSec: number; twoReplicasPerSec: number; speedup: number };
  rows.push(['postgres, 1 replica (updates/s)', f(p.oneReplicaPerSec)]);
  rows.push(['postgres, 2 replicas (updates/s)', f(p.twoReplicasPerSec)]);
  rows.push(['2 replicas / 1', p.speedup.toFixed(2)]);
}
console.log('embedded group commits:', JSON.stringify(report.embeddedCommits));
const width = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
console.log(
  `load average before/after: ${(report.loadavgBefore as number[]).map((x) => x.toFixed(1)).join(' ')} / ${(report.loadavgAfter as number[]).map((x) => x.toFixed(1)).join(' ')}`,
);
