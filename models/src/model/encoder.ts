import * as tf from '@tensorflow/tfjs';
import { selfAttention } from './attention';
import { attentionMask } from './attention-mask';
import type { ModelConfig } from './config';
import { embeddingLookup } from './embedding-lookup';
import { feedForward } from './feed-forward';
import { layerNorm } from './layer-norm';
import {
  ACTION_EMBEDDING,
  blockWeight,
  FINAL_NORM_BETA,
  FINAL_NORM_GAMMA,
  INPUT_NORM_BETA,
  INPUT_NORM_GAMMA,
  POSITION_EMBEDDING,
  TIME_GAP_EMBEDDING,
} from './weight-names';
import type { NamedTensors } from './weights';

/** Int32 tensors [batch, length], left-padded with 0 (see features/sequence.ts). */
export interface EncoderInputs {
  items: tf.Tensor2D;
  actions: tf.Tensor2D;
  timeGaps: tf.Tensor2D;
}

/**
 * The causal self-attention encoder (SASRec family, pre-LayerNorm blocks). Returns the hidden state
 * [batch, length, d] of every position; padding positions are zero. Position t's output depends only
 * on interactions 0..t, so every position predicts the next item during training and the last one is
 * the user vector at inference.
 *
 * `length` may be shorter than config.maxLen (training batches bucketed by length): positions are
 * counted from the END (the last column is always position maxLen - 1), so a short batch and the same
 * history padded to maxLen give the same output.
 */
export function encode(
  config: ModelConfig,
  w: NamedTensors,
  itemTable: tf.Tensor2D,
  inputs: EncoderInputs,
  training: boolean,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length] = inputs.items.shape;
    if (length > config.maxLen) throw new Error(`input length ${length} exceeds maxLen ${config.maxLen}`);
    const d = config.dim;
    const dropout = training ? config.dropout : 0;
    const valid = tf.cast(tf.greater(inputs.items, 0), 'float32') as tf.Tensor2D;
    const keep = tf.reshape(valid, [batch, length, 1]);
    const flat = (t: tf.Tensor2D) => tf.reshape(t, [-1]) as tf.Tensor1D;

    const positions = tf.slice(w[POSITION_EMBEDDING]!, [config.maxLen - length, 0], [length, d]);
    let x: tf.Tensor = tf.addN([
      embeddingLookup(itemTable, flat(inputs.items)),
      embeddingLookup(w[ACTION_EMBEDDING]!, flat(inputs.actions)),
      embeddingLookup(w[TIME_GAP_EMBEDDING]!, flat(inputs.timeGaps)),
    ]);
    x = tf.add(tf.reshape(x, [batch, length, d]), positions);
    // Normalise the summed embeddings (as BERT and RecBole's SASRec do): the residual stream then
    // carries the input items at unit scale instead of the tables' small initial scale, which lets
    // the direct "last item -> next item" path learn from the first steps.
    x = layerNorm(x, w[INPUT_NORM_GAMMA]!, w[INPUT_NORM_BETA]!);
    if (dropout > 0) x = tf.dropout(x, dropout);
    x = tf.mul(x, keep);

    const mask = attentionMask(valid);
    for (let b = 0; b < config.numBlocks; b++) {
      const p = (name: Parameters<typeof blockWeight>[1]) => w[blockWeight(b, name)]!;
      let h: tf.Tensor = layerNorm(x, p('attention_norm/gamma'), p('attention_norm/beta'));
      h = selfAttention(
        h as tf.Tensor3D,
        mask,
        {
          queryKernel: p('attention/query/kernel'),
          queryBias: p('attention/query/bias'),
          keyKernel: p('attention/key/kernel'),
          keyBias: p('attention/key/bias'),
          valueKernel: p('attention/value/kernel'),
          valueBias: p('attention/value/bias'),
          outputKernel: p('attention/output/kernel'),
          outputBias: p('attention/output/bias'),
        },
        config.numHeads,
        dropout,
      );
      if (dropout > 0) h = tf.dropout(h, dropout);
      x = tf.mul(tf.add(x, h), keep);

      let f = layerNorm(x, p('ffn_norm/gamma'), p('ffn_norm/beta'));
      f = feedForward(
        f,
        p('ffn/inner/kernel'),
        p('ffn/inner/bias'),
        p('ffn/outer/kernel'),
        p('ffn/outer/bias'),
        dropout,
      );
      if (dropout > 0) f = tf.dropout(f, dropout);
      x = tf.mul(tf.add(x, f), keep);
    }
    return tf.mul(layerNorm(x, w[FINAL_NORM_GAMMA]!, w[FINAL_NORM_BETA]!), keep) as tf.Tensor3D;
  });
}
