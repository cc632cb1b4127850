import { parseArgs } from 'node:util';
import { DATASET_FORMATS, type DatasetFormat, isDatasetFormat } from '../data/parse';
import type { TableDtype } from '../model/artifact-bridge';
import type { BackendName } from '../node/backends';
import type { LossKind } from '../train/trainer';

export const PRETRAIN_USAGE = `Usage: npm run pretrain -- --data FILE --format ${DATASET_FORMATS.join('|')} --out DIR [options]

Trains the sequential recommender on a data set (leave-one-out: each user's last two items are held
out for validation and test), keeps the epoch with the best validation NDCG@10, and writes a model
artifact (manifest.json + weights.bin) and metrics.json into DIR. A checkpoint is written to
DIR/checkpoint after every epoch; running the same command again resumes from it.

  --data FILE           data file
  --format FORMAT       ${DATASET_FORMATS.join('|')}
  --out DIR             output directory
  --epochs N            maximum epochs (default 200; early stopping usually ends sooner)
  --backend B           webgpu|wasm|cpu (default: webgpu on a hardware GPU, else wasm, else cpu)
  --max-minutes M       stop starting epochs after M minutes of training (default 42)
  --batch-size N        sequences per batch (default 128)
  --lr X                Adam learning rate (default 0.003)
  --loss L              sampled (shared uniform negatives, logQ-corrected; default) | full (softmax
                        over all items: better per epoch, ~2.5x slower per epoch on wasm)
  --negatives N         negatives per batch for --loss sampled (default 3072)
  --dim N               embedding size (default 64)
  --blocks N            attention blocks (default 2)
  --heads N             attention heads (default 1)
  --max-len N           interactions per history (default 50)
  --dropout X           dropout rate (default 0.3)
  --validate-every N    validate every N epochs (default 2)
  --patience N          stop after N validations without improvement (default 5)
  --valid-users N       validate on the first N users only (default: all)
  --table-dtype D       float16|int8|float32 for the item tables in the artifact (default float16)
  --seed N              seed (default 1)
  --fresh               ignore an existing checkpoint
  --json                print the final metrics as one JSON line on stdout
  --help                this text

Exit status: 0 done, 1 failed, 2 bad arguments.`;

export interface PretrainArgs {
  data: string;
  format: DatasetFormat;
  out: string;
  epochs: number;
  backend?: BackendName;
  maxMinutes: number;
  batchSize: number;
  lr: number;
  loss: LossKind;
  negatives: number;
  dim: number;
  blocks: number;
  heads: number;
  maxLen: number;
  dropout: number;
  validateEvery: number;
  patience: number;
  validUsers?: number;
  tableDtype: TableDtype;
  seed: number;
  fresh: boolean;
  json: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

function num(
  values: Record<string, unknown>,
  flag: string,
  fallback: number,
  ok: (n: number) => boolean,
): number {
  const raw = values[flag] as string | undefined;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !ok(n)) throw new UsageError(`--${flag} got '${raw}', which is not allowed`);
  return n;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T;
}

/** Parses pretrain's arguments; 'help' for --help; throws UsageError naming the bad flag. */
export function parsePretrainArgs(argv: string[]): PretrainArgs | 'help' {
  const strings = [
    'data',
    'format',
    'out',
    'epochs',
    'backend',
    'max-minutes',
    'batch-size',
    'lr',
    'loss',
    'negatives',
    'dim',
    'blocks',
    'heads',
    'max-len',
    'dropout',
    'validate-every',
    'patience',
    'valid-users',
    'table-dtype',
    'seed',
  ];
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(strings.map((s) => [s, { type: 'string' as const }])),
        fresh: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values['help']) return 'help';
  for (const flag of ['data', 'format', 'out']) {
    if (!values[flag]) throw new UsageError(`--${flag} is required`);
  }
  const format = values['format'] as string;
  if (!isDatasetFormat(format))
    throw new UsageError(`--format must be one of ${DATASET_FORMATS.join(', ')}, got '${format}'`);
  const args: PretrainArgs = {
    data: values['data'] as string,
    format,
    out: values['out'] as string,
    epochs: num(values, 'epochs', 200, positiveInt),
    maxMinutes: num(values, 'max-minutes', 42, (n) => n > 0),
    batchSize: num(values, 'batch-size', 128, positiveInt),
    lr: num(values, 'lr', 3e-3, (n) => n > 0 && n < 1),
    loss: oneOf('loss', (values['loss'] as string | undefined) ?? 'sampled', ['full', 'sampled'] as const),
    negatives: num(values, 'negatives', 3072, positiveInt),
    dim: num(values, 'dim', 64, positiveInt),
    blocks: num(values, 'blocks', 2, positiveInt),
    heads: num(values, 'heads', 1, positiveInt),
    maxLen: num(values, 'max-len', 50, positiveInt),
    dropout: num(values, 'dropout', 0.3, (n) => n >= 0 && n < 1),
    validateEvery: num(values, 'validate-every', 2, positiveInt),
    patience: num(values, 'patience', 5, positiveInt),
    tableDtype: oneOf('table-dtype', (values['table-dtype'] as string | undefined) ?? 'float16', [
      'float16',
      'int8',
      'float32',
    ] as const),
    seed: num(values, 'seed', 1, Number.isSafeInteger),
    fresh: Boolean(values['fresh']),
    json: Boolean(values['json']),
  };
  if (values['backend'] !== undefined) {
    args.backend = oneOf('backend', values['backend'] as string, ['webgpu', 'wasm', 'cpu'] as const);
  }
  if (values['valid-users'] !== undefined) args.validUsers = num(values, 'valid-users', 0, positiveInt);
  return args;
}
