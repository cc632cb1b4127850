import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipUpdate } from './clip';
import { dpFedAvg } from './dp-fedavg';
import { secureGaussian, seededGaussianForTestsOnly } from './noise';

const noise = () => seededGaussianForTestsOnly(1234);

function meanAndSd(xs: ArrayLike<number>, centre: (i: number) => number = () => 0) {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i]! - centre(i);
    sum += d;
    sumSq += d * d;
  }
  const mean = sum / xs.length;
  return { mean, sd: Math.sqrt(sumSq / xs.length - mean * mean) };
}

describe('dpFedAvg', () => {
  it('without noise, averages clipped updates over the expected count', () => {
    // q·N = 0.5 · 8 = 4 expected clients; two arrive.
    const strategy = dpFedAvg({
      samplingRate: 0.5,
      population: 8,
      noiseMultiplier: 0,
      clipBound: 1,
      noise: noise(),
      allowInsecureNoise: true,
    });
    const acc = strategy.begin({ dimension: 2 });
    strategy.accumulate(acc, { values: new Float32Array([0.75, 0.5]) }); // norm 0.9: kept
    strategy.accumulate(acc, { values: new Float32Array([0, -10]) }); // norm 10: clipped to (0, -1)
    const result = strategy.finalize(acc);
    expect(Array.from(result.delta)).toEqual([0.75 / 4, (0.5 - 1) / 4]);
    expect(result).toMatchObject({
      received: 2,
      clipped: 1,
      zeroed: 0,
      expectedClients: 4,
      sumNoiseStddev: 0,
    });
  });

  it('S11: a non-finite update is refused before clipping and leaves the sum untouched', () => {
    const strategy = dpFedAvg({
      samplingRate: 1,
      population: 2,
      noiseMultiplier: 0,
      clipBound: 1,
      noise: noise(),
      allowInsecureNoise: true,
    });
    const acc = strategy.begin({ dimension: 3 });
    strategy.accumulate(acc, { values: new Float32Array([0.1, 0.2, 0.3]) });
    const before = Float64Array.from(acc.sum);
    const outcome = strategy.accumulate(acc, { values: new Float32Array([5, Number.NaN, 5]) });
    expect(outcome).toMatchObject({ accepted: false, reason: 'non_finite', field: 'update[1]' });
    expect(Array.from(acc.sum)).toEqual(Array.from(before));
    expect(acc).toMatchObject({ received: 1, rejected: 1, clipped: 0 });
    const result = strategy.finalize(acc);
    expect(result.delta.every(Number.isFinite)).toBe(true);
  });

  it('refuses an update of the wrong length, naming the field', () => {
    const strategy = dpFedAvg({
      samplingRate: 1,
      population: 2,
      noiseMultiplier: 0,
      clipBound: 1,
      noise: noise(),
      allowInsecureNoise: true,
    });
    const acc = strategy.begin({ dimension: 3 });
    expect(strategy.accumulate(acc, { values: new Float32Array(2) })).toMatchObject({
      accepted: false,
      reason: 'wrong_length',
      field: 'update',
    });
    expect(acc.received).toBe(0);
  });

  it('S13: a norm far above the bound is clipped to the bound and counted; above zeroingBound it is zeroed', () => {
    const strategy = dpFedAvg({
      samplingRate: 1,
      population: 3,
      noiseMultiplier: 0,
      clipBound: 1,
      zeroingBound: 100,
      noise: noise(),
      allowInsecureNoise: true,
    });
    const acc = strategy.begin({ dimension: 1 });
    expect(strategy.accumulate(acc, { values: new Float32Array([50]) })).toEqual({
      accepted: true,
      norm: 50,
      clipped: true,
      zeroed: false,
    });
    expect(strategy.accumulate(acc, { values: new Float32Array([1e6]) })).toMatchObject({ zeroed: true });
    strategy.accumulate(acc, { values: new Float32Array([0.5]) });
    const result = strategy.finalize(acc);
    expect(result).toMatchObject({ received: 3, clipped: 1, zeroed: 1 });
    expect(result.delta[0]).toBeCloseTo((1 + 0 + 0.5) / 3, 6);
  });

  it('S14: an example count inflated to 1e9 does not change the weight of an update', () => {
    const run = (exampleCount: number) => {
      const strategy = dpFedAvg({
        samplingRate: 1,
        population: 2,
        noiseMultiplier: 1,
        clipBound: 1,
        noise: noise(),
        allowInsecureNoise: true,
      });
      const acc = strategy.begin({ dimension: 2 });
      strategy.accumulate(acc, { values: new Float32Array([0.5, 0]), exampleCount });
      strategy.accumulate(acc, { values: new Float32Array([0, 0.5]), exampleCount: 10 });
      return Array.from(strategy.finalize(acc).delta);
    };
    const honest = run(10);
    expect(run(1e9)).toEqual(honest);
    // And the honest result weighs the two clients equally, noise aside (same seed in both runs).
    const noiseOnly = (() => {
      const strategy = dpFedAvg({
        samplingRate: 1,
        population: 2,
        noiseMultiplier: 1,
        clipBound: 1,
        noise: noise(),
        allowInsecureNoise: true,
      });
      return Array.from(strategy.finalize(strategy.begin({ dimension: 2 })).delta);
    })();
    expect(honest[0]! - noiseOnly[0]!).toBeCloseTo(0.25, 6);
    expect(honest[1]! - noiseOnly[1]!).toBeCloseTo(0.25, 6);
  });

  it('S21: with fewer arrivals than expected, divides by the expected count and keeps the noise at z·C/expected', () => {
    // q·N = 0.1 · 1000 = 100 expected; only 10 arrive, each the same vector u with norm ≤ C.
    const dimension = 50_000;
    const z = 1.2;
    const C = 2;
    const u = new Float32Array(dimension).fill(0.005); // norm ≈ 1.118
    const strategy = dpFedAvg({
      samplingRate: 0.1,
      population: 1000,
      noiseMultiplier: z,
      clipBound: C,
      noise: noise(),
      allowInsecureNoise: true,
    });
    const acc = strategy.begin({ dimension });
    for (let k = 0; k < 10; k++) strategy.accumulate(acc, { values: u });
    const result = strategy.finalize(acc);
    expect(result.expectedClients).toBeCloseTo(100, 12);
    expect(result.received).toBe(10);
    expect(result.privacy).toEqual({ samplingRate: 0.1, noiseMultiplier: z });
    // Signal: 10·u / 100, not 10·u / 10.
    const { mean, sd } = meanAndSd(result.delta, () => (10 * 0.005) / 100);
    const expectedSd = (z * C) / 100;
    expect(Math.abs(mean)).toBeLessThan((5 * expectedSd) / Math.sqrt(dimension));
    expect(Math.abs(sd / expectedSd - 1)).toBeLessThan(5 / Math.sqrt(2 * dimension));
  });

  it('S22: over many seeded samples the noise has mean ≈ 0 and sd ≈ z·C/expected (5-sigma bounds)', () => {
    // All-zero updates, so the output is the noise alone: n = 200,000 samples (4 seeds × 50,000).
    // Bounds: |mean| < 5·σ/√n; |sd/σ − 1| < 5/√(2n) ≈ 0.8%. Skipping the noise gives sd 0; dividing by
    // the arrivals (20) instead of the expected 40, or forgetting C, is off by 2× or more.
    const z = 0.8;
    const C = 3;
    const expected = 40;
    const sigma = (z * C) / expected;
    const dimension = 50_000;
    const samples: number[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const strategy = dpFedAvg({
        samplingRate: 0.04,
        population: 1000,
        noiseMultiplier: z,
        clipBound: C,
        noise: seededGaussianForTestsOnly(seed),
        allowInsecureNoise: true,
      });
      const acc = strategy.begin({ dimension });
      for (let k = 0; k < 20; k++) strategy.accumulate(acc, { values: new Float32Array(dimension) });
      const result = strategy.finalize(acc);
      expect(result.sumNoiseStddev).toBeCloseTo(z * C, 12);
      samples.push(...result.delta);
    }
    const n = samples.length;
    const { mean, sd } = meanAndSd(samples);
    expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(n));
    expect(Math.abs(sd / sigma - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
  });

  it('refuses a seeded (predictable) noise source unless the caller says it is a test', () => {
    const config = { samplingRate: 0.1, population: 100, noiseMultiplier: 1, clipBound: 1 };
    expect(() => dpFedAvg({ ...config, noise: seededGaussianForTestsOnly(1) })).toThrow(
      /noise: this source is not secure/,
    );
    expect(dpFedAvg({ ...config, noise: secureGaussian() }).name).toBe('dp-fedavg');
  });

  it('property: without noise, the result is Σ clip(u) / (q·N) for any updates, in any order', () => {
    const update = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(
        fc.array(update, { minLength: 0, maxLength: 12 }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        (updates, C) => {
          const run = (order: number[][]) => {
            const strategy = dpFedAvg({
              samplingRate: 0.25,
              population: 40,
              noiseMultiplier: 0,
              clipBound: C,
              noise: noise(),
              allowInsecureNoise: true,
            });
            const acc = strategy.begin({ dimension: 3 });
            for (const u of order) strategy.accumulate(acc, { values: Float64Array.from(u) });
            return strategy.finalize(acc);
          };
          const result = run(updates);
          const reference = [0, 0, 0];
          for (const u of updates) {
            const clipped = clipUpdate(Float64Array.from(u), C).values;
            for (let i = 0; i < 3; i++) reference[i]! += clipped[i]! / 10;
          }
          for (let i = 0; i < 3; i++) expect(result.delta[i]!).toBeCloseTo(reference[i]!, 5);
          expect(result.received).toBe(updates.length);
          const reversed = run([...updates].reverse());
          for (let i = 0; i < 3; i++) expect(reversed.delta[i]!).toBeCloseTo(result.delta[i]!, 5);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('names bad configuration fields', () => {
    const ok = {
      samplingRate: 0.1,
      population: 100,
      noiseMultiplier: 1,
      clipBound: 1,
      noise: noise(),
      allowInsecureNoise: true,
    };
    expect(() => dpFedAvg({ ...ok, samplingRate: 0 })).toThrow(/samplingRate/);
    expect(() => dpFedAvg({ ...ok, samplingRate: 1.5 })).toThrow(/samplingRate/);
    expect(() => dpFedAvg({ ...ok, population: 10.5 })).toThrow(/population/);
    expect(() => dpFedAvg({ ...ok, population: 5 })).toThrow(/samplingRate: q·N/);
    expect(() => dpFedAvg({ ...ok, noiseMultiplier: -1 })).toThrow(/noiseMultiplier/);
    expect(() => dpFedAvg({ ...ok, clipBound: Number.NaN })).toThrow(/clipBound/);
    expect(() => dpFedAvg({ ...ok, zeroingBound: 0.5 })).toThrow(/zeroingBound/);
    expect(() => dpFedAvg(ok).begin({ dimension: 0 })).toThrow(/dimension/);
  });
});
