import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { softmaxCrossEntropy } from './softmax-cross-entropy';

const LOGITS = [
  [1, 2, 3, 0.5, -2],
  [0, -1, 2, 1, 0],
  [3, 3, 0, 1, 4],
  [0.1, 0.2, 0.3, 0.4, 0.5],
];
const TARGETS = [0, 4, 3, 3];
const WEIGHTS = [0.5, 1, 2, -1];

/** −log softmax[target] composed from tf ops, with tf's own gradients, computed on cpu. */
function reference(): { value: number[]; grad: number[] } {
  return tf.tidy(() => {
    const f = (x: tf.Tensor) =>
      tf.neg(tf.sum(tf.mul(tf.logSoftmax(x), tf.oneHot(tf.tensor1d(TARGETS, 'int32'), 5).toFloat()), 1));
    const x = tf.tensor2d(LOGITS);
    const grad = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), tf.tensor1d(WEIGHTS))))(x);
    return { value: Array.from(f(x).dataSync()), grad: Array.from(grad.dataSync()) };
  });
}

let expected: { value: number[]; grad: number[] };
beforeAll(async () => {
  await tf.setBackend('cpu');
  expected = reference();
});

// The same spec on both backends: a wasm kernel bug once zeroed the target term of the gradient.
describe.each(['cpu', 'wasm'])('softmaxCrossEntropy on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('equals −log softmax[target] and has the composed gradient', () => {
    const targets = tf.tensor1d(TARGETS, 'int32');
    const x = tf.tensor2d(LOGITS);
    const value = Array.from(softmaxCrossEntropy(x, targets).dataSync());
    value.forEach((v, i) => {
      expect(v).toBeCloseTo(expected.value[i]!, 4);
    });
    const grad = tf.grad((z: tf.Tensor) =>
      tf.sum(tf.mul(softmaxCrossEntropy(z as tf.Tensor2D, targets), tf.tensor1d(WEIGHTS))),
    )(x);
    Array.from(grad.dataSync()).forEach((g, i) => {
      expect(g).toBeCloseTo(expected.grad[i]!, 5);
    });
  });

  it('stays finite for large logits', () => {
    const loss = softmaxCrossEntropy(tf.tensor2d([[1000, -1000, 0]]), tf.tensor1d([1], 'int32'));
    expect(loss.dataSync()[0]).toBeCloseTo(2000, 1);
  });
});
