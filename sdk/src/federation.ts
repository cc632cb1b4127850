// The page's side of federated learning: when to take part in a round and what may leave. The worker
// does the work (check-in, training, encoding: worker/federated.ts); this decides when, and hands the
// update to the outbox. Only the tab that sends (outbox.ts) takes part, so two tabs of one shopper
// never train or upload twice for a round.
//
// A round is joined when the page is idle, the shopper shares (consent and no Global Privacy Control),
// and the browser does not say the device is saving data or battery; joinRound() asks at once instead
// (an explicit request, so idle time and the data/battery hint are not waited for; consent and GPC
// still are). Nothing but the check-in (a random client id) and the clipped update ever leaves.
import type { ResolvedConfig } from './config';
import type { StoredEvent } from './event';
import { debug, describe } from './log';
import type { Outbox } from './outbox';
import type { ParticipateReply, WorkerApi } from './protocol';
import type { FederationStatus, JoinResult } from './types';

interface Deps {
  config: ResolvedConfig & { serverUrl: string };
  api: WorkerApi;
  outbox: Outbox;
  sharing: () => boolean;
  history: () => StoredEvent[];
  /** The model version ranking now changed (a new version was swapped in). */
  onVersion: (version: string) => void;
}

/** The aggregator names its routes from its root ('/v1/...'); the SDK may reach it under a prefix. */
export function serverPath(path: string, serverUrl: string): string {
  return new URL(path.replace(/^\/+/, ''), serverUrl).href;
}

function clientKey(siteKey: string): string {
  return `hearth:${siteKey}:client`;
}

/** A random id for check-ins, kept per site key so the sampling coin is not re-rolled by a reload. */
export function clientId(siteKey: string): string {
  try {
    const saved = localStorage.getItem(clientKey(siteKey));
    if (saved && /^[A-Za-z0-9_-]{16,64}$/.test(saved)) return saved;
  } catch {
    // no localStorage: a fresh id per page
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  try {
    localStorage.setItem(clientKey(siteKey), id);
  } catch {
    // not remembered
  }
  return id;
}

export function forgetClientId(siteKey: string): void {
  try {
    localStorage.removeItem(clientKey(siteKey));
  } catch {
    // nothing stored
  }
}

/** True when the browser says data or battery should be saved (where it says anything). */
async function constrained(): Promise<boolean> {
  const nav = navigator as Navigator & {
    connection?: { saveData?: boolean; type?: string };
    getBattery?: () => Promise<{ charging: boolean; level: number }>;
  };
  if (nav.connection?.saveData === true || nav.connection?.type === 'cellular') return true;
  try {
    const battery = await nav.getBattery?.();
    if (battery && !battery.charging && battery.level < 0.2) return true;
  } catch {
    // no Battery Status API: nothing known, nothing held back
  }
  return false;
}

function whenIdle(f: () => void): void {
  const ric = (globalThis as { requestIdleCallback?: (f: () => void, o: { timeout: number }) => void })
    .requestIdleCallback;
  if (ric) ric(f, { timeout: 10_000 });
  else setTimeout(f, 0);
}

export interface Rounds extends Pick<FederationStatus, 'rounds' | 'lastUpdate'> {
  /** Look again soon (the shopper just consented). */
  nudge(): void;
  /** Checks in now and, when sampled, trains and queues the update (joinRound()). */
  join(): Promise<JoinResult>;
}

type Reason = Extract<JoinResult, { joined: false }>['reason'];
const REASON: Record<Exclude<ParticipateReply['status'], 'trained'>, Reason> = {
  no_round: 'no_round',
  not_sampled: 'not_sampled',
  retry: 'retry_later',
  skipped: 'too_short',
  sampled: 'failed', // the worker always trains a sampled client; seen only if that changed
};

export function startFederation(d: Deps): Rounds {
  const state: Rounds = { rounds: 0, nudge: () => later(0), join: () => join() };
  const c = d.config;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** A round in progress (timer or joinRound()): one at a time. */
  let inRound = false;
  const later = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => whenIdle(() => void round()), Math.max(1000, ms));
  };

  /** One check-in and, when sampled, training and queueing: what happened, and when to ask again. */
  const attempt = async (): Promise<{ result: JoinResult; nextMs: number }> => {
    const reply: ParticipateReply = await d.api.participate({
      serverUrl: c.serverUrl,
      clientId: clientId(c.siteKey),
      history: d.history(),
      now: Date.now(),
      utcOffsetMin: -new Date().getTimezoneOffset(),
    });
    if (reply.status !== 'trained') {
      const result: JoinResult = { joined: false, reason: REASON[reply.status] };
      // Sampled but with too short a history: ask again within a minute (the shopper is browsing; the
      // coin is deterministic, so asking again cannot change whether this client takes part).
      if (reply.status === 'skipped') return { result, nextMs: Math.min(reply.retryAfterMs, 60_000) };
      return { result, nextMs: reply.status === 'sampled' ? 60_000 : reply.retryAfterMs };
    }
    const { offer, update } = reply;
    // One update per round: the next check-in after this round's deadline.
    const nextMs = Date.parse(offer.deadline) - Date.now() + 1000;
    // The aggregator counts one update per client and round; a second would only cost bytes.
    if (state.lastUpdate?.roundId === offer.roundId)
      return { result: { joined: false, reason: 'already_joined', roundId: offer.roundId }, nextMs };
    state.rounds++;
    state.lastUpdate = {
      roundId: offer.roundId,
      bytes: update.body.byteLength,
      norm: update.norm,
      steps: update.steps,
      stepMs: update.stepMs,
      window: [update.startedAt, update.endedAt],
    };
    // Consent may have changed while the worker trained: asked again right before it is queued.
    const sentBefore = d.outbox.stats.sent;
    const queued =
      d.sharing() &&
      (await d.outbox.add(update.body, {
        url: serverPath(offer.uploadUrl, c.serverUrl),
        token: offer.token,
        clientId: clientId(c.siteKey),
        roundId: offer.roundId,
        expiresAt: Date.parse(offer.expiresAt),
      }));
    if (!queued) return { result: { joined: false, reason: 'no_consent', roundId: offer.roundId }, nextMs };
    // The outbox drains at once on the sending tab; a drain already running makes it look again after.
    for (let i = 0; i < 3; i++) await d.outbox.idle();
    const result: JoinResult = {
      joined: true,
      roundId: offer.roundId,
      steps: update.steps,
      bytes: update.body.byteLength,
      norm: update.norm,
      delivered: d.outbox.stats.sent > sentBefore,
    };
    return { result, nextMs };
  };

  const round = async () => {
    if (inRound) return later(60_000);
    try {
      if (!d.outbox.sender || !d.sharing()) return later(60_000);
      if (await constrained()) {
        debug('federation: the browser asks to save data or battery; no training now');
        return later(15 * 60_000);
      }
      if (inRound) return later(60_000); // joinRound() started meanwhile
      inRound = true;
      try {
        later((await attempt()).nextMs);
      } finally {
        inRound = false;
      }
    } catch (e) {
      debug(`federation: round failed (${describe(e)})`, 'federation-failed');
      later(10 * 60_000);
    }
  };

  const join = async (): Promise<JoinResult> => {
    if (inRound) return { joined: false, reason: 'busy' };
    // The caller checked consent and GPC; another tab of this shopper may be the one that takes part.
    if (!d.sharing()) return { joined: false, reason: 'no_consent' };
    if (!d.outbox.sender) return { joined: false, reason: 'not_sender' };
    inRound = true;
    try {
      const { result, nextMs } = await attempt();
      later(nextMs);
      return result;
    } catch (e) {
      debug(`federation: joinRound failed (${describe(e)})`, 'federation-failed');
      later(10 * 60_000);
      return { joined: false, reason: 'failed' };
    } finally {
      inRound = false;
    }
  };

  const checkModel = async () => {
    try {
      if (document.visibilityState !== 'hidden') {
        const v = await d.api.checkForUpdate();
        if (v) d.onVersion(v);
      }
    } catch (e) {
      debug(`federation: model update check failed (${describe(e)})`, 'model-check');
    }
    setTimeout(() => whenIdle(() => void checkModel()), c.updateCheckSec * 1000);
  };

  later(c.checkInDelaySec * 1000);
  setTimeout(() => whenIdle(() => void checkModel()), c.updateCheckSec * 1000);
  return state;
}
