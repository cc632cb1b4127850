// Arguments of `npm run simulate`: every flag is checked, and a bad one names itself (exit code 2).
import { parseArgs } from 'node:util';
import { DATASET_FORMATS, type DatasetFormat, isDatasetFormat, type LossKind } from '@hearth/models';

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
  --layout L               what rounds train: encoder (default, the browser's: item tables frozen) or
                           full (every tensor, item tables included; clients opt in, see README)
  --server-opt O           none (default) | sgd | momentum | adam: the server's optimizer on each
                           round's published noisy average (post-processing: no privacy cost);
                           sgd is the aggregator's own round step (serverLr, serverItemTablesLr)
  --server-opt-lr X        its step size (default 0.001)
  --server-item-lr X       its step size for the item tables (default: --server-opt-lr)
  --server-beta1 X --server-beta2 X --server-eps X   its decays and Adam's floor (0.9, 0.99, 1e-6)
  --eval-every k           evaluate every k rounds and after the last (default 5); each evaluation
                           also scores the public users' validation items, and the best-validated
                           version is reported besides the last
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

export class UsageError extends Error {}

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
  'server-opt-lr': 0.001,
  'server-item-lr': 0,
  'server-beta1': 0.9,
  'server-beta2': 0.99,
  'server-eps': 1e-6,
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
    'targets',
    'layout',
    'server-opt',
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
  for (const f of ['epsilon', 'clip', 'server-lr', 'local-lr', 'lr', 'server-opt-lr', 'server-eps'] as const)
    if (!(n[f] > 0)) throw new UsageError(`--${f} must be positive`);
  if (!(n.dropout < 1)) throw new UsageError('--dropout must be below 1');
  for (const f of ['server-beta1', 'server-beta2'] as const)
    if (!(n[f] < 1)) throw new UsageError(`--${f} must be below 1`);
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
  const layout = (values.layout as string | undefined) ?? 'encoder';
  if (layout !== 'encoder' && layout !== 'full') throw new UsageError('--layout must be encoder or full');
  const serverOpt = (values['server-opt'] as string | undefined) ?? 'none';
  if (serverOpt !== 'none' && serverOpt !== 'sgd' && serverOpt !== 'momentum' && serverOpt !== 'adam')
    throw new UsageError('--server-opt must be none, sgd, momentum or adam');
  const str = (k: string) => values[k] as string | undefined;
  return {
    data,
    format: format as DatasetFormat,
    loss: loss as LossKind,
    checkIns: checkIns as 'all' | 'sampled',
    targets: targets as 'known' | 'all',
    layout: layout as 'encoder' | 'full',
    serverOpt: serverOpt as 'none' | 'sgd' | 'momentum' | 'adam',
    publicModel: str('public-model'),
    centralModel: str('central-model'),
    saveModels: str('save-models'),
    out: str('out') ?? 'bench/results/simulate.json',
    json: values.json === true,
    skipCentral: values['skip-central'] === true,
    n,
  };
}
