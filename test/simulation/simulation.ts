// The whole experiment: split users, train (a) on everything and (b) on the public part, then run
// DP-FedAvg rounds from (b) over the private clients (c), and score all three the same way.
import {
  type Dataset,
  DEFAULT_MODEL_CONFIG,
  type EncodedArtifact,
  type LossKind,
  type ModelConfig,
  parseModelConfig,
} from '@hearth/models';
import { type CentralOptions, evaluateArtifact, type Quality, trainCentral } from './central';
import { type FederationOptions, type FederationResult, runFederation } from './federation';
import { restrictTo, splitPopulation, trainingSequences } from './population';

export interface ModelShape {
  readonly dim: number;
  readonly blocks: number;
  readonly maxLen: number;
  readonly dropout: number;
}

export interface SimulationOptions {
  readonly dataset: Dataset;
  readonly publicFraction: number;
  readonly seed: number;
  readonly model: ModelShape;
  /** The architecture of given artifacts (--public-model, --central-model); else built from `model`. */
  readonly config?: ModelConfig;
  readonly central: Omit<CentralOptions, 'log' | 'seed'> & { loss: LossKind };
  /** Skip (a), the centralized upper bound (the smoke test does not need it). */
  readonly skipCentral?: boolean;
  /** Reuse artifacts instead of training (they must match the data set's catalogue and the model shape). */
  readonly publicModel?: EncodedArtifact;
  readonly centralModel?: EncodedArtifact;
  /** The federation's settings, as runFederation takes them (the rest comes from the data and (b)). */
  readonly federation: Pick<
    FederationOptions,
    | 'clientsPerRound'
    | 'rounds'
    | 'epsilon'
    | 'delta'
    | 'clipBound'
    | 'serverLr'
    | 'localSteps'
    | 'localLr'
    | 'evalEvery'
    | 'noise'
    | 'checkIns'
    | 'layout'
    | 'serverOptimizer'
  > & {
    /**
     * 'known' (default): clients train only on targets the public model learned (items in the public
     * users' training data), a public fact the server can ship with the model; 'all': every target.
     */
    readonly targets?: 'known' | 'all';
  };
  readonly log?: (line: string) => void;
  /** Called with each model this run trains, e.g. to save it for later runs. */
  readonly onModel?: (name: 'central' | 'public', artifact: EncodedArtifact) => Promise<void>;
}

export interface Row {
  readonly name: string;
  readonly quality: Quality;
  readonly epsilon: number | null;
  readonly delta: number | null;
  readonly rounds: number;
  /** Wall time to produce this model: training, and for (c) training of (b) plus the rounds. */
  readonly seconds: number;
  readonly note: string;
}

export interface SimulationResult {
  readonly dataset: { name: string; users: number; items: number; publicUsers: number; privateUsers: number };
  readonly config: ModelConfig;
  readonly rows: Row[];
  readonly publicArtifact: EncodedArtifact;
  readonly federation: FederationResult;
  /** Share of the (b)→(a) NDCG@10 gap that (c) recovers; null without (a). */
  readonly gapRecovered: number | null;
  /** The same for the best-validated version of (c) (see FederationResult.best). */
  readonly bestGapRecovered: number | null;
}

/** 1 for every item index that occurs in the sequences. */
function itemsIn(sequences: readonly { item: number }[][], numItems: number): Uint8Array {
  const mask = new Uint8Array(numItems + 1);
  for (const s of sequences) for (const e of s) mask[e.item] = 1;
  return mask;
}

export function simulationConfig(dataset: Dataset, shape: ModelShape): ModelConfig {
  return parseModelConfig({
    ...DEFAULT_MODEL_CONFIG,
    numItems: dataset.numItems,
    dim: shape.dim,
    ffnDim: shape.dim,
    numBlocks: shape.blocks,
    maxLen: shape.maxLen,
    dropout: shape.dropout,
    numCategories: dataset.attributes ? dataset.numCategories : 0,
    numBrands: dataset.attributes ? dataset.numBrands : 0,
    numPriceBuckets: dataset.attributes ? dataset.numPriceBuckets : 0,
  });
}

export async function runSimulation(o: SimulationOptions): Promise<SimulationResult> {
  const log = o.log ?? (() => {});
  const { dataset } = o;
  const config = o.config ?? simulationConfig(dataset, o.model);
  const split = splitPopulation(dataset, o.publicFraction, o.seed);
  log(
    `simulate: ${dataset.name}: ${dataset.users.length} users (${split.publicUsers.length} public, ` +
      `${split.privateUsers.length} private), ${dataset.numItems} items; d=${config.dim} blocks=${config.numBlocks}`,
  );
  const catalog = { itemIds: dataset.itemIds };
  const evaluate = (a: { manifest: unknown; weights: Uint8Array }) => evaluateArtifact(dataset, a, config);
  // The gate scores on the public users' validation items: data the server holds anyway.
  const publicData = restrictTo(dataset, split.publicUsers);
  const validate = async (a: { manifest: unknown; weights: Uint8Array }) =>
    (await evaluateArtifact(publicData, a, config, 'valid'))['NDCG@10'];
  const rows: Row[] = [];

  let central: Row | undefined;
  if (!o.skipCentral) {
    let artifact = o.centralModel;
    let seconds = 0;
    let note = 'given artifact';
    if (!artifact) {
      log('(a) centralized training on every user');
      const r = await trainCentral(
        config,
        trainingSequences(
          dataset,
          dataset.users.map((_, i) => i),
        ),
        dataset,
        catalog,
        {
          ...o.central,
          seed: o.seed,
          log,
        },
      );
      ({ artifact, seconds } = r);
      await o.onModel?.('central', artifact);
      note = `${r.epochs} epochs, best ${r.bestEpoch}`;
    }
    central = {
      name: '(a) centralized, all users',
      quality: await evaluate(artifact),
      epsilon: null,
      delta: null,
      rounds: 0,
      seconds,
      note,
    };
    rows.push(central);
    log(`(a) NDCG@10 ${central.quality['NDCG@10'].toFixed(4)} HR@10 ${central.quality['HR@10'].toFixed(4)}`);
  }

  let publicArtifact = o.publicModel;
  let publicSeconds = 0;
  let publicNote = 'given artifact';
  if (!publicArtifact) {
    log('(b) centralized training on the public users only');
    const r = await trainCentral(config, trainingSequences(dataset, split.publicUsers), publicData, catalog, {
      ...o.central,
      seed: o.seed,
      log,
    });
    publicArtifact = r.artifact;
    await o.onModel?.('public', publicArtifact);
    publicSeconds = r.seconds;
    publicNote = `${r.epochs} epochs, best ${r.bestEpoch}`;
  }
  const publicRow: Row = {
    name: '(b) public users only',
    quality: await evaluate(publicArtifact),
    epsilon: 0,
    delta: null,
    rounds: 0,
    seconds: publicSeconds,
    note: publicNote,
  };
  rows.push(publicRow);
  log(
    `(b) NDCG@10 ${publicRow.quality['NDCG@10'].toFixed(4)} HR@10 ${publicRow.quality['HR@10'].toFixed(4)}`,
  );

  log('(c) DP-FedAvg rounds from (b) over the private clients');
  const f = o.federation;
  const { targets: _targets, ...settings } = f;
  const federation = await runFederation({
    dataset,
    config,
    privateUsers: split.privateUsers,
    start: publicArtifact,
    startQuality: publicRow.quality,
    ...settings,
    evaluate,
    validate,
    ...(f.targets === 'all'
      ? {}
      : { targetItems: itemsIn(trainingSequences(dataset, split.publicUsers), dataset.numItems) }),
    log,
  });
  rows.push({
    name: '(c) public + DP-FedAvg',
    quality: federation.finalQuality,
    epsilon: federation.epsilon,
    delta: federation.delta,
    rounds: federation.rounds.length,
    seconds: publicSeconds + federation.seconds,
    note: `K=${f.clientsPerRound} q=${federation.q.toPrecision(3)} z=${federation.z.toPrecision(4)} C=${f.clipBound} targets=${f.targets ?? 'known'} layout=${f.layout ?? 'encoder'}`,
  });
  const best = federation.best;
  if (best)
    rows.push({
      name: '(c) best-validated version',
      quality: best.quality,
      epsilon: federation.epsilon,
      delta: federation.delta,
      rounds: best.round,
      seconds: publicSeconds + federation.seconds,
      note: `round ${best.round} of ${federation.rounds.length}, public-users validation NDCG@10 ${best.validation.toFixed(4)}`,
    });
  const gap = central ? central.quality['NDCG@10'] - publicRow.quality['NDCG@10'] : 0;
  return {
    dataset: {
      name: dataset.name,
      users: dataset.users.length,
      items: dataset.numItems,
      publicUsers: split.publicUsers.length,
      privateUsers: split.privateUsers.length,
    },
    config,
    rows,
    publicArtifact,
    federation,
    gapRecovered:
      central && gap > 0 ? (federation.finalQuality['NDCG@10'] - publicRow.quality['NDCG@10']) / gap : null,
    bestGapRecovered:
      central && gap > 0 && best ? (best.quality['NDCG@10'] - publicRow.quality['NDCG@10']) / gap : null,
  };
}
