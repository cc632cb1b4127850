// A rank() request's candidates as catalogue indices. The page names the products it has ranked
// before by index (../known-indices) and the others by id; the worker looks the ids up and sends
// their indices back for the page to keep.
import { byId, type EncodedCandidates, UNKNOWN } from '../known-indices';
import type { Catalog } from './features';

export interface Resolved {
  /** Per candidate, its catalogue index; 0: not in the catalogue. */
  indices: Int32Array;
  /** The indices of the candidates sent by id, in their order (what the page learns). */
  learned: Int32Array;
}

/**
 * Null when the page's indices belong to another catalogue than `catalogId` (a model with a new
 * catalogue was swapped in): the page must send the ids again. Throws, naming the field, on a
 * request that does not fit together.
 */
export function resolveCandidates(
  /** A page of an earlier SDK version (its worker hosted by the merchant, newer) sends plain ids. */
  sent: EncodedCandidates | string[],
  catalog: Catalog,
  catalogId: number,
  numItems: number,
): Resolved | null {
  const r = Array.isArray(sent) ? byId(sent) : sent;
  const { indices, ids } = r;
  if (!(indices instanceof Int32Array)) throw new TypeError('candidates.indices must be an Int32Array');
  if (!Array.isArray(ids)) throw new TypeError('candidates.ids must be an array');
  const n = indices.length;
  const learned = new Int32Array(ids.length);
  let next = 0;
  let byIndex = false;
  for (let i = 0; i < n; i++) {
    let index = indices[i]!;
    if (index === UNKNOWN) {
      if (next >= ids.length)
        throw new RangeError(`candidates.ids has ${ids.length} ids, fewer than the unknown indices`);
      index = catalog.index.get(ids[next]!) ?? 0;
      learned[next++] = index;
    } else if (index < 0 || index > numItems)
      throw new RangeError(`candidates.indices[${i}] must be -1 or 0..${numItems}, got ${index}`);
    else byIndex = true;
    indices[i] = index; // the request's own copy: it arrived cloned
  }
  if (next !== ids.length)
    throw new RangeError(`candidates.ids has ${ids.length} ids for ${next} unknown indices`);
  if (byIndex && r.catalog !== catalogId) return null;
  return { indices, learned };
}
