// Who is who in the simulation: an optional subsample of the data set's users (with the catalogue cut
// down to the items they touched, so a small run ranks among a proportionate number of items), and the
// seeded split into public users (their logs may be used centrally) and private clients (their data
// never leaves the simulated device).
import { type Dataset, type Interaction, shuffle, trainingPart } from '@hearth/models';
import { mulberry32 } from '../../models/src/eval/rng';

/** N users drawn at random (seeded), items re-indexed 1..M in order of first appearance among them. */
export function subsampleUsers(dataset: Dataset, count: number, seed: number): Dataset {
  if (count >= dataset.users.length) return dataset;
  const picked = shuffle(
    dataset.users.map((_, i) => i),
    mulberry32(seed),
  )
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => dataset.users[i]!);
  const map = new Int32Array(dataset.numItems + 1);
  const itemIds = [''];
  const attributes = dataset.attributes ? [dataset.attributes[0]!] : undefined;
  const users = picked.map((u) => ({
    user: u.user,
    events: u.events.map((e) => {
      if (map[e.item] === 0) {
        map[e.item] = itemIds.length;
        itemIds.push(dataset.itemIds[e.item]!);
        attributes?.push(dataset.attributes![e.item]!);
      }
      return { ...e, item: map[e.item]! };
    }),
  }));
  const { attributes: _, ...rest } = dataset;
  return {
    ...rest,
    name: `${dataset.name} (${count} users)`,
    numItems: itemIds.length - 1,
    itemIds,
    users,
    ...(attributes ? { attributes } : {}),
  };
}

export interface Population {
  /** Indices into dataset.users. */
  readonly publicUsers: readonly number[];
  readonly privateUsers: readonly number[];
}

/** A seeded random split: round(fraction · users) public users, the rest private clients. */
export function splitPopulation(dataset: Dataset, publicFraction: number, seed: number): Population {
  if (!(publicFraction >= 0 && publicFraction < 1))
    throw new Error(`publicFraction must be in [0, 1), got ${publicFraction}`);
  const order = shuffle(
    dataset.users.map((_, i) => i),
    mulberry32(seed ^ 0x5eed),
  );
  const cut = Math.round(publicFraction * order.length);
  return {
    publicUsers: order.slice(0, cut).sort((a, b) => a - b),
    privateUsers: order.slice(cut).sort((a, b) => a - b),
  };
}

/** What a user may train on: everything but the held-out validation and test items. */
export function trainingSequences(dataset: Dataset, users: readonly number[]): Interaction[][] {
  return users.map((i) => [...trainingPart(dataset.users[i]!.events)]);
}

/** The data set restricted to some users (same catalogue): validation on public users only. */
export function restrictTo(dataset: Dataset, users: readonly number[]): Dataset {
  return { ...dataset, users: users.map((i) => dataset.users[i]!) };
}

/**
 * Keeps only items with at least `minCount` interactions (one pass), re-indexed, and the users left
 * with at least 3 events. A few hundred random users touch thousands of items once each, which no
 * model can learn; the smoke test needs a small catalogue that a tiny model learns in seconds.
 */
export function frequentItemsOnly(dataset: Dataset, minCount: number): Dataset {
  const counts = new Int32Array(dataset.numItems + 1);
  for (const u of dataset.users) for (const e of u.events) counts[e.item]!++;
  const map = new Int32Array(dataset.numItems + 1);
  const itemIds = [''];
  for (let i = 1; i <= dataset.numItems; i++)
    if (counts[i]! >= minCount) {
      map[i] = itemIds.length;
      itemIds.push(dataset.itemIds[i]!);
    }
  const users = dataset.users
    .map((u) => ({
      user: u.user,
      events: u.events.filter((e) => map[e.item]! > 0).map((e) => ({ ...e, item: map[e.item]! })),
    }))
    .filter((u) => u.events.length >= 3);
  const { attributes: _, ...rest } = dataset;
  return {
    ...rest,
    name: `${dataset.name}, items seen ≥ ${minCount} times`,
    numItems: itemIds.length - 1,
    itemIds,
    users,
    numCategories: 0,
    numBrands: 0,
    numPriceBuckets: 0,
  };
}
