import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { itemRowsForInference, itemVectors } from './item-tower';
import { Recommender } from './recommender';
import { HISTORIES, randomWeights, smallConfig, tensorsFrom, weightValues } from './test-fixtures';
import { ITEM_CATEGORY } from './weight-names';

const config = smallConfig();
let values: ReturnType<typeof weightValues>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  values = weightValues(randomWeights(config));
});

describe.each(['cpu', 'wasm'])('itemRowsForInference on %s', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it('is bit-identical to itemVectors (same additions, same float32 rounding)', async () => {
    const w = tensorsFrom(values);
    const fast = itemRowsForInference(config, w);
    const slow = itemVectors(config, w);
    expect(fast?.length).toBe((config.numItems + 1) * config.dim);
    expect(Array.from(fast!)).toEqual(Array.from(await slow.data()));
    for (const t of [slow, ...Object.values(w)]) t.dispose();
  });

  it('names the attribute index that is out of range', () => {
    const w = tensorsFrom(values);
    const bad = Int32Array.from(values[ITEM_CATEGORY]!.data);
    bad[7] = config.numCategories;
    w[ITEM_CATEGORY]!.dispose();
    w[ITEM_CATEGORY] = tf.tensor1d(bad, 'int32');
    expect(() => itemRowsForInference(config, w)).toThrow(`${ITEM_CATEGORY}[7] is ${config.numCategories}`);
    for (const t of Object.values(w)) t.dispose();
  });

  it('scoreCandidatesFor a kept user vector equals scoreCandidates', async () => {
    const r = Recommender.create(config, tensorsFrom(values));
    const candidates = [3, 9, 40, 1];
    const user = r.userVectorsTensor([HISTORIES[0]!]);
    const kept = await r.scoreCandidatesFor(user, candidates);
    user.dispose();
    expect(Array.from(kept)).toEqual(Array.from(await r.scoreCandidates(HISTORIES[0]!, candidates)));
    r.dispose();
  });

  it('scores candidates in JavaScript as a gather and matMul of tensors do, within float32 rounding', async () => {
    const r = Recommender.create(config, tensorsFrom(values));
    const candidates = [3, 9, 40, 1, 9];
    const scores = await r.scoreCandidates(HISTORIES[1]!, candidates);
    const user = await r.userVector(HISTORIES[1]!);
    const table = itemVectors(config, r.weights);
    const vectors = tf.gather(table, tf.tensor1d(candidates, 'int32'));
    const reference = await tf.matMul(tf.tensor2d(user, [1, config.dim]), vectors, false, true).data();
    for (let i = 0; i < candidates.length; i++) expect(scores[i]).toBeCloseTo(reference[i]!, 5);
    tf.dispose([table, vectors]);
    r.dispose();
  });
});
