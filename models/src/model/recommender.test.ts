import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeOnlyVectors } from './item-tower';
import { Recommender } from './recommender';
import { HISTORIES, randomWeights, smallConfig, tensorsFrom, weightValues } from './test-fixtures';
import { ITEM_EMBEDDING, POSITION_EMBEDDING } from './weight-names';
import { initWeights, sharedEncoderNames } from './weights';

const config = smallConfig();
let values: ReturnType<typeof weightValues>;
let reference: Float32Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  values = weightValues(randomWeights(config));
  const r = Recommender.create(config, tensorsFrom(values));
  reference = await r.scoreAll(HISTORIES);
  r.dispose();
});

// The same spec on every backend that runs in Node without a GPU: scores agree with cpu's.
describe.each(['cpu', 'wasm'])('Recommender on %s', (backend) => {
  let recommender: Recommender;
  beforeAll(async () => {
    await tf.setBackend(backend);
    recommender = Recommender.create(config, tensorsFrom(values));
  });
  afterAll(() => recommender.dispose());

  it('scores every item like the cpu reference', async () => {
    const scores = await recommender.scoreAll(HISTORIES);
    expect(scores.length).toBe(HISTORIES.length * (config.numItems + 1));
    for (let i = 0; i < scores.length; i++) {
      if (i % (config.numItems + 1) === 0) expect(scores[i]).toBe(Number.NEGATIVE_INFINITY);
      else expect(Math.abs(scores[i]! - reference[i]!)).toBeLessThan(1e-3);
    }
  });

  it('scores candidates as the matching columns of scoreAll', async () => {
    const candidates = [5, 40, 1, 17];
    const scores = await recommender.scoreCandidates(HISTORIES[0]!, candidates);
    candidates.forEach((c, i) => {
      expect(scores[i]).toBeCloseTo(reference[c]!, 3);
    });
  });

  it('user vector dot item vector is the score', async () => {
    const user = await recommender.userVector(HISTORIES[1]!);
    expect(user.length).toBe(config.dim);
    expect(Array.from(user).some((v) => v !== 0)).toBe(true);
  });

  it('leaks no tensors across calls', async () => {
    await recommender.scoreAll(HISTORIES);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await recommender.scoreAll(HISTORIES);
      await recommender.scoreCandidates(HISTORIES[0]!, [1, 2]);
      await recommender.userVector(HISTORIES[2]!);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Recommender', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('rejects weights of the wrong shape or name, naming the tensor', () => {
    const w = tensorsFrom(values);
    w[POSITION_EMBEDDING]!.dispose();
    w[POSITION_EMBEDDING] = tf.zeros([3, config.dim]);
    expect(() => Recommender.create(config, w)).toThrow(
      /"position_embedding" has shape \[3,16\], expected \[8,16\]/,
    );
    const extra = { ...tensorsFrom(values), stray: tf.zeros([1]) };
    expect(() => Recommender.create(config, extra)).toThrow(/unexpected weight tensor "stray"/);
    expect(() => Recommender.create({ ...config, dim: -1 }, tensorsFrom(values))).toThrow(/dim/);
  });

  it('rejects a candidate outside the catalogue', async () => {
    const r = Recommender.create(config, tensorsFrom(values));
    await expect(r.scoreCandidates(HISTORIES[0]!, [41])).rejects.toThrow(/candidates\[0\]/);
    r.dispose();
  });

  it('lists the shared encoder: no per-item table, every block weight', () => {
    const names = sharedEncoderNames(config);
    expect(names).not.toContain(ITEM_EMBEDDING);
    expect(
      names.some(
        (n) => n.includes('embedding') && !['position', 'action', 'time_gap'].some((k) => n.startsWith(k)),
      ),
    ).toBe(false);
    expect(names).toContain('block1/ffn/outer/kernel');
    expect(names).toContain(POSITION_EMBEDDING);
  });

  it('gives an unseen item a non-zero vector from its attributes alone', () => {
    // Fresh weights: the "unknown" row 0 of each attribute table is zero, as training keeps it.
    const w = initWeights(config, 3);
    const vectors = attributeOnlyVectors(config, w, [
      [2, 3, 1],
      [0, 0, 0],
    ]);
    const [known, unknown] = vectors.arraySync() as number[][];
    expect(Math.hypot(...known!)).toBeGreaterThan(0.1);
    // All attributes unknown: the zero vector (nothing is known about the item).
    expect(Math.hypot(...unknown!)).toBe(0);
    expect(() => attributeOnlyVectors(config, w, [[9, 0, 0]])).toThrow(/numCategories index 9/);
  });
});
