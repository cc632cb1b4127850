// npm run simulate -- --data ../shared/data/amazon-beauty/Beauty.txt --public-fraction 0.3 \
//   --clients-per-round K --rounds T --epsilon E --delta D [--json] [--users N] [--eval-every k] ...
// The privacy-utility table of issue 9: (a) centralized on all users, (b) public users only, (c) (b)
// plus DP-FedAvg rounds at the target (ε, δ) through the real aggregator. Writes a JSON result and an
// SVG plot (default bench/results/simulate.json and .svg) and prints the table.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  alignToCatalog,
  type Dataset,
  type EncodedArtifact,
  parseManifest,
  parseModelConfig,
} from '@hearth/models';
import { loadDataset, writeArtifactFiles } from '@hearth/models/node';
import { parseSimulateArgs, USAGE, UsageError } from './args';
import { subsampleUsers } from './population';
import { plotSvg, table } from './report';
import { runSimulation, type SimulationResult } from './simulation';

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
      layout: args.layout,
      serverOptimizer: {
        kind: args.serverOpt,
        learningRate: n['server-opt-lr'],
        beta1: n['server-beta1'],
        beta2: n['server-beta2'],
        epsilon: n['server-eps'],
        ...(n['server-item-lr'] > 0 ? { itemTablesLearningRate: n['server-item-lr'] } : {}),
      },
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
