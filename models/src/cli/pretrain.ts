import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SingleBar } from 'cli-progress';
import { encodeArtifact } from '../artifact/encode';
import { DatasetError, formatLineError } from '../data/line-errors';
import { type EvalReport, evaluate } from '../eval/evaluate';
import { trainingPart } from '../eval/split';
import { artifactInput, expectedShapes, recommenderFromArtifact } from '../model/artifact-bridge';
import { DEFAULT_MODEL_CONFIG, type ModelConfig, parseModelConfig } from '../model/config';
import { Recommender } from '../model/recommender';
import { initWeights, type NamedTensors } from '../model/weights';
import { readArtifactFiles, writeArtifactFiles } from '../node/artifact-files';
import {
  type BackendName,
  describeBackend,
  type SelectedBackend,
  selectBackend,
  swiftShaderEnv,
  swiftShaderInstalled,
} from '../node/backends';
import { readCheckpoint, writeCheckpoint } from '../node/checkpoint-files';
import { loadDatasetWithReport } from '../node/load-dataset';
import { type FitState, fit, initialFitState } from '../train/fit';
import { Trainer } from '../train/trainer';
import type { Dataset } from '../types';
import { PRETRAIN_USAGE, type PretrainArgs, parsePretrainArgs, UsageError } from './pretrain-args';

const RELAUNCHED = 'HEARTH_SWIFTSHADER_RELAUNCHED';
const CHECKPOINT_DIR = 'checkpoint';
const METRICS_FILE = 'metrics.json';

/** Progress to stderr: a bar on a terminal, plain lines otherwise (logs, CI). */
function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * --backend webgpu without a Vulkan driver in reach: Dawn can use Chromium's SwiftShader, but only
 * if the process starts with its library path, so run this same command again in a child with it.
 */
function relaunchWithSwiftShader(): number {
  log('pretrain: no GPU adapter; relaunching with SwiftShader (software Vulkan, slow)');
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...swiftShaderEnv(), [RELAUNCHED]: '1' },
  });
  return child.status ?? 1;
}

function modelConfig(args: PretrainArgs, dataset: Dataset): ModelConfig {
  return parseModelConfig({
    ...DEFAULT_MODEL_CONFIG,
    numItems: dataset.numItems,
    maxLen: args.maxLen,
    dim: args.dim,
    ffnDim: args.dim,
    numBlocks: args.blocks,
    numHeads: args.heads,
    dropout: args.dropout,
    numCategories: dataset.attributes ? dataset.numCategories : 0,
    numBrands: dataset.attributes ? dataset.numBrands : 0,
    numPriceBuckets: dataset.attributes ? dataset.numPriceBuckets : 0,
  });
}

function attributeArrays(dataset: Dataset) {
  if (!dataset.attributes) return undefined;
  const pick = (f: (a: { category: number; brand: number; priceBucket: number }) => number) =>
    Int32Array.from(dataset.attributes!, f);
  return {
    category: pick((a) => a.category),
    brand: pick((a) => a.brand),
    priceBucket: pick((a) => a.priceBucket),
  };
}

/** What a checkpoint must agree on to be resumed (a different config or data set starts fresh). */
function runKey(args: PretrainArgs, config: ModelConfig) {
  return {
    data: resolve(args.data),
    format: args.format,
    config,
    lr: args.lr,
    loss: args.loss,
    batchSize: args.batchSize,
  };
}

type CheckpointMeta = { key: ReturnType<typeof runKey>; fit: Omit<FitState, 'bestWeights'> };

function prefixed(prefix: string, tensors: NamedTensors): NamedTensors {
  return Object.fromEntries(Object.entries(tensors).map(([n, t]) => [`${prefix}${n}`, t]));
}

function unprefixed(prefix: string, tensors: NamedTensors): NamedTensors {
  return Object.fromEntries(
    Object.entries(tensors)
      .filter(([n]) => n.startsWith(prefix))
      .map(([n, t]) => [n.slice(prefix.length), t]),
  );
}

async function scoreWith<T>(
  config: ModelConfig,
  weights: NamedTensors,
  use: (r: Recommender) => Promise<T>,
): Promise<T> {
  const recommender = Recommender.create(config, weights);
  try {
    return await use(recommender);
  } finally {
    recommender.dispose();
  }
}

function metricsLine(report: EvalReport): string {
  return `HR@10 ${report['HR@10'].toFixed(4)} NDCG@10 ${report['NDCG@10'].toFixed(4)}`;
}

async function run(args: PretrainArgs, selected: SelectedBackend): Promise<Record<string, unknown>> {
  const loaded = await loadDatasetWithReport(args.data, args.format);
  if (loaded.errorCount > 0) {
    log(
      `warning: ${loaded.errorCount} malformed lines dropped, first: ${formatLineError(loaded.errors[0]!)}`,
    );
  }
  const dataset = loaded.dataset;
  const config = modelConfig(args, dataset);
  const sequences = dataset.users.map((u) => trainingPart(u.events) as typeof u.events);
  const checkpointDir = join(args.out, CHECKPOINT_DIR);
  const key = runKey(args, config);

  let state = initialFitState();
  let initial: NamedTensors | undefined;
  let optimizer: NamedTensors | undefined;
  const checkpoint = args.fresh ? undefined : await readCheckpoint<CheckpointMeta>(checkpointDir);
  if (checkpoint && JSON.stringify(checkpoint.meta.key) === JSON.stringify(key)) {
    initial = unprefixed('weights/', checkpoint.tensors);
    optimizer = unprefixed('optimizer/', checkpoint.tensors);
    const best = unprefixed('best/', checkpoint.tensors);
    state = { ...checkpoint.meta.fit, bestWeights: Object.keys(best).length > 0 ? best : undefined };
    log(`pretrain: resuming from ${checkpointDir} after epoch ${state.epoch}`);
  } else if (checkpoint) {
    log(`pretrain: ${checkpointDir} belongs to another configuration; starting fresh`);
    for (const t of Object.values(checkpoint.tensors)) t.dispose();
  }
  const trainer = new Trainer(config, initial ?? initWeights(config, args.seed, attributeArrays(dataset)), {
    learningRate: args.lr,
    loss: args.loss,
    numNegatives: args.negatives,
    seed: args.seed,
  });
  if (optimizer) await trainer.restoreOptimizer(optimizer);

  const bar = process.stderr.isTTY
    ? new SingleBar({
        stream: process.stderr,
        format: 'epoch {epoch} [{bar}] {value}/{total} batches  loss {loss}',
      })
    : null;
  let barEpoch = state.epoch + 1;
  log(
    `pretrain: ${dataset.name}: ${dataset.users.length} users, ${dataset.numItems} items; backend ${describeBackend(selected)}; ` +
      `d=${config.dim} blocks=${config.numBlocks} maxLen=${config.maxLen} dropout=${config.dropout} loss=${args.loss}`,
  );
  const result = await fit(
    trainer,
    sequences,
    {
      epochs: args.epochs,
      batchSize: args.batchSize,
      validateEvery: args.validateEvery,
      patience: args.patience,
      seed: args.seed,
      maxMinutes: args.maxMinutes,
      validate: async (t) => {
        const report = await scoreWith(config, t.snapshot(), (r) =>
          evaluate(dataset, (h) => r.scoreAll(h), {
            protocol: 'full',
            split: 'valid',
            ...(args.validUsers !== undefined ? { maxUsers: args.validUsers } : {}),
          }),
        );
        return { score: report['NDCG@10'], 'HR@10': report['HR@10'], 'NDCG@10': report['NDCG@10'] };
      },
      onStep: (done, total, loss) => {
        if (!bar) return;
        if (done === 1) bar.start(total, 0, { epoch: barEpoch, loss: loss.toFixed(3) });
        bar.update(done, { loss: loss.toFixed(3) });
        if (done === total) bar.stop();
      },
      onEpochEnd: async (s) => {
        const record = s.history[s.history.length - 1]!;
        const valid = record.valid
          ? `  valid HR@10 ${record.valid['HR@10']!.toFixed(4)} NDCG@10 ${record.valid['NDCG@10']!.toFixed(4)}`
          : '';
        log(`epoch ${record.epoch}: loss ${record.loss.toFixed(4)} (${record.seconds.toFixed(0)} s)${valid}`);
        barEpoch = s.epoch + 1;
        const { bestWeights, ...meta } = s;
        await writeCheckpoint(checkpointDir, { key, fit: meta } satisfies CheckpointMeta, {
          ...prefixed('weights/', trainer.weights),
          ...prefixed('best/', bestWeights ?? {}),
          ...prefixed('optimizer/', await trainer.optimizerState()),
        });
      },
    },
    state,
  );
  trainer.dispose();

  // Ship the best epoch, then evaluate exactly what ships: the artifact read back from disk.
  const input = await artifactInput(
    config,
    result.bestWeights!,
    {
      itemIds: dataset.itemIds,
      // Names of the attribute indices, so a client can say "you browse <category>" (explain()).
      ...(dataset.categoryNames ? { categoryNames: dataset.categoryNames } : {}),
      ...(dataset.brandNames ? { brandNames: dataset.brandNames } : {}),
    },
    {
      tableDtype: args.tableDtype,
      metadata: { dataset: dataset.name, bestEpoch: result.bestEpoch, createdAt: new Date().toISOString() },
    },
  );
  for (const t of Object.values(result.bestWeights!)) t.dispose();
  await writeArtifactFiles(args.out, await encodeArtifact(input));
  const recommender = recommenderFromArtifact(
    await readArtifactFiles(args.out, { shapes: expectedShapes(config) }),
  );
  const scorer = (h: Parameters<Recommender['scoreAll']>[0]) => recommender.scoreAll(h);
  const evalStart = performance.now();
  const testFull = await evaluate(dataset, scorer, { protocol: 'full', split: 'test' });
  const evalSeconds = (performance.now() - evalStart) / 1000;
  const validFull = await evaluate(dataset, scorer, { protocol: 'full', split: 'valid' });
  const testSampled = await evaluate(dataset, scorer, { protocol: 'sampled100', split: 'test' });
  recommender.dispose();
  log(
    `pretrain: best epoch ${result.bestEpoch}; test full ${metricsLine(testFull)}; sampled100 ${metricsLine(testSampled)}`,
  );

  const metrics = {
    dataset: dataset.name,
    backend: selected.backend,
    ...(selected.adapter ? { adapter: selected.adapter } : {}),
    epochs: result.epoch,
    bestEpoch: result.bestEpoch,
    trainingSeconds: Math.round(result.elapsedSeconds),
    testFullEvalSeconds: Number(evalSeconds.toFixed(1)),
    config,
    training: {
      lr: args.lr,
      loss: args.loss,
      batchSize: args.batchSize,
      tableDtype: args.tableDtype,
      seed: args.seed,
    },
    valid: { full: validFull },
    test: { full: testFull, sampled100: testSampled },
    history: result.history,
  };
  await writeFile(join(args.out, METRICS_FILE), `${JSON.stringify(metrics, null, 2)}\n`);
  // The run is complete: a later run with the same --out trains anew instead of "resuming" a finished one.
  await rm(checkpointDir, { recursive: true, force: true });
  return metrics;
}

async function main(argv: string[]): Promise<number> {
  let args: PretrainArgs | 'help';
  try {
    args = parsePretrainArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    log(`pretrain: ${error.message}\nRun with --help for usage.`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${PRETRAIN_USAGE}\n`);
    return 0;
  }
  let selected: SelectedBackend;
  try {
    selected = await selectBackend(args.backend as BackendName | undefined);
  } catch (error) {
    if (args.backend === 'webgpu' && !process.env[RELAUNCHED] && swiftShaderInstalled())
      return relaunchWithSwiftShader();
    log(`pretrain: ${(error as Error).message}`);
    return 1;
  }
  for (const reason of selected.skipped) log(`pretrain: skipped ${reason}`);
  log(`pretrain: training on ${describeBackend(selected)} (tfjs ${tf.version_core})`);
  try {
    const metrics = await run(args, selected);
    if (args.json) process.stdout.write(`${JSON.stringify(metrics)}\n`);
    return 0;
  } catch (error) {
    const known = error instanceof DatasetError || (error as Error).name === 'ArtifactError';
    log(`pretrain: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
