import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { accidentalHits, sampledSoftmaxLoss } from './loss';
import { positiveVsNegativesCrossEntropy } from './softmax-cross-entropy';

describe('accidentalHits', () => {
  it('finds every (row, column) where a shared negative is the row target', () => {
    const hits = accidentalHits(Int32Array.from([5, 7, 5]), Int32Array.from([5, 9, 7, 5]));
    expect(Array.from(hits)).toEqual([0, 0, 0, 3, 1, 2, 2, 0, 2, 3]);
  });
});

describe.each(['cpu', 'wasm'])('sampled softmax on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('positiveVsNegativesCrossEntropy equals the concatenated softmax CE, gradients included', () => {
    const pos = tf.tensor2d([[1], [-2], [0.5]]);
    const neg = tf.tensor2d([
      [0, 2, -1],
      [1, 1, 1],
      [3, -3, 0],
    ]);
    const weights = tf.tensor1d([1, 0.5, 2]);
    const reference = (p: tf.Tensor, n: tf.Tensor) =>
      tf.sub(tf.logSumExp(tf.concat([p, n], 1), 1), tf.reshape(p, [-1]));
    const f = (g: (p: tf.Tensor, n: tf.Tensor) => tf.Tensor) => (p: tf.Tensor, n: tf.Tensor) =>
      tf.sum(tf.mul(g(p, n), weights));
    const ours = tf.grads(f((p, n) => positiveVsNegativesCrossEntropy(p as tf.Tensor2D, n as tf.Tensor2D)))([
      pos,
      neg,
    ]);
    const ref = tf.grads(f(reference))([pos, neg]);
    const close = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    expect(close(positiveVsNegativesCrossEntropy(pos, neg), reference(pos, neg))).toBeLessThan(1e-5);
    expect(close(ours[0]!, ref[0]!)).toBeLessThan(1e-5);
    expect(close(ours[1]!, ref[1]!)).toBeLessThan(1e-5);
  });

  it('masks accidental hits: a negative equal to the target does not count', () => {
    const hidden = tf.tensor2d([[1, 0]]);
    const table = tf.tensor2d([
      [0, 0],
      [2, 0],
      [0, 1],
    ]);
    const logQ = tf.zeros([3]) as tf.Tensor1D;
    // Target 1 against negatives {2}: log(e^2 + e^0) − 2.
    const clean = sampledSoftmaxLoss(hidden, table, Int32Array.from([1]), Int32Array.from([2]), logQ);
    // Same plus the target itself drawn as a negative: masked, so the loss is unchanged.
    const withHit = sampledSoftmaxLoss(hidden, table, Int32Array.from([1]), Int32Array.from([2, 1]), logQ);
    expect(clean.dataSync()[0]).toBeCloseTo(Math.log(Math.exp(2) + 1) - 2, 5);
    expect(withHit.dataSync()[0]).toBeCloseTo(clean.dataSync()[0]!, 5);
  });
});
