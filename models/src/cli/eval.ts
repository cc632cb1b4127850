import { SingleBar } from 'cli-progress';
import { formatLineError } from '../data/line-errors';
import { type BatchScorer, evaluate } from '../eval/evaluate';
import { popularityScorer } from '../eval/popularity';
import { loadDatasetWithReport } from '../node/load-dataset';
import type { Dataset } from '../types';
import { EVAL_USAGE, type EvalArgs, parseEvalArgs, UsageError } from './eval-args';
import { loadModelSource } from './eval-model';
import { evalJson, evalTable } from './eval-table';

interface Source {
  title: string;
  dataset: Dataset;
  scorer: BatchScorer;
  dispose?: () => void;
}

function baselineSource(dataset: Dataset): Source {
  return { title: 'popularity baseline', dataset, scorer: popularityScorer(dataset) };
}

async function run(args: EvalArgs): Promise<void> {
  const loaded = await loadDatasetWithReport(args.data, args.format, { maxErrorRate: args.maxErrorRate });
  if (loaded.errorCount > 0) {
    // Tolerated (under --max-error-rate) but never silent.
    process.stderr.write(
      `warning: ${loaded.errorCount} malformed lines dropped, first: ${formatLineError(loaded.errors[0]!)}\n`,
    );
  }
  const source =
    args.source.kind === 'model'
      ? await loadModelSource(args.source.dir, loaded.dataset, args.backend)
      : baselineSource(loaded.dataset);
  const bar = process.stderr.isTTY
    ? new SingleBar({ stream: process.stderr, format: 'eval [{bar}] {value}/{total} users' })
    : null;
  bar?.start(1, 0);
  const report = await evaluate(source.dataset, source.scorer, {
    protocol: args.protocol,
    split: args.split,
    seed: args.seed,
    batchSize: args.batchSize,
    onProgress: (done, total) => {
      bar?.setTotal(total);
      bar?.update(done);
    },
  });
  bar?.stop();
  source.dispose?.();
  process.stdout.write(
    args.json ? `${JSON.stringify(evalJson(report))}\n` : `${evalTable(report, source.title)}\n`,
  );
}

async function main(argv: string[]): Promise<number> {
  let args: EvalArgs | 'help';
  try {
    args = parseEvalArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`eval: ${error.message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  try {
    await run(args);
    return 0;
  } catch (error) {
    // Expected failures (bad data, artifact, config) get their message; a programming error its stack.
    const bug = error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError;
    const known = !bug;
    process.stderr.write(
      `eval: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`,
    );
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
