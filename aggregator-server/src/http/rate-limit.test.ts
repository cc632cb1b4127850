import { describe, expect, it } from 'vitest';
import { NewIdRateLimiter } from './rate-limit';

describe('new-client-id rate limit per source', () => {
  it('allows `limit` new ids a minute, repeats of known ids, and says when to retry', () => {
    const rl = new NewIdRateLimiter(3);
    for (const id of ['a', 'b', 'c']) expect(rl.check('1.2.3.4', id, 0).allowed).toBe(true);
    expect(rl.check('1.2.3.4', 'd', 10_000)).toEqual({ allowed: false, retryAfterSec: 50 });
    expect(rl.check('1.2.3.4', 'a', 10_000).allowed).toBe(true);
    expect(rl.check('5.6.7.8', 'd', 10_000).allowed).toBe(true);
    expect(rl.check('1.2.3.4', 'd', 60_000).allowed).toBe(true);
  });

  it('tracks a bounded number of sources', () => {
    const rl = new NewIdRateLimiter(1, 60_000, 10);
    for (let i = 0; i < 100; i++) rl.check(`s${i}`, 'x', 0);
    expect((rl as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(10);
  });
});
