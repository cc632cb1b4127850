// The model's part of rank(): scores of the candidates for the shopper's sequence. Two things make it
// cheaper than calling the model core naively on every call:
//  - Shapes. WebGPU compiles a shader per input shape, so there candidate lists are padded to a few
//    bucket lengths (all warmed up at start). wasm and cpu have no per-shape cost: they score exactly
//    the candidates, the same work as the model core's own forward pass.
//  - The user vector. The encoder's output is ~90% of the work and depends only on the encoded
//    sequence (items, actions, time gaps), not on the candidates or the clock. A page that ranks
//    several lists between two track() calls gets the encoder run once; any new event changes the
//    encoding and so the key.
//    prepare() runs the encoder ahead of time for a history the page expects to rank next.
import { type EncodedBatch, encodeHistories, type Interaction, type Recommender } from '@hearth/models';
import type * as tf from '@tensorflow/tfjs';

/**
 * Candidate lists are padded to these lengths on WebGPU so the scoring graph sees few distinct
 * shapes, and a warm-up can cover the common ones.
 */
export const CANDIDATE_BUCKETS = [32, 128, 512, 2048, 8192];

export function bucketFor(n: number): number {
  return CANDIDATE_BUCKETS.find((b) => b >= n) ?? n;
}

/** `candidates` padded to their bucket with item 1 (a valid index; its scores are trimmed off). */
export function padded(candidates: readonly number[]): number[] {
  return candidates.concat(new Array<number>(bucketFor(candidates.length) - candidates.length).fill(1));
}

/** The encoder's exact input for a sequence (a batch of one). */
function encoded(recommender: Recommender, sequence: readonly Interaction[]): EncodedBatch {
  const { maxLen, numItems } = recommender.config;
  return encodeHistories([sequence as Interaction[]], maxLen, numItems);
}

/** The encoder's exact input as one array: equal keys give equal user vectors. */
function keyOf(e: EncodedBatch): Int32Array {
  const maxLen = e.length;
  const key = new Int32Array(3 * maxLen);
  key.set(e.items, 0);
  key.set(e.actions, maxLen);
  key.set(e.timeGaps, 2 * maxLen);
  return key;
}

function sameKey(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Scorer {
  /** The last user vector, for one recommender and one encoded sequence. */
  private kept: { recommender: Recommender; key: Int32Array; user: tf.Tensor2D } | null = null;
  /** How many calls reused it (status and tests). */
  hits = 0;
  /** Whether the last user vector asked for had to be computed (the encoder ran) rather than reused. */
  lastEncoded = false;

  /** @param padShapes pad candidate lists to CANDIDATE_BUCKETS (WebGPU). */
  constructor(public padShapes = false) {}

  /** Scores of `candidates` (catalogue indices, 1..numItems), in their order. */
  async score(
    recommender: Recommender,
    sequence: readonly Interaction[],
    candidates: readonly number[],
  ): Promise<Float32Array> {
    if (candidates.length === 0) return new Float32Array(0);
    const list = this.padShapes ? padded(candidates) : candidates;
    // The user vector is read only before the first await below, so a concurrent call that replaces
    // (and disposes) it cannot pull it from under this one.
    const user = this.userVector(recommender, sequence);
    const scores = await recommender.scoreCandidatesFor(user, list);
    return list.length === candidates.length ? scores : scores.subarray(0, candidates.length);
  }

  /**
   * Computes and keeps the user vector of `sequence` unless it is kept already, so that the next
   * score() for it skips the encoder. Returns whether the encoder ran.
   */
  prepare(recommender: Recommender, sequence: readonly Interaction[]): boolean {
    this.userVector(recommender, sequence);
    return this.lastEncoded;
  }

  private userVector(recommender: Recommender, sequence: readonly Interaction[]): tf.Tensor2D {
    const batch = encoded(recommender, sequence);
    const key = keyOf(batch);
    const kept = this.kept;
    this.lastEncoded = false;
    if (kept && kept.recommender === recommender && sameKey(kept.key, key)) {
      this.hits++;
      return kept.user;
    }
    this.drop();
    const user = recommender.userVectorsOfEncoded(batch);
    this.kept = { recommender, key, user };
    this.lastEncoded = true;
    return user;
  }

  /** Frees the kept user vector (a model swap, forget()). */
  drop(): void {
    this.kept?.user.dispose();
    this.kept = null;
  }
}
