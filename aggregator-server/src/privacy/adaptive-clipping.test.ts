import { describe, expect, it } from 'vitest';
import { adaptiveClippingParams, nextClipBound, splitNoiseMultiplier } from './adaptive-clipping';
import { dpFedAvg } from './dp-fedavg';
import { seededGaussianForTestsOnly } from './noise';

describe('adaptive clipping', () => {
  it('splits the noise so the count and the sum together cost one Gaussian query at z', () => {
    const z = 1.1;
    const countStddev = 5; // count noise multiplier 2σ_b = 10
    const zSum = splitNoiseMultiplier(z, countStddev);
    expect(zSum).toBeGreaterThan(z);
    expect(1 / zSum ** 2 + 1 / (2 * countStddev) ** 2).toBeCloseTo(1 / z ** 2, 14);
  });

  it('uses the paper defaults (γ = 0.5, η = 0.2, σ_b = 0.05 × expected) and names impossible settings', () => {
    const params = adaptiveClippingParams({}, 1, 100);
    expect(params).toMatchObject({ targetQuantile: 0.5, learningRate: 0.2, countStddev: 5 });
    expect(() => adaptiveClippingParams({ countStddev: 0.4 }, 1, 100)).toThrow(
      /adaptiveClipping.countStddev/,
    );
    expect(() => adaptiveClippingParams({ targetQuantile: 1 }, 1, 100)).toThrow(/targetQuantile/);
  });

  it('moves C geometrically: down when every update was under it, up when none was', () => {
    const params = adaptiveClippingParams({ countStddev: 1e-9 }, 1e-9, 10);
    const source = seededGaussianForTestsOnly(1);
    const down = nextClipBound(1, 10, 10, 10, params, source);
    expect(down.unclippedFraction).toBeCloseTo(1, 6);
    expect(down.nextClipBound).toBeCloseTo(Math.exp(-0.2 * 0.5), 6);
    const up = nextClipBound(1, 0, 10, 10, params, source);
    expect(up.nextClipBound).toBeCloseTo(Math.exp(0.2 * 0.5), 6);
  });

  it('adds the sum noise at z_sum·C, not z·C, when adaptive clipping is on', () => {
    const strategy = dpFedAvg({
      samplingRate: 0.1,
      population: 1000,
      noiseMultiplier: 1,
      clipBound: 2,
      adaptiveClipping: {},
      noise: seededGaussianForTestsOnly(3),
      allowInsecureNoise: true,
    });
    const result = strategy.finalize(strategy.begin({ dimension: 1 }));
    expect(result.sumNoiseStddev).toBeCloseTo(2 * splitNoiseMultiplier(1, 5), 12);
    expect(result.privacy.noiseMultiplier).toBe(1); // the ledger charges the total z
  });

  it('never lets C grow past the zeroing bound', () => {
    const strategy = dpFedAvg({
      samplingRate: 1,
      population: 10,
      noiseMultiplier: 0,
      clipBound: 1,
      zeroingBound: 1.05,
      adaptiveClipping: {},
      noise: seededGaussianForTestsOnly(4),
      allowInsecureNoise: true,
    });
    const acc = strategy.begin({ dimension: 1 });
    // Every norm is above C, so C wants to grow by e^(0.2·0.5) ≈ 1.105.
    for (let k = 0; k < 10; k++) strategy.accumulate(acc, { values: new Float64Array([1.02]) });
    const result = strategy.finalize(acc);
    expect(result.unclippedFraction).toBe(0);
    expect(result.nextClipBound).toBe(1.05);
    expect(() => strategy.begin({ dimension: 1, clipBound: result.nextClipBound })).not.toThrow();
  });

  it('over rounds, C converges to the target quantile of the update norms', () => {
    // Norms uniform on [0, 2]: the median is 1. Start far away at C = 0.1.
    const strategy = dpFedAvg({
      samplingRate: 0.1,
      population: 2000,
      noiseMultiplier: 1,
      clipBound: 0.1,
      adaptiveClipping: { targetQuantile: 0.5 },
      noise: seededGaussianForTestsOnly(5),
      allowInsecureNoise: true,
    });
    const draw = seededGaussianForTestsOnly(6);
    let clipBound = 0.1;
    for (let round = 0; round < 150; round++) {
      const acc = strategy.begin({ dimension: 1, clipBound });
      for (let k = 0; k < 200; k++) {
        const u = 0.5 * (1 + Math.tanh(draw.next())); // any spread will do; its median is 0.5·2 = 1
        strategy.accumulate(acc, { values: new Float64Array([2 * u]) });
      }
      clipBound = strategy.finalize(acc).nextClipBound;
    }
    expect(clipBound).toBeGreaterThan(0.85);
    expect(clipBound).toBeLessThan(1.15);
  });
});
