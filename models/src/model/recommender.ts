import * as tf from '@tensorflow/tfjs';
import { type EncodedBatch, encodeHistories } from '../features/sequence';
import type { Interaction } from '../types';
import { type ModelConfig, parseModelConfig } from './config';
import { encode } from './encoder';
import { itemRowsForInference, itemVectors } from './item-tower';
import { type NamedTensors, sharedEncoderNames, validateWeights } from './weights';

/**
 * A trained recommender ready for inference: what the SDK worker ranks with and what evaluation
 * scores with. It owns its weight tensors (dispose() frees them). Every call pads histories to
 * config.maxLen so input shapes never change (WebGPU compiles a shader per shape).
 */
export class Recommender {
  readonly config: ModelConfig;
  readonly weights: NamedTensors;
  private itemTable: tf.Tensor2D;
  /**
   * The same table as plain numbers where the backend can read them (wasm, cpu): candidates are
   * scored against it in JavaScript. A gather and a transposed matMul cost ~0.2 ms for 100 candidates
   * and ~0.8 ms for 500 on wasm; 64 multiply-adds per candidate cost microseconds.
   */
  private itemRows: Float32Array | null;
  /**
   * The item table transposed, for scoreAll: a plain matMul is ~7x faster than a transposed one on
   * wasm. Made on first use: ranking candidates (the browser) never needs it.
   */
  private itemTableT: tf.Tensor2D | null = null;

  private constructor(config: ModelConfig, weights: NamedTensors) {
    this.config = config;
    this.weights = weights;
    this.itemRows = itemRowsForInference(config, weights);
    this.itemTable = this.itemRows
      ? tf.tensor2d(this.itemRows, [config.numItems + 1, config.dim])
      : itemVectors(config, weights);
  }

  /** Builds from a config (validated) and named weights (e.g. a decoded artifact), checking every shape. */
  static create(config: unknown, weights: NamedTensors): Recommender {
    const parsed = parseModelConfig(config);
    validateWeights(parsed, weights);
    return new Recommender(parsed, weights);
  }

  /** Weights that federated training updates: everything but the per-item tables. */
  get sharedEncoderNames(): string[] {
    return sharedEncoderNames(this.config);
  }

  /** Number of scores per history in scoreAll: numItems + 1 (index 0, padding, scores as -Infinity). */
  get numScores(): number {
    return this.config.numItems + 1;
  }

  /** User vectors [B, d] as a tensor the caller must dispose. */
  userVectorsTensor(histories: readonly Interaction[][]): tf.Tensor2D {
    return this.userVectorsOfEncoded(encodeHistories(histories, this.config.maxLen, this.config.numItems));
  }

  /**
   * userVectorsTensor for histories already encoded (encodeHistories at this model's maxLen and
   * numItems): a caller that keys a cache on the encoding need not encode twice.
   */
  userVectorsOfEncoded(batch: EncodedBatch): tf.Tensor2D {
    if (batch.length !== this.config.maxLen)
      throw new Error(`batch.length must be the model's maxLen ${this.config.maxLen}, got ${batch.length}`);
    return tf.tidy(() => {
      const shape: [number, number] = [batch.batch, batch.length];
      const hidden = encode(
        this.config,
        this.weights,
        this.itemTable,
        {
          items: tf.tensor2d(batch.items, shape, 'int32'),
          actions: tf.tensor2d(batch.actions, shape, 'int32'),
          timeGaps: tf.tensor2d(batch.timeGaps, shape, 'int32'),
        },
        false,
      );
      return tf.reshape(tf.slice(hidden, [0, batch.length - 1, 0], [batch.batch, 1, this.config.dim]), [
        batch.batch,
        this.config.dim,
      ]) as tf.Tensor2D;
    });
  }

  /** The user vector of one history (last position's output). */
  async userVector(history: readonly Interaction[]): Promise<Float32Array> {
    const t = this.userVectorsTensor([history as Interaction[]]);
    try {
      return (await t.data()) as Float32Array;
    } finally {
      t.dispose();
    }
  }

  /** Scores of every item for each history, row-major B × (numItems + 1); column 0 is -Infinity. */
  async scoreAll(histories: readonly Interaction[][]): Promise<Float32Array> {
    if (histories.length === 0) return new Float32Array(0);
    this.itemTableT ??= tf.transpose(this.itemTable);
    const table = this.itemTableT;
    const scores = tf.tidy(() => tf.matMul(this.userVectorsTensor(histories), table));
    try {
      const out = (await scores.data()) as Float32Array;
      // Index 0 is padding, never a recommendation.
      for (let row = 0; row < histories.length; row++) out[row * this.numScores] = Number.NEGATIVE_INFINITY;
      return out;
    } finally {
      scores.dispose();
    }
  }

  /** Scores of the given item indices (1..numItems) for one history, in the order given. */
  async scoreCandidates(
    history: readonly Interaction[],
    candidates: readonly number[],
  ): Promise<Float32Array> {
    this.checkCandidates(candidates); // before the encoder runs: a bad call costs nothing
    if (candidates.length === 0) return new Float32Array(0);
    const user = this.userVectorsTensor([history as Interaction[]]);
    try {
      return await this.scoreCandidatesFor(user, candidates);
    } finally {
      user.dispose();
    }
  }

  /**
   * Scores of candidates (valid item indices, as scoreCandidates checks) for a user vector [1, d] from
   * userVectorsTensor: one gather and one matMul. A caller that ranks several lists for an unchanged
   * history keeps the user vector and skips the encoder.
   */
  async scoreCandidatesFor(user: tf.Tensor2D, candidates: readonly number[]): Promise<Float32Array> {
    this.checkCandidates(candidates);
    if (candidates.length === 0) return new Float32Array(0);
    if (this.itemRows) return dotRows((await user.data()) as Float32Array, this.itemRows, candidates);
    const scores = tf.tidy(() => {
      const vectors = tf.gather(this.itemTable, tf.tensor1d(candidates as number[], 'int32'));
      return tf.reshape(tf.matMul(user, vectors, false, true), [-1]);
    });
    try {
      return (await scores.data()) as Float32Array;
    } finally {
      scores.dispose();
    }
  }

  private checkCandidates(candidates: readonly number[]): void {
    candidates.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 1 || c > this.config.numItems) {
        throw new Error(`candidates[${i}] must be an item index in 1..${this.config.numItems}, got ${c}`);
      }
    });
  }

  /** Frees the weights and the cached item vectors. */
  dispose(): void {
    this.itemTable.dispose();
    this.itemTableT?.dispose();
    for (const t of Object.values(this.weights)) t.dispose();
  }
}

/** The dot product of `user` (length d) with each candidate's row of `rows` ([n, d], row-major). */
function dotRows(user: Float32Array, rows: Float32Array, candidates: readonly number[]): Float32Array {
  const d = user.length;
  const out = new Float32Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    const o = candidates[i]! * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += user[j]! * rows[o + j]!;
    out[i] = s;
  }
  return out;
}
