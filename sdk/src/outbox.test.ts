// The outbox's timing rules in isolation (the browser behaviour is test/federated/outbox.test.ts).
import { describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffMs, retryAfterMs } from './outbox';

describe('backoffMs', () => {
  it('doubles per attempt, with jitter between half and all of the step', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const step = BACKOFF_BASE_MS * 2 ** attempt;
      expect(backoffMs(attempt, () => 0)).toBe(step / 2);
      expect(backoffMs(attempt, () => 0.999999)).toBeCloseTo(step, -1);
    }
  });

  it('is capped, however many attempts failed', () => {
    for (const attempt of [12, 30, 1000]) {
      expect(backoffMs(attempt, () => 0.999999)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
      expect(backoffMs(attempt, () => 0)).toBe(BACKOFF_CAP_MS / 2);
    }
  });

  it('spreads retries (jitter): two clients failing together do not come back together', () => {
    const waits = new Set(Array.from({ length: 50 }, () => Math.round(backoffMs(3))));
    expect(waits.size).toBeGreaterThan(40);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates; null when absent or unreadable', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('', now)).toBeNull();
  });
});
