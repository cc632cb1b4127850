import { describe, expect, it } from 'vitest';
import { isSampled, samplingCoin } from './sampling';

describe('Poisson sampling of check-ins', () => {
  it('is deterministic per (round, client): checking in again cannot re-roll', () => {
    expect(samplingCoin('s', 3, 'client-a')).toBe(samplingCoin('s', 3, 'client-a'));
    expect(samplingCoin('s', 3, 'client-a')).not.toBe(samplingCoin('s', 4, 'client-a'));
    expect(samplingCoin('s', 3, 'client-a')).not.toBe(samplingCoin('other secret', 3, 'client-a'));
  });

  it('samples a fraction close to q, independently per client', () => {
    const n = 20_000;
    for (const q of [0.05, 0.3]) {
      let hits = 0;
      for (let i = 0; i < n; i++) if (isSampled('secret', 1, `c${i}`, q)) hits++;
      // binomial: 5 standard deviations
      const sd = Math.sqrt(n * q * (1 - q));
      expect(Math.abs(hits - n * q)).toBeLessThan(5 * sd);
    }
    expect(isSampled('secret', 1, 'x', 1)).toBe(true);
    expect(isSampled('secret', 1, 'x', 0)).toBe(false);
  });
});
