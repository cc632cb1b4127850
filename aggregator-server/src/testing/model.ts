// A tiny model artifact for tests: a per-item table (not federated), a float32 and a float16 encoder
// tensor (federated), and an int32 index tensor (never trained).

import { encodeArtifact } from '@hearth/models';

export const TEST_EXCLUDE = '^(item_embedding|category_embedding|brand_embedding|price_bucket_embedding)$';

export async function testArtifact(seed = 1) {
  const fill = (n: number, k: number) =>
    Float32Array.from({ length: n }, (_, i) => ((i * 7 + k * 3 + seed) % 11) / 10 - 0.5);
  return encodeArtifact({
    architecture: { kind: 'test' },
    catalog: { itemIds: ['', 'a', 'b', 'c', 'd'] },
    tensors: [
      { name: 'item_embedding', shape: [5, 4], data: fill(20, 1) },
      { name: 'block0/w', shape: [4, 4], data: fill(16, 2) },
      { name: 'block0/b', shape: [4], data: fill(4, 3), dtype: 'float16' },
      { name: 'item_attributes/category', shape: [5], data: Int32Array.from([0, 1, 1, 2, 2]) },
    ],
  });
}

/** The layout a round over testArtifact() trains with TEST_EXCLUDE. */
export const TEST_LAYOUT = [
  { name: 'block0/w', shape: [4, 4] },
  { name: 'block0/b', shape: [4] },
];
export const TEST_SIZE = 20;
