// Loads the model. A returning shopper's model comes from IndexedDB at once, and the manifest is
// revalidated in the background (stale-while-revalidate); a first visit downloads manifest and weights.
// decodeArtifact checks size and SHA-256 before any tensor is built, so a corrupted or mixed-up
// download is never ranked with.
import {
  type DecodedArtifact,
  decodeArtifact,
  expectedShapes,
  ITEM_BRAND,
  ITEM_CATEGORY,
  type Manifest,
  parseManifest,
  parseModelConfig,
  type Recommender,
  recommenderFromArtifact,
  WEIGHTS_FILE,
} from '@hearth/models';
import type { Store } from '../storage';
import type { Catalog } from './features';

export interface LoadedModel {
  version: string;
  /** SHA-256 of the weights: what a newer manifest is compared with. */
  checksum: string;
  recommender: Recommender;
  catalog: Catalog;
  /**
   * Names `catalog`: the page keeps candidates' indices under it (../known-indices). A new version
   * with the same products keeps the number, so the page's indices stay good across federated rounds.
   */
  catalogId: number;
  /** Human-readable names by category/brand index, when the catalogue has them. */
  categoryNames: string[];
  /** The same for brands (status().features names the shopper's top brands with them). */
  brandNames?: string[];
  fromCache: boolean;
  /** The aggregator's version number of these weights, once known (federated rounds name it). */
  serverVersion?: number;
}

async function fetchOk(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res;
}

/** Version label: the manifest's metadata.version when it has one, else the weights' checksum prefix. */
export function versionOf(manifest: Manifest): string {
  const v = manifest.metadata?.version;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : manifest.weightsSha256.slice(0, 12);
}

export interface FetchedArtifact {
  manifest: Manifest;
  decoded: DecodedArtifact;
  fromCache: boolean;
}

/** Verifies (size, SHA-256, shapes) and decodes; no tensors yet, so it can run before a backend is set. */
export async function decode(
  manifestText: string,
  weights: ArrayBuffer,
  fromCache: boolean,
): Promise<FetchedArtifact> {
  const manifest = parseManifest(JSON.parse(manifestText));
  const shapes = expectedShapes(parseModelConfig(manifest.architecture));
  const decoded = await decodeArtifact(manifest, new Uint8Array(weights), { shapes });
  return { manifest, decoded, fromCache };
}

/**
 * The model cached in IndexedDB, verified, without touching the network (so a returning shopper is
 * ranked before any request completes); null when there is none or it no longer verifies.
 */
export async function loadCached(
  manifestUrl: string,
  store: Store | null,
  /** The page's read of the same cache entry, when it made one (see WorkerStart.cached). */
  read?: { manifest: string; weights: ArrayBuffer },
): Promise<FetchedArtifact | null> {
  const cached = read ?? (await store?.getModel(manifestUrl));
  if (!cached) return null;
  try {
    return await decode(cached.manifest, cached.weights, true);
  } catch {
    return null;
  }
}

/**
 * The server's current model: the manifest is revalidated ('no-cache'), and the weights are downloaded
 * only when its checksum differs from `current`. Null when nothing changed. Caches what it downloads.
 */
export async function fetchLatest(
  manifestUrl: string,
  store: Store | null,
  current?: string,
  /** The IndexedDB key (default the manifest URL): the configured modelUrl when a newer version replaces it. */
  cacheUrl: string = manifestUrl,
): Promise<FetchedArtifact | null> {
  const manifestText = await (await fetchOk(manifestUrl, { cache: 'no-cache', credentials: 'omit' })).text();
  const manifest = parseManifest(JSON.parse(manifestText));
  if (manifest.weightsSha256 === current) return null;
  const weightsUrl = new URL(WEIGHTS_FILE, manifestUrl).href;
  const weights = await (await fetchOk(weightsUrl, { credentials: 'omit' })).arrayBuffer();
  const fetched = await decode(manifestText, weights, false);
  await store?.putModel({
    url: cacheUrl,
    version: versionOf(manifest),
    checksum: manifest.weightsSha256,
    manifest: manifestText,
    weights,
    savedAt: Date.now(),
  });
  return fetched;
}

let catalogs = 0;

/** True when `catalog` holds exactly these products, categories and brands, at the same indices. */
function sameCatalog(
  catalog: Catalog,
  ids: readonly string[],
  category: Int32Array,
  brand: Int32Array,
): boolean {
  const same = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(catalog.category, category) || !same(catalog.brand, brand)) return false;
  let named = 0;
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] === '') continue;
    if (catalog.index.get(ids[i]!) !== i) return false;
    named++;
  }
  return named === catalog.index.size;
}

/**
 * Builds the network on the current backend. `previous`: the model this one replaces; its catalogue
 * (and catalogId) is kept when the products are the same.
 */
export function buildModel(
  { manifest, decoded, fromCache }: FetchedArtifact,
  previous?: LoadedModel | null,
): LoadedModel {
  const recommender = recommenderFromArtifact(decoded);
  const ids = manifest.catalog.itemIds;
  const category = (decoded.tensors[ITEM_CATEGORY]?.data as Int32Array | undefined) ?? new Int32Array(0);
  const brand = (decoded.tensors[ITEM_BRAND]?.data as Int32Array | undefined) ?? new Int32Array(0);
  const kept = previous && sameCatalog(previous.catalog, ids, category, brand) ? previous : null;
  const catalog: Catalog = kept?.catalog ?? {
    index: new Map(ids.map((id, i) => [id, i] as const).filter(([id, i]) => i > 0 && id !== '')),
    category,
    brand,
  };
  return {
    version: versionOf(manifest),
    checksum: manifest.weightsSha256,
    recommender,
    catalog,
    catalogId: kept?.catalogId ?? ++catalogs,
    categoryNames: manifest.catalog.categoryNames ?? [],
    ...(manifest.catalog.brandNames ? { brandNames: manifest.catalog.brandNames } : {}),
    fromCache,
  };
}
