// DP-FedAvg rounds through the real aggregator: an in-process server on 127.0.0.1 with the embedded
// store (PGlite in memory), driven only over its HTTP API. Every private client checks in each round
// (the server's Poisson coin decides who is sampled); a sampled client downloads the round's model,
// trains on its own sequence with the model core's client step (the code the SDK worker runs), and
// uploads its clipped delta with its round token. The server clips, sums, adds noise, charges the
// ledger and publishes a new version. Simulated clients share one process, and so one copy of each
// downloaded model version, as browsers share an HTTP cache per model checksum.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Dataset,
  decodeArtifact,
  type EncodedArtifact,
  encodeLocalUpdate,
  expectedShapes,
  type ModelConfig,
  recommenderFromArtifact,
  type TensorLayout,
  trainingPart,
  trainLocalUpdate,
} from '@hearth/models';
import { pino } from 'pino';
import { loadConfig } from '../../aggregator-server/src/config';
import { noiseMultiplierFor } from '../../aggregator-server/src/privacy/accountant';
import type { GaussianSource } from '../../aggregator-server/src/privacy/noise';
import { isSampled } from '../../aggregator-server/src/rounds/sampling';
import { startServer } from '../../aggregator-server/src/server';
import { openEmbeddedStore } from '../../aggregator-server/src/storage/embedded';
import { checkIn, type Json, upload } from '../../aggregator-server/src/testing/client';
import type { Quality } from './central';
import {
  createServerOptimizer,
  roundServerStep,
  type ServerOptimizerOptions,
  serverStep,
  stepsInHarness,
} from './server-optimizer';

export interface FederationOptions {
  readonly dataset: Dataset;
  readonly config: ModelConfig;
  readonly privateUsers: readonly number[];
  /** The model federation starts from (the public-only model). */
  readonly start: EncodedArtifact;
  /** Its test quality, when known: lets the validation gate keep the start model. */
  readonly startQuality?: Quality;
  /** Expected clients per round: q = clientsPerRound / privateUsers.length. */
  readonly clientsPerRound: number;
  readonly rounds: number;
  /** Target (ε, δ) after all rounds: the noise multiplier is derived from it. */
  readonly epsilon: number;
  readonly delta: number;
  readonly clipBound: number;
  readonly serverLr: number;
  readonly localSteps: number;
  readonly localLr: number;
  /**
   * What the rounds train, chosen by the server per round: 'encoder' (default, the browser's layout:
   * the shared encoder, item tables frozen) or 'full' (every float tensor, item tables included, as
   * DP-FedAvg for language models trains word embeddings; the clients opt in to item tables).
   */
  readonly layout?: 'encoder' | 'full';
  /** Items clients may use as training targets (see LocalTrainingParams.targetItems); all when absent. */
  readonly targetItems?: Uint8Array;
  /**
   * Applied by the server to each round's published average (post-processing, no privacy cost).
   * sgd is the aggregator's own round step (serverLr / serverItemTablesLr): one version per round.
   * momentum and adam keep state, so the harness steps and registers the stepped model as well,
   * which the next round trains. Default none.
   */
  readonly serverOptimizer?: ServerOptimizerOptions;
  /** Evaluate the published model after every k rounds (and after the last). */
  readonly evalEvery: number;
  readonly evaluate: (artifact: EncodedArtifact) => Promise<Quality>;
  /**
   * Scores a model on data the server may use (the public users' validation items), at the same
   * rounds as `evaluate`: the run reports the best-validated version besides the last, as a server
   * would keep the best and roll back the rest.
   */
  readonly validate?: (artifact: EncodedArtifact) => Promise<number>;
  /**
   * 'all' (default): every private client checks in each round and the server's coin answers.
   * 'sampled': only the clients that coin picks check in, found with the server's own function and
   * secret; the others would only be told not_sampled. Saves ~N requests per round at scale.
   */
  readonly checkIns?: 'all' | 'sampled';
  /** Tests only: seeded noise. Otherwise the server's production (crypto) noise. */
  readonly noise?: GaussianSource;
  readonly log?: (line: string) => void;
}

export interface RoundStats {
  readonly round: number;
  readonly version: number;
  /** Cumulative ε from the server's ledger after this round. */
  readonly epsilon: number;
  readonly sampled: number;
  /** Updates the server acknowledged. */
  readonly received: number;
  /** Updates the SERVER had to clip (0 when every client clipped on the device). */
  readonly serverClipped: number;
  /** Clients whose delta was above the bound before clipping on the device. */
  readonly clientClipped: number;
  readonly meanNormBeforeClip: number;
  /** Largest norm of what left a device: at most the clip bound. */
  readonly maxUploadedNorm: number;
  readonly seconds: number;
  /** Where the round's time went: check-ins of every client, local training + uploads, the rest. */
  readonly checkInSeconds: number;
  readonly trainSeconds: number;
  readonly quality?: Quality;
  /** NDCG@10 on the public users' validation items (the gate), when evaluated. */
  readonly validation?: number;
}

export interface FederationResult {
  readonly q: number;
  readonly z: number;
  readonly epsilon: number;
  readonly delta: number;
  readonly rounds: RoundStats[];
  readonly final: EncodedArtifact;
  readonly finalQuality: Quality;
  /** The evaluated round with the best validation score (round 0: the start model), when validated. */
  readonly best?: { readonly round: number; readonly validation: number; readonly quality: Quality };
  readonly seconds: number;
}

const SECRET = 'simulation-secret-0123456789';
const ADMIN = 'simulation-admin-0123456789';
const CHECKIN_CONCURRENCY = 16;
/** Uploads a simulated client may leave running while the next one trains. */
const UPLOADS_IN_FLIGHT = 16;

export async function runFederation(o: FederationOptions): Promise<FederationResult> {
  const started = performance.now();
  const population = o.privateUsers.length;
  const q = o.clientsPerRound / population;
  if (!(q > 0 && q <= 1))
    throw new Error(`clients per round (${o.clientsPerRound}) must be in 1..${population} private clients`);
  const { noiseMultiplier: z } = noiseMultiplierFor({
    samplingRate: q,
    rounds: o.rounds,
    delta: o.delta,
    epsilon: o.epsilon,
  });
  o.log?.(`federation: ${population} private clients, q = ${q.toPrecision(4)}, z = ${z.toPrecision(4)}`);

  const dir = await mkdtemp(join(tmpdir(), 'hearth-simulate-'));
  const store = await openEmbeddedStore({ dir, inMemory: true });
  const config = loadConfig(
    {},
    {
      host: '127.0.0.1',
      port: 0,
      secret: SECRET,
      adminToken: ADMIN,
      logLevel: 'silent',
      privacy: { delta: o.delta, epsilonBudget: o.epsilon },
      rounds: {
        defaults: {
          q,
          population,
          z,
          clipBound: o.clipBound,
          minClients: 1,
          ...roundServerStep(o.serverOptimizer, o.serverLr),
          durationSec: 24 * 3600,
          // null: no tensor is left out of the round's layout, the item tables included.
          ...(o.layout === 'full' ? { excludeTensors: null } : {}),
        },
        tokenTtlSec: 24 * 3600,
        tickSec: 3600,
      },
      // Every simulated client comes from 127.0.0.1: lift the per-source limit on new client ids.
      limits: { checkInsPerMinutePerSource: 1_000_000_000 },
    },
  );
  const server = await startServer(config, {
    store,
    log: pino({ level: 'silent' }),
    ...(o.noise ? { noise: o.noise } : {}),
  });
  const http = api(server.url);
  try {
    const registered = await http.admin('POST', '/v1/admin/models', {
      manifest: o.start.manifest,
      weightsBase64: Buffer.from(o.start.weights).toString('base64'),
      note: 'public-only model',
    });
    const first = registered.version as number;
    let current = { version: first, artifact: await http.download(first) };
    const clients = o.privateUsers.map((u) => ({
      id: `sim-client-${u}`,
      history: trainingPart(o.dataset.users[u]!.events),
    }));
    const stats: RoundStats[] = [];
    let finalQuality: Quality | undefined;
    const optimizer =
      o.serverOptimizer && stepsInHarness(o.serverOptimizer)
        ? createServerOptimizer(o.serverOptimizer)
        : null;
    // The start model is a candidate too: a gate may keep it if no round beats it.
    let best: FederationResult['best'] =
      o.validate && o.startQuality
        ? { round: 0, validation: await o.validate(o.start), quality: o.startQuality }
        : undefined;
    for (let t = 1; t <= o.rounds; t++) {
      const roundStart = performance.now();
      const round = await http.admin('POST', '/v1/admin/rounds', {});
      if (round.modelVersion !== current.version)
        throw new Error(
          `round ${round.id} trains version ${round.modelVersion}, expected ${current.version}`,
        );
      const model = recommenderFromArtifact(
        await decodeArtifact(current.artifact.manifest, current.artifact.weights, {
          shapes: expectedShapes(o.config),
        }),
      );
      let sampled = 0;
      let clientClipped = 0;
      let normSum = 0;
      let maxUploadedNorm = 0;
      let checkInSeconds = 0;
      let trainStart = 0;
      const inFlight = pending();
      try {
        const checkInStart = performance.now();
        // 'sampled': only the clients the server's own coin picks check in (see README, Scale).
        const checkingIn =
          o.checkIns === 'sampled'
            ? clients.filter((c) => isSampled(SECRET, round.id, c.id, round.q))
            : clients;
        const answers = await mapLimit(checkingIn, CHECKIN_CONCURRENCY, async (c) => {
          const r = await retried(() => checkIn(server.url, c.id));
          if (r.status !== 200) throw new Error(`check-in of ${c.id}: ${r.status} ${JSON.stringify(r.json)}`);
          if (o.checkIns === 'sampled' && r.json.status !== 'sampled')
            throw new Error(
              `${c.id}: the server did not sample a client its coin picks: ${JSON.stringify(r.json)}`,
            );
          return r.json as Json;
        });
        checkInSeconds = (performance.now() - checkInStart) / 1000;
        trainStart = performance.now();
        for (let i = 0; i < checkingIn.length; i++) {
          const a = answers[i];
          if (a.status !== 'sampled') continue;
          sampled++;
          const update = await trainLocalUpdate(model, checkingIn[i]!.history, a.layout as TensorLayout, {
            localSteps: o.localSteps,
            learningRate: o.localLr,
            clipBound: a.clipBound,
            allowItemTables: o.layout === 'full',
            ...(o.targetItems ? { targetItems: o.targetItems } : {}),
          });
          if (update.clipped) clientClipped++;
          normSum += update.normBeforeClip;
          maxUploadedNorm = Math.max(maxUploadedNorm, l2(update.values));
          const body = encodeLocalUpdate(update, { roundId: a.roundId, modelVersion: a.modelVersion });
          const id = checkingIn[i]!.id;
          // Not awaited here: the next client trains while this one uploads, and updates arriving
          // together share one group commit of the server's running sum (one sum write per batch;
          // awaited one by one, every ~1.5 MB full-layout update would rewrite the sum on its own).
          inFlight.add(
            retried(() => upload(server.url, a.roundId, id, a.token, body)).then((res) => {
              if (res.status !== 202 && res.json?.status !== 'duplicate')
                throw new Error(`upload of ${id}: ${res.status} ${JSON.stringify(res.json)}`);
            }),
          );
          if (inFlight.size >= UPLOADS_IN_FLIGHT) await inFlight.next();
        }
        await inFlight.all();
      } finally {
        model.dispose();
      }
      const trainSeconds = (performance.now() - trainStart) / 1000;
      const closed = await http.admin('POST', `/v1/admin/rounds/${round.id}/close`, {});
      if (closed.outcome !== 'committed')
        throw new Error(`round ${round.id} was ${closed.outcome}: ${closed.round.reason}`);
      let version = closed.round.resultVersion as number;
      let artifact = await http.download(version);
      if (optimizer) {
        // The server's optimizer step on the released average, registered as the next round's model.
        const stepped = await serverStep(optimizer, current.artifact, artifact, o.serverLr, {
          serverOptimizer: optimizer.options.kind,
          afterRound: round.id,
        });
        const registered = await http.admin('POST', '/v1/admin/models', {
          manifest: stepped.manifest,
          weightsBase64: Buffer.from(stepped.weights).toString('base64'),
          note: `server ${optimizer.options.kind} step after round ${round.id}`,
        });
        version = registered.version as number;
        artifact = await http.download(version);
      }
      current = { version, artifact };
      const ledger = await http.get('/v1/privacy/ledger');
      const evalNow = t % o.evalEvery === 0 || t === o.rounds;
      const quality = evalNow ? await o.evaluate(current.artifact) : undefined;
      const validation = evalNow && o.validate ? await o.validate(current.artifact) : undefined;
      if (quality) finalQuality = quality;
      if (quality && validation !== undefined && (best === undefined || validation > best.validation))
        best = { round: t, validation, quality };
      const s: RoundStats = {
        round: t,
        version,
        epsilon: ledger.epsilonSpent,
        sampled,
        received: closed.round.received,
        serverClipped: closed.round.clipped,
        clientClipped,
        meanNormBeforeClip: sampled > 0 ? normSum / sampled : 0,
        maxUploadedNorm,
        seconds: (performance.now() - roundStart) / 1000,
        checkInSeconds,
        trainSeconds,
        ...(quality ? { quality } : {}),
        ...(validation === undefined ? {} : { validation }),
      };
      stats.push(s);
      o.log?.(
        `round ${t}: ${sampled} clients (${clientClipped} clipped on device, mean norm ${s.meanNormBeforeClip.toFixed(3)}), ` +
          `ε = ${s.epsilon.toFixed(3)}, ${s.seconds.toFixed(1)} s (check-ins ${checkInSeconds.toFixed(1)} s, training ${trainSeconds.toFixed(1)} s)` +
          (quality ? `; NDCG@10 ${quality['NDCG@10'].toFixed(4)} HR@10 ${quality['HR@10'].toFixed(4)}` : '') +
          (validation === undefined ? '' : ` (validation ${validation.toFixed(4)})`),
      );
    }
    return {
      q,
      z,
      epsilon: stats.at(-1)?.epsilon ?? 0,
      delta: o.delta,
      rounds: stats,
      final: current.artifact,
      finalQuality: finalQuality ?? (await o.evaluate(current.artifact)),
      ...(best ? { best } : {}),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function l2(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return Math.sqrt(s);
}

/** The few HTTP calls the simulation makes besides check-in and upload. */
function api(url: string) {
  const json = async (res: Response, what: string): Promise<Json> => {
    const body = await res.json();
    if (!res.ok) throw new Error(`${what}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    async admin(method: string, path: string, body: unknown): Promise<Json> {
      const res = await retried(() =>
        fetch(url + path, {
          method,
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
      return json(res, `${method} ${path}`);
    },
    async get(path: string): Promise<Json> {
      return json(await retried(() => fetch(url + path)), `GET ${path}`);
    },
    /** A model version as a client fetches it: manifest, then weights (verified when decoded). */
    async download(version: number): Promise<EncodedArtifact> {
      const manifest = await json(
        await retried(() => fetch(`${url}/v1/models/${version}/manifest.json`)),
        'manifest',
      );
      const res = await retried(() => fetch(`${url}/v1/models/${version}/weights.bin`));
      if (!res.ok) throw new Error(`weights of version ${version}: ${res.status}`);
      return { manifest, weights: new Uint8Array(await res.arrayBuffer()) };
    },
  };
}

/**
 * Retries a request that failed at the socket level: after an evaluation pause, fetch may reuse a
 * keep-alive connection the server has just closed ("fetch failed"). Safe for every call here:
 * check-ins are answered by a deterministic coin, an upload sent twice is acknowledged as a
 * duplicate, and a request whose connection was already closed never reached the server.
 */
async function retried<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof TypeError && e.message === 'fetch failed') || i >= attempts) throw e;
    }
  }
}

/**
 * A set of running uploads: next() waits for any one to finish, all() for every one; the first
 * failure rejects (and is not lost if nobody waits at that moment).
 */
function pending() {
  const running = new Set<Promise<void>>();
  let failure: unknown = null;
  return {
    get size() {
      return running.size;
    },
    add(p: Promise<void>) {
      const tracked: Promise<void> = p.then(
        () => void running.delete(tracked),
        (e: unknown) => {
          running.delete(tracked);
          failure ??= e;
        },
      );
      running.add(tracked);
    },
    async next() {
      await Promise.race(running);
      if (failure !== null) throw failure;
    },
    async all() {
      await Promise.all(running);
      if (failure !== null) throw failure;
    },
  };
}

/** Runs fn over items with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
