// The durable outbound queue: model updates wait in IndexedDB (storage.ts, bounded) until the
// aggregator has them. One tab per site key sends (the "sender"): it holds a Web Lock for its
// lifetime, or, where Web Locks are missing, a lease in localStorage renewed every second. The other
// tabs only queue and ping the sender over a BroadcastChannel, so an update is never in flight twice.
//
// Outcomes (the aggregator's contract): 2xx done; 400/401/403/404/409/410/413 dropped with one debug
// message (resending cannot help; a 401 token is re-issued only by a new check-in); 429/503 wait for
// Retry-After; a network error or another 5xx backs off exponentially with jitter, capped. A token past
// its expiry is dropped unsent. When the page is hidden or left, the sender flushes what is due with
// `keepalive` while under 60 KB in flight (the browser's keepalive quota is 64 KB); the rest waits in
// IndexedDB for the next page. A keepalive whose answer never arrived is sent again later: the
// aggregator counts an update once per client and round (200 duplicate), so that costs bytes, not
// correctness.
import { debug, describe } from './log';
import type { OutboxEntry, Store } from './storage';

export const KEEPALIVE_BUDGET = 60 * 1024;
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 10 * 60_000;
const LEASE_MS = 3_000;

/** Exponential backoff with "equal jitter": between half and all of min(cap, base * 2^attempt). */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | null {
  if (value === null) return null;
  const sec = Number(value);
  if (value.trim() !== '' && Number.isFinite(sec) && sec >= 0) return sec * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** Where and how an update goes; stored with it (OutboxEntry.meta). */
export interface UploadMeta {
  [key: string]: string | number;
  url: string;
  token: string;
  clientId: string;
  roundId: number;
  /** Ms since the epoch: the round token stops working then. */
  expiresAt: number;
}

export interface OutboxOptions {
  siteKey: string;
  /** The current store (consent can open or close it). */
  store: () => Store | null;
  /** May anything leave the device now (consent, no GPC)? Checked before every request. */
  sharing: () => boolean;
}

const DROP = new Set([400, 401, 403, 404, 409, 410, 413]);

export class Outbox {
  /** This tab sends; the others only queue. */
  sender = false;
  private readonly me = Math.random().toString(36).slice(2);
  private readonly channel: BroadcastChannel | null;
  /** What the last look at the queue found: the keepalive flush cannot wait for IndexedDB. */
  private known: OutboxEntry[] = [];
  private readonly inFlight = new Map<number, number>();
  /** A 429/503 holds every request, not just the one that got it. */
  private holdUntil = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private draining: Promise<void> | null = null;
  private again = false;
  /** Counts for status() and tests. */
  readonly stats = { sent: 0, dropped: 0, retried: 0, keepalive: 0 };

  constructor(private readonly o: OutboxOptions) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(this.name()) : null;
    if (this.channel) this.channel.onmessage = () => this.kick();
  }

  private name(): string {
    return `hearth:${this.o.siteKey}:outbox`;
  }

  /** Joins the election for sender; the winner drains the queue at once and whenever pinged. */
  start(): void {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (locks && typeof locks.request === 'function') {
      // Held until the tab goes away; the next tab in line then gets it.
      locks
        .request(this.name(), () => {
          this.sender = true;
          this.kick();
          return new Promise<void>(() => {});
        })
        .catch((e: unknown) => debug(`outbox: no lock (${describe(e)})`));
    } else this.lease();
    const hide = () => {
      if (document.visibilityState === 'hidden') this.flushKeepalive();
    };
    addEventListener('pagehide', () => this.flushKeepalive());
    document.addEventListener('visibilitychange', hide);
  }

  /** Fallback election: a lease in localStorage, renewed while held, taken over once it lapses. */
  private lease(): void {
    const key = `${this.name()}:lease`;
    const tick = () => {
      try {
        // The lease is a write to localStorage: none before the shopper shares (requireConsent).
        if (!this.o.sharing()) {
          this.sender = false;
          return;
        }
        const now = Date.now();
        const held = JSON.parse(localStorage.getItem(key) ?? 'null') as { id: string; until: number } | null;
        if (!held || held.until < now || held.id === this.me) {
          localStorage.setItem(key, JSON.stringify({ id: this.me, until: now + LEASE_MS }));
          // Two tabs may claim at once; the last write wins, and each acts only after re-reading it.
          setTimeout(() => {
            const after = JSON.parse(localStorage.getItem(key) ?? 'null') as { id: string } | null;
            const was = this.sender;
            this.sender = after?.id === this.me;
            if (this.sender && !was) this.kick();
          }, 200);
        } else this.sender = false;
      } catch {
        this.sender = false; // no localStorage: no way to agree, so this tab does not send
      }
    };
    tick();
    setInterval(tick, LEASE_MS / 3);
    addEventListener('pagehide', () => {
      try {
        const held = JSON.parse(localStorage.getItem(key) ?? 'null') as { id: string } | null;
        if (held?.id === this.me) localStorage.removeItem(key);
      } catch {
        // the lease lapses by itself
      }
    });
  }

  /** Queues an update durably and has the sender (this tab or another) send it. */
  async add(body: Uint8Array, meta: UploadMeta): Promise<boolean> {
    const store = this.o.store();
    if (!store || !this.o.sharing()) return false;
    const copy = new Uint8Array(body).buffer;
    const ok = await store.enqueue({ body: copy, meta, createdAt: Date.now(), attempts: 0, notBefore: 0 });
    this.channel?.postMessage('queued');
    this.kick();
    return ok;
  }

  /** Drains now (the sender only); a call during a drain makes it look again when done. */
  kick(): void {
    if (!this.sender) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((e: unknown) => debug(`outbox: ${describe(e)}`))
      .finally(() => {
        this.draining = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves once the current drain (if any) is over. */
  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    clearTimeout(this.timer);
    const store = this.o.store();
    if (!store) return;
    this.known = await store.outbox();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.known) {
      if (!this.sender || !this.o.sharing()) return;
      const now = Date.now();
      const due = Math.max(entry.notBefore, this.holdUntil);
      if (entry.id === undefined || this.inFlight.has(entry.id)) continue;
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      await this.send(store, entry, false);
    }
    for (const e of this.known) next = Math.min(next, Math.max(e.notBefore, this.holdUntil));
    if (this.known.length > 0 && Number.isFinite(next))
      this.timer = setTimeout(() => this.kick(), Math.max(50, next - Date.now()));
  }

  /**
   * The page is going away: send what is due with keepalive, synchronously (no IndexedDB read can
   * finish now), while the bytes in flight stay under the budget.
   */
  flushKeepalive(): void {
    try {
      if (!this.sender || !this.o.sharing()) return;
      const store = this.o.store();
      if (!store) return;
      const now = Date.now();
      let bytes = 0;
      for (const b of this.inFlight.values()) bytes += b;
      for (const entry of this.known) {
        if (entry.id === undefined || this.inFlight.has(entry.id)) continue;
        if (Math.max(entry.notBefore, this.holdUntil) > now) continue;
        if (bytes + entry.body.byteLength > KEEPALIVE_BUDGET) break;
        bytes += entry.body.byteLength;
        this.stats.keepalive++;
        void this.send(store, entry, true);
      }
    } catch (e) {
      debug(`outbox: flush failed (${describe(e)})`);
    }
  }

  /** One request; its outcome updates or removes the entry. fetch() is called synchronously. */
  private async send(store: Store, entry: OutboxEntry, keepalive: boolean): Promise<void> {
    const id = entry.id!;
    const meta = entry.meta as UploadMeta;
    const remove = async (why: string) => {
      this.known = this.known.filter((e) => e.id !== id);
      await store.dequeue(id);
      if (why) {
        this.stats.dropped++;
        debug(`outbox: an update was dropped (${why})`, 'outbox-drop');
      }
    };
    if (meta.expiresAt < Date.now()) return remove('its round token expired before it could be sent');
    this.inFlight.set(id, entry.body.byteLength);
    let res: Response | null = null;
    try {
      res = await fetch(meta.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${meta.token}`,
          'hearth-client-id': meta.clientId,
          'content-type': 'application/octet-stream',
        },
        body: entry.body,
        credentials: 'omit',
        cache: 'no-store',
        keepalive,
      });
    } catch {
      res = null; // network error or aborted: retried with backoff
    } finally {
      this.inFlight.delete(id);
    }
    const now = Date.now();
    if (res && res.status >= 200 && res.status < 300) {
      this.stats.sent++;
      return remove('');
    }
    if (res && DROP.has(res.status)) return remove(`the aggregator answered ${res.status}`);
    const wait =
      res && (res.status === 429 || res.status === 503)
        ? retryAfterMs(res.headers.get('retry-after'), now)
        : null;
    if (wait !== null) this.holdUntil = Math.max(this.holdUntil, now + wait);
    const updated: OutboxEntry = {
      ...entry,
      attempts: entry.attempts + 1,
      notBefore: now + (wait ?? backoffMs(entry.attempts)),
    };
    this.stats.retried++;
    this.known = this.known.map((e) => (e.id === id ? updated : e));
    await store.update(updated);
  }
}
