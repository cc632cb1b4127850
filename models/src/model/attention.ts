import * as tf from '@tensorflow/tfjs';
import { dense } from './dense';
import { matMul, transposeLast } from './mat-mul';

export interface AttentionWeights {
  queryKernel: tf.Tensor;
  queryBias: tf.Tensor;
  keyKernel: tf.Tensor;
  keyBias: tf.Tensor;
  valueKernel: tf.Tensor;
  valueBias: tf.Tensor;
  outputKernel: tf.Tensor;
  outputBias: tf.Tensor;
}

/**
 * Multi-head scaled dot-product self-attention over x [B, L, d] with an additive mask [B, 1, L, L].
 * One head skips the head reshapes (the common SASRec setting, and cheaper on wasm).
 */
export function selfAttention(
  x: tf.Tensor3D,
  mask: tf.Tensor4D,
  w: AttentionWeights,
  numHeads: number,
  dropout: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length, dim] = x.shape;
    const headDim = dim / numHeads;
    const split = (t: tf.Tensor) =>
      numHeads === 1
        ? tf.reshape(t, [batch, 1, length, dim])
        : tf.transpose(tf.reshape(t, [batch, length, numHeads, headDim]), [0, 2, 1, 3]);
    const q = split(dense(x, w.queryKernel, w.queryBias));
    const k = split(dense(x, w.keyKernel, w.keyBias));
    const v = split(dense(x, w.valueKernel, w.valueBias));
    const logits = tf.add(tf.mul(matMul(q, transposeLast(k)), 1 / Math.sqrt(headDim)), mask);
    let probs = tf.softmax(logits);
    if (dropout > 0) probs = tf.dropout(probs, dropout);
    const heads = matMul(probs, v); // [B, h, L, headDim]
    const merged =
      numHeads === 1
        ? tf.reshape(heads, [batch, length, dim])
        : tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [batch, length, dim]);
    return dense(merged, w.outputKernel, w.outputBias) as tf.Tensor3D;
  });
}
