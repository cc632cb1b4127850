import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import {
  ACTION_EMBEDDING,
  BLOCK_WEIGHTS,
  BRAND_EMBEDDING,
  blockWeight,
  CATEGORY_EMBEDDING,
  FINAL_NORM_BETA,
  FINAL_NORM_GAMMA,
  INPUT_NORM_BETA,
  INPUT_NORM_GAMMA,
  ITEM_BRAND,
  ITEM_CATEGORY,
  ITEM_EMBEDDING,
  ITEM_PRICE_BUCKET,
  ITEM_TABLES,
  POSITION_EMBEDDING,
  PRICE_EMBEDDING,
  TIME_GAP_EMBEDDING,
} from './weight-names';

export type NamedTensors = Record<string, tf.Tensor>;

/** Standard deviation of embedding initialisation (BERT/RecBole's 0.02: small, so early logits are flat). */
const EMBEDDING_INIT_STD = 0.02;

/** Shape and dtype of every tensor the network needs for a config, in a stable order. */
export function weightSpecs(
  config: ModelConfig,
): { name: string; shape: number[]; dtype: 'float32' | 'int32' }[] {
  const d = config.dim;
  const specs: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[] = [
    { name: ITEM_EMBEDDING, shape: [config.numItems + 1, d], dtype: 'float32' },
  ];
  const attributes: [string, string, number][] = [
    [CATEGORY_EMBEDDING, ITEM_CATEGORY, config.numCategories],
    [BRAND_EMBEDDING, ITEM_BRAND, config.numBrands],
    [PRICE_EMBEDDING, ITEM_PRICE_BUCKET, config.numPriceBuckets],
  ];
  for (const [table, indices, size] of attributes) {
    if (size === 0) continue;
    specs.push({ name: table, shape: [size, d], dtype: 'float32' });
    specs.push({ name: indices, shape: [config.numItems + 1], dtype: 'int32' });
  }
  specs.push(
    { name: POSITION_EMBEDDING, shape: [config.maxLen, d], dtype: 'float32' },
    { name: ACTION_EMBEDDING, shape: [config.numActions, d], dtype: 'float32' },
    { name: TIME_GAP_EMBEDDING, shape: [config.numTimeGapBuckets, d], dtype: 'float32' },
    { name: INPUT_NORM_GAMMA, shape: [d], dtype: 'float32' },
    { name: INPUT_NORM_BETA, shape: [d], dtype: 'float32' },
  );
  for (let b = 0; b < config.numBlocks; b++) {
    for (const name of BLOCK_WEIGHTS)
      specs.push({ name: blockWeight(b, name), shape: blockShape(config, name), dtype: 'float32' });
  }
  specs.push(
    { name: FINAL_NORM_GAMMA, shape: [d], dtype: 'float32' },
    { name: FINAL_NORM_BETA, shape: [d], dtype: 'float32' },
  );
  return specs;
}

function blockShape(config: ModelConfig, name: string): number[] {
  const d = config.dim;
  if (name.endsWith('norm/gamma') || name.endsWith('norm/beta')) return [d];
  if (name === 'ffn/inner/kernel') return [d, config.ffnDim];
  if (name === 'ffn/inner/bias') return [config.ffnDim];
  if (name === 'ffn/outer/kernel') return [config.ffnDim, d];
  if (name.endsWith('kernel')) return [d, d];
  return [d];
}

/** Names of trainable tensors (everything but the item attribute index tables). */
export function trainableNames(config: ModelConfig): string[] {
  return weightSpecs(config)
    .filter((s) => s.dtype === 'float32')
    .map((s) => s.name);
}

/**
 * The "shared encoder": every trainable weight except the per-item tables. On-device federated
 * training updates only these, so an update's size does not grow with the catalogue and never
 * reveals which items a shopper touched.
 */
export function sharedEncoderNames(config: ModelConfig): string[] {
  return trainableNames(config).filter((name) => !ITEM_TABLES.includes(name));
}

/**
 * Fresh weights. Embedding rows 0 (padding / unknown) start at zero and never receive a gradient
 * (padding is masked, index 0 is never a target), so "no item" and "unknown attribute" stay the zero
 * vector. Attribute indices default to 0 (unknown) unless given.
 */
export function initWeights(
  config: ModelConfig,
  seed = 42,
  attributes?: { category?: Int32Array; brand?: Int32Array; priceBucket?: Int32Array },
): NamedTensors {
  const weights: NamedTensors = {};
  let s = seed;
  for (const spec of weightSpecs(config)) {
    weights[spec.name] = tf.tidy(() => {
      if (spec.dtype === 'int32') {
        const given =
          spec.name === ITEM_CATEGORY
            ? attributes?.category
            : spec.name === ITEM_BRAND
              ? attributes?.brand
              : attributes?.priceBucket;
        return given ? tf.tensor1d(given, 'int32') : tf.zeros(spec.shape, 'int32');
      }
      const [rows, cols] = spec.shape as [number, number?];
      if (spec.name.endsWith('gamma')) return tf.ones(spec.shape);
      if (spec.name.endsWith('beta') || spec.name.endsWith('bias')) return tf.zeros(spec.shape);
      if (spec.name.endsWith('kernel'))
        return tf.randomUniform(spec.shape, -1, 1, 'float32', s++).mul(Math.sqrt(6 / (rows + cols!)));
      const table = tf.truncatedNormal(spec.shape, 0, EMBEDDING_INIT_STD, 'float32', s++);
      // Row 0 means padding or "unknown" for id/attribute/action/gap tables; position 0 is a real position.
      if (spec.name === POSITION_EMBEDDING) return table;
      return tf.concat([tf.zeros([1, cols!]), table.slice([1, 0], [rows - 1, cols!])]);
    });
  }
  return weights;
}

/** Checks that named tensors match a config exactly: every name present, no extras, right shapes. */
export function validateWeights(config: ModelConfig, weights: Record<string, tf.Tensor>): void {
  const specs = weightSpecs(config);
  for (const spec of specs) {
    const tensor = weights[spec.name];
    if (!tensor) throw new Error(`missing weight tensor "${spec.name}"`);
    if (tensor.shape.join(',') !== spec.shape.join(',')) {
      throw new Error(`weight tensor "${spec.name}" has shape [${tensor.shape}], expected [${spec.shape}]`);
    }
  }
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(weights)) {
    if (!known.has(name)) throw new Error(`unexpected weight tensor "${name}" for this config`);
  }
}
