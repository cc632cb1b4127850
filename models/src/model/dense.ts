import * as tf from '@tensorflow/tfjs';
import { matMul } from './mat-mul';

/** x[..., in] @ kernel[in, out] + bias, for any leading shape (flattened to one matMul). */
export function dense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = x.shape[x.shape.length - 1]!;
    const out = kernel.shape[1]!;
    const flat = tf.reshape(x, [-1, inner]);
    const y = tf.add(matMul(flat, kernel), bias);
    return tf.reshape(y, [...x.shape.slice(0, -1), out]);
  });
}
