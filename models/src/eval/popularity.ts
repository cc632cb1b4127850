import type { Dataset } from '../types';
import type { BatchScorer } from './evaluate';
import { trainingPart } from './split';

/**
 * Interaction counts per item over the training parts only (never a validation or test target), so the
 * baseline does not peek at what it is asked to predict.
 */
export function popularityCounts(dataset: Dataset): Float32Array {
  const counts = new Float32Array(dataset.numItems + 1);
  for (const u of dataset.users) for (const e of trainingPart(u.events)) counts[e.item]!++;
  return counts;
}

/** The most-popular baseline: every user gets the same scores, the training counts. */
export function popularityScorer(dataset: Dataset): BatchScorer {
  const counts = popularityCounts(dataset);
  return async (histories) => {
    const out = new Float32Array(histories.length * counts.length);
    for (let b = 0; b < histories.length; b++) out.set(counts, b * counts.length);
    return out;
  };
}
