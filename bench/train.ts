/**
 * Training throughput per tfjs backend on Amazon Beauty, and full-ranking eval time.
 * `npm run bench:train` (add `-- --backends wasm,cpu` to choose). Each backend runs in its own child
 * process (webgpu needs SwiftShader's environment from process start, and backends should not share a
 * heap). Writes bench/results/train.json and prints a table. Not a test: numbers, not assertions.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DEFAULT_MODEL_CONFIG,
  evaluate,
  initWeights,
  type LossKind,
  makeBatches,
  parseModelConfig,
  Recommender,
  recommenderFromArtifact,
  Trainer,
  trainingPart,
} from '@hearth/models';
import {
  type BackendName,
  BEAUTY_PATH,
  describeBackend,
  loadDataset,
  readArtifactFiles,
  selectBackend,
  sharedDataPath,
  swiftShaderEnv,
} from '@hearth/models/node';
import { mulberry32 } from '../models/src/eval/rng';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results', 'train.json');
const ARTIFACT = join(ROOT, 'models', 'artifacts', 'beauty');
/** Timed steps per backend (after one warm-up step) and a wall-time cap: cpu and SwiftShader are slow. */
const STEPS: Record<BackendName, number> = { wasm: 12, cpu: 3, webgpu: 3 };
const MAX_SECONDS = 90;
const BATCH_SIZE = 128;

interface BackendResult {
  backend: string;
  loss: LossKind;
  steps: number;
  sequences: number;
  positions: number;
  seconds: number;
  sequencesPerSecond: number;
  positionsPerSecond: number;
  msPerStep: number;
  fullEvalSeconds?: number;
  fullEvalUsers?: number;
  error?: string;
}

async function worker(name: BackendName, loss: LossKind): Promise<BackendResult> {
  const selected = await selectBackend(name);
  const dataset = await loadDataset(sharedDataPath(BEAUTY_PATH), 'beauty');
  const config = parseModelConfig({ ...DEFAULT_MODEL_CONFIG, numItems: dataset.numItems });
  const sequences = dataset.users.map((u) => [...trainingPart(u.events)]);
  // The same batches on every backend: a fixed seed, an epoch's typical mix of lengths.
  const batches = makeBatches(sequences, BATCH_SIZE, config.maxLen, mulberry32(1));
  // The pretrain defaults (see cli/pretrain-args.ts).
  const trainer = new Trainer(config, initWeights(config, 1), {
    loss,
    numNegatives: 3072,
    learningRate: 3e-3,
  });
  await trainer.step(batches[0]!); // warm-up: kernel setup, shader compilation
  let steps = 0;
  let seqs = 0;
  let positions = 0;
  const start = performance.now();
  while (steps < STEPS[name] && (performance.now() - start) / 1000 < MAX_SECONDS) {
    const batch = batches[1 + (steps % (batches.length - 1))]!;
    await trainer.step(batch);
    steps++;
    seqs += batch.batch;
    positions += batch.positions.length;
  }
  const seconds = (performance.now() - start) / 1000;
  const result: BackendResult = {
    backend: describeBackend(selected),
    loss,
    steps,
    sequences: seqs,
    positions,
    seconds,
    sequencesPerSecond: seqs / seconds,
    positionsPerSecond: positions / seconds,
    msPerStep: (seconds * 1000) / steps,
  };
  trainer.dispose();
  if (name === 'wasm' && loss === 'sampled') {
    // Full-ranking test eval of every user: the shipped artifact when there is one (eval time does
    // not depend on the weights' values, only on shapes).
    const recommender = existsSync(join(ARTIFACT, 'manifest.json'))
      ? recommenderFromArtifact(await readArtifactFiles(ARTIFACT))
      : Recommender.create(config, initWeights(config, 1));
    const t = performance.now();
    const report = await evaluate(dataset, (h) => recommender.scoreAll(h), {
      protocol: 'full',
      split: 'test',
    });
    result.fullEvalSeconds = (performance.now() - t) / 1000;
    result.fullEvalUsers = report.users;
    recommender.dispose();
  }
  return result;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const workerAt = args.indexOf('--worker');
  if (workerAt >= 0) {
    process.stdout.write(
      `${JSON.stringify(await worker(args[workerAt + 1] as BackendName, args[workerAt + 2] as LossKind))}\n`,
    );
    process.exit(0);
  }
  const chosen = (args[args.indexOf('--backends') + 1] ?? '').split(',').filter(Boolean);
  const backends = (args.includes('--backends') ? chosen : ['wasm', 'cpu', 'webgpu']) as BackendName[];
  // The pretrain default (sampled) on every backend; the full softmax on wasm for comparison.
  const runs: [BackendName, LossKind][] = backends.flatMap((b): [BackendName, LossKind][] =>
    b === 'wasm'
      ? [
          [b, 'sampled'],
          [b, 'full'],
        ]
      : [[b, 'sampled']],
  );
  const run = promisify(execFile);
  const results: BackendResult[] = [];
  for (const [name, loss] of runs) {
    process.stderr.write(`bench:train: ${name} (${loss} softmax)...\n`);
    try {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'bench', 'train.ts'), '--worker', name, loss],
        {
          cwd: ROOT,
          env: name === 'webgpu' ? swiftShaderEnv() : process.env,
          timeout: 600_000,
          maxBuffer: 1 << 24,
        },
      );
      results.push(JSON.parse(stdout.trim().split('\n').pop()!) as BackendResult);
    } catch (error) {
      const message =
        (error as { stderr?: string }).stderr?.split('\n').find((l) => /Error|error:/.test(l)) ??
        String(error);
      results.push({
        backend: name,
        loss,
        steps: 0,
        sequences: 0,
        positions: 0,
        seconds: 0,
        sequencesPerSecond: 0,
        positionsPerSecond: 0,
        msPerStep: 0,
        error: message,
      });
    }
  }
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  const report = { date: new Date().toISOString(), dataset: 'amazon-beauty', batchSize: BATCH_SIZE, results };
  await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  const rows = results.map((r) =>
    r.error
      ? `| ${r.backend} | ${r.loss} | failed: ${r.error} | | | |`
      : `| ${r.backend} | ${r.loss} | ${r.sequencesPerSecond.toFixed(1)} | ${r.positionsPerSecond.toFixed(0)} | ${r.msPerStep.toFixed(0)} | ${r.fullEvalSeconds !== undefined ? `${r.fullEvalSeconds.toFixed(1)} s (${r.fullEvalUsers} users)` : '-'} |`,
  );
  process.stdout.write(
    [
      '| backend | loss | sequences/s | positions/s | ms/step | full-ranking eval |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n') + `\n\nwritten to ${RESULTS}\n`,
  );
}

await main();
