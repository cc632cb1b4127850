import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddingLookup } from './embedding-lookup';

describe('embeddingLookup', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('has the gradient of tf.gather (reference on cpu), duplicates summed', () => {
    const table = tf.randomNormal([6, 3], 0, 1, 'float32', 1);
    const indices = tf.tensor1d([4, 1, 4, 0, 4], 'int32');
    const upstream = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
    const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t, indices), upstream)))(table);
    const reference = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, indices), upstream)))(table);
    // Equal up to float summation order.
    expect(tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]).toBeLessThan(1e-6);
    // Row 4 was looked up three times: its gradient is the sum of three upstream rows.
    const up = upstream.arraySync() as number[][];
    const row4 = (ours.arraySync() as number[][])[4]!;
    row4.forEach((v, c) => {
      expect(v).toBeCloseTo(up[0]![c]! + up[2]![c]! + up[4]![c]!, 5);
    });
  });

  it('trains on wasm, where tf.gather has no gradient', async () => {
    await tf.setBackend('wasm');
    const table = tf.ones([4, 2]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(embeddingLookup(t, tf.tensor1d([2, 2, 3], 'int32'))))(
      table,
    );
    expect(grad.arraySync()).toEqual([
      [0, 0],
      [0, 0],
      [2, 2],
      [1, 1],
    ]);
    await tf.setBackend('cpu');
  });
});
