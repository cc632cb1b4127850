// The worker's side of a federated round: check in with the aggregator, and when sampled, train the
// round's model on the shopper's own sequence and return the encoded, clipped update. The page queues
// and sends it (outbox.ts); nothing here touches storage, and nothing but the check-in leaves here.
//
// Training is the model core's (`trainLocalUpdate`: only the shared encoder, plain SGD, delta clipped
// to the round's bound on the device). The worker is single-threaded, so it yields after every step:
// a rank() that arrives meanwhile is served between two steps with the current weights.
import {
  encodeLocalUpdate,
  type Interaction,
  layoutHash,
  parseManifest,
  type TensorLayout,
  trainLocalUpdate,
} from '@hearth/models';
import * as tf from '@tensorflow/tfjs';
import type { CheckInReply, CheckInRequest, RoundOffer, TrainReply } from '../protocol';
import { buildModel, decode, type LoadedModel } from './model';

/** Steps per round: each sees the shopper's whole sequence; a few are enough for a delta to matter. */
export const LOCAL_STEPS = 5;
/** Plain SGD (stateless: nothing about past rounds stays on the device). */
export const LEARNING_RATE = 0.05;

/**
 * Waits until the GPU has done the step's work (webgpu only; other backends finish an op before it
 * returns). Without it the steps only queue work, and a rank() in between would wait behind all of it.
 */
async function gpuDone(): Promise<void> {
  const backend = tf.backend() as {
    submitQueue?: () => void;
    device?: { queue: { onSubmittedWorkDone(): Promise<void> } };
  };
  if (!backend.device || !backend.submitQueue) return;
  backend.submitQueue();
  await backend.device.queue.onSubmittedWorkDone();
}

/** Lets queued messages (rank calls) run between two training steps. */
export const yieldToEvents = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function retryAfterMs(res: Response, fallbackSec: number): number {
  const header = res.headers.get('retry-after');
  const sec = header === null ? Number.NaN : Number(header);
  if (Number.isFinite(sec) && sec >= 0) return sec * 1000;
  const date = header === null ? Number.NaN : Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : fallbackSec * 1000;
}

/** POST /v1/rounds/checkin; the reply says whether this client trains now and when to ask again. */
export async function checkIn(r: CheckInRequest): Promise<CheckInReply> {
  const res = await fetch(new URL('v1/rounds/checkin', r.serverUrl).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: r.clientId }),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok) return { status: 'retry', retryAfterMs: retryAfterMs(res, 600) };
  const json = (await res.json()) as Record<string, unknown>;
  if (json.status === 'no_round') return { status: 'no_round', retryAfterMs: retryAfterMs(res, 60) };
  if (json.status !== 'sampled') return { status: 'not_sampled', retryAfterMs: retryAfterMs(res, 60) };
  const offer = json as unknown as RoundOffer;
  // The layout must be what its hash says: a mismatch means a proxy or a bug mangled the offer.
  if (!Array.isArray(offer.layout) || layoutHash(offer.layout) !== offer.layoutHash)
    return { status: 'retry', retryAfterMs: 600_000 };
  return { status: 'sampled', offer };
}

/**
 * The round's model, cached by checksum: the ranking model when its weights are the round's
 * (the usual case), else the last round model, else a download (immutable URLs: the browser's HTTP
 * cache answers a second time) verified by size and SHA-256 before any tensor is built.
 */
export class RoundModels {
  private cached: LoadedModel | null = null;

  async get(serverUrl: string, version: number, current: LoadedModel | null): Promise<LoadedModel> {
    if (current?.serverVersion === version) return current;
    if (this.cached?.serverVersion === version) return this.cached;
    const manifestUrl = new URL(`v1/models/${version}/manifest.json`, serverUrl).href;
    const manifestText = await (await ok(manifestUrl)).text();
    const checksum = parseManifest(JSON.parse(manifestText)).weightsSha256;
    if (current && current.checksum === checksum) {
      current.serverVersion = version;
      return current;
    }
    const weights = await (await ok(new URL('weights.bin', manifestUrl).href)).arrayBuffer();
    const next = buildModel(await decode(manifestText, weights, false));
    next.serverVersion = version;
    this.cached?.recommender.dispose();
    this.cached = next;
    return next;
  }

  dispose(): void {
    this.cached?.recommender.dispose();
    this.cached = null;
  }
}

async function ok(url: string): Promise<Response> {
  const res = await fetch(url, { credentials: 'omit' });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res;
}

/** Trains `model` on `sequence` for the round and encodes the clipped delta; null when too short. */
export async function trainForRound(
  model: LoadedModel,
  sequence: Interaction[],
  offer: RoundOffer,
  options: { localSteps?: number; signal?: AbortSignal } = {},
): Promise<TrainReply | null> {
  if (sequence.length < 2) return null;
  const stepMs: number[] = [];
  const startedAt = Date.now();
  let t = performance.now();
  const update = await trainLocalUpdate(
    model.recommender,
    sequence.slice(-(model.recommender.config.maxLen + 1)),
    offer.layout as TensorLayout,
    {
      localSteps: options.localSteps ?? LOCAL_STEPS,
      learningRate: LEARNING_RATE,
      clipBound: offer.clipBound,
      ...(options.signal ? { signal: options.signal } : {}),
      afterStep: async () => {
        await gpuDone();
        stepMs.push(performance.now() - t);
        await yieldToEvents();
        t = performance.now();
      },
    },
  );
  const body = encodeLocalUpdate(update, { roundId: offer.roundId, modelVersion: offer.modelVersion });
  return {
    body,
    steps: update.steps,
    stepMs,
    startedAt,
    endedAt: Date.now(),
    norm: Math.min(update.normBeforeClip, offer.clipBound),
    clipped: update.clipped,
  };
}
