import { encodeHistories } from '../features/sequence';
import type { Interaction } from '../types';
import { shuffle } from './shuffle';

/**
 * Padded lengths a training batch may have. Beauty histories average ~9 items: padding all to 50
 * would waste ~5x the compute, while a handful of fixed lengths keeps the number of distinct shapes
 * (shader compilations on WebGPU) small.
 */
export const LENGTH_BUCKETS = [4, 8, 12, 16, 24, 32, 40, 50] as const;

/**
 * At most this many target positions per batch. The full softmax makes a [positions, numItems]
 * logits matrix plus a few temporaries of that size; 256 sequences of 50 items against 12,000 items
 * would need ~4 GB and abort the wasm heap, 3,072 positions need ~150 MB each. Batches of long
 * sequences therefore hold fewer sequences (token-budget batching, as in machine translation).
 */
export const MAX_POSITIONS_PER_BATCH = 3072;

/** A batch of next-item training sequences, all padded to `length` positions. */
export interface TrainingBatch {
  batch: number;
  length: number;
  items: Int32Array;
  actions: Int32Array;
  timeGaps: Int32Array;
  /** Target item at each [row, position] (0 where padding): the next interaction. */
  targets: Int32Array;
  /** Flat indices (row * length + position) of the positions that have a target. */
  positions: Int32Array;
}

/** The smallest bucket that holds `length`, capped at maxLen. */
export function bucketLength(length: number, maxLen: number): number {
  for (const bucket of LENGTH_BUCKETS) if (bucket >= length && bucket <= maxLen) return bucket;
  return maxLen;
}

/**
 * Groups sequences into batches of similar length: shuffle (so ties fall randomly), sort by length,
 * cut into batches, then shuffle the batch order so that an epoch does not go from short to long.
 * Each sequence predicts its own items 2..n from items 1..n−1, keeping its last maxLen + 1 items.
 */
export function makeBatches(
  sequences: readonly Interaction[][],
  batchSize: number,
  maxLen: number,
  random: () => number,
  maxPositions = MAX_POSITIONS_PER_BATCH,
): TrainingBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const usable = sequences.filter((s) => s.length >= 2).map((s) => s.slice(-(maxLen + 1)));
  shuffle(usable, random);
  usable.sort((a, b) => a.length - b.length);
  const batches: TrainingBatch[] = [];
  let chunk: Interaction[][] = [];
  let positions = 0;
  const flush = () => {
    const longest = chunk[chunk.length - 1]!.length - 1;
    batches.push(encodeTrainingBatch(chunk, bucketLength(longest, maxLen)));
    chunk = [];
    positions = 0;
  };
  for (const sequence of usable) {
    const targets = sequence.length - 1;
    if (chunk.length > 0 && (chunk.length === batchSize || positions + targets > maxPositions)) flush();
    chunk.push(sequence);
    positions += targets;
  }
  if (chunk.length > 0) flush();
  return shuffle(batches, random);
}

/** Encodes sequences (each ≥ 2 items, ≤ length + 1) into inputs = all but last, targets = all but first. */
export function encodeTrainingBatch(sequences: readonly Interaction[][], length: number): TrainingBatch {
  const inputs = encodeHistories(
    sequences.map((s) => s.slice(0, -1)),
    length,
  );
  const targets = new Int32Array(sequences.length * length);
  const positions: number[] = [];
  sequences.forEach((s, row) => {
    const next = s.slice(1).slice(-length);
    next.forEach((event, k) => {
      const at = row * length + (length - next.length) + k;
      targets[at] = event.item;
      positions.push(at);
    });
  });
  return { ...inputs, targets, positions: Int32Array.from(positions) };
}
