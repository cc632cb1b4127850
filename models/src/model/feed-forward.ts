import * as tf from '@tensorflow/tfjs';
import { dense } from './dense';

/** Position-wise feed-forward: dense -> ReLU (as in SASRec) -> dropout -> dense. */
export function feedForward(
  x: tf.Tensor,
  innerKernel: tf.Tensor,
  innerBias: tf.Tensor,
  outerKernel: tf.Tensor,
  outerBias: tf.Tensor,
  dropout: number,
): tf.Tensor {
  return tf.tidy(() => {
    let hidden = tf.relu(dense(x, innerKernel, innerBias));
    if (dropout > 0) hidden = tf.dropout(hidden, dropout);
    return dense(hidden, outerKernel, outerBias);
  });
}
