// The SDK object behind the nine verbs. Its contract with the host page: no method throws, every
// promise resolves, rank() resolves with the shop's own order whenever anything fails or is late.
import { startCapture } from './capture';
import { type ResolvedConfig, validateConfig } from './config';
import { Consent, gpc } from './consent';
import { Deadlines } from './deadlines';
import { type StoredEvent, validateEvent } from './event';
import { forgetClientId, type Rounds, startFederation } from './federation';
import { HistoryLog } from './history';
import { byId, KnownIndices } from './known-indices';
import type { Lane } from './lane';
import { debug, describe, history as messages, setDebug } from './log';
import { Outbox } from './outbox';
import type { RankReply, WorkerApi, WorkerStarted } from './protocol';
import { expandRanking } from './ranking';
import { destroy, Store } from './storage';
import type {
  Backend,
  Explanation,
  FeatureSummary,
  HearthConfig,
  JoinResult,
  RankContext,
  RankedItem,
  RecentEvent,
  Status,
  TrackEvent,
  TrainResult,
} from './types';
import { connectWorker, readCachedModel, withCachedModel, workerSources } from './worker-client';

/** The history the worker sees: the model's longest sequence is well under this. */
const HISTORY = 50;
const WORKER_START_MS = 15_000;
/**
 * Events are written in batches this long after the first: a click's write then does not compete
 * with the rank() that usually follows it, and a burst of impressions is one transaction. Leaving or
 * hiding the page writes at once (flushWhenLeaving).
 */
const WRITE_DELAY_MS = 250;
/**
 * On a page that has ranked before, the worker encodes the history ahead of the next rank(): a
 * single-page shop renders the next list some time after a click, and that rank() then only scores
 * its candidates (the encoder is ~90% of the work).
 *  - After a click, an add to cart or a purchase, in the next task: a list usually follows within
 *    a frame or two, and finds the encoding done or under way.
 *  - After views and dwell, once the history has been quiet this long: impressions come in bursts
 *    while the shopper scrolls, and one encoding per burst is enough.
 */
const PREPARE_DELAY_MS = 50;
const PREPARE_AT_ONCE: ReadonlySet<StoredEvent['type']> = new Set(['click', 'add_to_cart', 'purchase']);
/** How many of the newest events status() shows. */
const RECENT = 10;
/** Longest trainNow() / joinRound() may take before they resolve with 'failed' (the work may go on). */
const TRAIN_MS = 60_000;
const JOIN_MS = 120_000;

/** The public API. Arguments are typed for TypeScript users and validated again at run time. */
export interface Hearth {
  /** Starts the SDK; resolves when the model is ready or ranking has fallen back to the shop order. */
  init(config: HearthConfig): Promise<Status>;
  /** Records an event (add_to_cart, purchase, search...). Bad events are dropped with a debug message. */
  track(event: TrackEvent): void;
  /** Re-ranks product ids; always resolves, with the original order when anything fails or is late. */
  rank(items: readonly string[], context?: RankContext): Promise<RankedItem[]>;
  /** Which history items drove an item's score. */
  explain(itemId: string): Promise<Explanation>;
  /** Records the shopper's consent; a refusal also deletes what was stored. */
  consent(granted: boolean): Promise<Status>;
  /** Deletes every local trace for this site key; resolves true when the database is gone. */
  forget(): Promise<boolean>;
  status(): Status;
  /**
   * Fine-tunes the model on this shopper's history now, on the device; the result ranks this page's
   * lists until a new server version arrives, the page reloads, or forget()/consent(false). Nothing
   * leaves the device. Needs consent to store (the history is what it learns from).
   */
  trainNow(): Promise<TrainResult>;
  /**
   * Checks in to the aggregator's open round now instead of at idle time; when sampled, trains and
   * queues the clipped update (sent at once by the sending tab). Needs consent and no GPC.
   */
  joinRound(): Promise<JoinResult>;
}

/** An event as status() shows it (search text shortened: a debug panel needs no more). */
function recent(e: StoredEvent): RecentEvent {
  const r: RecentEvent = { type: e.type, time: e.t };
  if (e.item !== undefined) r.item = e.item;
  if (e.query !== undefined) r.query = e.query.slice(0, 60);
  if (e.ms !== undefined) r.ms = e.ms;
  return r;
}

/** The shop's order, untouched: what rank() falls back to. */
export function originalOrder(ids: string[]): RankedItem[] {
  return ids.map((id) => ({ id, score: 0, reason: 'original' }));
}

function candidates(items: unknown): string[] {
  if (!Array.isArray(items)) {
    debug('rank(items): items must be an array of product ids');
    return [];
  }
  const valid = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 200;
  // A copy either way: the shop may change its array while the worker ranks.
  if (items.every(valid)) return items.slice();
  debug('rank(items): entries that are not product id strings were dropped');
  return items.filter(valid);
}

function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        debug(`worker call failed (${describe(e)})`);
        resolve(fallback);
      },
    );
  });
}

export function createHearth(defaultAssetsUrl: string | undefined): Hearth {
  let config: ResolvedConfig | undefined;
  let consent: Consent | undefined;
  let store: Store | null = null;
  const log = new HistoryLog(HISTORY);
  /** Catalogue indices of the products ranked before: rank() sends those as numbers. */
  const known = new KnownIndices();
  let api: WorkerApi | null = null;
  /** rank() and prepare(): one channel, so the history differences they carry arrive in order. */
  let lane: Lane | null = null;
  let started: WorkerStarted = { backend: 'none', messages: [] };
  let ready: Promise<void> = Promise.resolve();
  /** True once `ready` has settled: rank() then posts at once, not a microtask later. */
  let settled = true;
  const deadlines = new Deadlines();
  let writes: StoredEvent[] = [];
  let tensors: number | undefined;
  let lastRank: Status['lastRank'];
  let features: FeatureSummary | undefined;
  /** The history epoch (./history) of the last rank() sent: its features belong to that history. */
  let rankedEpoch = -1;
  let personalised: boolean | undefined;
  let workerReadyMs = 0;
  /** Set once start-up is over: from then on a missed deadline means a slow or dead worker. */
  let workerStarted = false;
  let stalled = false;
  let probing = false;
  /** The worker holds the user vector of the history at this log.rev (encoding ahead). */
  let encodedRev = -1;
  let prepareTimer: ReturnType<typeof setTimeout> | undefined;
  let hasRanked = false;
  let outbox: Outbox | null = null;
  let rounds: Rounds | null = null;

  const status = (): Status => {
    const s: Status = {
      initialized: config !== undefined,
      backend: started.backend,
      consent: consent?.state ?? 'pending',
      gpc: gpc(),
      storing: store !== null,
      sharing: consent?.sharing ?? false,
      events: log.events.length,
      messages: [...messages],
      recentEvents: log.events.slice(-RECENT).map(recent),
    };
    if (features) s.features = features;
    if (personalised !== undefined) s.personalised = personalised;
    if (config) s.siteKey = config.siteKey;
    if (started.modelVersion) s.modelVersion = started.modelVersion;
    if (started.modelCached !== undefined) s.modelCached = started.modelCached;
    if (tensors !== undefined) s.tensors = tensors;
    if (lastRank) s.lastRank = lastRank;
    if (started.timings) s.startup = { workerMs: workerReadyMs, ...started.timings };
    if (outbox)
      s.federation = {
        sender: outbox.sender,
        rounds: rounds?.rounds ?? 0,
        ...(rounds?.lastUpdate ? { lastUpdate: rounds.lastUpdate } : {}),
        ...outbox.stats,
      };
    return s;
  };

  const openStore = (c: ResolvedConfig) =>
    new Store(c.siteKey, { maxEvents: c.maxEvents, maxAgeMs: c.maxEventAgeDays * 86_400_000, maxOutbox: 20 });

  // Writes are batched into one transaction per task.
  const flush = () => {
    if (writes.length === 0) return;
    const batch = writes;
    writes = [];
    void store?.addEvents(batch);
  };

  const persist = (e: StoredEvent) => {
    if (!store) return;
    writes.push(e);
    if (writes.length === 1) setTimeout(flush, WRITE_DELAY_MS);
  };

  /** A page being hidden, left or frozen (mobile) may never run another timer: write now. */
  const flushWhenLeaving = () => {
    const onHide = () => {
      if (document.visibilityState === 'hidden') flush();
    };
    window.addEventListener('pagehide', flush);
    document.addEventListener('freeze', flush);
    document.addEventListener('visibilitychange', onHide);
  };

  const prepare = () => {
    if (!lane || stalled || encodedRev === log.rev) return;
    encodedRev = log.rev;
    const work = lane.prepare({
      history: log.sync(),
      now: Date.now(),
      utcOffsetMin: -new Date().getTimezoneOffset(),
    });
    work.catch((e: unknown) => {
      log.resend();
      debug(`prepare failed (${describe(e)})`);
    });
  };

  // Only on a page that ranks (it has called rank() before) and with a worker that answers. A timer
  // even after a click: several events in one task are encoded once, and a rank() called in the same
  // task goes first and encodes the history itself (the prepare then finds nothing left to do).
  const prepareAfter = (e: StoredEvent) => {
    if (!hasRanked || !lane || stalled) return;
    clearTimeout(prepareTimer);
    prepareTimer = setTimeout(prepare, PREPARE_AT_ONCE.has(e.type) ? 0 : PREPARE_DELAY_MS);
  };

  /** Tells the worker whether it may keep anything; when not, it clears its copy of the history too. */
  const persistInWorker = (persist: boolean): Promise<void> => {
    if (!persist) log.resend();
    return within(api?.setPersist(persist, log.epoch) ?? Promise.resolve(), 2000, undefined);
  };

  const remember = (e: StoredEvent) => {
    log.append(e);
    persist(e);
    prepareAfter(e);
  };

  const track = (input: unknown) => {
    try {
      if (!config) return void debug('track() before init(): event dropped');
      const r = validateEvent(input, Date.now());
      if (!r.ok) return void debug(`track(): ${r.error}; event dropped`, `track:${r.error}`);
      remember(r.event);
    } catch (e) {
      debug(`track() failed (${describe(e)})`);
    }
  };

  const startWorker = async (c: ResolvedConfig) => {
    if (!c.modelUrl) return void debug('no modelUrl: ranking in the shop order');
    const assets = c.assetsUrl ?? defaultAssetsUrl;
    if (!assets)
      return void debug('no assetsUrl and the script location is unknown; ranking in the shop order');
    const base = new URL(assets.endsWith('/') ? assets : `${assets}/`, location.href).href;
    const t0 = performance.now();
    const modelUrl = new URL(c.modelUrl, location.href).href;
    const cached = readCachedModel(store, modelUrl); // overlaps the worker's boot
    const connected = await connectWorker(
      workerSources(new URL('hearth-worker.js', base).href, c.workerUrl),
      WORKER_START_MS,
    );
    if (!connected) return;
    workerReadyMs = performance.now() - t0;
    api = connected.api as unknown as WorkerApi;
    lane = connected.lane;
    // A rank()'s features follow its reply; ones derived from a history since forgotten are dropped.
    connected.lane.onFeatures = (f) => {
      if (rankedEpoch === log.epoch) features = f;
    };
    const s: Parameters<WorkerApi['start']>[0] = {
      siteKey: c.siteKey,
      assetsUrl: base,
      backends: c.backends,
      persist: store !== null,
      maxEventAgeDays: c.maxEventAgeDays,
      modelUrl,
    };
    if (c.serverUrl) s.serverUrl = c.serverUrl;
    started = await api.start(await withCachedModel(s, cached));
    for (const m of started.messages) debug(m);
  };

  /** The outbox sends what earlier pages queued even without a worker; rounds need the worker. */
  const startFederated = (c: ResolvedConfig) => {
    const serverUrl = c.serverUrl;
    if (!serverUrl) return;
    outbox = new Outbox({ siteKey: c.siteKey, store: () => store, sharing: () => consent?.sharing ?? false });
    outbox.start();
    if (!api || started.backend === 'none') return;
    // A training step on cpu takes seconds (wasm: tens to a few hundred ms): the worker could not
    // answer rank() in time between steps, so a cpu-only browser ranks but does not train.
    if (started.backend === 'cpu') return void debug('federation: no rounds on the cpu backend (too slow)');
    rounds = startFederation({
      config: { ...c, serverUrl },
      api,
      outbox,
      sharing: () => consent?.sharing ?? false,
      history: () => log.events.slice(),
      onVersion: (v) => {
        if (v !== started.modelVersion) started = { ...started, modelVersion: v, modelCached: false };
      },
    });
  };

  const init = async (input: unknown): Promise<Status> => {
    try {
      if (config) {
        debug('init() called again; the first configuration stays');
        return status();
      }
      const r = validateConfig(input);
      if (!r.ok) {
        // The one message a merchant must see even without debug: their integration is wrong.
        debug(`init(): ${r.error}; the SDK stays inactive`);
        console.warn(`[hearth] init(): ${r.error}; the SDK stays inactive`);
        return status();
      }
      const c = r.config;
      // The aggregator's routes are relative to it: 'https://fl.example' and '.../' mean the same.
      if (c.serverUrl) c.serverUrl = new URL(c.serverUrl.replace(/\/?$/, '/'), location.href).href;
      config = c;
      setDebug(c.debug);
      consent = new Consent(c.siteKey, c.requireConsent);
      if (consent.storing) store = openStore(c);
      if (c.autoCapture) startCapture({ threshold: c.impressionThreshold, emit: track });
      flushWhenLeaving(); // after capture: its last dwell event is written too
      // The stored history loads while the worker starts (both take a while; neither needs the other).
      const history = (async () => {
        const stored = store ? await store.recentEvents(HISTORY) : [];
        // Events tracked while the log was loading come after the stored ones.
        log.replace([...stored, ...log.events]);
      })();
      settled = false;
      ready = Promise.all([history, startWorker(c)])
        .then(() => {
          workerStarted = api !== null && started.backend !== 'none';
          startFederated(c);
        })
        .catch((e: unknown) => debug(`init failed (${describe(e)}); ranking in the shop order`))
        .finally(() => {
          settled = true;
        });
      await ready;
    } catch (e) {
      debug(`init failed (${describe(e)})`);
    }
    return status();
  };

  const rank = async (items: unknown, context?: RankContext): Promise<RankedItem[]> => {
    let ids: string[] = [];
    try {
      ids = candidates(items);
      if (!config || ids.length === 0) return originalOrder(ids);
      const asked = context?.timeoutMs;
      const timeout =
        typeof asked === 'number' && Number.isFinite(asked) && asked > 0 ? asked : config.rankTimeoutMs;
      const t0 = performance.now();
      // A worker that missed a deadline after it started is not waited for again until it answers:
      // one call at a time probes it, the others get the shop order at once (a dead or stuck worker
      // must not cost every rank() its timeout).
      if (stalled && probing) return originalOrder(ids);
      // A call that has already timed out must not reach the worker (it would delay the next ones).
      let late = false;
      // One .then() per answer: each promise step on the way back is a microtask the list waits for.
      const ask = (byIndex: boolean): Promise<RankReply | null> => {
        if (!lane || late) return Promise.resolve(null);
        hasRanked = true;
        encodedRev = log.rev; // the worker encodes this history now: no need to prepare it
        clearTimeout(prepareTimer); // nor to wake this thread for a prepare() that would find that out
        const encoded = byIndex ? known.encode(ids) : byId(ids);
        rankedEpoch = log.epoch;
        return lane
          .rank({
            history: log.sync(),
            candidates: encoded,
            now: Date.now(),
            utcOffsetMin: -new Date().getTimezoneOffset(),
            shopWeight: config?.shopWeight ?? 0.2,
          })
          .then(
            (answer) => {
              stalled = false; // it answers again
              // The page's indices name another catalogue (a new model's): once more, by id.
              if (answer && 'staleCatalog' in answer) {
                known.forget();
                return byIndex ? ask(false) : null;
              }
              if (answer?.learned) known.learn(answer.catalog, encoded.ids, answer.learned);
              return answer;
            },
            (e: unknown) => {
              log.resend(); // the worker may not have taken this history in
              throw e;
            },
          );
      };
      const work = settled ? ask(true) : ready.then(() => ask(true));
      if (stalled) {
        probing = true;
        const probed = () => {
          probing = false;
        };
        work.then(probed, probed);
        return originalOrder(ids);
      }
      const reply = await deadlines.within(work, timeout, null, (e) =>
        debug(`worker call failed (${describe(e)})`),
      );
      late = true;
      if (!reply && workerStarted) {
        stalled = true;
        debug('worker missed a rank() deadline; the shop order is used until it answers again');
      }
      // Only a complete answer for the input is trusted; anything else is the original order.
      const ranked = reply ? expandRanking(ids, reply.ranking) : null;
      if (!reply || !ranked) return originalOrder(ids);
      tensors = reply.tensors;
      if (reply.modelVersion !== started.modelVersion)
        started = { ...started, modelVersion: reply.modelVersion, modelCached: false };
      lastRank = {
        totalMs: performance.now() - t0,
        workerMs: reply.workerMs,
        modelMs: reply.modelMs,
        encoded: reply.encoded,
      };
      if (reply.features) features = reply.features; // a worker off the lane sends them in the reply
      personalised = reply.personalised === true;
      return ranked;
    } catch (e) {
      debug(`rank() failed (${describe(e)})`);
      return originalOrder(ids);
    }
  };

  const explain = async (itemId: unknown): Promise<Explanation> => {
    const id = typeof itemId === 'string' ? itemId : String(itemId);
    const none: Explanation = {
      itemId: id,
      drivers: [],
      text: 'No personal signal: shown in the shop order.',
    };
    try {
      if (!config || !api) return none;
      const work = ready.then(() =>
        api
          ? api.explain({
              history: log.events.slice(),
              itemId: id,
              now: Date.now(),
              utcOffsetMin: -new Date().getTimezoneOffset(),
            })
          : null,
      );
      return (await within(work, 2000, null)) ?? none;
    } catch {
      return none;
    }
  };

  const setConsent = async (granted: unknown): Promise<Status> => {
    try {
      if (!config || !consent) {
        debug('consent() before init(): ignored');
        return status();
      }
      if (typeof granted !== 'boolean') {
        debug('consent(granted): granted must be true or false');
        return status();
      }
      consent.set(granted);
      if (granted && !store) {
        store = openStore(config);
        // The session's events so far were kept in memory only; now they may be stored.
        for (const e of log.events) persist(e);
      }
      if (!granted) await wipe();
      else {
        outbox?.kick();
        rounds?.nudge();
      }
      await persistInWorker(granted);
    } catch (e) {
      debug(`consent() failed (${describe(e)})`);
    }
    return status();
  };

  /** Deletes the stored traces (events, cached model, queue); memory stays for this page. */
  const wipe = async (): Promise<boolean> => {
    if (!config) return false;
    await persistInWorker(false);
    store?.close();
    store = null;
    writes = [];
    // The worker dropped its personal weights with setPersist(false); the summary goes too.
    features = undefined;
    personalised = undefined;
    forgetClientId(config.siteKey);
    return destroy(config.siteKey);
  };

  const forget = async (): Promise<boolean> => {
    try {
      if (!config || !consent) return false;
      log.replace([]);
      known.forget(); // product ids the shop ranked, not the shopper's: cleared all the same
      const ok = await wipe();
      // The grant goes with the data; an explicit refusal stays (it holds nothing personal, and an
      // opt-out that forget() silently undid would be a trap).
      if (consent.state !== 'denied') consent.clear(config.requireConsent);
      if (consent.storing) store = openStore(config);
      await persistInWorker(store !== null);
      return ok;
    } catch (e) {
      debug(`forget() failed (${describe(e)})`);
      return false;
    }
  };

  const trainNow = async (): Promise<TrainResult> => {
    try {
      if (!config || !consent) return { trained: false, reason: 'not_initialized' };
      // It learns from the history: only from one the shopper agreed may be kept on the device.
      if (!consent.storing) return { trained: false, reason: 'no_consent' };
      await ready;
      if (!api || started.backend === 'none') return { trained: false, reason: 'no_model' };
      // Seconds per step on cpu: rank() calls would miss their deadlines meanwhile (as for rounds).
      if (started.backend === 'cpu') return { trained: false, reason: 'slow_backend' };
      const work = api.trainNow({
        history: log.events.slice(),
        now: Date.now(),
        utcOffsetMin: -new Date().getTimezoneOffset(),
      });
      const reply = await within(work, TRAIN_MS, null);
      if (!reply) return { trained: false, reason: 'failed' };
      if (!reply.trained) {
        if (reply.detail) debug(`trainNow(): ${reply.detail}`);
        return { trained: false, reason: reply.reason };
      }
      personalised = true;
      const { steps, lossBefore, lossAfter, modelVersion, ms } = reply;
      return { trained: true, steps, lossBefore, lossAfter, modelVersion, ms };
    } catch (e) {
      debug(`trainNow() failed (${describe(e)})`);
      return { trained: false, reason: 'failed' };
    }
  };

  const joinRound = async (): Promise<JoinResult> => {
    try {
      if (!config || !consent) return { joined: false, reason: 'not_initialized' };
      if (!config.serverUrl) return { joined: false, reason: 'no_server' };
      // Nothing leaves the device under GPC or without consent: not even the check-in.
      if (gpc()) return { joined: false, reason: 'gpc' };
      if (!consent.sharing) return { joined: false, reason: 'no_consent' };
      await ready;
      if (!rounds) return { joined: false, reason: started.backend === 'cpu' ? 'slow_backend' : 'no_model' };
      return await within(rounds.join(), JOIN_MS, { joined: false, reason: 'failed' });
    } catch (e) {
      debug(`joinRound() failed (${describe(e)})`);
      return { joined: false, reason: 'failed' };
    }
  };

  return {
    init,
    track,
    rank,
    explain,
    consent: setConsent,
    forget,
    trainNow,
    joinRound,
    status: () => {
      try {
        return status();
      } catch {
        return {
          initialized: false,
          backend: 'none',
          consent: 'pending',
          gpc: false,
          storing: false,
          sharing: false,
          events: 0,
          messages: [],
          recentEvents: [],
        };
      }
    },
  };
}

export type { Backend };
