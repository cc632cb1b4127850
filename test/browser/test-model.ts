// A small model for browser tests, made with the model core in Node: random-initialised weights of the
// real architecture, encoded in the real artifact format (float32, so every backend can be compared
// with the Node forward pass exactly), with a catalogue of three categories and two brands.
import {
  artifactInput,
  DEFAULT_MODEL_CONFIG,
  encodeArtifact,
  type Interaction,
  ITEM_EMBEDDING,
  initWeights,
  MANIFEST_FILE,
  type ModelConfig,
  parseModelConfig,
  Recommender,
  type TableDtype,
  WEIGHTS_FILE,
} from '@hearth/models';
import * as tf from '@tensorflow/tfjs';
import type { TestServer } from './harness';

export const CATEGORY_NAMES = ['', 'Lipstick', 'Shampoo', 'Perfume'];

export interface TestModel {
  manifest: string;
  weights: Uint8Array;
  /** Shop ids p1..pN; item index i is `p${i}` (`p${N + 1 - i}` with reverseIds). */
  itemIds: string[];
  /** Category index (1..3) of a shop id. */
  categoryOf(id: string): number;
  /** The same network in Node, to compare the browser's scores with. */
  recommender: Recommender;
  /** Node forward pass for a history of shop ids (actions and times as the SDK sends them). */
  scores(
    history: { id: string; action: Interaction['action']; timeMs: number }[],
    candidates: string[],
  ): Promise<number[]>;
}

export interface TestModelOptions {
  numItems?: number;
  seed?: number;
  version?: string;
  /** Architecture overrides (default: a tiny network, maxLen 20, d 16, one block). */
  architecture?: Partial<ModelConfig>;
  /** Storage of the item tables (default float32 for exact comparisons; float16 as shipped). */
  tableDtype?: TableDtype;
  /** Name the items in reverse (index 1 is p<numItems>): a catalogue with the same ids at other indices. */
  reverseIds?: boolean;
}

export async function makeTestModel(options: TestModelOptions = {}): Promise<TestModel> {
  const numItems = options.numItems ?? 60;
  const config = parseModelConfig({
    ...DEFAULT_MODEL_CONFIG,
    maxLen: 20,
    dim: 16,
    numBlocks: 1,
    ffnDim: 32,
    dropout: 0,
    ...options.architecture,
    numItems,
    numCategories: CATEGORY_NAMES.length,
    numBrands: 3,
  });
  const category = Int32Array.from({ length: numItems + 1 }, (_, i) => (i === 0 ? 0 : ((i - 1) % 3) + 1));
  const brand = Int32Array.from({ length: numItems + 1 }, (_, i) => (i === 0 ? 0 : ((i - 1) % 2) + 1));
  const weights = initWeights(config, options.seed ?? 7, { category, brand });
  // Initial embeddings are tiny (std 0.02); scale item vectors up so scores differ visibly.
  const scaled = tf.mul(weights[ITEM_EMBEDDING]!, 25);
  weights[ITEM_EMBEDDING]!.dispose();
  weights[ITEM_EMBEDDING] = scaled;
  const itemIds = [
    '',
    ...Array.from({ length: numItems }, (_, i) => `p${options.reverseIds ? numItems - i : i + 1}`),
  ];
  const input = await artifactInput(
    config,
    weights,
    { itemIds, categoryNames: CATEGORY_NAMES, brandNames: ['', 'Acme', 'Zenith'] },
    {
      tableDtype: options.tableDtype ?? 'float32',
      metadata: { version: options.version ?? 'test-1' },
    },
  );
  const artifact = await encodeArtifact(input);
  const recommender = Recommender.create(config, weights);
  const index = new Map(itemIds.map((id, i) => [id, i]));
  return {
    manifest: JSON.stringify(artifact.manifest),
    weights: artifact.weights,
    itemIds: itemIds.slice(1),
    categoryOf: (id) => category[index.get(id) ?? 0] ?? 0,
    recommender,
    async scores(history, candidates) {
      const h: Interaction[] = history.map((e) => ({
        item: index.get(e.id)!,
        action: e.action,
        time: Math.floor(e.timeMs / 1000),
      }));
      return [
        ...(await recommender.scoreCandidates(
          h,
          candidates.map((c) => index.get(c)!),
        )),
      ];
    },
  };
}

/** Serves the model at <prefix>manifest.json and <prefix>weights.bin; returns the manifest URL. */
export function serveModel(server: TestServer, model: TestModel, prefix = '/model/'): string {
  server.route(`${prefix}${MANIFEST_FILE}`, { body: model.manifest, type: 'application/json' });
  server.route(`${prefix}${WEIGHTS_FILE}`, { body: model.weights, type: 'application/octet-stream' });
  return `${server.origin}${prefix}${MANIFEST_FILE}`;
}
