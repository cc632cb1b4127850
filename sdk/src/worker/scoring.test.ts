// Scorer on the cpu backend in Node: the kept user vector is reused only for the same encoded
// sequence and model, scores equal the model core's own, padding is trimmed, nothing leaks.
import { DEFAULT_MODEL_CONFIG, type Interaction, initWeights, Recommender } from '@hearth/models';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketFor, Scorer } from './scoring';

const config = { ...DEFAULT_MODEL_CONFIG, numItems: 60, maxLen: 8, dim: 8, ffnDim: 8, numBlocks: 1 };
let a: Recommender;
let b: Recommender;
const history: Interaction[] = [
  { item: 3, action: 'view', time: 100 },
  { item: 9, action: 'click', time: 160 },
  { item: 9, action: 'add_to_cart', time: 4000 },
];
const candidates = [5, 1, 40, 9, 60];

beforeAll(async () => {
  await tf.setBackend('cpu');
  a = Recommender.create(config, initWeights(config, 1));
  b = Recommender.create(config, initWeights(config, 2));
});
afterAll(() => {
  a.dispose();
  b.dispose();
});

describe('Scorer', () => {
  it('scores like scoreCandidates, padded to a bucket or not', async () => {
    const expected = Array.from(await a.scoreCandidates(history, candidates));
    for (const pad of [false, true]) {
      const s = new Scorer(pad);
      expect(Array.from(await s.score(a, history, candidates))).toEqual(expected);
      s.drop();
    }
    expect(bucketFor(candidates.length)).toBe(32);
  });

  it('reuses the user vector only for the same encoded sequence and model', async () => {
    const s = new Scorer();
    await s.score(a, history, candidates);
    await s.score(a, history.slice(), [2, 3]); // same events, other candidates: a hit
    expect(s.hits).toBe(1);
    const later: Interaction[] = [...history, { item: 7, action: 'click', time: 4100 }];
    expect(Array.from(await s.score(a, later, candidates))).toEqual(
      Array.from(await a.scoreCandidates(later, candidates)),
    );
    // A different gap before the same items is another input to the encoder.
    const slower = history.map((e, i) => ({ ...e, time: (e.time ?? 0) + i * 100_000 }));
    await s.score(a, slower, candidates);
    // The same sequence for another model (a new version, personal weights) is not a hit either.
    expect(Array.from(await s.score(b, slower, candidates))).toEqual(
      Array.from(await b.scoreCandidates(slower, candidates)),
    );
    expect(s.hits).toBe(1);
    s.drop();
  });

  it('prepare() encodes ahead: the next score() for that sequence skips the encoder, same scores', async () => {
    const s = new Scorer();
    const later: Interaction[] = [...history, { item: 7, action: 'click', time: 4100 }];
    expect(s.prepare(a, later)).toBe(true);
    expect(s.prepare(a, later.slice())).toBe(false); // already kept
    const scores = await s.score(a, later, candidates);
    expect(s.lastEncoded).toBe(false);
    expect(Array.from(scores)).toEqual(Array.from(await a.scoreCandidates(later, candidates)));
    await s.score(a, history, candidates); // another sequence: encoded in the call
    expect(s.lastEncoded).toBe(true);
    expect(s.prepare(b, history)).toBe(true); // another model: not the kept vector
    s.drop();
  });

  it('keeps at most one user vector alive', async () => {
    const s = new Scorer();
    await s.score(a, history, candidates);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      await s.score(a, [...history, { item: 10 + i, action: 'view', time: 5000 + i }], candidates);
      await s.score(a, history, candidates);
    }
    expect(tf.memory().numTensors).toBe(before);
    s.drop();
    expect(tf.memory().numTensors).toBe(before - 1);
  });
});
