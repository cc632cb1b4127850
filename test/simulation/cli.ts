// npm run simulate -- --data ../shared/data/amazon-beauty/Beauty.txt --public-fraction 0.3 \
//   --clients-per-round K --rounds T --epsilon E --delta D [--json] [--users N] [--eval-every k] ...
// The privacy-utility table of issue 9: (a) centralized on all users, (b) public users only, (c) (b)
// plus DP-FedAvg rounds at the target (ε, δ) through the real aggregator. Writes a JSON result and an
// SVG plot (default bench/results/simulate.json and .svg) and prints the table.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  alignToCatalog,
  DATASET_FORMATS,
  type Dataset,
  type DatasetFormat,
  type EncodedArtifact,
  isDatasetFormat,
  type LossKind,
  parseManifest,
  parseModelConfig,
} from '@hearth/models';
import { loadDataset, writeArtifactFiles } from '@hearth/models/node';
import { subsampleUsers } from './population';
import { plotSvg, table } from './report';
import { runSimulation, type SimulationResult } from './simulation';

export const USAGE = `Usage: npm run simulate -- --data FILE --clients-per-round K --rounds T --epsilon E --delta D [options]

Splits users into public (trained on centrally) and private clients, then compares (a) centralized
training on every user, (b) the public users only, and (c) (b) plus DP-FedAvg rounds in which sampled
private clients train locally and upload clipped deltas through the aggregator's HTTP API. Quality is
full-ranking HR@10 / NDCG@10 on every user's test item.

  --data FILE              data file (required)
  --format F               ${DATASET_FORMATS.join('|')} (default beauty)
  --public-fraction X      share of users whose data is public (default 0.3)
  --users N                subsample N users (seeded), catalogue cut to their items
  --clients-per-round K    expected sampled clients per round; q = K / private clients (required)
  --rounds T               DP-FedAvg rounds (required)
  --epsilon E              target ε after all rounds (required); z is derived from it
  --delta D                δ (required)
  --clip C                 L2 clip bound of a client delta (default 0.5)
  --server-lr X            server learning rate on the averaged delta (default 1)
  --local-steps N          SGD steps per client (default 5)
  --local-lr X             client SGD learning rate (default 0.05)
  --check-in W             all (default): every private client checks in each round; sampled: only
                           those the server's own coin picks (same HMAC and secret), to save requests
  --targets T              known (default): clients train only on target items the public model learned
                           (in the public users' training data); all: every target
  --eval-every k           evaluate every k rounds and after the last (default 5)
  --epochs N               epochs of the centralized runs (default 20)
  --max-minutes M          stop each centralized run after M minutes
  --batch-size N           centralized batch size (default 128)
  --lr X                   centralized Adam learning rate (default 0.002)
  --loss L                 full|sampled (default full)
  --valid-users N          validate the centralized runs on N users (default 2000)
  --validate-every N       validate every N epochs (default 2)
  --dim N --blocks N --max-len N --dropout X   model shape (default 64, 2, 50, 0.5)
  --public-model DIR       start from this artifact instead of training (b) (same data and catalogue)
  --central-model DIR      use this artifact as (a) instead of training it
  --skip-central           leave (a) out
  --save-models DIR        write the (a) and (b) artifacts to DIR/central and DIR/public
  --seed N                 split, subsample and training seed (default 1)
  --out FILE               JSON result (default bench/results/simulate.json); the plot goes beside it (.svg)
  --json                   print the JSON result on stdout (the table goes to stderr)
  --help                   this text

Exit status: 0 done, 1 failed, 2 bad arguments.`;

class UsageError extends Error {}

const NUMERIC = {
  'public-fraction': 0.3,
  users: 0,
  'clients-per-round': Number.NaN,
  rounds: Number.NaN,
  epsilon: Number.NaN,
  delta: Number.NaN,
  clip: 0.5,
  'server-lr': 1,
  'local-steps': 5,
  'local-lr': 0.05,
  'eval-every': 5,
  epochs: 20,
  'max-minutes': 0,
  'batch-size': 128,
  lr: 0.002,
  'valid-users': 2000,
  'validate-every': 2,
  dim: 64,
  blocks: 2,
  'max-len': 50,
  dropout: 0.5,
  seed: 1,
} as const;
type NumericFlag = keyof typeof NUMERIC;
const INTEGER: NumericFlag[] = [
  'users',
  'clients-per-round',
  'rounds',
  'local-steps',
  'eval-every',
  'epochs',
  'batch-size',
  'valid-users',
  'validate-every',
  'dim',
  'blocks',
  'max-len',
  'seed',
];

export function parseSimulateArgs(argv: string[]) {
  const strings = [
    'data',
    'format',
    'loss',
    'check-in',
    'public-model',
    'central-model',
    'save-models',
    'out',
  ];
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries([...strings, ...Object.keys(NUMERIC)].map((k) => [k, { type: 'string' }])),
        json: { type: 'boolean' },
        'skip-central': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help' as const;
  const n = {} as Record<NumericFlag, number>;
  for (const [flag, fallback] of Object.entries(NUMERIC) as [NumericFlag, number][]) {
    const raw = values[flag] as string | undefined;
    if (raw === undefined) {
      if (Number.isNaN(fallback)) throw new UsageError(`--${flag} is required`);
      n[flag] = fallback;
      continue;
    }
    const v = Number(raw);
    const ok =
      raw.trim() !== '' &&
      Number.isFinite(v) &&
      (INTEGER.includes(flag) ? Number.isInteger(v) && v >= (flag === 'users' ? 0 : 1) : v >= 0);
    if (!ok) throw new UsageError(`--${flag} got '${raw}', which is not allowed`);
    n[flag] = v;
  }
  if (!(n['public-fraction'] < 1)) throw new UsageError('--public-fraction must be below 1');
  if (!(n.delta > 0 && n.delta < 1)) throw new UsageError('--delta must be in (0, 1)');
  for (const f of ['epsilon', 'clip', 'server-lr', 'local-lr', 'lr'] as const)
    if (!(n[f] > 0)) throw new UsageError(`--${f} must be positive`);
  if (!(n.dropout < 1)) throw new UsageError('--dropout must be below 1');
  const data = values.data as string | undefined;
  if (!data) throw new UsageError('--data is required');
  const format = (values.format as string | undefined) ?? 'beauty';
  if (!isDatasetFormat(format)) throw new UsageError(`--format must be one of ${DATASET_FORMATS.join(', ')}`);
  const loss = (values.loss as string | undefined) ?? 'full';
  if (loss !== 'full' && loss !== 'sampled') throw new UsageError('--loss must be full or sampled');
  const checkIns = (values['check-in'] as string | undefined) ?? 'all';
  if (checkIns !== 'all' && checkIns !== 'sampled') throw new UsageError('--check-in must be all or sampled');
  const targets = (values.targets as string | undefined) ?? 'known';
  if (targets !== 'known' && targets !== 'all') throw new UsageError('--targets must be known or all');
  const str = (k: string) => values[k] as string | undefined;
  return {
    data,
    format: format as DatasetFormat,
    loss: loss as LossKind,
    checkIns: checkIns as 'all' | 'sampled',
    targets: targets as 'known' | 'all',
    publicModel: str('public-model'),
    centralModel: str('central-model'),
    saveModels: str('save-models'),
    out: str('out') ?? 'bench/results/simulate.json',
    json: values.json === true,
    skipCentral: values['skip-central'] === true,
    n,
  };
}

async function readArtifactDir(dir: string): Promise<EncodedArtifact> {
  const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
  return { manifest, weights: new Uint8Array(await readFile(join(dir, 'weights.bin'))) };
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseSimulateArgs>;
  try {
    args = parseSimulateArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`simulate: ${e.message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  await tf.setBackend('wasm');
  const { n } = args;
  let dataset: Dataset = await loadDataset(args.data, args.format);
  if (n.users > 0) dataset = subsampleUsers(dataset, n.users, n.seed);

  // Given artifacts fix the architecture and the catalogue: index the data the way they do.
  const publicModel = args.publicModel ? await readArtifactDir(args.publicModel) : undefined;
  const centralModel = args.centralModel ? await readArtifactDir(args.centralModel) : undefined;
  const given = publicModel ?? centralModel;
  let config: ReturnType<typeof parseModelConfig> | undefined;
  if (given) {
    const manifest = parseManifest(given.manifest);
    config = parseModelConfig(manifest.architecture);
    for (const other of [publicModel, centralModel])
      if (
        other &&
        JSON.stringify(parseManifest(other.manifest).architecture) !== JSON.stringify(manifest.architecture)
      )
        throw new Error('--public-model and --central-model have different architectures');
    dataset = { ...alignToCatalog(dataset, manifest.catalog.itemIds), name: dataset.name };
  }

  const result = await runSimulation({
    dataset,
    publicFraction: n['public-fraction'],
    seed: n.seed,
    model: { dim: n.dim, blocks: n.blocks, maxLen: n['max-len'], dropout: n.dropout },
    ...(config ? { config } : {}),
    central: {
      epochs: n.epochs,
      batchSize: n['batch-size'],
      learningRate: n.lr,
      loss: args.loss,
      validUsers: n['valid-users'],
      validateEvery: n['validate-every'],
      ...(n['max-minutes'] > 0 ? { maxMinutes: n['max-minutes'] } : {}),
    },
    skipCentral: args.skipCentral,
    ...(publicModel ? { publicModel } : {}),
    ...(centralModel ? { centralModel } : {}),
    federation: {
      clientsPerRound: n['clients-per-round'],
      rounds: n.rounds,
      epsilon: n.epsilon,
      delta: n.delta,
      clipBound: n.clip,
      serverLr: n['server-lr'],
      localSteps: n['local-steps'],
      localLr: n['local-lr'],
      evalEvery: n['eval-every'],
      checkIns: args.checkIns,
      targets: args.targets,
    },
    log,
    ...(args.saveModels
      ? { onModel: (name: string, a: EncodedArtifact) => writeArtifactFiles(join(args.saveModels!, name), a) }
      : {}),
  });

  const json = resultJson(result, argv);
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, `${JSON.stringify(json, null, 2)}\n`);
  const svgPath = args.out.replace(/\.json$/, '') + '.svg';
  await writeFile(svgPath, plotSvg(result));
  const text = table(result);
  if (args.json) {
    process.stderr.write(`${text}\n`);
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else process.stdout.write(`${text}\n`);
  log(`simulate: wrote ${args.out} and ${svgPath}`);
  return 0;
}

/** The JSON result: everything but the model bytes. */
function resultJson(r: SimulationResult, argv: string[]) {
  const { final: _, ...federation } = r.federation;
  return {
    command: `npm run simulate -- ${argv.join(' ')}`,
    createdAt: new Date().toISOString(),
    backend: tf.getBackend(),
    dataset: r.dataset,
    config: r.config,
    rows: r.rows,
    gapRecovered: r.gapRecovered,
    federation,
  };
}

process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`simulate: ${(e as Error).stack ?? String(e)}\n`);
  return 1;
});
