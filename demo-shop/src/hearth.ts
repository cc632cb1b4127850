/**
 * The one place where the shop talks to the Hearth SDK, the way a merchant does: through the global
 * `window.hearth` that the script-tag snippet in index.html creates. Nothing here imports the SDK.
 *
 * Before the SDK has loaded, `window.hearth` is the snippet's command queue (an array): `push([...])`
 * calls wait there. After it has loaded, it also has the API methods (`rank`, `status`, ...). Every call
 * below works in both states and never throws into the shop: without the SDK the shop keeps its own order.
 *
 * INTEGRATION POINTS are marked "HEARTH:"; if the SDK's API differs, this file is the only one to change.
 */

/** Mirrors the SDK's public types (sdk/src/types.ts) without importing them. */
export interface TrackEvent {
  type: 'view' | 'click' | 'add_to_cart' | 'purchase' | 'search';
  item?: string;
  query?: string;
}

export interface RankedItem {
  id: string;
  score: number;
  reason: string;
}

export interface HearthStatus {
  initialized: boolean;
  backend: string;
  modelVersion?: string;
  consent: string;
  gpc?: boolean;
  storing?: boolean;
  events?: number;
  messages?: string[];
  [more: string]: unknown;
}

/** What the shop needs from the loaded SDK; every method is optional until it is there. */
interface HearthApi {
  push(command: unknown[]): unknown;
  rank?(items: string[], context?: Record<string, unknown>): Promise<unknown>;
  status?(): unknown;
  explain?(itemId: string): Promise<unknown>;
  consent?(granted: boolean): unknown;
  forget?(): Promise<unknown>;
  trainNow?(): Promise<unknown>;
  joinRound?(): Promise<unknown>;
  [more: string]: unknown;
}

/** The global, read without augmenting `Window` so this file never clashes with the SDK's own typings. */
function api(): HearthApi {
  const w = window as unknown as { hearth?: HearthApi };
  // Same line as the snippet: a queue that the SDK drains when it loads.
  w.hearth = w.hearth ?? ([] as unknown as HearthApi);
  return w.hearth;
}

export function sdkLoaded(): boolean {
  return typeof api().rank === 'function';
}

/**
 * Calls `fn` once the SDK has loaded. The snippet loads the SDK asynchronously, so the first lists of a
 * page are usually rendered before it is there; they are shown in the shop's order and re-ranked here.
 * Polls (cheap) rather than relying on a ready event, and gives up after `LOAD_WAIT_MS`.
 */
const LOAD_WAIT_MS = 10_000;
const waiting = new Set<() => void>();
let poller: number | undefined;
export function whenLoaded(fn: () => void): void {
  if (sdkLoaded()) {
    fn();
    return;
  }
  waiting.add(fn);
  if (poller !== undefined) return;
  const started = Date.now();
  poller = window.setInterval(() => {
    if (!sdkLoaded() && Date.now() - started < LOAD_WAIT_MS) return;
    window.clearInterval(poller);
    poller = undefined;
    const ready = sdkLoaded();
    const fns = [...waiting];
    waiting.clear();
    if (ready) for (const f of fns) f();
  }, 100);
}

/** HEARTH: explicit tracking (add_to_cart, purchase, search). Queued before load, sent straight after. */
export function track(event: TrackEvent): void {
  try {
    api().push(['track', event]);
  } catch {
    // Never let analytics break checkout.
  }
}

/** HEARTH: the shopper's personalization choice (footer switch), queued like track() so it works before load. */
export function consent(granted: boolean): void {
  try {
    api().push(['consent', granted]);
  } catch {
    // The choice is still remembered by the shop and sent again on the next page load.
  }
}

export interface RankOutcome {
  /** Product ids in display order. */
  order: string[];
  /** Score and reason per id, when the SDK ranked the list. */
  scored: Map<string, RankedItem>;
  latencyMs: number;
  ranker: 'hearth' | 'shop order';
  /** Why the shop order was kept, when it was. */
  note?: string;
}

/** The last rank() of each list, for the debug panel. */
export const lastRanks = new Map<string, RankOutcome>();
const listeners = new Set<() => void>();
export function onRank(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function remember(list: string, outcome: RankOutcome): RankOutcome {
  lastRanks.delete(list); // re-inserted, so the map's last entry is always the newest rank()
  lastRanks.set(list, outcome);
  for (const fn of listeners) fn();
  return outcome;
}

/**
 * HEARTH: re-rank a product list. Resolves with the shop's order when the SDK is absent, fails, or returns
 * something that is not a permutation of the candidates (a page must never lose or gain products).
 */
export async function rank(ids: string[], list: string): Promise<RankOutcome> {
  const h = api();
  if (typeof h.rank !== 'function')
    return remember(list, {
      order: ids,
      scored: new Map(),
      latencyMs: 0,
      ranker: 'shop order',
      note: 'SDK not loaded',
    });
  const started = performance.now();
  try {
    const result = readRanked(await h.rank(ids, { list }));
    const latencyMs = performance.now() - started;
    const order = result.map((r) => r.id);
    const same = order.length === ids.length && new Set(order).size === ids.length;
    if (!same || !order.every((id) => ids.includes(id)))
      return remember(list, {
        order: ids,
        scored: new Map(),
        latencyMs,
        ranker: 'shop order',
        note: 'rank() did not return the same items',
      });
    return remember(list, {
      order,
      scored: new Map(result.map((r) => [r.id, r])),
      latencyMs,
      ranker: 'hearth',
    });
  } catch (err) {
    return remember(list, {
      order: ids,
      scored: new Map(),
      latencyMs: performance.now() - started,
      ranker: 'shop order',
      note: `rank() failed: ${String(err)}`,
    });
  }
}

/** HEARTH: the SDK's rank() result is RankedItem[] (sdk/src/types.ts); anything else reads as empty. */
function readRanked(value: unknown): RankedItem[] {
  const items = Array.isArray(value) ? value : [];
  return items
    .filter((r): r is { id: unknown } => typeof r === 'object' && r !== null && 'id' in r)
    .map((r) => {
      const o = r as { id: unknown; score?: unknown; reason?: unknown };
      return {
        id: String(o.id),
        score: typeof o.score === 'number' ? o.score : Number.NaN,
        reason: typeof o.reason === 'string' ? o.reason : '',
      };
    });
}

/** HEARTH: the SDK's status() for the debug panel; null while the SDK is not loaded. */
export async function status(): Promise<HearthStatus | null> {
  const h = api();
  if (typeof h.status !== 'function') return null;
  try {
    const s = await h.status();
    return typeof s === 'object' && s !== null ? (s as HearthStatus) : null;
  } catch {
    return null;
  }
}

export type Action = 'forget' | 'trainNow' | 'joinRound';

/** HEARTH: debug-panel buttons. Returns false when the SDK does not offer the action (yet). */
export function available(action: Action): boolean {
  return typeof api()[action] === 'function';
}

export async function run(action: Action): Promise<string> {
  const fn = api()[action];
  if (typeof fn !== 'function') return 'SDK not loaded';
  try {
    const result = await (fn as () => Promise<unknown>).call(api());
    return result === undefined ? 'done' : JSON.stringify(result);
  } catch (err) {
    return `failed: ${String(err)}`;
  }
}

/** HEARTH: "why this?" for a tile; null without the SDK. */
export async function explain(itemId: string): Promise<string | null> {
  const h = api();
  if (typeof h.explain !== 'function') return null;
  try {
    const e = (await h.explain(itemId)) as { text?: unknown } | null;
    return typeof e?.text === 'string' ? e.text : null;
  } catch {
    return null;
  }
}
