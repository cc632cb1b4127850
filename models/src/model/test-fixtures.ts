import * as tf from '@tensorflow/tfjs';
import type { Interaction } from '../types';
import { DEFAULT_MODEL_CONFIG, type ModelConfig, parseModelConfig } from './config';
import { initWeights, type NamedTensors } from './weights';

/** A small model with every optional part switched on (attributes, 2 heads), for fast tests. */
export function smallConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return parseModelConfig({
    ...DEFAULT_MODEL_CONFIG,
    numItems: 40,
    maxLen: 8,
    dim: 16,
    ffnDim: 24,
    numHeads: 2,
    numCategories: 5,
    numBrands: 4,
    numPriceBuckets: 3,
    ...overrides,
  });
}

/**
 * Weights with every table non-trivially random (initWeights zeroes padding rows and starts norms at
 * 1/0; perturbing everything makes a wrong wiring show up in the scores).
 */
export function randomWeights(config: ModelConfig, seed = 11): NamedTensors {
  const weights = initWeights(config, seed, {
    category: Int32Array.from({ length: config.numItems + 1 }, (_, i) =>
      i === 0 ? 0 : i % config.numCategories,
    ),
    brand: Int32Array.from({ length: config.numItems + 1 }, (_, i) => (i === 0 ? 0 : i % config.numBrands)),
    priceBucket: Int32Array.from({ length: config.numItems + 1 }, (_, i) =>
      i === 0 ? 0 : i % config.numPriceBuckets,
    ),
  });
  let s = seed * 1000;
  for (const [name, t] of Object.entries(weights)) {
    if (t.dtype !== 'float32') continue;
    weights[name] = tf.tidy(() => tf.add(t, tf.randomNormal(t.shape, 0, 0.3, 'float32', s++)));
    t.dispose();
  }
  return weights;
}

/** Copies weights' values into plain arrays so they can be rebuilt on another backend. */
export function weightValues(
  weights: NamedTensors,
): Record<string, { data: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' }> {
  return Object.fromEntries(
    Object.entries(weights).map(([n, t]) => [
      n,
      {
        data: t.dataSync() as Float32Array | Int32Array,
        shape: t.shape,
        dtype: t.dtype as 'float32' | 'int32',
      },
    ]),
  );
}

export function tensorsFrom(values: ReturnType<typeof weightValues>): NamedTensors {
  return Object.fromEntries(Object.entries(values).map(([n, v]) => [n, tf.tensor(v.data, v.shape, v.dtype)]));
}

export const HISTORIES: Interaction[][] = [
  [
    { item: 3, action: 'view', time: 100 },
    { item: 17, action: 'click', time: 160 },
    { item: 17, action: 'add_to_cart', time: 4000 },
  ],
  [{ item: 40, action: 'purchase' }],
  Array.from({ length: 12 }, (_, i) => ({
    item: ((i * 7) % 40) + 1,
    action: 'view' as const,
    time: i * 3600,
  })),
];
