import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeRdp, computeEpsilon, noiseMultiplierFor } from './accountant';
import { DEFAULT_ORDERS, rdpSubsampledGaussian } from './rdp';

describe('accountant', () => {
  it('matches TensorFlow Privacy compute_dp_sgd_privacy: q = 0.0025, z = 1.3, 6000 steps, δ = 1e-5', () => {
    const { epsilon, order } = computeEpsilon({
      samplingRate: 0.0025,
      noiseMultiplier: 1.3,
      rounds: 6000,
      delta: 1e-5,
    });
    expect(Math.abs(epsilon / 0.7242234026109595 - 1)).toBeLessThan(1e-6);
    expect(order).toBe(19);
  });

  it('matches TF Privacy test_check_composition: heterogeneous rounds, classic conversion → 8.509656 at order 2.5', () => {
    const orders = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 64, 256];
    const first = composeRdp(rdpSubsampledGaussian(1e-4, 0.4, orders), 40_000);
    const second = composeRdp(rdpSubsampledGaussian(0.1, 2, orders), 100);
    const total = first.map((r, k) => r + second[k]!);
    // That test predates the improved conversion; it uses ε = min_α RDP(α) + log(1/δ)/(α − 1).
    const classic = orders.map((a, k) => ({ order: a, epsilon: total[k]! + Math.log(1 / 1e-5) / (a - 1) }));
    const best = classic.reduce((m, c) => (c.epsilon < m.epsilon ? c : m));
    expect(best.epsilon).toBeCloseTo(8.509656, 5);
    expect(best.order).toBe(2.5);
  });

  it('composes T rounds as T × RDP at every order', () => {
    const one = rdpSubsampledGaussian(0.02, 1.1);
    expect(composeRdp(one, 7)).toEqual(one.map((r) => 7 * r));
    expect(composeRdp([Infinity], 0)).toEqual([0]);
  });

  it('zero rounds cost ε = 0', () => {
    expect(computeEpsilon({ samplingRate: 0.1, noiseMultiplier: 1, rounds: 0, delta: 1e-5 }).epsilon).toBe(0);
  });

  it('finds the noise multiplier for a target ε, never overshooting it', () => {
    const answer = noiseMultiplierFor({
      samplingRate: 0.0025,
      rounds: 6000,
      delta: 1e-5,
      epsilon: 0.7242234026109595,
    });
    expect(answer.noiseMultiplier).toBeCloseTo(1.3, 6);
    expect(answer.epsilon).toBeLessThanOrEqual(0.7242234026109595);
  });

  const q = fc.double({ min: 1e-3, max: 0.5, noNaN: true });
  const z = fc.double({ min: 0.6, max: 8, noNaN: true });
  const rounds = fc.integer({ min: 1, max: 2000 });
  const eps = (samplingRate: number, noiseMultiplier: number, t: number) =>
    computeEpsilon({ samplingRate, noiseMultiplier, rounds: t, delta: 1e-5 }).epsilon;

  it('property: ε is increasing in rounds and in q, decreasing in z', () => {
    fc.assert(
      fc.property(q, z, rounds, (q, z, t) => {
        const base = eps(q, z, t);
        expect(eps(q, z, t + 10)).toBeGreaterThanOrEqual(base);
        expect(eps(Math.min(1, q * 1.5), z, t)).toBeGreaterThanOrEqual(base);
        expect(eps(q, z * 1.5, t)).toBeLessThanOrEqual(base);
      }),
      { numRuns: 25 },
    );
  });

  it('property: noise(ε) inverts ε(z)', () => {
    fc.assert(
      fc.property(q, z, rounds, (q, z, t) => {
        const target = eps(q, z, t);
        fc.pre(target > 1e-3 && Number.isFinite(target));
        const found = noiseMultiplierFor({ samplingRate: q, rounds: t, delta: 1e-5, epsilon: target });
        expect(Math.abs(found.noiseMultiplier / z - 1)).toBeLessThan(1e-6);
        expect(found.epsilon).toBeLessThanOrEqual(target);
      }),
      { numRuns: 15 },
    );
  });

  it('uses the default orders unless told otherwise', () => {
    const all = computeEpsilon({ samplingRate: 0.01, noiseMultiplier: 1, rounds: 100, delta: 1e-5 });
    expect(DEFAULT_ORDERS).toContain(all.order);
    const few = computeEpsilon({
      samplingRate: 0.01,
      noiseMultiplier: 1,
      rounds: 100,
      delta: 1e-5,
      orders: [2],
    });
    expect(few.order).toBe(2);
    expect(few.epsilon).toBeGreaterThanOrEqual(all.epsilon);
  });

  it('names bad arguments', () => {
    expect(() => computeEpsilon({ samplingRate: 0.1, noiseMultiplier: 1, rounds: 1.5, delta: 1e-5 })).toThrow(
      /rounds/,
    );
    expect(() => noiseMultiplierFor({ samplingRate: 0.1, rounds: 10, delta: 1e-5, epsilon: 0 })).toThrow(
      /epsilon/,
    );
    expect(() => noiseMultiplierFor({ samplingRate: 0.1, rounds: 0, delta: 1e-5, epsilon: 1 })).toThrow(
      /rounds/,
    );
  });
});
