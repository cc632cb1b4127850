// Applying a round's averaged update to the model: new = old + lr * delta on the federated tensors,
// every other tensor copied as is, each tensor stored back in its original dtype. The result is a new
// artifact (manifest + weights with a fresh SHA-256); the old one is never touched.
//
// The step size is the server's plain SGD step: the per-item tables may take their own, since an item
// row's average is only (shoppers who touched the item / q·N) of one shopper's row delta, tiny next to
// the dense encoder's signal. Scaling the released noisy average is post-processing of a value the
// DP-FedAvg strategy has already released, so neither rate changes the privacy cost of a round.

import {
  decodeArtifact,
  encodeArtifact,
  ITEM_TABLES,
  type Manifest,
  parseManifest,
  type TensorInput,
  type TensorLayout,
} from '@hearth/models';

/** The float tensors of a manifest whose names the pattern selects, as a round layout. */
export function federatedLayout(
  manifestJson: unknown,
  pattern: RegExp,
  exclude: RegExp | null,
): TensorLayout {
  const manifest = parseManifest(manifestJson);
  return manifest.tensors
    .filter((t) => t.dtype !== 'int32' && pattern.test(t.name) && !(exclude?.test(t.name) ?? false))
    .map((t) => ({ name: t.name, shape: [...t.shape] }));
}

/** The server's step: `lr` on every federated tensor, `itemTablesLr` (when set) on the item tables. */
export interface ServerStep {
  readonly lr: number;
  readonly itemTablesLr: number | null;
}

function stepFor(name: string, step: ServerStep): number {
  return step.itemTablesLr !== null && ITEM_TABLES.includes(name) ? step.itemTablesLr : step.lr;
}

export async function applyDelta(
  manifestJson: unknown,
  weights: Uint8Array,
  layout: TensorLayout,
  delta: Float32Array,
  step: ServerStep,
  metadata: Record<string, unknown>,
): Promise<{ manifest: Manifest; weights: Uint8Array }> {
  const { manifest, tensors } = await decodeArtifact(manifestJson, weights);
  let offset = 0;
  const updated = new Map<string, Float32Array>();
  for (const spec of layout) {
    const t = tensors[spec.name];
    if (!t || !(t.data instanceof Float32Array))
      throw new Error(`tensor '${spec.name}' is not a float tensor of the model`);
    const out = Float32Array.from(t.data);
    const lr = stepFor(spec.name, step);
    for (let i = 0; i < out.length; i++) out[i]! += lr * delta[offset + i]!;
    offset += out.length;
    updated.set(spec.name, out);
  }
  if (offset !== delta.length) throw new Error(`delta has ${delta.length} values, the layout ${offset}`);
  const inputs: TensorInput[] = manifest.tensors.map((entry) => {
    const t = tensors[entry.name]!;
    return {
      name: entry.name,
      shape: [...t.shape],
      data: updated.get(entry.name) ?? t.data,
      dtype: entry.dtype,
    };
  });
  const encoded = await encodeArtifact({
    architecture: manifest.architecture,
    catalog: manifest.catalog,
    tensors: inputs,
    metadata: { ...(manifest.metadata ?? {}), ...metadata },
  });
  return encoded;
}
