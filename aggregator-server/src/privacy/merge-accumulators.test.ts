import { describe, expect, it } from 'vitest';
import { dpFedAvg } from './dp-fedavg';
import { mergeAccumulators } from './merge-accumulators';
import { seededGaussianForTestsOnly } from './noise';

const strategy = () =>
  dpFedAvg({
    samplingRate: 0.5,
    population: 8,
    noiseMultiplier: 1,
    clipBound: 1,
    noise: seededGaussianForTestsOnly(11),
    allowInsecureNoise: true,
  });

const updates = [
  new Float32Array([0.5, 0.25, 0]),
  new Float32Array([3, 4, 0]), // clipped
  new Float32Array([0, Number.NaN, 0]), // rejected
  new Float32Array([0.125, 0, -0.5]),
];

describe('mergeAccumulators', () => {
  it('two replicas merged give the same round result as one replica that saw every update', () => {
    const single = strategy();
    const all = single.begin({ dimension: 3 });
    for (const values of updates) single.accumulate(all, { values });

    const split = strategy();
    const a = split.begin({ dimension: 3 });
    const b = split.begin({ dimension: 3 });
    split.accumulate(a, { values: updates[0]! });
    split.accumulate(a, { values: updates[1]! });
    split.accumulate(b, { values: updates[2]! });
    split.accumulate(b, { values: updates[3]! });
    const merged = mergeAccumulators(a, b);

    expect(merged).toMatchObject({ received: 3, clipped: 1, rejected: 1 });
    expect(split.finalize(merged)).toEqual(single.finalize(all));
  });

  it('refuses accumulators from different rounds, naming the field', () => {
    const s = strategy();
    expect(() => mergeAccumulators(s.begin({ dimension: 3 }), s.begin({ dimension: 4 }))).toThrow(
      /dimension/,
    );
    expect(() =>
      mergeAccumulators(s.begin({ dimension: 3 }), s.begin({ dimension: 3, clipBound: 2 })),
    ).toThrow(/clipBound/);
  });
});
