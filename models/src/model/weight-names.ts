/**
 * Names of the network's weights. They map 1:1 to the tensors of a model artifact, so a name is a
 * contract between training, the artifact format, the SDK worker and federated updates.
 */
export const ITEM_EMBEDDING = 'item_embedding';
export const CATEGORY_EMBEDDING = 'category_embedding';
export const BRAND_EMBEDDING = 'brand_embedding';
export const PRICE_EMBEDDING = 'price_bucket_embedding';
export const POSITION_EMBEDDING = 'position_embedding';
export const ACTION_EMBEDDING = 'action_embedding';
export const TIME_GAP_EMBEDDING = 'time_gap_embedding';
export const INPUT_NORM_GAMMA = 'input_norm/gamma';
export const INPUT_NORM_BETA = 'input_norm/beta';
export const FINAL_NORM_GAMMA = 'final_norm/gamma';
export const FINAL_NORM_BETA = 'final_norm/beta';

/**
 * Item attribute indices (int32, one per item index, 0 = unknown). Not trained: they are the
 * catalogue's description of each item, shipped with the weights so the item tower is self-contained.
 */
export const ITEM_CATEGORY = 'item_attributes/category';
export const ITEM_BRAND = 'item_attributes/brand';
export const ITEM_PRICE_BUCKET = 'item_attributes/price_bucket';

/** The per-block weight names, e.g. blockWeight(0, 'attention/query/kernel') = 'block0/attention/query/kernel'. */
export const BLOCK_WEIGHTS = [
  'attention_norm/gamma',
  'attention_norm/beta',
  'attention/query/kernel',
  'attention/query/bias',
  'attention/key/kernel',
  'attention/key/bias',
  'attention/value/kernel',
  'attention/value/bias',
  'attention/output/kernel',
  'attention/output/bias',
  'ffn_norm/gamma',
  'ffn_norm/beta',
  'ffn/inner/kernel',
  'ffn/inner/bias',
  'ffn/outer/kernel',
  'ffn/outer/bias',
] as const;
export type BlockWeight = (typeof BLOCK_WEIGHTS)[number];

export function blockWeight(block: number, name: BlockWeight): string {
  return `block${block}/${name}`;
}

/**
 * Per-item tables: they grow with the catalogue and describe items, not users. Everything else is the
 * "shared encoder" that on-device federated training updates.
 */
export const ITEM_TABLES: readonly string[] = [
  ITEM_EMBEDDING,
  CATEGORY_EMBEDDING,
  BRAND_EMBEDDING,
  PRICE_EMBEDDING,
];
export const ITEM_ATTRIBUTE_INDICES: readonly string[] = [ITEM_CATEGORY, ITEM_BRAND, ITEM_PRICE_BUCKET];
