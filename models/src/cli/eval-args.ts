import { parseArgs } from 'node:util';
import { DATASET_FORMATS, type DatasetFormat, isDatasetFormat } from '../data/parse';
import { EVAL_PROTOCOLS, type EvalProtocol } from '../eval/evaluate';
import type { EvalSplit } from '../eval/split';

export const EVAL_USAGE = `Usage: npm run -s eval -- (--model DIR | --baseline popularity) --data FILE [options]

Evaluates a model artifact (or a baseline) on a data set with the leave-one-out protocol:
per user, last item = test target, second-to-last = validation target, the rest = training.

  --model DIR            artifact directory (manifest.json + weights.bin) written by pretrain
  --baseline popularity  evaluate the most-popular baseline instead of a model
  --data FILE            data file
  --format FORMAT        ${DATASET_FORMATS.join('|')} (default beauty)
  --protocol P           full (rank among all items, history excluded) | sampled100
                         (target + 99 unseen items sampled with a fixed seed); default full
  --split S              test (history = all before the last item) | valid; default test
  --seed N               seed of the sampled100 negatives (default 42)
  --batch-size N         users per scoring batch (default 256)
  --max-error-rate R     tolerated fraction of malformed data lines (default 0.01)
  --backend B            tfjs backend for --model: webgpu|wasm|cpu (default: best available)
  --json                 print one JSON line instead of a table
  --help                 this text

Exit status: 0 done, 1 failed (bad data or artifact), 2 bad arguments.`;

export interface EvalArgs {
  source: { kind: 'model'; dir: string } | { kind: 'baseline'; name: 'popularity' };
  data: string;
  format: DatasetFormat;
  protocol: EvalProtocol;
  split: EvalSplit;
  seed: number;
  batchSize: number;
  maxErrorRate: number;
  backend?: 'webgpu' | 'wasm' | 'cpu';
  json: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

function number(
  flag: string,
  value: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !check(n))
    throw new UsageError(`--${flag} got '${value}', which is not allowed`);
  return n;
}

/** Parses the eval CLI's arguments; 'help' when --help was asked; throws UsageError on bad input. */
export function parseEvalArgs(argv: string[]): EvalArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        baseline: { type: 'string' },
        data: { type: 'string' },
        format: { type: 'string', default: 'beauty' },
        protocol: { type: 'string', default: 'full' },
        split: { type: 'string', default: 'test' },
        seed: { type: 'string' },
        'batch-size': { type: 'string' },
        'max-error-rate': { type: 'string' },
        backend: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values['help']) return 'help';
  const model = values['model'] as string | undefined;
  const baseline = values['baseline'] as string | undefined;
  if ((model === undefined) === (baseline === undefined))
    throw new UsageError('give exactly one of --model DIR or --baseline popularity');
  const data = values['data'] as string | undefined;
  if (!data) throw new UsageError('--data FILE is required');
  const format = values['format'] as string;
  if (!isDatasetFormat(format))
    throw new UsageError(`--format must be one of ${DATASET_FORMATS.join(', ')}, got '${format}'`);
  const args: EvalArgs = {
    source:
      model !== undefined
        ? { kind: 'model', dir: model }
        : { kind: 'baseline', name: oneOf('baseline', baseline!, ['popularity'] as const) },
    data,
    format,
    protocol: oneOf('protocol', values['protocol'] as string, EVAL_PROTOCOLS),
    split: oneOf('split', values['split'] as string, ['test', 'valid'] as const),
    seed: number('seed', values['seed'] as string | undefined, 42, Number.isSafeInteger),
    batchSize: number(
      'batch-size',
      values['batch-size'] as string | undefined,
      256,
      (n) => Number.isInteger(n) && n > 0,
    ),
    maxErrorRate: number(
      'max-error-rate',
      values['max-error-rate'] as string | undefined,
      0.01,
      (n) => n >= 0 && n <= 1,
    ),
    json: values['json'] === true,
  };
  const backend = values['backend'] as string | undefined;
  if (backend !== undefined) args.backend = oneOf('backend', backend, ['webgpu', 'wasm', 'cpu'] as const);
  return args;
}
