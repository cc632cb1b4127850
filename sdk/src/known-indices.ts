// The catalogue indices of the product ids this page has ranked before, learned from the worker's
// replies. rank() then sends a list as one Int32Array instead of a hundred strings: the worker no
// longer deserialises the strings nor looks each one up in the whole catalogue (a 12,000-entry map
// that the encoder has evicted from the caches by then). A shop ranks the same products again and
// again (a listing re-rendered after every click), and this map holds only those.
// The indices belong to one catalogue, named by the worker's catalogue number: a model with a
// different catalogue answers `stale` and the page sends the ids again.

/** A candidate the page cannot name by index: the worker looks up the next of the sent ids. */
export const UNKNOWN = -1;
/** More distinct ids than any storefront renders between two page loads: past it, start afresh. */
export const MAX_KNOWN = 20_000;

export interface EncodedCandidates {
  /** Per candidate, its catalogue index (0: not in the catalogue), or UNKNOWN. */
  indices: Int32Array;
  /** The candidates that are UNKNOWN, in their order. */
  ids: string[];
  /** The catalogue the indices belong to (-1 before the page has learned any). */
  catalog: number;
}

/** Every candidate by id: what a page sends before it knows any index, or after a stale answer. */
export function byId(candidates: readonly string[]): EncodedCandidates {
  return { indices: new Int32Array(candidates.length).fill(UNKNOWN), ids: [...candidates], catalog: -1 };
}

export class KnownIndices {
  private catalog = -1;
  private known = new Map<string, number>();

  /** How many ids the page can name by index now (status and tests). */
  get size(): number {
    return this.known.size;
  }

  encode(candidates: readonly string[]): EncodedCandidates {
    const n = candidates.length;
    const indices = new Int32Array(n);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = candidates[i]!;
      const index = this.known.get(id);
      if (index === undefined) {
        indices[i] = UNKNOWN;
        ids.push(id);
      } else indices[i] = index;
    }
    return { indices, ids, catalog: this.catalog };
  }

  /** The worker's indices for the ids it was sent by name, in catalogue `catalog`. */
  learn(catalog: number, ids: readonly string[], learned: Int32Array): void {
    if (catalog !== this.catalog) this.forget();
    this.catalog = catalog;
    if (learned.length !== ids.length) return; // not an answer to these ids: learn nothing
    if (this.known.size + ids.length > MAX_KNOWN) this.known.clear();
    for (let i = 0; i < ids.length; i++) this.known.set(ids[i]!, learned[i]!);
  }

  forget(): void {
    this.known.clear();
    this.catalog = -1;
  }
}
