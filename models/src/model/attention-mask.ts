import * as tf from '@tensorflow/tfjs';

/**
 * Additive attention mask [batch, 1, length, length]: 0 where query t may look at key s (s <= t and
 * s is a real interaction), a large negative number elsewhere. A large finite number rather than
 * -Infinity: a padding query sees only padding keys, and softmax over all -Infinity is NaN.
 */
export const MASKED_LOGIT = -1e9;

export function attentionMask(validKeys: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, length] = validKeys.shape;
    const causal = tf.linalg.bandPart(tf.ones([length, length]), -1, 0); // [L, L], lower triangle
    const keys = tf.reshape(validKeys, [batch, 1, 1, length]);
    const allowed = tf.mul(causal, keys); // broadcast to [B, 1, L, L]
    return tf.mul(tf.sub(1, allowed), MASKED_LOGIT) as tf.Tensor4D;
  });
}
