// rank() is the one call a shop makes on every list it renders, so it has a MessagePort of its own
// instead of comlink: [call number, request] one way, [call number, reply] or [call number, null,
// error] back. Traced in Chromium, comlink's proxy, wire wrapping and call ids cost tens of µs on each
// side of every call; the other verbs are rare and keep comlink.
import type { RankReply, RankRequest } from './protocol';
import { buffers } from './ranking';

export type Rank = (r: RankRequest) => Promise<RankReply | null>;

/** The worker's side: answers the rank requests arriving on `port` with `rank`. */
export function serveRanks(port: MessagePort, rank: Rank): void {
  port.onmessage = async (e: MessageEvent) => {
    const [id, request] = e.data as [number, RankRequest];
    try {
      const reply = await rank(request);
      port.postMessage([id, reply], reply ? buffers(reply.ranking) : []);
    } catch (error) {
      port.postMessage([
        id,
        null,
        error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      ]);
    }
  };
}

/** The page's side: rank() over `port`. It rejects when the worker's rank threw. */
export function rankOver(port: MessagePort): Rank {
  const pending = new Map<number, { resolve(r: RankReply | null): void; reject(e: Error): void }>();
  let next = 0;
  port.onmessage = (e: MessageEvent) => {
    const [id, reply, error] = e.data as [number, RankReply | null, string | undefined];
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    if (error === undefined) call.resolve(reply);
    else call.reject(new Error(error));
  };
  return (request) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      port.postMessage([id, request]);
    });
}
