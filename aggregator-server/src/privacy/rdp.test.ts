import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDERS, rdpSubsampledGaussian } from './rdp';

const relativeError = (actual: number, expected: number) => Math.abs((actual - expected) / expected);

describe('rdpSubsampledGaussian', () => {
  it('default orders are 1.1 … 10.9, 12 … 63, 128, 256, 512 (154 orders)', () => {
    expect(DEFAULT_ORDERS).toHaveLength(99 + 52 + 3);
    expect(DEFAULT_ORDERS.slice(0, 3)).toEqual([1.1, 1.2, 1.3]);
    expect(DEFAULT_ORDERS[98]).toBe(10.9);
    expect(DEFAULT_ORDERS.slice(99, 101)).toEqual([12, 13]);
    expect(DEFAULT_ORDERS.slice(-4)).toEqual([63, 128, 256, 512]);
  });

  it('matches dp_accounting: q = 0.01, z = 2.5, 50 steps at orders 5, 50, 100 (rel. error ≤ 1e-6)', () => {
    const rdp = rdpSubsampledGaussian(0.01, 2.5, [5, 50, 100]).map((r) => r * 50);
    expect(relativeError(rdp[0]!, 2.18075656e-3)).toBeLessThan(1e-6);
    expect(relativeError(rdp[1]!, 2.38460375e-2)).toBeLessThan(1e-6);
    expect(relativeError(rdp[2]!, 1.67416308e2)).toBeLessThan(1e-6);
  });

  it('matches independent numerical integration at fractional and integer orders (rel. error ≤ 1e-6)', () => {
    // A_α = E_{x~N(0,σ²)}[((1−q) + q·exp((2x−1)/(2σ²)))^α] by mpmath.quad at 40–60 digits; RDP = log(A_α)/(α−1).
    const cases: [q: number, z: number, alpha: number, rdp: number][] = [
      [0.01, 2.5, 1.5, 1.30014179437608e-5],
      [0.01, 2.5, 7.3, 6.39478821741793e-5],
      [0.1, 1.0, 2.5, 0.0235037272610031],
      [0.1, 1.0, 3, 0.0317123003033764],
      [0.05, 0.8, 4.25, 0.0779745328410421],
      [0.3, 2.0, 10.9, 0.305769316698597],
      [0.001, 0.6, 1.1, 7.86642538827546e-6],
      [0.5, 0.5, 1.1, 0.79263177957152],
      [0.9, 0.7, 2.5, 2.38430453977973],
    ];
    for (const [q, z, alpha, expected] of cases)
      expect(relativeError(rdpSubsampledGaussian(q, z, [alpha])[0]!, expected)).toBeLessThan(1e-6);
  });

  it('matches TF Privacy rdp_accountant_test: compute_rdp(0.1, 2, 10, 5) and orders 1.5, 2.5 of the dp_accounting case', () => {
    expect(rdpSubsampledGaussian(0.1, 2, [5])[0]! * 10).toBeCloseTo(0.07737, 5);
    const [a, b] = rdpSubsampledGaussian(0.01, 2.5, [1.5, 2.5]).map((r) => r * 50);
    expect(relativeError(a!, 6.5007e-4)).toBeLessThan(1e-4); // published to 5 digits
    expect(relativeError(b!, 1.0854e-3)).toBeLessThan(1e-4);
  });

  it('log A_α matches mpmath at extreme parameters (TF Privacy test_compute_log_a_equals_mp cases), rel. ≤ 1e-6', () => {
    // log A_α = (α − 1)·RDP; references by mpmath.quad of A_α − 1 at 60 digits, split at the integrand's peaks.
    const cases: [q: number, z: number, alpha: number, logA: number][] = [
      [1e-7, 0.1, 1.01, 4.0034123225264e-8],
      [1e-6, 0.1, 256, 3260463.22929716],
      [1e-5, 0.1, 256.1, 3263607.03978842],
      [1e-6, 1, 27, 8.7695113048485e-10],
      [1e-4, 1, 1.5, 6.44268695383665e-9],
      [1e-3, 1, 2, 1.71828035221452e-6],
      [0.01, 10, 20, 0.00019129699912843],
      [0.1, 100, 20.5, 0.000199918184580683],
      [0.99, 0.1, 256, 3263997.42711402],
      [0.999, 100, 256.1, 3.26010803797311],
    ];
    for (const [q, z, alpha, logA] of cases) {
      const ours = rdpSubsampledGaussian(q, z, [alpha])[0]! * (alpha - 1);
      expect({ q, z, alpha, ok: relativeError(ours, logA) < 1e-6 }).toEqual({ q, z, alpha, ok: true });
    }
  });

  it('q = 1 is the plain Gaussian mechanism: exactly α / (2z²)', () => {
    const orders = [1.5, 2, 3.7, 32, 512];
    expect(rdpSubsampledGaussian(1, 1.7, orders)).toEqual(orders.map((a) => a / (2 * 1.7 * 1.7)));
  });

  it('as q → 1 the subsampled formula approaches the plain Gaussian one', () => {
    const [fractional, integer] = rdpSubsampledGaussian(1 - 1e-9, 1.3, [2.5, 4]);
    expect(relativeError(fractional!, 2.5 / (2 * 1.69))).toBeLessThan(1e-6);
    expect(relativeError(integer!, 4 / (2 * 1.69))).toBeLessThan(1e-6);
  });

  it('a fractional order whose series converges too slowly falls back to the next integer order (an upper bound)', () => {
    // q = 0.5, σ = 1000: the series at α = 1.1 decays like i^-2.1 and is cut off.
    const [fractional, ceiling] = rdpSubsampledGaussian(0.5, 1000, [1.1, 2]);
    expect(fractional).toBe(ceiling);
    // Exact for q = 0.5 at α = 2: A₂ = 1 + q²(e^(1/σ²) − 1).
    expect(relativeError(ceiling!, Math.log1p(0.25 * Math.expm1(1e-6)))).toBeLessThan(1e-12);
  });

  it('a tiny fractional-order RDP never exceeds the next integer order (no precision-floor artefacts)', () => {
    const [fractional, ceiling] = rdpSubsampledGaussian(1e-9, 1, [1.1, 2]);
    expect(fractional!).toBeLessThanOrEqual(ceiling!);
    expect(relativeError(ceiling!, Math.log1p(1e-18 * Math.expm1(1)))).toBeLessThan(1e-12);
  });

  it('q = 0 costs nothing and z = 0 costs everything', () => {
    expect(rdpSubsampledGaussian(0, 1, [2, 2.5])).toEqual([0, 0]);
    expect(rdpSubsampledGaussian(0.1, 0, [2, 2.5])).toEqual([Infinity, Infinity]);
  });

  it('property: a fractional order lies between its integer neighbours (RDP is monotone in α)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
        fc.double({ min: 0.5, max: 5, noNaN: true }),
        fc.integer({ min: 2, max: 40 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (q, z, n, frac) => {
          const [lower, middle, upper] = rdpSubsampledGaussian(q, z, [n, n + frac, n + 1]);
          expect(middle!).toBeGreaterThanOrEqual(lower! * (1 - 1e-9));
          expect(middle!).toBeLessThanOrEqual(upper! * (1 + 1e-9));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('names bad arguments', () => {
    expect(() => rdpSubsampledGaussian(1.5, 1)).toThrow(/samplingRate/);
    expect(() => rdpSubsampledGaussian(0.1, -1)).toThrow(/noiseMultiplier/);
    expect(() => rdpSubsampledGaussian(0.1, 1, [2, 1])).toThrow(/orders\[1\]/);
    expect(() => rdpSubsampledGaussian(0.1, 1, [])).toThrow(/orders/);
  });
});
