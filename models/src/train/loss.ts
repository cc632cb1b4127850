import * as tf from '@tensorflow/tfjs';
import { MASKED_LOGIT } from '../model/attention-mask';
import { embeddingLookup } from '../model/embedding-lookup';
import { matMul } from '../model/mat-mul';
import { positiveVsNegativesCrossEntropy, softmaxCrossEntropy } from './softmax-cross-entropy';

/**
 * Full softmax cross-entropy over the whole catalogue: for each position's hidden state h and target
 * item t, loss = logsumexp_j(h·v_j) − h·v_t, averaged over positions. Index 0 (padding) is masked out
 * of the softmax. `hidden` holds only real (non-padding) positions [P, d]; itemTable is [N + 1, d].
 *
 * Why this loss (see models/README.md): SASRec trained with full cross-entropy beats BERT4Rec and
 * one-negative BCE SASRec by a wide margin (Klenitskiy & Vasilev, RecSys 2023); with ~12k items the
 * [P, N] logits are one matMul, cheaper than sampling.
 */
export function fullSoftmaxLoss(
  hidden: tf.Tensor2D,
  itemTable: tf.Tensor2D,
  targets: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    // Row 0 (padding) is never a target: leave it out of the softmax instead of masking it.
    const [numScores, dim] = itemTable.shape;
    const items = tf.slice(itemTable, [1, 0], [numScores - 1, dim]);
    const logits = matMul(hidden, tf.transpose(items)) as tf.Tensor2D;
    return tf.mean(
      softmaxCrossEntropy(logits, tf.sub(targets, tf.scalar(1, 'int32')) as tf.Tensor1D),
    ) as tf.Scalar;
  });
}

/**
 * Sampled softmax with logQ correction, for catalogues too large for a full softmax: the target
 * competes with K negatives shared by the whole batch, drawn from a proposal q (e.g. popularity).
 * Subtracting log q from every logit makes the sampled loss an unbiased-in-the-limit estimate of the
 * full softmax (Bengio & Senécal 2008; Yi et al., RecSys 2019); a negative that equals the position's
 * target (an "accidental hit") is masked out.
 */
export function sampledSoftmaxLoss(
  hidden: tf.Tensor2D,
  itemTable: tf.Tensor2D,
  targets: Int32Array,
  negatives: Int32Array,
  logQ: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const targetIds = tf.tensor1d(targets, 'int32');
    const negativeIds = tf.tensor1d(negatives, 'int32');
    const positive = tf.sub(
      tf.sum(tf.mul(hidden, embeddingLookup(itemTable, targetIds)), 1, true),
      tf.reshape(tf.gather(logQ, targetIds), [-1, 1]),
    );
    let negative = tf.sub(
      matMul(hidden, tf.transpose(embeddingLookup(itemTable, negativeIds))),
      tf.reshape(tf.gather(logQ, negativeIds), [1, -1]),
    );
    const hits = accidentalHits(targets, negatives);
    if (hits.length > 0) {
      // Found in JS and scattered: a broadcast tf.equal over [P, K] takes seconds on tfjs-wasm.
      const at = tf.tensor2d(hits, [hits.length / 2, 2], 'int32');
      negative = tf.add(negative, tf.scatterND(at, tf.fill([hits.length / 2], MASKED_LOGIT), negative.shape));
    }
    return tf.mean(
      positiveVsNegativesCrossEntropy(positive as tf.Tensor2D, negative as tf.Tensor2D),
    ) as tf.Scalar;
  });
}

/** (row, column) pairs where negative `column` is row's own target, flattened. */
export function accidentalHits(targets: Int32Array, negatives: Int32Array): Int32Array {
  const columns = new Map<number, number[]>();
  negatives.forEach((item, column) => {
    const list = columns.get(item);
    if (list) list.push(column);
    else columns.set(item, [column]);
  });
  const out: number[] = [];
  targets.forEach((item, row) => {
    for (const column of columns.get(item) ?? []) out.push(row, column);
  });
  return Int32Array.from(out);
}
