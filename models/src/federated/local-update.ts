// The client side of a federated round, shared by the browser worker (issue 7) and the federated
// simulation (test/simulation/): a few SGD steps on ONE shopper's own sequence, training the tensors
// of the round's layout (the shared encoder; item tables only on opt-in), then the delta (new − old)
// in that layout, clipped on the device.
// Browser-safe: tfjs and plain typed arrays only.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../model/config';
import { type NamedTensors, sharedEncoderNames, trainableNames, weightSpecs } from '../model/weights';
import { bucketLength, encodeTrainingBatch, type TrainingBatch } from '../train/batches';
import { Trainer } from '../train/trainer';
import type { Interaction } from '../types';
import { encodeUpdate } from '../update/encode';
import { layoutSize, type ModelUpdate, type TensorLayout, tensorSize } from '../update/format';
import { checkLayout } from '../update/layout';

/** What local training needs from a model: a Recommender satisfies it. */
export interface RoundModel {
  readonly config: ModelConfig;
  readonly weights: NamedTensors;
}

export interface LocalTrainingParams {
  /** Optimisation steps on the shopper's sequence (each step sees the whole sequence). */
  readonly localSteps: number;
  /** Plain SGD learning rate: stateless, so nothing about past rounds stays on the device. */
  readonly learningRate: number;
  /** The round's L2 bound; the delta leaves the device with a norm of at most this. */
  readonly clipBound: number;
  /**
   * Awaited after every step: a worker yields here (e.g. `() => new Promise((r) => setTimeout(r))`)
   * so that rank() calls queued meanwhile are served with the current model between steps.
   */
  readonly afterStep?: (step: number, total: number) => void | Promise<void>;
  /**
   * Optional mask over item indices (1 = may be a training target). Items the round model never
   * learned keep their initial, near-zero embeddings; when the item tables are frozen, fitting such
   * targets teaches the encoder to flatten every score (measured in the simulation: NDCG@10 falls),
   * so they are left out of the loss. They still appear as inputs in the history.
   */
  readonly targetItems?: Uint8Array;
  /** Stops training between steps (the page went away, the round closed): the call rejects. */
  readonly signal?: AbortSignal;
  /**
   * Accept a round layout that includes the per-item tables (default false: the browser refuses it).
   * Their delta is non-zero mostly in the rows of the items this shopper touched, so only a
   * deployment whose aggregator is trusted to see single updates (central DP, as in the federated
   * simulation) may opt in; the published model is still protected by clipping and noise.
   */
  readonly allowItemTables?: boolean;
}

export interface LocalUpdate {
  readonly layout: TensorLayout;
  /** new − old for every tensor of the layout, concatenated in layout order, row-major, clipped. */
  readonly values: Float32Array;
  /** L2 norm before clipping (stays on the device; the simulation reports it). */
  readonly normBeforeClip: number;
  readonly clipped: boolean;
  /** Steps taken: 0 when the sequence has fewer than 2 interactions (nothing to predict). */
  readonly steps: number;
}

/**
 * The layout a round over this model announces by default: the shared-encoder weights in the model's
 * weight order (the order of the artifact's tensors, from which the aggregator derives the layout).
 */
export function sharedEncoderLayout(config: ModelConfig): TensorLayout {
  const shared = new Set(sharedEncoderNames(config));
  return weightSpecs(config)
    .filter((s) => shared.has(s.name))
    .map((s) => ({ name: s.name, shape: [...s.shape] }));
}

/**
 * Trains a copy of the round's model on one shopper's history and returns the clipped delta of the
 * tensors the round announced. The model's own weights are not modified.
 *
 * By default the layout must name shared-encoder weights only: the per-item tables stay frozen,
 * because a dense update of the encoder hides which items the shopper touched, while an item-table
 * update is largest exactly in the rows of those items (see `allowItemTables`).
 */
export async function trainLocalUpdate(
  model: RoundModel,
  history: readonly Interaction[],
  layout: TensorLayout,
  params: LocalTrainingParams,
): Promise<LocalUpdate> {
  checkParams(params);
  checkRoundLayout(model, layout, params.allowItemTables === true);
  const values = new Float32Array(layoutSize(layout));
  const batch = sequenceBatch(model.config, history, params.targetItems);
  if (batch === null || params.localSteps === 0)
    return { layout, values, normBeforeClip: 0, clipped: false, steps: 0 };

  const trainer = new Trainer(model.config, cloneWeights(model.weights));
  const optimizer = tf.train.sgd(params.learningRate);
  try {
    // Only the announced tensors are variables of this optimisation: tfjs then neither computes nor
    // applies gradients for the item tables.
    const variables = layout.map((spec) => trainer.weights[spec.name] as tf.Variable);
    for (let step = 0; step < params.localSteps; step++) {
      params.signal?.throwIfAborted();
      optimizer.minimize(() => trainer.loss(batch, true), false, variables);
      await params.afterStep?.(step + 1, params.localSteps);
    }
    params.signal?.throwIfAborted();
    let offset = 0;
    for (const spec of layout) {
      const diff = tf.sub(trainer.weights[spec.name]!, model.weights[spec.name]!);
      values.set((await diff.data()) as Float32Array, offset);
      diff.dispose();
      offset += tensorSize(spec);
    }
  } finally {
    optimizer.dispose();
    trainer.dispose();
  }
  const { norm, clipped } = clipInPlace(values, params.clipBound);
  return { layout, values, normBeforeClip: norm, clipped, steps: params.localSteps };
}

/**
 * The next-item loss of the model on one sequence (no dropout), e.g. to check that local training
 * helps the shopper it ran for. NaN when the sequence has fewer than 2 interactions.
 */
export async function sequenceLoss(model: RoundModel, history: readonly Interaction[]): Promise<number> {
  const batch = sequenceBatch(model.config, history);
  if (batch === null) return Number.NaN;
  const trainer = new Trainer(model.config, cloneWeights(model.weights));
  try {
    const loss = trainer.loss(batch, false);
    const value = (await loss.data())[0]!;
    loss.dispose();
    return value;
  } finally {
    trainer.dispose();
  }
}

/**
 * Scales `values` in place to L2 norm at most `bound` (Δ · min(1, C / ‖Δ‖)), the same rule the
 * aggregator applies again on arrival. A non-finite delta throws: it must never leave the device.
 */
export function clipInPlace(values: Float32Array, bound: number): { norm: number; clipped: boolean } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm))
    throw new Error('local update is not finite (training diverged); lower the learning rate');
  if (norm <= bound) return { norm, clipped: false };
  // Float32 rounding can leave the scaled norm a hair above the bound; aim just below it.
  const factor = (bound / norm) * (1 - 1e-6);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! * factor;
  return { norm, clipped: true };
}

/**
 * The update in the aggregator's binary format. `numExamples` is sent as 0: the server ignores it
 * under DP (every client weighs the same), and the true count would tell it how active the shopper is.
 */
export function encodeLocalUpdate(
  update: LocalUpdate,
  round: { readonly roundId: number; readonly modelVersion: number },
): Uint8Array {
  const message: ModelUpdate = {
    roundId: round.roundId,
    modelVersion: round.modelVersion,
    numExamples: 0,
    layout: update.layout,
    values: update.values,
  };
  return encodeUpdate(message);
}

/**
 * One training batch holding the whole sequence (its last maxLen + 1 interactions), or null when
 * nothing is left to predict.
 */
function sequenceBatch(
  config: ModelConfig,
  history: readonly Interaction[],
  targetItems?: Uint8Array,
): TrainingBatch | null {
  if (history.length < 2) return null;
  const kept = history.slice(-(config.maxLen + 1));
  const batch = encodeTrainingBatch([kept], bucketLength(kept.length - 1, config.maxLen));
  const positions = targetItems
    ? batch.positions.filter((p) => targetItems[batch.targets[p]!] === 1)
    : batch.positions;
  return positions.length === 0 ? null : { ...batch, positions };
}

function cloneWeights(weights: NamedTensors): NamedTensors {
  const out: NamedTensors = {};
  for (const [name, t] of Object.entries(weights)) out[name] = tf.clone(t);
  return out;
}

function checkParams(p: LocalTrainingParams): void {
  if (!Number.isInteger(p.localSteps) || p.localSteps < 0)
    throw new Error(`localSteps must be a non-negative integer, got ${p.localSteps}`);
  if (!(p.learningRate > 0) || !Number.isFinite(p.learningRate))
    throw new Error(`learningRate must be a positive number, got ${p.learningRate}`);
  if (!(p.clipBound > 0) || !Number.isFinite(p.clipBound))
    throw new Error(`clipBound must be a positive number, got ${p.clipBound}`);
}

/** The round's layout must list trainable weights of this model (shared-encoder ones unless item
 * tables are allowed), with this model's shapes. */
function checkRoundLayout(model: RoundModel, layout: TensorLayout, allowItemTables: boolean): void {
  checkLayout(layout);
  const allowed = new Set(allowItemTables ? trainableNames(model.config) : sharedEncoderNames(model.config));
  layout.forEach((spec, i) => {
    if (!allowed.has(spec.name))
      throw new Error(
        allowItemTables
          ? `layout[${i}] "${spec.name}" is not a trainable weight of the model`
          : `layout[${i}] "${spec.name}" is not a shared-encoder weight: item tables are not trained unless allowItemTables`,
      );
    const shape = model.weights[spec.name]!.shape;
    if (shape.length !== spec.shape.length || shape.some((d, k) => d !== spec.shape[k]))
      throw new Error(
        `layout[${i}] "${spec.name}" has shape [${spec.shape.join(',')}], the model's is [${shape.join(',')}]`,
      );
  });
}
