import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-op';

/**
 * Row lookup `table[indices]` with a gradient written through scatterND.
 *
 * Why not tf.gather: its gradient needs the UnsortedSegmentSum kernel, which the wasm backend lacks,
 * and on cpu it is unusably slow for a 12,000-row table. scatterND sums the rows of duplicate
 * indices, which is exactly the gradient of a lookup, and exists on every backend. We use it on
 * every backend so that all of them train the same code.
 *
 * `indices` is a 1-D int32 tensor; the result has shape [indices.length, ...table.shape[1:]].
 */
export function embeddingLookup(table: tf.Tensor, indices: tf.Tensor1D): tf.Tensor {
  const lookup = customOp(([t], save) => {
    // Save the indices so that a tidy() around the forward pass cannot free them before backprop.
    save([indices]);
    const value = tf.gather(t!, indices);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.scatterND(tf.expandDims(saved[0]!, 1), dy, t!.shape);
    return { value, gradFunc };
  });
  return lookup(table);
}
