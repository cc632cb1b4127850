// Starts the worker wherever the page lets us, trying in turn:
//   1. the merchant-hosted `workerUrl` (needed when CSP forbids blob: workers),
//   2. the worker bundle itself, when it is on the page's origin,
//   3. a blob URL that importScripts() the bundle (the SDK came from a CDN on another origin).
// Each try must finish the handshake within a deadline; a blocked or crashing worker just moves on to
// the next, and when none works the SDK ranks in the shop's order.
import { type Remote, transfer, wrap } from 'comlink';
import { type Endpoint, type LaneClient, laneOver } from './lane';
import { debug, describe } from './log';
import { HANDSHAKE, type WorkerApi, type WorkerStart } from './protocol';
import type { CachedModel, Store } from './storage';

export interface Connected {
  api: Remote<WorkerApi>;
  /** rank() and prepare() over the Worker's own channel (./lane), or over comlink when the worker has none. */
  lane: LaneClient;
  worker: Worker;
}

/** Where a worker can come from: a script URL, or a blob whose one line importScripts() that URL. */
export interface Source {
  url: string;
  viaBlob: boolean;
}

/** The lane's calls over comlink, for a worker without the lane (a merchant-hosted older SDK's). */
function comlinkLane(api: Remote<WorkerApi>): LaneClient {
  // An older worker sends the features in the reply (the page reads them there) and has no
  // features() to ask: once that call fails, it is not made again.
  let askFeatures = true;
  const lane: LaneClient = {
    rank: async (r) => {
      const reply = await api.rank(r);
      if (askFeatures)
        api.features().then(
          (f) => f && lane.onFeatures?.(f),
          () => {
            askFeatures = false;
          },
        );
      return reply;
    },
    prepare: (r) => api.prepare(r),
    onFeatures: null,
  };
  return lane;
}

export function workerSources(bundleUrl: string, workerUrl: string | undefined): Source[] {
  const sources: Source[] = [];
  if (workerUrl) sources.push({ url: new URL(workerUrl, location.href).href, viaBlob: false });
  // A Worker must come from the page's origin: a bundle on a CDN is started through a blob.
  sources.push({ url: bundleUrl, viaBlob: new URL(bundleUrl).origin !== location.origin });
  return sources;
}

export async function connectWorker(sources: Source[], timeoutMs: number): Promise<Connected | null> {
  if (typeof Worker !== 'function') {
    debug('worker: Web Workers unavailable; ranking in the shop order');
    return null;
  }
  for (const source of sources) {
    const connected = await tryWorker(source, timeoutMs);
    if (connected) return connected;
  }
  debug('worker: could not start (CSP or network); ranking in the shop order');
  return null;
}

function tryWorker(source: Source, timeoutMs: number): Promise<Connected | null> {
  return new Promise((resolve) => {
    let worker: Worker | undefined;
    let blobUrl: string | undefined;
    let settled = false;
    const done = (result: Connected | null, why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (blobUrl) URL.revokeObjectURL(blobUrl);
      if (!result) {
        if (why)
          debug(`worker: ${source.viaBlob ? 'blob of ' : ''}${source.url.slice(0, 120)} failed (${why})`);
        worker?.terminate();
      }
      resolve(result);
    };
    const timer = setTimeout(() => done(null, 'no handshake in time'), timeoutMs);
    try {
      let url = source.url;
      if (source.viaBlob) {
        const script = `importScripts(${JSON.stringify(source.url)});`;
        url = blobUrl = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
      }
      worker = new Worker(url, { name: 'hearth' });
      worker.addEventListener('error', (e) => {
        e.preventDefault(); // a worker's failure is ours to handle, not the page's console or onerror
        done(null, e.message || 'error event');
      });
      const channel = new MessageChannel();
      const token = Math.random().toString(36).slice(2);
      channel.port1.onmessage = (e: MessageEvent) => {
        const ready = e.data as { ready?: string; lane?: boolean | 'scope' } | null;
        if (ready?.ready !== token) return;
        channel.port1.onmessage = null;
        const w = worker!;
        // Later errors inside the worker (after the handshake) must not reach the page either.
        w.onerror = (ev) => ev.preventDefault();
        const api = wrap<WorkerApi>(channel.port1);
        // A worker of an older SDK (a merchant-hosted copy) may have no lane: comlink carries both then.
        const hot = ready.lane === 'scope' ? laneOver(w as unknown as Endpoint) : comlinkLane(api);
        done({ api, lane: hot, worker: w });
      };
      worker.postMessage({ [HANDSHAKE]: token }, [channel.port2]);
    } catch (e) {
      done(null, describe(e));
    }
  });
}

/** How long start() waits for the page's read of the cached model before the worker reads it itself. */
const CACHED_READ_WAIT_MS = 50;

/**
 * Reads the model cached in IndexedDB on the page while the worker boots (parsing TensorFlow.js takes
 * 100-300 ms, with the page idle): a returning shopper's worker then starts decoding at once instead of
 * opening the database itself. Resolves undefined when there is none; never rejects.
 */
export function readCachedModel(store: Store | null, modelUrl: string): Promise<CachedModel | undefined> {
  return store ? store.getModel(modelUrl).catch(() => undefined) : Promise.resolve(undefined);
}

/** The start message, with the page's read of the cached model when it is there by now (transferred). */
export async function withCachedModel(
  start: WorkerStart,
  cached: Promise<CachedModel | undefined>,
): Promise<WorkerStart> {
  const late = new Promise<undefined>((resolve) => setTimeout(resolve, CACHED_READ_WAIT_MS));
  const model = await Promise.race([cached, late]);
  if (!model || model.url !== start.modelUrl) return start;
  return transfer({ ...start, cached: { manifest: model.manifest, weights: model.weights } }, [
    model.weights,
  ]);
}
