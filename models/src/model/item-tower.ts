import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { embeddingLookup } from './embedding-lookup';
import {
  BRAND_EMBEDDING,
  CATEGORY_EMBEDDING,
  ITEM_BRAND,
  ITEM_CATEGORY,
  ITEM_EMBEDDING,
  ITEM_PRICE_BUCKET,
  PRICE_EMBEDDING,
} from './weight-names';
import type { NamedTensors } from './weights';

const ATTRIBUTES = [
  { table: CATEGORY_EMBEDDING, indices: ITEM_CATEGORY, size: 'numCategories' },
  { table: BRAND_EMBEDDING, indices: ITEM_BRAND, size: 'numBrands' },
  { table: PRICE_EMBEDDING, indices: ITEM_PRICE_BUCKET, size: 'numPriceBuckets' },
] as const;

/**
 * Vectors of all items [numItems + 1, d]: id embedding plus the embeddings of the item's category,
 * brand and price bucket. The same vectors embed the input sequence and score candidates (tied), so
 * whatever the encoder learns about an item as input carries over to ranking it.
 */
export function itemVectors(config: ModelConfig, w: NamedTensors): tf.Tensor2D {
  return tf.tidy(() => {
    let vectors = w[ITEM_EMBEDDING]!;
    for (const a of ATTRIBUTES) {
      if (config[a.size] === 0) continue;
      const indices = tf.cast(w[a.indices]!, 'int32') as tf.Tensor1D;
      vectors = tf.add(vectors, embeddingLookup(w[a.table]!, indices));
    }
    return vectors as tf.Tensor2D;
  });
}

/**
 * The same vectors as itemVectors, summed in plain JavaScript from the weights' values, for inference
 * only (no gradient): row-major [numItems + 1, d]. Why: on the wasm backend a 12,000-row tf.gather
 * from a small attribute table takes 20-45 ms, so building a shipped model's item table took most of a
 * returning shopper's start-up; this loop takes a few ms. The additions happen in the same order and
 * each is rounded to float32, so the result is bit-identical. Null when the backend cannot read values
 * synchronously (a GPU-resident tensor on webgpu): use itemVectors then.
 */
export function itemRowsForInference(config: ModelConfig, w: NamedTensors): Float32Array | null {
  let out: Float32Array;
  try {
    const table = w[ITEM_EMBEDDING]!;
    out = Float32Array.from(table.dataSync() as Float32Array);
    const dim = config.dim;
    for (const a of ATTRIBUTES) {
      if (config[a.size] === 0) continue;
      const rows = w[a.table]!.dataSync();
      const indices = w[a.indices]!.dataSync();
      for (let item = 0; item < indices.length; item++) {
        const row = indices[item]!;
        if (!(row >= 0 && row < config[a.size]))
          throw new RangeError(`${a.indices}[${item}] is ${row}, outside 0..${config[a.size] - 1}`);
        // Float32Array stores round each sum to float32, as the backend's add does.
        for (let j = 0, o = item * dim, r = row * dim; j < dim; j++) out[o + j] = out[o + j]! + rows[r + j]!;
      }
    }
  } catch (e) {
    if (e instanceof RangeError) throw e;
    return null;
  }
  return out;
}

/**
 * Vectors for items the model has no id row for (new products): the sum of their attribute
 * embeddings only. Each row of `attributes` is [category, brand, priceBucket] (0 = unknown).
 */
export function attributeOnlyVectors(
  config: ModelConfig,
  w: NamedTensors,
  attributes: readonly (readonly [number, number, number])[],
): tf.Tensor2D {
  return tf.tidy(() => {
    let vectors: tf.Tensor = tf.zeros([attributes.length, config.dim]);
    ATTRIBUTES.forEach((a, column) => {
      if (config[a.size] === 0) return;
      const indices = attributes.map((row, i) => {
        const value = row[column]!;
        if (!Number.isInteger(value) || value < 0 || value >= config[a.size]) {
          throw new Error(`attributes[${i}].${a.size} index ${value} is outside 0..${config[a.size] - 1}`);
        }
        return value;
      });
      vectors = tf.add(vectors, tf.gather(w[a.table]!, tf.tensor1d(indices, 'int32')));
    });
    return vectors as tf.Tensor2D;
  });
}
