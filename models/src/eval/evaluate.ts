import type { Dataset, Interaction } from '../types';
import { MetricAccumulator, type Metrics } from './metrics';
import { rankFull, rankSampled } from './rank';
import { mulberry32, userSeed } from './rng';
import { sampleUnseen } from './sample-negatives';
import { type EvalSplit, evalCase } from './split';

/**
 * Scores every item for a batch of users: returns B × (numItems + 1) scores, row-major, column 0 =
 * padding (ignored). Any model plugs in through this, so the evaluator knows nothing about tfjs.
 */
export type BatchScorer = (histories: Interaction[][]) => Promise<Float32Array>;

export const EVAL_PROTOCOLS = ['full', 'sampled100'] as const;
export type EvalProtocol = (typeof EVAL_PROTOCOLS)[number];

export interface EvalOptions {
  protocol: EvalProtocol;
  split?: EvalSplit;
  /** Users per scorer call (default 256): bounds memory at batch × (numItems + 1) floats. */
  batchSize?: number;
  /** Seed of the sampled100 negatives (default 42). */
  seed?: number;
  /** Evaluate only the first N evaluable users (quick checks during training). */
  maxUsers?: number;
  onProgress?: (done: number, total: number) => void;
}

export type EvalReport = { protocol: EvalProtocol; split: EvalSplit; users: number } & Metrics;

const SAMPLED_NEGATIVES = 99;

/**
 * The literature's protocol (shared/data/README.md):
 * - 'full': the target ranks among all items; items of the history the model saw are excluded, the
 *   target never is (it may also occur in the history: a re-purchase stays a candidate);
 * - 'sampled100': the target ranks among 99 items drawn uniformly, with a fixed seed, from the items
 *   the user never interacted with (anywhere in their sequence).
 * Users with fewer than 3 events are not evaluated. Ties count against the target (see rank.ts).
 */
export async function evaluate(
  dataset: Dataset,
  scorer: BatchScorer,
  options: EvalOptions,
): Promise<EvalReport> {
  const split = options.split ?? 'test';
  const batchSize = options.batchSize ?? 256;
  const seed = options.seed ?? 42;
  const width = dataset.numItems + 1;
  const cases: { userIndex: number; history: Interaction[]; target: number; all: Interaction[] }[] = [];
  dataset.users.forEach((u, userIndex) => {
    const c = evalCase(u.events, split);
    if (c) cases.push({ userIndex, history: c.history, target: c.target.item, all: u.events });
  });
  if (options.maxUsers !== undefined) cases.length = Math.min(cases.length, options.maxUsers);

  // One mark per item; a fresh stamp per user clears it in O(1) instead of O(numItems).
  const marks = new Uint32Array(width);
  let stamp = 0;
  const acc = new MetricAccumulator();
  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize);
    const scores = await scorer(batch.map((c) => c.history));
    if (scores.length !== batch.length * width)
      throw new Error(
        `scorer returned ${scores.length} scores for ${batch.length} users; expected ${batch.length} × ${width} (numItems + 1)`,
      );
    batch.forEach((c, b) => {
      const row = scores.subarray(b * width, (b + 1) * width);
      stamp++;
      if (options.protocol === 'full') {
        for (const e of c.history) marks[e.item] = stamp;
        acc.add(rankFull(row, c.target, marks, stamp));
      } else {
        for (const e of c.all) marks[e.item] = stamp;
        const negatives = sampleUnseen(
          dataset.numItems,
          marks,
          stamp,
          SAMPLED_NEGATIVES,
          mulberry32(userSeed(seed, c.userIndex)),
        );
        acc.add(rankSampled(row, c.target, negatives));
      }
    });
    options.onProgress?.(Math.min(start + batchSize, cases.length), cases.length);
  }
  return { protocol: options.protocol, split, users: acc.count, ...acc.mean() };
}
