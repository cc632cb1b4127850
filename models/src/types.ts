// The shared vocabulary of the model core. Everything that crosses a package boundary
// (SDK worker, aggregator, simulation) speaks in these types.

/** Action types, in a fixed order: the index is what the model embeds. */
export const ACTIONS = ['view', 'click', 'add_to_cart', 'purchase', 'search'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * One interaction of one user. `item` is a dense index into the catalogue (1..numItems);
 * 0 is reserved for padding so that a zero-filled sequence means "nothing here".
 */
export interface Interaction {
  item: number;
  action: Action;
  /** Unix time in seconds, when the source has it (Beauty has none). */
  time?: number;
}

/** A user's interactions in time order. */
export interface UserSequence {
  user: string;
  events: Interaction[];
}

/**
 * Item attributes as dense indices, 0 = unknown. They give an item a vector even when
 * its id embedding was never trained (a new product).
 */
export interface ItemAttributes {
  category: number;
  brand: number;
  priceBucket: number;
}

/** A loaded data set: users' sequences plus the catalogue they index into. */
export interface Dataset {
  name: string;
  /** Number of real items; valid item indices are 1..numItems. */
  numItems: number;
  /** itemIds[i] is the source's id of item index i (itemIds[0] = '' for padding). */
  itemIds: string[];
  users: UserSequence[];
  /** attributes[i] for item index i (attributes[0] is padding); absent when the source has none. */
  attributes?: ItemAttributes[];
  /** Vocabulary sizes of the attribute tables, including index 0 = unknown. */
  numCategories: number;
  numBrands: number;
  numPriceBuckets: number;
  /** Human-readable names of category/brand indices, when known (for explanations and the demo shop). */
  categoryNames?: string[];
  brandNames?: string[];
}
