import { describe, expect, it } from 'vitest';
import { epsilonFromRdp } from './conversion';

describe('epsilonFromRdp (improved conversion, Balle et al. 2020)', () => {
  it('matches dp_accounting: RDP = 1.1 at every order 2..32, δ = 1e-5 → ε = 1.32783806176 at order 32', () => {
    const orders = Array.from({ length: 31 }, (_, k) => k + 2);
    const { epsilon, order } = epsilonFromRdp(
      orders,
      orders.map(() => 1.1),
      1e-5,
    );
    expect(Math.abs(epsilon / 1.32783806176 - 1)).toBeLessThan(1e-6);
    expect(order).toBe(32);
  });

  it('is the formula ε_R + log((α−1)/α) − (log δ + log α)/(α − 1) at a single order', () => {
    const alpha = 8;
    const r = 0.7;
    const delta = 1e-6;
    const expected = r + Math.log((alpha - 1) / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
    expect(epsilonFromRdp([alpha], [r], delta).epsilon).toBeCloseTo(expected, 12);
  });

  it('is never worse than the classic conversion ε_R + log(1/δ)/(α − 1)', () => {
    for (const alpha of [1.5, 2, 10, 64, 512]) {
      const classic = 0.3 + Math.log(1 / 1e-5) / (alpha - 1);
      expect(epsilonFromRdp([alpha], [0.3], 1e-5).epsilon).toBeLessThan(classic);
    }
  });

  it('gives 0 when the KL bound already covers δ, and ∞ for infinite RDP', () => {
    expect(epsilonFromRdp([2], [1e-12], 1e-5).epsilon).toBe(0);
    expect(epsilonFromRdp([2, 3], [Infinity, Infinity], 1e-5).epsilon).toBe(Infinity);
  });

  it('names bad arguments', () => {
    expect(() => epsilonFromRdp([2], [0.1], 0)).toThrow(/delta/);
    expect(() => epsilonFromRdp([2], [0.1], 1)).toThrow(/delta/);
    expect(() => epsilonFromRdp([2, 3], [0.1], 1e-5)).toThrow(/rdp: expected 2 values/);
    expect(() => epsilonFromRdp([2], [-0.1], 1e-5)).toThrow(/rdp\[0\]/);
    expect(() => epsilonFromRdp([0.5], [0.1], 1e-5)).toThrow(/orders\[0\]/);
  });
});
