// Loads the model: manifest first (revalidated over HTTP), then the weights, from the IndexedDB cache
// when the cached checksum matches the manifest and from the network otherwise. decodeArtifact checks
// the SHA-256 before any tensor is built, so a corrupted or mixed-up download is never ranked with.
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
  recommender: Recommender;
  catalog: Catalog;
  /** Human-readable names by category/brand index, when the catalogue has them. */
  categoryNames: string[];
  fromCache: boolean;
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

/**
 * Gets and verifies the artifact: plain JavaScript and I/O, no tensors, so it runs while a backend is
 * still initialising (wasm compiles in parallel with the download).
 */
export async function fetchArtifact(manifestUrl: string, store: Store | null): Promise<FetchedArtifact> {
  const cached = await store?.getModel(manifestUrl);
  let manifestText: string;
  try {
    // 'no-cache' revalidates with the server (ETag), so a new version is seen at once.
    manifestText = await (await fetchOk(manifestUrl, { cache: 'no-cache', credentials: 'omit' })).text();
  } catch (e) {
    if (!cached) throw e;
    manifestText = cached.manifest; // offline: the cached model is still good
  }
  const manifest = parseManifest(JSON.parse(manifestText));
  let weights: ArrayBuffer;
  let fromCache = false;
  if (cached && cached.checksum === manifest.weightsSha256) {
    weights = cached.weights;
    fromCache = true;
  } else {
    const url = new URL(WEIGHTS_FILE, manifestUrl).href;
    weights = await (await fetchOk(url, { credentials: 'omit' })).arrayBuffer();
  }
  // Verifies size and SHA-256 against the manifest before anything else reads the bytes.
  const shapes = expectedShapes(parseModelConfig(manifest.architecture));
  const decoded = await decodeArtifact(manifest, new Uint8Array(weights), { shapes });
  if (!fromCache && store)
    await store.putModel({
      url: manifestUrl,
      version: versionOf(manifest),
      checksum: manifest.weightsSha256,
      manifest: manifestText,
      weights,
      savedAt: Date.now(),
    });
  return { manifest, decoded, fromCache };
}

/** Builds the network on the current backend. */
export function buildModel({ manifest, decoded, fromCache }: FetchedArtifact): LoadedModel {
  const recommender = recommenderFromArtifact(decoded);
  const ids = manifest.catalog.itemIds;
  const catalog: Catalog = {
    index: new Map(ids.map((id, i) => [id, i] as const).filter(([id, i]) => i > 0 && id !== '')),
    category: (decoded.tensors[ITEM_CATEGORY]?.data as Int32Array | undefined) ?? new Int32Array(0),
    brand: (decoded.tensors[ITEM_BRAND]?.data as Int32Array | undefined) ?? new Int32Array(0),
  };
  return {
    version: versionOf(manifest),
    recommender,
    catalog,
    categoryNames: manifest.catalog.categoryNames ?? [],
    fromCache,
  };
}
