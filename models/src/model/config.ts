import { z } from 'zod';
import { NUM_ACTION_IDS } from '../features/actions';
import { NUM_TIME_GAP_BUCKETS } from '../features/time-gap';

/**
 * The architecture of the recommender. It travels in the artifact manifest, so a decoded artifact
 * rebuilds exactly the network that produced its weights. Attribute vocabularies of size 0 mean "no
 * such attribute table" (Beauty has no attributes).
 */
export const modelConfigSchema = z.object({
  numItems: z.number().int().positive(),
  maxLen: z.number().int().positive().max(1024),
  dim: z.number().int().positive(),
  numBlocks: z.number().int().positive(),
  numHeads: z.number().int().positive(),
  /** Hidden width of the position-wise feed-forward layer. */
  ffnDim: z.number().int().positive(),
  /** Dropout rate during training (embeddings, attention weights, feed-forward, residual branches). */
  dropout: z.number().min(0).max(0.95),
  numActions: z.number().int().positive(),
  numTimeGapBuckets: z.number().int().positive(),
  numCategories: z.number().int().nonnegative(),
  numBrands: z.number().int().nonnegative(),
  numPriceBuckets: z.number().int().nonnegative(),
});

export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** Defaults that work on Amazon Beauty (SASRec's setting: d=64, 2 blocks, 50 positions, dropout 0.5). */
export const DEFAULT_MODEL_CONFIG = {
  maxLen: 50,
  dim: 64,
  numBlocks: 2,
  numHeads: 1,
  ffnDim: 64,
  dropout: 0.5,
  numActions: NUM_ACTION_IDS,
  numTimeGapBuckets: NUM_TIME_GAP_BUCKETS,
  numCategories: 0,
  numBrands: 0,
  numPriceBuckets: 0,
} as const satisfies Omit<ModelConfig, 'numItems'>;

/** Validates a config from any source (CLI, manifest) and names the bad field on failure. */
export function parseModelConfig(value: unknown): ModelConfig {
  const result = modelConfigSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`invalid model config: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const config = result.data;
  if (config.dim % config.numHeads !== 0) {
    throw new Error(
      `invalid model config: dim (${config.dim}) must be divisible by numHeads (${config.numHeads})`,
    );
  }
  return config;
}
