/**
 * The one place where the shop talks to the Hearth SDK, the way a merchant does: through the global
 * `window.hearth` that the script-tag snippet in index.html creates. Nothing here imports the SDK.
 *
 * `window.hearth` goes through three states, and every call below works in each of them and never
 * throws into the shop:
 *   - a plain array (index.html's line, no SDK configured): commands wait in it, lists keep the shop order;
 *   - the SDK's snippet: the same array with stub methods that queue calls until the SDK script arrives;
 *   - the loaded SDK (`loaded: true`): the real API (sdk/src/client.ts), which replays the queue.
 *
 * INTEGRATION POINTS are marked "HEARTH:"; if the SDK's API changes, this file is the only one to change.
 */

/** Mirrors the SDK's public types (sdk/src/types.ts) without importing them. */
export interface TrackEvent {
  type: 'view' | 'click' | 'add_to_cart' | 'purchase' | 'search' | 'dwell';
  item?: string;
  query?: string;
  /** Visible time on a product page, for 'dwell'. */
  ms?: number;
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
  /** The newest events (oldest first), as the SDK shows them. */
  recentEvents?: { type: string; time: number; item?: string; query?: string; ms?: number }[];
  /** What the SDK's worker derived from the history at the last rank(). */
  features?: {
    sequenceLength: number;
    sessionEvents: number;
    minutesSinceLast: number;
    hour: number;
    partOfDay: string;
    topCategories: { name: string; share: number }[];
    topBrands: { name: string; share: number }[];
  };
  /** The last rank() used weights fine-tuned on this device (trainNow()). */
  personalised?: boolean;
  [more: string]: unknown;
}

/** What the shop uses of the global; every method is optional (the array alone has none). */
interface HearthApi {
  push(command: unknown[]): unknown;
  /** Set by the loaded SDK (the snippet's stubs do not set it). */
  loaded?: boolean;
  /** `list` names the list in the SDK's debug output; it does not change the scores. */
  rank?(items: string[], context?: { list?: string }): Promise<unknown>;
  status?(): unknown;
  explain?(itemId: string): Promise<unknown>;
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
  return api().loaded === true;
}

/** The SDK has loaded, initialised and picked a backend: rank() can use a model now. */
function modelReady(): boolean {
  if (!sdkLoaded()) return false;
  try {
    const s = api().status?.() as Partial<HearthStatus> | undefined;
    return s?.initialized === true && typeof s.backend === 'string' && s.backend !== 'none';
  } catch {
    return false;
  }
}

/**
 * Calls `fn` once the SDK can rank with a model. The snippet loads the SDK asynchronously and the model
 * takes a moment more, so a page's first lists usually come back in the shop's order; they are ranked
 * again from here. Polls (status() is cheap and synchronous) and gives up after `READY_WAIT_MS`.
 */
const READY_WAIT_MS = 10_000;
const waiting = new Set<() => void>();
let poller: number | undefined;
export function whenReady(fn: () => void): void {
  if (modelReady()) {
    fn();
    return;
  }
  waiting.add(fn);
  if (poller !== undefined) return;
  const started = Date.now();
  poller = window.setInterval(() => {
    const ready = modelReady();
    if (!ready && Date.now() - started < READY_WAIT_MS) return;
    window.clearInterval(poller);
    poller = undefined;
    const fns = [...waiting];
    waiting.clear();
    if (ready) for (const f of fns) f();
  }, 150);
}

/** HEARTH: explicit tracking (add_to_cart, purchase, search, …). Queued before load, run straight after. */
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

// Product pages. The SDK's own product-page capture (`data-hearth-product`) looks at the page once, when
// it starts; a hash-routed shop changes product pages without a reload, so the shop reports the view and
// the visible time ('dwell', as the SDK would: at least 1 s, flushed when the page hides) itself.
let shown: { id: string; visibleSince: number } | undefined;

function flushDwell(): void {
  if (!shown || shown.visibleSince < 0) return;
  const ms = Math.round(performance.now() - shown.visibleSince);
  shown.visibleSince = -1;
  if (ms >= 1000) track({ type: 'dwell', item: shown.id, ms });
}

/** HEARTH: the product page now on screen (null: none). */
export function productShown(id: string | null): void {
  flushDwell();
  shown = id ? { id, visibleSince: performance.now() } : undefined;
  if (id) track({ type: 'view', item: id });
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') flushDwell();
  else if (shown && shown.visibleSince < 0) shown.visibleSince = performance.now();
});
window.addEventListener('pagehide', flushDwell);

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

function shopOrder(list: string, ids: string[], latencyMs: number, note: string): RankOutcome {
  return remember(list, { order: ids, scored: new Map(), latencyMs, ranker: 'shop order', note });
}

/**
 * HEARTH: re-rank a product list with `rank(ids)`. Resolves with the shop's order when the SDK is absent,
 * fails, keeps the original order itself (every reason 'original'), or returns anything but a permutation
 * of the candidates: a page must never lose or gain products.
 */
export async function rank(ids: string[], list: string): Promise<RankOutcome> {
  const h = api();
  if (typeof h.rank !== 'function') return shopOrder(list, ids, 0, 'SDK not loaded');
  const started = performance.now();
  try {
    const result = readRanked(await h.rank(ids, { list }));
    const latencyMs = performance.now() - started;
    const order = result.map((r) => r.id);
    const wanted = new Set(ids);
    if (
      order.length !== ids.length ||
      new Set(order).size !== ids.length ||
      !order.every((id) => wanted.has(id))
    )
      return shopOrder(list, ids, latencyMs, 'rank() did not return the same items');
    if (result.every((r) => r.reason === 'original'))
      return shopOrder(
        list,
        ids,
        latencyMs,
        sdkLoaded() ? 'no model ready: the SDK kept it' : 'SDK not loaded',
      );
    return remember(list, {
      order,
      scored: new Map(result.map((r) => [r.id, r])),
      latencyMs,
      ranker: 'hearth',
    });
  } catch (err) {
    return shopOrder(list, ids, performance.now() - started, `rank() failed: ${String(err)}`);
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

/** A promise that settles within `ms`, or `fallback`: the snippet's stubs only settle once the SDK loads. */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((resolve) => window.setTimeout(() => resolve(fallback), ms))]);
}

/** HEARTH: the SDK's status() for the debug panel; null until the SDK has loaded. */
export async function status(): Promise<HearthStatus | null> {
  const h = api();
  if (!sdkLoaded() || typeof h.status !== 'function') return null;
  try {
    const s = await within(Promise.resolve(h.status()), 500, null);
    return typeof s === 'object' && s !== null ? (s as HearthStatus) : null;
  } catch {
    return null;
  }
}

export type Action = 'forget' | 'trainNow' | 'joinRound';

/** HEARTH: debug-panel buttons. False until the SDK has loaded, and for actions it does not offer. */
export function available(action: Action): boolean {
  return sdkLoaded() && typeof api()[action] === 'function';
}

/** Runs a debug-panel action and says in words what the SDK reported (sdk/src/types.ts: TrainResult, JoinResult). */
export async function run(action: Action): Promise<string> {
  if (!available(action)) return sdkLoaded() ? 'not offered by this SDK' : 'SDK not loaded';
  try {
    return describeResult(action, await (api()[action] as () => Promise<unknown>).call(api()));
  } catch (err) {
    return `failed: ${String(err)}`;
  }
}

/** Why trainNow() or joinRound() did nothing, for a person (the SDK's reason codes). */
const REASONS: Record<string, string> = {
  not_initialized: 'the SDK is not initialised',
  no_consent: 'personalization is off (consent)',
  gpc: 'the browser sends Global Privacy Control, so nothing leaves this device',
  no_server: 'no aggregator is configured',
  not_sender: 'another tab of this shop takes part instead',
  no_model: 'no model is loaded',
  slow_backend: 'the cpu backend is too slow to train',
  busy: 'training is already running',
  no_round: 'no round is open on the aggregator',
  not_sampled: 'this browser was not sampled for the round',
  too_short: 'too little history yet (look at a few products first)',
  already_joined: 'this browser already sent its update for this round',
  retry_later: 'the aggregator asked to try again later',
  failed: 'it failed (see SDK messages)',
};

export function describeResult(action: Action, result: unknown): string {
  const r = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const num = (k: string, digits = 0) => (typeof r[k] === 'number' ? (r[k] as number).toFixed(digits) : '?');
  const why = (prefix: string) => `${prefix}: ${REASONS[String(r['reason'])] ?? String(r['reason'])}`;
  if (action === 'forget') return result === true ? 'Forgotten: every local trace deleted' : 'Forget failed';
  if (action === 'trainNow') {
    if (r['trained'] !== true) return why('Not trained');
    return `Trained ${num('steps')} steps on this device in ${num('ms')} ms: loss on your history ${num('lossBefore', 3)} → ${num('lossAfter', 3)}. Lists now use your personal weights (from model ${String(r['modelVersion'])}).`;
  }
  if (r['joined'] !== true) return why('Not joined');
  const kb = typeof r['bytes'] === 'number' ? (r['bytes'] / 1024).toFixed(1) : '?';
  return `Joined round ${num('roundId')}: a clipped update of ${kb} KB (norm ${num('norm', 3)}, ${num('steps')} steps) ${r['delivered'] === true ? 'was accepted by the aggregator' : 'is queued; the outbox keeps trying'}.`;
}

/** HEARTH: "why this?" for a ranked product (Explanation.text); null until the SDK has loaded. */
export async function explain(itemId: string): Promise<string | null> {
  const h = api();
  if (!sdkLoaded() || typeof h.explain !== 'function') return null;
  try {
    const e = (await within(h.explain(itemId), 2000, null)) as { text?: unknown } | null;
    return typeof e?.text === 'string' ? e.text : null;
  } catch {
    return null;
  }
}
