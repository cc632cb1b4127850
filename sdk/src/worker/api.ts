// What the worker does for the page: start (backend, model), rank, explain. Its only shopper state is
// a copy of the page's history that each rank() and prepare() brings up to date (../history), so a
// track() on the page changes the very next rank(); the other calls bring the whole history.
import type { Interaction } from '@hearth/models';
import * as tf from '@tensorflow/tfjs';
import { transfer } from 'comlink';
import { HistoryMirror } from '../history';
import type {
  ExplainRequest,
  ParticipateReply,
  ParticipateRequest,
  PrepareRequest,
  RankReply,
  RankRequest,
  StaleCatalog,
  TrainNowReply,
  TrainNowRequest,
  WorkerApi,
  WorkerStart,
  WorkerStarted,
} from '../protocol';
import { buffers } from '../ranking';
import { Store } from '../storage';
import type { Backend, Explanation, FeatureSummary } from '../types';
import { chooseBackend } from './backend';
import { affinityTerms, blendCompact } from './blend';
import { resolveCandidates } from './candidates';
import { buildFeatures, type Catalog, EventCache, type Features } from './features';
import { checkIn, RoundModels, trainForRound } from './federated';
import { buildModel, fetchLatest, type LoadedModel, loadCached } from './model';
import { personalise, summarise } from './personal';
import { CANDIDATE_BUCKETS, padded, Scorer } from './scoring';

/** Scores for explain() and the warm-up: one-off sequences, padded on WebGPU like rank()'s lists. */
async function scoreOnce(m: LoadedModel, history: Interaction[], candidates: number[], pad: boolean) {
  const list = pad ? padded(candidates) : candidates;
  return (await m.recommender.scoreCandidates(history, list)).subarray(0, candidates.length);
}

function message(prefix: string, e: unknown): string {
  return `${prefix} (${e instanceof Error ? e.message : String(e)})`.slice(0, 300);
}

export function createWorkerApi(): WorkerApi {
  let model: LoadedModel | null = null;
  let store: Store | null = null;
  let siteKey = '';
  let maxAgeMs = 30 * 86_400_000;
  let modelUrl: string | undefined;
  let serverUrl: string | undefined;
  let backend: Backend = 'cpu';
  const roundModels = new RoundModels();
  const scorer = new Scorer();
  const history = new HistoryMirror();
  // rank() and prepare() see the same event objects call after call: each is resolved once.
  let events: EventCache | null = null;
  const eventsOf = (catalog: Catalog) => {
    if (events?.catalog !== catalog) events = new EventCache(catalog);
    return events;
  };
  /** What the last rank() derived, summarised for status() only when asked (features()). */
  let lastFeatures: { features: Features; model: LoadedModel } | null = null;

  const openStore = () => new Store(siteKey, { maxEvents: 1, maxAgeMs, maxOutbox: 20 });

  async function start(s: WorkerStart): Promise<WorkerStarted> {
    const messages: string[] = [];
    siteKey = s.siteKey;
    maxAgeMs = s.maxEventAgeDays * 86_400_000;
    store = s.persist ? openStore() : null;
    const url = s.modelUrl;
    modelUrl = url;
    serverUrl = s.serverUrl;
    if (!url) return { backend: 'none', messages };
    const t0 = performance.now();
    // Read (cache) or download, and verify, while the backend initialises; tensors come after.
    const loading = (async () =>
      (await loadCached(url, store, s.cached)) ?? (await fetchLatest(url, store)))();
    loading.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
    const choice = await chooseBackend(s.backends, s.assetsUrl);
    const backendMs = performance.now() - t0;
    for (const skipped of choice?.skipped ?? []) messages.push(`backend ${skipped}`);
    if (!choice) {
      messages.push('no backend usable; ranking in the shop order');
      return { backend: 'none', messages };
    }
    let loaded: LoadedModel | undefined;
    try {
      const artifact = await loading;
      if (!artifact) throw new Error('no model');
      loaded = buildModel(artifact);
      const modelMs = performance.now() - t0;
      await warmUp(loaded, choice.backend);
      model = loaded;
      backend = choice.backend;
      scorer.padShapes = backend === 'webgpu';
      // With an aggregator, its latest pointer says which version is current (it also names this one).
      if (serverUrl) void refresh();
      else if (loaded.fromCache) void refresh();
      const timings = { backendMs, modelMs, warmUpMs: performance.now() - t0 - modelMs };
      return {
        backend: choice.backend as Backend,
        modelVersion: loaded.version,
        modelCached: loaded.fromCache,
        timings,
        messages,
      };
    } catch (e) {
      loaded?.recommender.dispose();
      messages.push(message('model could not be loaded; ranking in the shop order', e));
      return { backend: 'none', messages };
    }
  }

  /**
   * Compiles the shapes rank() will use, so the first real call does not stall: WebGPU compiles a
   * shader per shape (seconds); wasm and cpu need one pass to settle.
   */
  async function warmUp(m: LoadedModel, backend: Backend): Promise<void> {
    const history: Interaction[] = [{ item: 1, action: 'view' }];
    const buckets = backend === 'webgpu' ? CANDIDATE_BUCKETS.slice(0, 3) : CANDIDATE_BUCKETS.slice(0, 1);
    for (const n of buckets) await scoreOnce(m, history, new Array<number>(n).fill(1), backend === 'webgpu');
  }

  /**
   * Looks for a newer model: the aggregator's latest pointer when there is an aggregator, else the
   * configured manifest (revalidated). A new version is downloaded, verified (size, SHA-256, shapes),
   * warmed up and swapped in between two rank() calls; on any failure the current one stays.
   */
  let refreshing: Promise<void> | null = null;
  function refresh(): Promise<void> {
    refreshing ??= (async () => {
      let next: LoadedModel | undefined;
      try {
        const current = model;
        if (!current || !modelUrl) return;
        let manifestUrl = modelUrl;
        let version: number | undefined;
        if (serverUrl) {
          const res = await fetch(new URL('v1/models/latest', serverUrl).href, {
            cache: 'no-cache',
            credentials: 'omit',
          });
          if (!res.ok) return;
          const latest = (await res.json()) as {
            version: number;
            weightsSha256: string;
            manifestUrl: string;
          };
          version = latest.version;
          if (latest.weightsSha256 === current.checksum) {
            current.serverVersion = version;
            current.version = String(version);
            return;
          }
          // Its routes are named from its root; the page may reach it under a prefix (a proxy).
          manifestUrl = new URL(latest.manifestUrl.replace(/^\/+/, ''), serverUrl).href;
        }
        const fetched = await fetchLatest(manifestUrl, store, current.checksum, modelUrl);
        if (!fetched || model !== current) return;
        next = buildModel(fetched, current);
        if (version !== undefined) {
          next.serverVersion = version;
          next.version = String(version);
        }
        await warmUp(next, backend);
        swap(next);
      } catch {
        // offline or a bad new version: keep ranking with the current one
        if (next && next !== model) next.recommender.dispose();
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function checkForUpdate(): Promise<string | null> {
    await refresh();
    return model?.version ?? null;
  }

  // A replaced model is disposed once no rank() or explain() still uses it.
  let busy = 0;
  let retired: LoadedModel[] = [];
  function swap(next: LoadedModel): void {
    if (model) retired.push(model);
    model = next;
    dropPersonal(); // trained from the old weights: the new version replaces it
    release();
  }

  // trainNow()'s copy of `model`, fine-tuned on this shopper's history: it ranks while it exists.
  let personal: LoadedModel | null = null;
  let personalising = false;
  /** Bumped whenever personal weights are dropped: a training that started before is stale. */
  let personalEpoch = 0;
  const ranking = () => personal ?? model;
  function dropPersonal(): void {
    personalEpoch++;
    if (personal) retired.push(personal);
    personal = null;
    release();
  }
  function release(): void {
    if (busy > 0) return;
    for (const m of retired) m.recommender.dispose();
    retired = [];
  }
  async function using<T>(f: (m: LoadedModel) => Promise<T>, m = model): Promise<T | null> {
    if (!m) return null;
    busy++;
    try {
      return await f(m);
    } finally {
      busy--;
      release();
    }
  }

  function rank(r: RankRequest): Promise<RankReply | StaleCatalog | null> {
    const t0 = performance.now();
    // Applied first, in the order the page posted: even a call that cannot rank keeps the copy right.
    const copy = history.apply(r.history);
    return using(async (m) => {
      const resolved = resolveCandidates(r.candidates, m.catalog, m.catalogId, m.recommender.config.numItems);
      if (!resolved) return { staleCatalog: m.catalogId };
      const { indices, learned } = resolved;
      const features = buildFeatures(copy, m.catalog, r.now, r.utcOffsetMin, eventsOf(m.catalog));
      const affinity = affinityTerms(indices, features, m.catalog, r.shopWeight);
      const n = indices.length;
      const known: number[] = [];
      for (let i = 0; i < n; i++) if (indices[i]! > 0) known.push(indices[i]!);
      let scores: Float32Array | null = null;
      let encoded = false;
      let modelMs = 0;
      if (known.length > 0 && features.sequence.length > 0) {
        const m0 = performance.now();
        const pending = scorer.score(m.recommender, features.sequence, known);
        encoded = scorer.lastEncoded; // score() sets it before its first await
        const knownScores = await pending;
        modelMs = performance.now() - m0;
        scores = new Float32Array(n).fill(Number.NaN);
        for (let i = 0, k = 0; i < n; i++) if (indices[i]! > 0) scores[i] = knownScores[k++]!;
      }
      const compact = blendCompact(indices, scores, features, m.catalog, r.shopWeight, affinity);
      lastFeatures = { features, model: m };
      const tensors = tf.memory().numTensors;
      return transfer(
        {
          ranking: compact,
          tensors,
          workerMs: performance.now() - t0,
          modelMs,
          encoded,
          modelVersion: m.version,
          personalised: m === personal,
          catalog: m.catalogId,
          ...(learned.length > 0 ? { learned } : {}),
        },
        buffers(compact),
      );
    }, ranking());
  }

  // The encoder's pass for a history the page will likely rank next (client.ts sends it in the task
  // after a click, or once views have been quiet for a moment): that rank() then only scores.
  function prepare(r: PrepareRequest): Promise<boolean> {
    const copy = history.apply(r.history);
    return using(async (m) => {
      const { sequence } = buildFeatures(copy, m.catalog, r.now, r.utcOffsetMin, eventsOf(m.catalog));
      return sequence.length > 0 && scorer.prepare(m.recommender, sequence);
    }, ranking()).then((encoded) => encoded === true);
  }

  async function features(): Promise<FeatureSummary | undefined> {
    const last = lastFeatures;
    lastFeatures = null;
    return last ? summarise(last.features, last.model) : undefined;
  }

  function explain(r: ExplainRequest): Promise<Explanation | null> {
    return using((m) => explainWith(m, r), ranking());
  }

  async function explainWith(m: LoadedModel, r: ExplainRequest): Promise<Explanation> {
    const target = m.catalog.index.get(r.itemId);
    const f = buildFeatures(r.history, m.catalog, r.now, r.utcOffsetMin);
    if (target === undefined)
      return {
        itemId: r.itemId,
        drivers: [],
        text: 'This product is new to the model: shown near the shop’s position.',
      };
    // Leave-one-out over the most recent interactions: how much does the score drop without each one?
    const seq = f.sequence.slice(-m.recommender.config.maxLen);
    const recent = Math.min(seq.length, 10);
    const pad = backend === 'webgpu';
    const full = (await scoreOnce(m, seq, [target], pad))[0] ?? 0;
    const contributions = new Map<string, number>();
    for (let k = seq.length - recent; k < seq.length; k++) {
      const without = seq.slice(0, k).concat(seq.slice(k + 1));
      const score = without.length ? ((await scoreOnce(m, without, [target], pad))[0] ?? 0) : 0;
      const id = f.sequenceIds[f.sequenceIds.length - seq.length + k]!;
      contributions.set(id, (contributions.get(id) ?? 0) + (full - score));
    }
    const positive = [...contributions].filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1]);
    const total = positive.reduce((s, [, c]) => s + c, 0);
    const drivers = positive.slice(0, 3).map(([itemId, c]) => ({ itemId, weight: c / total }));
    const category = m.catalog.category[target] ?? 0;
    const categoryName = m.categoryNames[category];
    const parts: string[] = [];
    if (drivers.length) parts.push(`Because you looked at ${drivers.map((d) => d.itemId).join(', ')}`);
    if (categoryName && (f.category.get(category) ?? 0) > 0.2) parts.push(`you browse ${categoryName}`);
    if (categoryName && (f.timeOfDay.get(category) ?? 0) > 0.1)
      parts.push(`you often shop ${categoryName} in the ${f.context.partOfDay}`);
    const text = parts.length
      ? `${parts.join(' and ')}.`
      : 'No strong personal signal: close to the shop’s order.';
    return { itemId: r.itemId, drivers, text };
  }

  async function setPersist(persist: boolean, historyEpoch: number): Promise<void> {
    if (persist && !store && siteKey) store = openStore();
    if (!persist) {
      store?.close();
      store = null;
      history.clear(historyEpoch); // the page sends it whole again (it may be kept in memory only)
      scorer.drop(); // the kept user vector is derived from the history
      lastFeatures = null; // and so are these
      events = null; // and the events resolved
      dropPersonal(); // weights learned from the history are a trace of it too
    }
  }

  async function trainNow(r: TrainNowRequest): Promise<TrainNowReply> {
    const base = model;
    if (!base) return { trained: false, reason: 'no_model' };
    if (personalising) return { trained: false, reason: 'busy' };
    personalising = true;
    const t0 = performance.now();
    const epoch = personalEpoch;
    try {
      const sequence = buildFeatures(r.history, base.catalog, r.now, r.utcOffsetMin).sequence;
      const done = await using((m) => personalise(m, sequence), base);
      if (!done) return { trained: false, reason: 'too_short' };
      // A new version, a forget() or a withdrawn consent came while it trained: these weights must go.
      if (model !== base || epoch !== personalEpoch) {
        done.model.recommender.dispose();
        return {
          trained: false,
          reason: 'failed',
          detail: 'dropped: the model or consent changed meanwhile',
        };
      }
      dropPersonal();
      personal = done.model;
      const { steps, lossBefore, lossAfter } = done;
      return {
        trained: true,
        steps,
        lossBefore,
        lossAfter,
        modelVersion: base.version,
        ms: performance.now() - t0,
      };
    } catch (e) {
      return { trained: false, reason: 'failed', detail: message('training failed', e) };
    } finally {
      personalising = false;
    }
  }

  /**
   * One federated round, if this client is sampled: the round's model (cached by checksum), a few
   * steps on the shopper's own sequence with yields between them, the clipped delta in the round's
   * layout, encoded. The page decides whether it may leave (consent) and sends it.
   */
  async function participate(r: ParticipateRequest): Promise<ParticipateReply> {
    const server = r.serverUrl;
    const answer = await checkIn(r);
    if (answer.status !== 'sampled') return answer;
    const { offer } = answer;
    const roundModel = await roundModels.get(server, offer.modelVersion, model);
    // Held like a rank() holds its model: a swap during training must not dispose these weights.
    const update = await using(async (m) => {
      const f = buildFeatures(r.history, m.catalog, r.now, r.utcOffsetMin);
      return trainForRound(m, f.sequence, offer);
    }, roundModel);
    if (!update) return { status: 'skipped', retryAfterMs: Date.parse(offer.deadline) - Date.now() };
    return { status: 'trained', offer, update };
  }

  return { start, rank, prepare, features, explain, setPersist, participate, checkForUpdate, trainNow };
}
