// S19: one source registering many client ids. Each source (IP address) may introduce at most `limit`
// NEW client ids per minute; checking in again with an id it already used this minute is free. Fixed
// one-minute windows, in memory per replica (with N replicas a source gets at most N times the limit).
// Memory is bounded: at most `maxSources` sources are tracked, each with at most `limit` ids.

export interface RateDecision {
  readonly allowed: boolean;
  readonly retryAfterSec: number;
}

export class NewIdRateLimiter {
  private windows = new Map<string, { start: number; ids: Set<string> }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly maxSources = 100_000,
  ) {}

  check(source: string, id: string, now: number): RateDecision {
    let w = this.windows.get(source);
    if (!w || now - w.start >= this.windowMs) {
      if (!w && this.windows.size >= this.maxSources) this.sweep(now);
      w = { start: now, ids: new Set() };
      this.windows.set(source, w);
    }
    if (w.ids.has(id) || w.ids.size < this.limit) {
      w.ids.add(id);
      return { allowed: true, retryAfterSec: 0 };
    }
    return { allowed: false, retryAfterSec: Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) };
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    // Still full: forget the oldest half rather than grow without bound.
    if (this.windows.size >= this.maxSources) {
      const keys = [...this.windows.keys()].slice(0, Math.ceil(this.maxSources / 2));
      for (const k of keys) this.windows.delete(k);
    }
  }
}
