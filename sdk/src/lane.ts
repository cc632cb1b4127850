// rank() and prepare() travel on a channel of their own instead of comlink:
// [call number, verb, request] one way, [call number, result] or [call number, null, error] back.
//  - Speed: rank() runs on every list a shop renders; traced in Chromium, comlink's proxy, wire
//    wrapping and call ids cost tens of µs on each side of every call. The channel is the Worker's
//    own postMessage, not a MessagePort: in Chromium a port's message takes a longer way between
//    threads (40-60 µs more per round trip on this machine, see the README).
//  - Order: both carry differences to the worker's copy of the history (./history), which must
//    arrive in the order they were posted. Messages on one channel keep their order; on two (this
//    one and comlink's port) they need not.
// The other verbs are rare and keep comlink.
import type { PrepareRequest, RankReply, RankRequest, StaleCatalog } from './protocol';
import { buffers } from './ranking';
import type { FeatureSummary } from './types';

/** The calls that carry the history. */
export interface Lane {
  rank(r: RankRequest): Promise<RankReply | StaleCatalog | null>;
  /** Encodes the history ahead; resolves true when the encoder ran. */
  prepare(r: PrepareRequest): Promise<boolean>;
}

/** The worker's side of the lane: a rank() reply is followed by the features of that call. */
export interface LaneServer extends Lane {
  /** The last rank()'s features (RankReply.features), once: sent after its reply, not in it. */
  features(): Promise<FeatureSummary | undefined>;
}

/** The page's side: `onFeatures` receives each rank()'s features, a moment after its reply. */
export interface LaneClient extends Lane {
  onFeatures: ((f: FeatureSummary) => void) | null;
}

type Verb = keyof Lane;
/** The call number of a message that answers no call: the features that follow a rank() reply. */
const FEATURES = -1;

/** What the lane needs of a channel: a Worker, the worker's global scope, or a MessagePort. */
export interface Endpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
}

/** The worker's side: answers the calls arriving on `port` with `lane`. */
export function serveLane(port: Endpoint, lane: LaneServer): void {
  port.onmessage = async (e: MessageEvent) => {
    if (!Array.isArray(e.data)) return; // not a call of ours
    const [id, verb, request] = e.data as [number, Verb, never];
    try {
      if (verb === 'rank') {
        const reply = await lane.rank(request);
        port.postMessage([id, reply], reply && 'ranking' in reply ? buffers(reply.ranking) : []);
        const features = await lane.features();
        if (features) port.postMessage([FEATURES, features], []);
      } else port.postMessage([id, await lane.prepare(request)], []);
    } catch (error) {
      port.postMessage(
        [id, null, error instanceof Error ? `${error.name}: ${error.message}` : String(error)],
        [],
      );
    }
  };
}

/** The page's side: the lane's calls over `port`. A call rejects when the worker's side threw. */
export function laneOver(port: Endpoint): LaneClient {
  const pending = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();
  let next = 0;
  port.onmessage = (e: MessageEvent) => {
    if (!Array.isArray(e.data)) return;
    const [id, result, error] = e.data as [number, unknown, string | undefined];
    if (id === FEATURES) return void client.onFeatures?.(result as FeatureSummary);
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    if (error === undefined) call.resolve(result);
    else call.reject(new Error(error));
  };
  const call = <T>(verb: Verb, request: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      port.postMessage([id, verb, request], []);
    });
  const client: LaneClient = {
    rank: (r) => call<RankReply | StaleCatalog | null>('rank', r),
    prepare: (r) => call<boolean>('prepare', r),
    onFeatures: null,
  };
  return client;
}
