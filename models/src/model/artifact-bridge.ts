import * as tf from '@tensorflow/tfjs';
import type { DecodedArtifact } from '../artifact/decode';
import type { ArtifactInput, TensorInput } from '../artifact/encode';
import type { Catalog } from '../artifact/manifest';
import { type ModelConfig, parseModelConfig } from './config';
import { Recommender } from './recommender';
import { ITEM_TABLES } from './weight-names';
import { type NamedTensors, weightSpecs } from './weights';

/** How the per-item tables are stored: float16 halves them at ~1e-3 relative error; int8 quarters them. */
export type TableDtype = 'float32' | 'float16' | 'int8';

/**
 * Named weights -> artifact input. The item tables (the bulk of the bytes) are quantized; the small
 * encoder stays float32 so that federated deltas apply to exact weights.
 */
export async function artifactInput(
  config: ModelConfig,
  weights: NamedTensors,
  catalog: Catalog,
  options: { tableDtype: TableDtype; metadata?: Record<string, unknown> },
): Promise<ArtifactInput> {
  const tensors: TensorInput[] = [];
  for (const spec of weightSpecs(config)) {
    const t = weights[spec.name];
    if (!t) throw new Error(`missing weight tensor "${spec.name}"`);
    const data = (await t.data()) as Float32Array | Int32Array;
    const input: TensorInput = { name: spec.name, shape: t.shape, data };
    if (ITEM_TABLES.includes(spec.name)) input.dtype = options.tableDtype;
    tensors.push(input);
  }
  return {
    architecture: { ...config },
    catalog,
    tensors,
    ...(options.metadata ? { metadata: options.metadata } : {}),
  };
}

/** The shapes a decoded artifact must have for its own architecture (pass to the decoder). */
export function expectedShapes(config: ModelConfig): Record<string, number[]> {
  return Object.fromEntries(weightSpecs(config).map((s) => [s.name, s.shape]));
}

/** Builds a Recommender from a decoded artifact, validating the architecture and every shape. */
export function recommenderFromArtifact(artifact: DecodedArtifact): Recommender {
  const config = parseModelConfig(artifact.manifest.architecture);
  const weights: NamedTensors = {};
  try {
    for (const spec of weightSpecs(config)) {
      const t = artifact.tensors[spec.name];
      if (!t) throw new Error(`artifact lacks tensor "${spec.name}"`);
      weights[spec.name] =
        spec.dtype === 'int32'
          ? tf.tensor(Int32Array.from(t.data), t.shape, 'int32')
          : tf.tensor(Float32Array.from(t.data), t.shape, 'float32');
    }
    return Recommender.create(config, weights);
  } catch (error) {
    for (const t of Object.values(weights)) t.dispose();
    throw error;
  }
}
