import type { Dataset } from '../types';
import { DatasetError } from './line-errors';

/**
 * Re-indexes a dataset's items into a model's catalog (the artifact's itemIds), so that evaluating a
 * model on a file parsed separately compares the same items even if the file lists them in another
 * order. Every item of the data must be in the catalog: a model cannot rank an item it has no row for,
 * and silently dropping those targets would inflate the metrics.
 */
export function alignToCatalog(dataset: Dataset, catalogItemIds: readonly string[]): Dataset {
  const index = new Map<string, number>();
  catalogItemIds.forEach((id, i) => {
    if (i > 0) index.set(id, i);
  });
  const map = new Int32Array(dataset.numItems + 1);
  const unknown: string[] = [];
  for (let i = 1; i <= dataset.numItems; i++) {
    const id = dataset.itemIds[i]!;
    const j = index.get(id);
    if (j === undefined) unknown.push(id);
    else map[i] = j;
  }
  if (unknown.length > 0)
    throw new DatasetError(
      `${dataset.name}: ${unknown.length} of ${dataset.numItems} items are not in the model's catalog ` +
        `(first: ${unknown.slice(0, 5).join(', ')}); was the model trained on this data?`,
    );
  const { attributes: _, categoryNames: __, brandNames: ___, ...rest } = dataset;
  return {
    ...rest,
    numItems: catalogItemIds.length - 1,
    itemIds: [...catalogItemIds],
    users: dataset.users.map((u) => ({
      user: u.user,
      events: u.events.map((e) => ({ ...e, item: map[e.item]! })),
    })),
  };
}
