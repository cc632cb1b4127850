import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../eval/rng';
import type { ModelConfig } from '../model/config';
import { embeddingLookup } from '../model/embedding-lookup';
import { encode } from '../model/encoder';
import { itemVectors } from '../model/item-tower';
import { type NamedTensors, trainableNames } from '../model/weights';
import type { TrainingBatch } from './batches';
import { fullSoftmaxLoss, sampledSoftmaxLoss } from './loss';

/** Variable names must be unique per process; a counter keeps trainers apart. */
let trainerCount = 0;

export const OPTIMIZER_ITERATIONS = 'optimizer/iterations';
export const OPTIMIZER_PREFIX = 'optimizer/moment';

export type LossKind = 'full' | 'sampled';

export interface TrainerOptions {
  learningRate: number;
  loss: LossKind;
  /** Negatives shared by a batch for the sampled loss. */
  numNegatives: number;
  /** Proposal distribution for the sampled loss, one probability per item index (0 for index 0). */
  proposal?: Float32Array;
  /** Seed for negative sampling. */
  seed: number;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  learningRate: 1e-3,
  loss: 'full',
  numNegatives: 1024,
  seed: 7,
};

/**
 * Owns the trainable variables and the Adam optimizer; `step` runs one forward/backward/update on a
 * batch and returns the loss. The same code trains on cpu, wasm and webgpu.
 */
export class Trainer {
  readonly config: ModelConfig;
  readonly options: TrainerOptions;
  /** Variables for trainable weights plus constant int32 tensors (item attribute indices). */
  readonly weights: NamedTensors;
  readonly optimizer: tf.AdamOptimizer;
  private readonly variables: tf.Variable[];
  private readonly logQ: tf.Tensor1D | undefined;
  private readonly random: () => number;

  /** Takes ownership of `initial` (e.g. from initWeights or a checkpoint). */
  constructor(config: ModelConfig, initial: NamedTensors, options: Partial<TrainerOptions> = {}) {
    this.config = config;
    this.options = { ...DEFAULT_TRAINER_OPTIONS, ...options };
    const trainable = new Set(trainableNames(config));
    this.weights = {};
    this.variables = [];
    trainerCount++;
    for (const [name, tensor] of Object.entries(initial)) {
      if (trainable.has(name)) {
        const v = tf.variable(tensor, true, `hearth${trainerCount}/${name}`);
        tensor.dispose();
        this.weights[name] = v;
        this.variables.push(v);
      } else {
        this.weights[name] = tensor;
      }
    }
    this.optimizer = tf.train.adam(this.options.learningRate);
    this.random = mulberry32(this.options.seed);
    if (this.options.loss === 'sampled') {
      const proposal = this.options.proposal ?? uniformProposal(config.numItems);
      if (proposal.length !== config.numItems + 1) {
        throw new Error(
          `proposal has ${proposal.length} entries, expected numItems + 1 = ${config.numItems + 1}`,
        );
      }
      this.logQ = tf.tidy(() => tf.log(tf.add(tf.tensor1d(proposal), 1e-12)) as tf.Tensor1D);
    }
  }

  /** The loss of a batch as a scalar tensor, recording gradients when called inside minimize. */
  loss(batch: TrainingBatch, training: boolean): tf.Scalar {
    return tf.tidy(() => {
      const shape: [number, number] = [batch.batch, batch.length];
      const table = itemVectors(this.config, this.weights);
      const hidden = encode(
        this.config,
        this.weights,
        table,
        {
          items: tf.tensor2d(batch.items, shape, 'int32'),
          actions: tf.tensor2d(batch.actions, shape, 'int32'),
          timeGaps: tf.tensor2d(batch.timeGaps, shape, 'int32'),
        },
        training,
      );
      // Only real positions enter the loss: gathering them first means padding costs no logits.
      const positions = tf.tensor1d(batch.positions, 'int32');
      const selected = embeddingLookup(tf.reshape(hidden, [-1, this.config.dim]), positions) as tf.Tensor2D;
      const targets = Int32Array.from(batch.positions, (p) => batch.targets[p]!);
      if (this.options.loss === 'full')
        return fullSoftmaxLoss(selected, table, tf.tensor1d(targets, 'int32'));
      return sampledSoftmaxLoss(selected, table, targets, this.sampleNegatives(), this.logQ!);
    });
  }

  /**
   * One optimisation step; resolves to the batch loss. Async because a synchronous read is not
   * available on webgpu in Node (tfjs-webgpu's readSync needs OffscreenCanvas).
   */
  async step(batch: TrainingBatch): Promise<number> {
    const cost = this.optimizer.minimize(() => this.loss(batch, true), true, this.variables);
    const value = (await cost!.data())[0]!;
    cost!.dispose();
    if (!Number.isFinite(value)) throw new Error(`training loss became ${value}; lower the learning rate`);
    return value;
  }

  /** Gradients of the loss on a batch without updating (for tests and backend comparisons). */
  async gradients(batch: TrainingBatch, training = false): Promise<{ loss: number; grads: NamedTensors }> {
    const { value, grads } = tf.variableGrads(() => this.loss(batch, training), this.variables);
    const loss = (await value.data())[0]!;
    value.dispose();
    const named: NamedTensors = {};
    for (const [name, g] of Object.entries(grads)) named[name.replace(/^hearth\d+\//, '')] = g;
    return { loss, grads: named };
  }

  /** Copies of the current weights (the caller owns them). */
  snapshot(): NamedTensors {
    const out: NamedTensors = {};
    for (const [name, t] of Object.entries(this.weights)) out[name] = tf.clone(t);
    return out;
  }

  /** Overwrites trainable weights from named tensors (e.g. the best snapshot). */
  assign(weights: NamedTensors): void {
    for (const [name, t] of Object.entries(this.weights)) {
      if (t instanceof tf.Variable) t.assign(weights[name]!);
    }
  }

  /**
   * Adam's state (step count and moments) as named tensors for a checkpoint. The moments are keyed by
   * position: tfjs pairs them with variables by order, which is the stable order of weightSpecs.
   */
  async optimizerState(): Promise<NamedTensors> {
    const state: NamedTensors = {};
    (await this.optimizer.getWeights()).forEach((w, i) => {
      state[i === 0 ? OPTIMIZER_ITERATIONS : `${OPTIMIZER_PREFIX}${i}`] = w.tensor;
    });
    return state;
  }

  /** Restores what optimizerState returned (e.g. from a checkpoint) before continuing training. */
  async restoreOptimizer(state: NamedTensors): Promise<void> {
    const iterations = state[OPTIMIZER_ITERATIONS];
    if (!iterations) throw new Error(`optimizer state lacks "${OPTIMIZER_ITERATIONS}"`);
    const count = Object.keys(state).length - 1;
    if (count !== 2 * this.variables.length) {
      throw new Error(`optimizer state has ${count} moments, expected ${2 * this.variables.length}`);
    }
    const list = [{ name: 'iter', tensor: iterations }];
    for (let i = 1; i <= count; i++) {
      const tensor = state[`${OPTIMIZER_PREFIX}${i}`];
      if (!tensor) throw new Error(`optimizer state lacks "${OPTIMIZER_PREFIX}${i}"`);
      list.push({ name: `${OPTIMIZER_PREFIX}${i}`, tensor });
    }
    await this.optimizer.setWeights(list);
  }

  dispose(): void {
    for (const t of Object.values(this.weights)) t.dispose();
    this.optimizer.dispose();
    this.logQ?.dispose();
  }

  private sampleNegatives(): Int32Array {
    const proposal = this.options.proposal ?? uniformProposal(this.config.numItems);
    const cumulative = cumulativeOf(proposal);
    const out = new Int32Array(this.options.numNegatives);
    for (let i = 0; i < out.length; i++) out[i] = searchCumulative(cumulative, this.random());
    return out;
  }
}

function uniformProposal(numItems: number): Float32Array {
  const p = new Float32Array(numItems + 1).fill(1 / numItems);
  p[0] = 0;
  return p;
}

const cumulativeCache = new WeakMap<Float32Array, Float64Array>();
function cumulativeOf(p: Float32Array): Float64Array {
  let c = cumulativeCache.get(p);
  if (!c) {
    c = new Float64Array(p.length);
    let sum = 0;
    for (let i = 0; i < p.length; i++) c[i] = sum += p[i]!;
    for (let i = 0; i < p.length; i++) c[i] = c[i]! / sum;
    cumulativeCache.set(p, c);
  }
  return c;
}

function searchCumulative(c: Float64Array, u: number): number {
  let lo = 1;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
