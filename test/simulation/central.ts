// Centralized training for the baselines: (a) on every user's training part, the non-private upper
// bound, and (b) on the public users' only, the starting point of federation. Both use the model
// core's Trainer and fit with the same budget, and both become model artifacts (what the aggregator
// serves), so every row of the table is scored the same way: from an artifact.
import {
  artifactInput,
  type Dataset,
  decodeArtifact,
  type EncodedArtifact,
  encodeArtifact,
  evaluate,
  expectedShapes,
  type Interaction,
  initWeights,
  type LossKind,
  type ModelConfig,
  Recommender,
  recommenderFromArtifact,
  Trainer,
  fit as trainEpochs,
} from '@hearth/models';

export interface CentralOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly loss: LossKind;
  readonly seed: number;
  /** Validate (NDCG@10, valid split) on at most this many users every `validateEvery` epochs. */
  readonly validUsers: number;
  readonly validateEvery: number;
  readonly maxMinutes?: number;
  readonly log?: (line: string) => void;
}

export interface CentralResult {
  readonly artifact: EncodedArtifact;
  readonly seconds: number;
  readonly epochs: number;
  readonly bestEpoch: number;
}

/**
 * Trains from fresh weights on `sequences`, keeps the epoch with the best validation NDCG@10 on
 * `validation` (users the trainer may see), and returns it as an artifact with float32 tables (no
 * quantization, so the rows differ only by what training did).
 */
export async function trainCentral(
  config: ModelConfig,
  sequences: readonly Interaction[][],
  validation: Dataset,
  catalog: { itemIds: string[] },
  options: CentralOptions,
): Promise<CentralResult> {
  const started = performance.now();
  const trainer = new Trainer(config, initWeights(config, options.seed), {
    learningRate: options.learningRate,
    loss: options.loss,
    seed: options.seed,
  });
  const state = await trainEpochs(trainer, sequences, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    validateEvery: options.validateEvery,
    patience: Number.POSITIVE_INFINITY,
    seed: options.seed,
    ...(options.maxMinutes === undefined ? {} : { maxMinutes: options.maxMinutes }),
    validate: async (t) => {
      const recommender = Recommender.create(config, t.snapshot());
      try {
        const r = await evaluate(validation, (h) => recommender.scoreAll(h), {
          protocol: 'full',
          split: 'valid',
          maxUsers: options.validUsers,
        });
        return { score: r['NDCG@10'], 'NDCG@10': r['NDCG@10'] };
      } finally {
        recommender.dispose();
      }
    },
    onEpochEnd: async (s) => {
      const r = s.history.at(-1)!;
      const valid = r.valid ? ` valid NDCG@10 ${r.valid['NDCG@10']!.toFixed(4)}` : '';
      options.log?.(`  epoch ${r.epoch}: loss ${r.loss.toFixed(3)} (${r.seconds.toFixed(0)} s)${valid}`);
    },
  });
  trainer.dispose();
  const input = await artifactInput(config, state.bestWeights!, catalog, { tableDtype: 'float32' });
  for (const t of Object.values(state.bestWeights!)) t.dispose();
  return {
    artifact: await encodeArtifact(input),
    seconds: (performance.now() - started) / 1000,
    epochs: state.epoch,
    bestEpoch: state.bestEpoch,
  };
}

export interface Quality {
  readonly 'HR@10': number;
  readonly 'NDCG@10': number;
  readonly users: number;
}

/** Full-ranking metrics of an artifact over every evaluable user of the data set (test split by default). */
export async function evaluateArtifact(
  dataset: Dataset,
  artifact: { manifest: unknown; weights: Uint8Array },
  config: ModelConfig,
  split: 'test' | 'valid' = 'test',
): Promise<Quality> {
  const decoded = await decodeArtifact(artifact.manifest, artifact.weights, {
    shapes: expectedShapes(config),
  });
  const recommender = recommenderFromArtifact(decoded);
  try {
    const r = await evaluate(dataset, (h) => recommender.scoreAll(h), { protocol: 'full', split });
    return { 'HR@10': r['HR@10'], 'NDCG@10': r['NDCG@10'], users: r.users };
  } finally {
    recommender.dispose();
  }
}
