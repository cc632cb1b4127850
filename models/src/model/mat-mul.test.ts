import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { matMul } from './mat-mul';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('matMul', () => {
  it.each([
    ['2-D', [5, 3], [3, 4]],
    ['batched 4-D', [2, 1, 5, 3], [2, 1, 3, 4]],
  ])('has the value and gradients of tf.matMul (%s)', async (_name, aShape, bShape) => {
    await tf.setBackend('cpu');
    const a = tf.randomNormal(aShape, 0, 1, 'float32', 3);
    const b = tf.randomNormal(bShape, 0, 1, 'float32', 4);
    const f = (mm: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.square(mm(x, y)));
    const ours = tf.grads(f(matMul))([a, b]);
    const reference = tf.grads(f((x, y) => tf.matMul(x, y)))([a, b]);
    expect(maxAbsDiff(matMul(a, b), tf.matMul(a, b))).toBeLessThan(1e-6);
    expect(maxAbsDiff(ours[0]!, reference[0]!)).toBeLessThan(1e-5);
    expect(maxAbsDiff(ours[1]!, reference[1]!)).toBeLessThan(1e-5);
  });
});
