import * as tf from '@tensorflow/tfjs';

/** Layer normalisation epsilon (the Transformer's usual 1e-6 underflows float16 on some GPUs). */
export const LAYER_NORM_EPSILON = 1e-5;

/** Normalises the last axis to zero mean and unit variance, then scales and shifts. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(
      tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON))), gamma),
      beta,
    );
  });
}
