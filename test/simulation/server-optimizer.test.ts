import { describe, expect, it } from 'vitest';
import {
  createServerOptimizer,
  DEFAULT_SERVER_OPTIMIZER,
  roundServerStep,
  stepsInHarness,
} from './server-optimizer';

const opts = (kind: 'none' | 'sgd' | 'momentum' | 'adam', learningRate = 0.01) => ({
  ...DEFAULT_SERVER_OPTIMIZER,
  kind,
  learningRate,
});

describe('server optimizer', () => {
  it('none applies the average as published', () => {
    const d = Float32Array.from([1e-4, -2e-4]);
    expect(createServerOptimizer(opts('none')).step(d)).toEqual(d);
  });

  it('adam moves a coordinate with a steady signal by about lr per round, whatever its scale', () => {
    const adam = createServerOptimizer(opts('adam', 0.01));
    let moved = [0, 0];
    for (let t = 0; t < 20; t++) {
      const s = adam.step(Float32Array.from([3e-4, -5e-2]));
      moved = [moved[0]! + s[0]!, moved[1]! - s[1]!];
    }
    // Both coordinates move about equally in units of lr, though 2 orders of magnitude apart in size.
    // 20 rounds at lr 0.01: 0.2 for bias-corrected Adam; without the correction early steps run up
    // to ~2x that (m warms up faster than √v), as in FedAdam.
    expect(moved[0]).toBeGreaterThan(0.2);
    expect(moved[0]).toBeLessThan(0.5);
    expect(Math.abs(moved[1]! / moved[0]! - 1)).toBeLessThan(0.05);
  });

  it('adam moves a noise-only coordinate much less than a coordinate with signal', () => {
    const adam = createServerOptimizer(opts('adam', 0.01));
    let noise = 0;
    let signal = 0;
    for (let t = 0; t < 40; t++) {
      const flip = t % 2 === 0 ? 1 : -1;
      const s = adam.step(Float32Array.from([flip * 3e-4, 3e-4 + flip * 3e-4]));
      noise += s[0]!;
      signal += s[1]!;
    }
    expect(Math.abs(noise)).toBeLessThan(0.1 * signal);
  });

  it('momentum accumulates a steady delta towards delta / (1 - beta1)', () => {
    const m = createServerOptimizer({ ...opts('momentum', 1), beta1: 0.5 });
    let last = 0;
    for (let t = 0; t < 30; t++) last = m.step(Float32Array.from([1]))[0]!;
    expect(last).toBeCloseTo(2, 5);
  });

  it('sgd scales each coordinate by its own step size when one is given (item tables apart)', () => {
    const sgd = createServerOptimizer(opts('sgd', 0.5));
    expect(Array.from(sgd.step(Float32Array.from([1, 1])))).toEqual([0.5, 0.5]);
    expect(Array.from(sgd.step(Float32Array.from([1, 1]), Float32Array.from([0.5, 20])))).toEqual([0.5, 20]);
  });

  it('rejects settings that would not train', () => {
    expect(() => createServerOptimizer({ ...opts('sgd'), itemTablesLearningRate: -1 })).toThrow(
      /itemTablesLearningRate/,
    );
    expect(() => createServerOptimizer({ ...opts('adam'), learningRate: 0 })).toThrow(/learningRate/);
    expect(() => createServerOptimizer({ ...opts('adam'), beta2: 1 })).toThrow(/beta2/);
  });

  it('sgd becomes the round step of the aggregator; momentum and adam stay in the harness', () => {
    expect(roundServerStep({ ...opts('sgd', 0.2), itemTablesLearningRate: 60 }, 1)).toEqual({
      serverLr: 0.2,
      serverItemTablesLr: 60,
    });
    expect(roundServerStep(opts('sgd', 0.2), 1)).toEqual({ serverLr: 0.2, serverItemTablesLr: null });
    for (const kind of ['none', 'momentum', 'adam'] as const)
      expect(roundServerStep({ ...opts(kind, 0.2), itemTablesLearningRate: 60 }, 0.7)).toEqual({
        serverLr: 0.7,
        serverItemTablesLr: null,
      });
    expect(roundServerStep(undefined, 0.7)).toEqual({ serverLr: 0.7, serverItemTablesLr: null });
    expect(['none', 'sgd', 'momentum', 'adam'].filter((k) => stepsInHarness(opts(k as 'sgd')))).toEqual([
      'momentum',
      'adam',
    ]);
  });
});
