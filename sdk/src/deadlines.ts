// rank() gives the worker a deadline on every call. One timer serves every waiting call, re-armed only
// when a call needs an earlier one: a shop ranking list after list arms about one timer per timeout
// (300 ms by default) instead of arming and clearing one per call, which measured ~10 µs of the
// ~40 µs that rank() spends on the page before it posts (Chromium, between forward passes).

interface Waiting {
  /** performance.now() at which the call gives up. */
  at: number;
  expire(): void;
}

export class Deadlines {
  private readonly waiting = new Set<Waiting>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires; +Infinity when none is armed. */
  private firesAt = Number.POSITIVE_INFINITY;

  /**
   * `p`'s value, or `fallback` once `ms` have passed, whichever comes first. Never rejects: a rejection
   * goes to `onError` and resolves with `fallback`.
   */
  within<T>(p: Promise<T>, ms: number, fallback: T, onError: (e: unknown) => void): Promise<T> {
    return new Promise<T>((resolve) => {
      const w: Waiting = { at: performance.now() + ms, expire: () => resolve(fallback) };
      this.waiting.add(w);
      if (w.at < this.firesAt) this.arm(w.at);
      p.then(
        (v) => {
          this.waiting.delete(w);
          resolve(v);
        },
        (e: unknown) => {
          this.waiting.delete(w);
          onError(e);
          resolve(fallback);
        },
      );
    });
  }

  /** Calls waiting now (tests). */
  get size(): number {
    return this.waiting.size;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.firesAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - performance.now()));
  }

  // The timer may fire for a call that has long been answered; it then re-arms for the earliest call
  // still waiting, if any. A timer that fires a little early (clamping) re-arms too.
  private fire(): void {
    this.timer = undefined;
    this.firesAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const w of this.waiting) {
      if (w.at <= now) {
        this.waiting.delete(w);
        w.expire();
      } else next = Math.min(next, w.at);
    }
    if (next < Number.POSITIVE_INFINITY) this.arm(next);
  }
}
