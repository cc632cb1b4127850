// Server configuration: a JSON file (HEARTH_CONFIG) overlaid by environment variables, validated with
// zod at start. A bad value stops the server with a message naming the field, e.g.
// `config: privacy.delta: Too big: expected number to be <1 (from HEARTH_CONFIG=/etc/hearth.json)`.

import { readFileSync } from 'node:fs';
import { z } from 'zod';

const positive = z.number().positive();
const secretString = z.string().min(16, 'must be at least 16 characters');

const roundDefaults = z.strictObject({
  /** How long a round takes updates. */
  durationSec: positive.default(600),
  /** Poisson sampling rate of check-ins. */
  q: z.number().gt(0).lte(1).default(0.01),
  /** Client population N; the DP-FedAvg denominator is q * N. */
  population: z.number().int().positive().default(100_000),
  /** Noise multiplier z. */
  z: positive.default(1),
  clipBound: positive.default(1),
  zeroingBound: positive.nullable().default(null),
  minClients: z.number().int().min(1).default(100),
  /** Server learning rate: new weights = old + serverLr * noisy average (1: the average itself). */
  serverLr: positive.default(1),
  /** Its own rate for the per-item tables, when a round trains them; null: serverLr. */
  serverItemTablesLr: positive.nullable().default(null),
  /** Regular expressions on tensor names: which float tensors rounds train. */
  includeTensors: z.string().default('.*'),
  /** The default leaves out the per-item tables, which describe items, not shoppers (model core). */
  excludeTensors: z
    .string()
    .nullable()
    .default('^(item_embedding|category_embedding|brand_embedding|price_bucket_embedding)$'),
});

export const configSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(8787),
  /** Behind a load balancer: trust X-Forwarded-For for the client address (rate limits). */
  trustProxy: z.boolean().default(false),
  store: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('embedded'), dir: z.string().min(1).default('.data/aggregator') }),
      z.strictObject({
        kind: z.literal('postgres'),
        url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
      }),
    ])
    .default({ kind: 'embedded', dir: '.data/aggregator' }),
  /**
   * Run the store in a worker thread of its own (storage/worker-store.ts): the group commit and the
   * update checks beside the HTTP work instead of on its event loop. false: all on the main thread.
   */
  storeInWorker: z.boolean().default(true),
  /**
   * The update checks' sum of squares and the running sum's additions in WebAssembly SIMD
   * (simd/kernels.ts) where the engine has it. false: the JavaScript loops, same results (for A/B runs).
   */
  simd: z.boolean().default(true),
  /** Keys round tokens and sampling coins; the same on every replica. */
  secret: secretString,
  /** Bearer token of the admin routes. */
  adminToken: secretString,
  privacy: z
    .strictObject({
      delta: z.number().gt(0).lt(1).default(1e-5),
      epsilonBudget: positive.default(10),
    })
    .default({ delta: 1e-5, epsilonBudget: 10 }),
  rounds: z
    .strictObject({
      defaults: roundDefaults.default(roundDefaults.parse({})),
      tokenTtlSec: positive.default(900),
      /** How often each replica checks deadlines and the scheduler. */
      tickSec: positive.default(2),
      /** A round left in `aggregating` this long (its replica died) is aggregated again by another. */
      aggregatingTimeoutSec: positive.default(60),
      auto: z
        .strictObject({
          enabled: z.boolean().default(false),
          /** Pause between the end of one round and the start of the next. */
          intervalSec: z.number().min(0).default(60),
          /** Open only once this many clients (distinct ids, this replica) checked in since the last round. */
          minCheckIns: z.number().int().min(0).default(0),
          /** Choose z so that one round costs at most this ε (at privacy.delta); else rounds.defaults.z. */
          targetEpsilonPerRound: positive.nullable().default(null),
        })
        .default({ enabled: false, intervalSec: 60, minCheckIns: 0, targetEpsilonPerRound: null }),
    })
    .default({
      defaults: roundDefaults.parse({}),
      tokenTtlSec: 900,
      tickSec: 2,
      aggregatingTimeoutSec: 60,
      auto: { enabled: false, intervalSec: 60, minCheckIns: 0, targetEpsilonPerRound: null },
    }),
  limits: z
    .strictObject({
      maxUpdateBytes: z
        .number()
        .int()
        .positive()
        .default(16 * 1024 * 1024),
      maxJsonBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024),
      maxAdminBytes: z
        .number()
        .int()
        .positive()
        .default(512 * 1024 * 1024),
      /** New client ids one source may check in per minute (S19). */
      checkInsPerMinutePerSource: z.number().int().positive().default(120),
      /** Group commit: updates per transaction, and how many may wait before 503. */
      maxBatch: z.number().int().positive().default(64),
      maxQueue: z.number().int().positive().default(1024),
    })
    .default({
      maxUpdateBytes: 16 * 1024 * 1024,
      maxJsonBytes: 64 * 1024,
      maxAdminBytes: 512 * 1024 * 1024,
      checkInsPerMinutePerSource: 120,
      maxBatch: 64,
      maxQueue: 1024,
    }),
  /** A model artifact directory (manifest.json + weights.bin) registered as version 1 when the store is empty. */
  seedModelDir: z.string().nullable().default(null),
  /** POST /v1/discard: reads a body and drops it, the transport baseline for bench/ingest.ts. */
  discardEndpoint: z.boolean().default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Fault injection for crash tests only: pause mid-way through writing a checkpoint. */
  faultPauseCheckpointMs: z.number().int().min(0).default(0),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

function setPath(target: Json, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  node[path.at(-1)!] = value;
}

/** Environment variables and where they go; numbers and booleans are parsed from their text. */
const ENV: Record<string, { path: string[]; type: 'string' | 'number' | 'boolean' }> = {
  HEARTH_HOST: { path: ['host'], type: 'string' },
  HEARTH_PORT: { path: ['port'], type: 'number' },
  HEARTH_SECRET: { path: ['secret'], type: 'string' },
  HEARTH_ADMIN_TOKEN: { path: ['adminToken'], type: 'string' },
  HEARTH_DATA_DIR: { path: ['store', 'dir'], type: 'string' },
  HEARTH_LOG_LEVEL: { path: ['logLevel'], type: 'string' },
  HEARTH_SEED_MODEL_DIR: { path: ['seedModelDir'], type: 'string' },
  HEARTH_EPSILON_BUDGET: { path: ['privacy', 'epsilonBudget'], type: 'number' },
  HEARTH_ROUNDS_AUTO: { path: ['rounds', 'auto', 'enabled'], type: 'boolean' },
  HEARTH_FAULT_PAUSE_CHECKPOINT_MS: { path: ['faultPauseCheckpointMs'], type: 'number' },
};

/** Builds the configuration from a file (HEARTH_CONFIG) and the environment; throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Json = {}): Config {
  let raw: Json = {};
  const file = env.HEARTH_CONFIG;
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Json;
    } catch (e) {
      throw new ConfigError(`config: cannot read HEARTH_CONFIG=${file}: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new ConfigError(`config: HEARTH_CONFIG=${file} must hold a JSON object`);
  }
  if (env.HEARTH_STORE_URL) setPath(raw, ['store'], { kind: 'postgres', url: env.HEARTH_STORE_URL });
  for (const [name, { path, type }] of Object.entries(ENV)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    let value: unknown = text;
    if (type === 'number') {
      value = Number(text);
      if (!Number.isFinite(value)) throw new ConfigError(`config: ${name}: expected a number, got "${text}"`);
    } else if (type === 'boolean') {
      if (!['true', 'false', '1', '0'].includes(text))
        throw new ConfigError(`config: ${name}: expected true or false, got "${text}"`);
      value = text === 'true' || text === '1';
    }
    if (path[0] === 'store' && (raw.store as Json | undefined)?.kind === undefined)
      setPath(raw, ['store', 'kind'], 'embedded');
    setPath(raw, path, value);
  }
  for (const [k, v] of Object.entries(overrides)) raw[k] = v;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = file ? ` (from HEARTH_CONFIG=${file} and the environment)` : ' (from the environment)';
    throw new ConfigError(`config: ${issue.path.join('.') || '(root)'}: ${issue.message}${where}`);
  }
  return parsed.data;
}
