// Ingestion throughput of the aggregator over loopback: 100,000-parameter updates from many concurrent
// clients, each with its own id and round token, against a server process on the embedded store; with
// two baselines from the same run: the same server's discard endpoint (reads the body, drops it: the
// transport's own limit) and the bare validate-clip-sum loop of the privacy core in this process.
// Resident memory of the server is sampled while rounds of 1,000 to 20,000 clients run, and the same
// load goes to one and then two replicas sharing a PostgreSQL.
//   npm run bench:ingest [-- --params 100000 --connections 32 --sizes 1000,5000,20000 --warmup 3000
//                         --no-postgres --store-on-main --no-simd --profile DIR]
// Writes bench/results/ingest.json and prints a table. Load goes to 127.0.0.1 only, bounded in count.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeArtifact, encodeUpdate, MANIFEST_FILE, WEIGHTS_FILE } from '@hearth/models';
import { dpFedAvg, seededGaussianForTestsOnly } from '../aggregator-server/src/privacy';
import { issueToken } from '../aggregator-server/src/rounds/token';
import { createTestDatabase } from '../aggregator-server/src/storage/test-postgres';
import { SECRET } from '../aggregator-server/src/testing/server';
import { type ChildServer, spawnServer } from '../aggregator-server/src/testing/spawn';
import { runLoad } from './http-load';

const { values: args } = parseArgs({
  options: {
    params: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '32' },
    sizes: { type: 'string', default: '1000,5000,20000' },
    discard: { type: 'string', default: '3000' },
    /** Uploads in an unmeasured round first: a fresh server runs its first ~3,000 at about half speed. */
    warmup: { type: 'string', default: '3000' },
    'pg-updates': { type: 'string', default: '4000' },
    'no-postgres': { type: 'boolean', default: false },
    /** Run the servers' store on their main thread (config storeInWorker: false), for an A/B. */
    'store-on-main': { type: 'boolean', default: false },
    /** The servers' checks and sums in JavaScript loops (config simd: false), for an A/B. */
    'no-simd': { type: 'boolean', default: false },
    /** Write V8 CPU profiles of the server processes into this folder (node --cpu-prof). */
    profile: { type: 'string' },
  },
});
const PARAMS = Number(args.params);
const CONNECTIONS = Number(args.connections);
const SIZES = args.sizes.split(',').map(Number);
const DISCARD = Number(args.discard);
const WARMUP = Number(args.warmup);
const PG_UPDATES = Number(args['pg-updates']);
for (const [k, v] of Object.entries({
  params: PARAMS,
  connections: CONNECTIONS,
  discard: DISCARD,
  'pg-updates': PG_UPDATES,
  ...Object.fromEntries(SIZES.map((s, i) => [`sizes[${i}]`, s])),
}))
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k}: expected an integer >= 1, got ${v}`);
if (!Number.isInteger(WARMUP) || WARMUP < 0)
  throw new Error(`--warmup: expected an integer >= 0, got ${WARMUP}`);

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
  storeInWorker: !args['store-on-main'],
  simd: !args['no-simd'],
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

/** CPU seconds (user + system) a process (or one of its threads) has used so far, from /proc. */
function processCpuSeconds(pid: number, tid?: number): number {
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the "pid (comm) " prefix
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds (user + system) of each thread of a process so far, by thread id, from /proc. */
function threadCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    try {
      out.set(tid, processCpuSeconds(pid, tid));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * Server CPU per request by thread (ms): the main thread (HTTP), the busiest other thread (the
 * store's worker, where there is one), and every other thread together (V8's GC helpers, libuv).
 */
function perThread(pids: number[], before: Map<number, number>[], requests: number) {
  let main = 0;
  let worker = 0;
  let rest = 0;
  pids.forEach((pid, i) => {
    const deltas = [...threadCpuSeconds(pid)].map(([tid, s]) => ({ tid, s: s - (before[i]!.get(tid) ?? 0) }));
    const others = deltas.filter((d) => d.tid !== pid).sort((a, b) => b.s - a.s);
    main += deltas.find((d) => d.tid === pid)?.s ?? 0;
    worker += others[0]?.s ?? 0;
    rest += others.slice(1).reduce((sum, d) => sum + d.s, 0);
  });
  const ms = (s: number) => (1000 * s) / Math.max(1, requests);
  return { main: ms(main), worker: ms(worker), rest: ms(rest) };
}

interface LoadReport {
  rate: number;
  /** Server CPU per 2xx answer (ms), by thread: main, the busiest other (the store's worker), the rest. */
  msPerRequest: { main: number; worker: number; rest: number };
  non2xx: number;
  /** CPU seconds per second of wall time: the load generator, and the servers together. */
  clientCpu: number;
  serverCpu: number;
  /** Busy CPU seconds per second of the whole machine (every process: PostgreSQL, other users). */
  machineCpu: number;
}

/** Busy CPU seconds of the whole machine so far, from /proc/stat (everything but idle and iowait). */
function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - cpu[3]! - cpu[4]!) / 100;
}

/** Sends `heads` (one per request, each with its body) through the cheap client, split over `servers`. */
async function load(
  servers: ChildServer[],
  heads: string[][],
  body: Buffer,
  connectionsPerServer = Math.max(1, Math.floor(CONNECTIONS / servers.length)),
): Promise<LoadReport> {
  const pids = servers.map((s) => s.proc.pid!);
  const cpuBefore = pids.map((pid) => processCpuSeconds(pid));
  const threadsBefore = pids.map(threadCpuSeconds);
  const machineBefore = machineBusySeconds();
  const started = performance.now();
  const results = await Promise.all(
    servers.map((s, k) => {
      const url = new URL(s.url);
      return runLoad({
        host: url.hostname,
        port: Number(url.port),
        connections: connectionsPerServer,
        requests: heads[k]!.map((head) => ({ head })),
        body,
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = pids.reduce((sum, pid, i) => sum + processCpuSeconds(pid) - cpuBefore[i]!, 0);
  const machine = machineBusySeconds() - machineBefore;
  const msPerRequest = perThread(
    pids,
    threadsBefore,
    results.reduce((s, r) => s + r.ok, 0),
  );
  for (const r of results) for (const [status, text] of r.failures) errorSamples.set(status, text);
  return {
    rate: results.reduce((s, r) => s + r.ok, 0) / seconds,
    msPerRequest,
    non2xx: results.reduce((s, r) => s + r.failed, 0),
    // the clients share this process: its CPU time is counted once, by the first result
    clientCpu: results[0]!.clientCpuSeconds / seconds,
    serverCpu: serverCpu / seconds,
    machineCpu: machine / seconds,
  };
}

/** `count` uploads split over `servers`, each client with its own id and a token made before timing. */
async function uploads(
  servers: ChildServer[],
  roundId: number,
  modelVersion: number,
  count: number,
  prefix: string,
  connectionsPerServer?: number,
): Promise<LoadReport> {
  const body = Buffer.from(encodeUpdate({ roundId, modelVersion, numExamples: 1, layout, values }));
  const expiresAt = Date.now() + 3_600_000;
  const per = Math.ceil(count / servers.length);
  const heads = servers.map((_, k) =>
    Array.from({ length: Math.min(per, count - k * per) }, (_, n) => {
      const clientId = `${prefix}-${k}-${String(n).padStart(7, '0')}`;
      const token = issueToken(SECRET, { roundId, clientId, expiresAt });
      return [
        `POST /v1/rounds/${roundId}/updates HTTP/1.1`,
        'Host: 127.0.0.1',
        'Content-Type: application/octet-stream',
        `Hearth-Client-Id: ${clientId}`,
        `Authorization: Bearer ${token}`,
      ].join('\r\n');
    }),
  );
  return load(servers, heads, body, connectionsPerServer);
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

async function discard(server: ChildServer, count: number): Promise<LoadReport> {
  const body = Buffer.from(encodeUpdate({ roundId: 1, modelVersion: 1, numExamples: 1, layout, values }));
  const head = [
    'POST /v1/discard HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: application/octet-stream',
  ].join('\r\n');
  return load([server], [Array.from({ length: count }, () => head)], body);
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
  storeInWorker: config.storeInWorker,
  simd: config.simd,
  cpus: cpus().length,
  loadavgBefore: loadavg(),
};
const children: ChildServer[] = [];
/** One response body per non-2xx status, to say why. */
const errorSamples = new Map<number, string>();
try {
  report.bareClipAndSumPerSec = bareLoop(2000);

  const nodeArgs = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  const env = {
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_SEED_MODEL_DIR: seed,
    HEARTH_CONFIG_DIR: dir,
  };
  const server = await spawnServer(env, config, nodeArgs);
  children.push(server);
  report.serverIdleRssMiB =
    Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))?.[1]) / 1024;
  // Warm first, so that neither the discard baseline nor the rounds pay for a cold process.
  if (WARMUP > 0) {
    const open = await server.admin('POST', '/v1/admin/rounds', {});
    if (open.status !== 201) throw new Error(`open round: ${JSON.stringify(open.json)}`);
    const warm = await uploads([server], open.json.id, open.json.modelVersion, WARMUP, 'warm');
    report.warmupPerSec = warm.rate;
    await server.admin('POST', `/v1/admin/rounds/${open.json.id}/close`);
  }
  const d = await discard(server, DISCARD);
  report.discardPerSec = d.rate;
  report.discard = d;
  const rounds: (LoadReport & { clients: number; updatesPerSec: number; serverPeakRssMiB: number })[] = [];
  for (const size of SIZES) {
    const open = await server.admin('POST', '/v1/admin/rounds', {});
    if (open.status !== 201) throw new Error(`open round: ${JSON.stringify(open.json)}`);
    const { result, peakMiB } = await peakRss([server.proc.pid!], () =>
      uploads([server], open.json.id, open.json.modelVersion, size, `r${open.json.id}`),
    );
    rounds.push({ clients: size, updatesPerSec: result.rate, serverPeakRssMiB: peakMiB, ...result });
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
    const [a, b] = await Promise.all([
      spawnServer(pgEnv, config, nodeArgs),
      spawnServer(pgEnv, config, nodeArgs),
    ]);
    children.push(a!, b!);
    if (WARMUP > 0) {
      // both replicas warm, so neither measurement pays for a cold process
      const warm = await a!.admin('POST', '/v1/admin/rounds', {});
      await uploads([a!, b!], warm.json.id, warm.json.modelVersion, 2 * WARMUP, 'pgwarm', CONNECTIONS);
      await a!.admin('POST', `/v1/admin/rounds/${warm.json.id}/close`);
    }
    const one = await a!.admin('POST', '/v1/admin/rounds', {});
    const single = await uploads([a!], one.json.id, one.json.modelVersion, PG_UPDATES, 'pg1');
    await a!.admin('POST', `/v1/admin/rounds/${one.json.id}/close`);
    const two = await a!.admin('POST', '/v1/admin/rounds', {});
    const both = await uploads([a!, b!], two.json.id, two.json.modelVersion, PG_UPDATES, 'pg2');
    await b!.admin('POST', `/v1/admin/rounds/${two.json.id}/close`);
    // The same again with as many connections to each replica as the single one had: twice the offered
    // load, the way a load balancer in front of more replicas would see more clients at once.
    const three = await a!.admin('POST', '/v1/admin/rounds', {});
    const wide = await uploads(
      [a!, b!],
      three.json.id,
      three.json.modelVersion,
      PG_UPDATES,
      'pg3',
      CONNECTIONS,
    );
    await a!.admin('POST', `/v1/admin/rounds/${three.json.id}/close`);
    report.postgres = {
      oneReplicaPerSec: single.rate,
      twoReplicasPerSec: both.rate,
      speedup: both.rate / single.rate,
      twoReplicasFullConnectionsPerSec: wide.rate,
      speedupFullConnections: wide.rate / single.rate,
      non2xx: single.non2xx + both.non2xx + wide.non2xx,
      one: single,
      two: both,
      twoFull: wide,
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
/** CPU cores busy during a load: client | servers | whole machine. */
const cpuSplit = (r: LoadReport) =>
  `cpu client ${r.clientCpu.toFixed(2)} | server ${r.serverCpu.toFixed(2)} | machine ${r.machineCpu.toFixed(2)} | ms/req main ${r.msPerRequest.main.toFixed(2)} worker ${r.msPerRequest.worker.toFixed(2)} rest ${r.msPerRequest.rest.toFixed(2)}`;
const rows: [string, string][] = [
  ['update size (bytes)', f(report.updateBytes)],
  ['bare clip-and-sum (updates/s, 1 core)', f(report.bareClipAndSumPerSec)],
  ['discard endpoint (requests/s)', `${f(report.discardPerSec)} | ${cpuSplit(report.discard as LoadReport)}`],
  ['server resident memory after start (MiB)', f(report.serverIdleRssMiB)],
  [`warm-up round, ${WARMUP} clients, unmeasured (updates/s)`, f(report.warmupPerSec)],
];
for (const r of report.embedded as (LoadReport & { clients: number; serverPeakRssMiB: number })[])
  rows.push([
    `embedded, ${r.clients} clients (updates/s | peak RSS MiB | non-2xx)`,
    `${f(r.rate)} | ${f(r.serverPeakRssMiB)} | ${r.non2xx} | ${cpuSplit(r)}`,
  ]);
const best = Math.max(...(report.embedded as { updatesPerSec: number }[]).map((r) => r.updatesPerSec));
rows.push(['embedded best / discard', `${((100 * best) / (report.discardPerSec as number)).toFixed(0)}%`]);
if (report.postgres) {
  const p = report.postgres as {
    speedup: number;
    speedupFullConnections: number;
    one: LoadReport;
    two: LoadReport;
    twoFull: LoadReport;
  };
  rows.push([
    `postgres, 1 replica, ${CONNECTIONS} conn. (updates/s)`,
    `${f(p.one.rate)} | ${cpuSplit(p.one)}`,
  ]);
  rows.push([`postgres, 2 replicas, ${CONNECTIONS} conn. in all`, `${f(p.two.rate)} | ${cpuSplit(p.two)}`]);
  rows.push(['2 replicas / 1 (same connections)', p.speedup.toFixed(2)]);
  rows.push([
    `postgres, 2 replicas, ${CONNECTIONS} conn. each`,
    `${f(p.twoFull.rate)} | ${cpuSplit(p.twoFull)}`,
  ]);
  rows.push(['2 replicas / 1 (connections per replica)', p.speedupFullConnections.toFixed(2)]);
}
console.log('embedded group commits:', JSON.stringify(report.embeddedCommits));
const width = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
console.log(
  `load average before/after: ${(report.loadavgBefore as number[]).map((x) => x.toFixed(1)).join(' ')} / ${(report.loadavgAfter as number[]).map((x) => x.toFixed(1)).join(' ')}`,
);
