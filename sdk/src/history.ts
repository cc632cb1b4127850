// The shopper's recent events, kept on the page and mirrored in the worker. rank() and prepare() send
// only what the worker's copy lacks (after a click: one event) instead of the whole history: cloning
// fifty events into the message and out of it again was about a tenth of rank()'s time beyond the
// model. Both sides count the events appended since the history was last replaced, so the worker can
// tell a difference that does not fit its copy, and the page then sends the whole history again.
import type { StoredEvent } from './event';

/** How the page brings the worker's copy up to date (part of rank() and prepare() requests). */
export interface HistorySync {
  /** Bumped by the page whenever its history is replaced or cleared rather than appended to. */
  epoch: number;
  /** Events appended in this epoch so far. */
  total: number;
  /** How many events the history holds now (the newest `length` of them). */
  length: number;
  /** The whole history (`full`), or the newest events the worker's copy lacks. */
  events: StoredEvent[];
  full: boolean;
}

/** The page's history: the newest `max` events, and what the worker was last sent. */
export class HistoryLog {
  events: StoredEvent[] = [];
  /** Bumped by every change: the worker holds the user vector of one revision (encoding ahead). */
  rev = 0;
  /** Bumped whenever the history is replaced or cleared rather than appended to. */
  epoch = 0;
  private total = 0;
  private sentEpoch = -1;
  private sentTotal = 0;

  constructor(private readonly max: number) {}

  append(e: StoredEvent): void {
    this.events.push(e);
    if (this.events.length > this.max) this.events = this.events.slice(-this.max);
    this.total++;
    this.rev++;
  }

  /** A new history (loaded from storage, or forgotten): the worker's copy is replaced as a whole. */
  replace(events: readonly StoredEvent[]): void {
    this.events = newest(events, this.max);
    this.epoch++;
    this.total = this.events.length;
    this.rev++;
  }

  /**
   * What to send so that the worker's copy equals this history. Call it only for a message that is
   * posted: from then on the worker is taken to hold this revision.
   */
  sync(): HistorySync {
    const fresh = this.total - this.sentTotal;
    const full = this.sentEpoch !== this.epoch || fresh > this.events.length;
    const events = full ? this.events.slice() : this.events.slice(this.events.length - fresh);
    this.sentEpoch = this.epoch;
    this.sentTotal = this.total;
    return { epoch: this.epoch, total: this.total, length: this.events.length, events, full };
  }

  /** The worker's copy is in doubt (a failed call, a cleared worker): the next sync sends it all. */
  resend(): void {
    this.sentEpoch = -1;
  }
}

/** The last `n` of `list` (slice(-0) would be all of it). */
function newest<T>(list: readonly T[], n: number): T[] {
  return n > 0 ? list.slice(-n) : [];
}

/** A difference that does not fit the worker's copy: the page must send the whole history. */
export class HistoryOutOfSync extends Error {
  override name = 'HistoryOutOfSync';
}

/** The worker's copy of the page's history. */
export class HistoryMirror {
  /** Replaced, never changed in place: a call that read it keeps its own snapshot across awaits. */
  events: readonly StoredEvent[] = [];
  private epoch = -1;
  private total = 0;
  /** Syncs from an epoch before this one were posted before the last clear(): refused. */
  private oldest = 0;

  /** Brings the copy up to date and returns it; throws HistoryOutOfSync when `s` does not fit. */
  apply(s: HistorySync): readonly StoredEvent[] {
    if (s.epoch < this.oldest)
      throw new HistoryOutOfSync(`history: epoch ${s.epoch} was posted before the copy was cleared`);
    if (s.full) this.events = newest(s.events, s.length);
    else if (s.epoch !== this.epoch || s.total - s.events.length !== this.total)
      throw new HistoryOutOfSync(
        `history: the worker holds epoch ${this.epoch} up to event ${this.total}, the page sent epoch ${s.epoch} events ${s.total - s.events.length + 1}..${s.total}`,
      );
    else this.events = newest(this.events.concat(s.events), s.length);
    this.epoch = s.epoch;
    this.total = s.total;
    return this.events;
  }

  /**
   * Forgets the copy (forget(), consent withdrawn): the next request must bring it whole. `epoch` is
   * the page's epoch when it asked: a request posted earlier, on the other port, may still arrive
   * after this, and must not bring forgotten events back.
   */
  clear(epoch: number): void {
    this.events = [];
    this.epoch = -1;
    this.total = 0;
    this.oldest = Math.max(this.oldest, epoch);
  }
}
