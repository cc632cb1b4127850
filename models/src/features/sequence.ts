import type { Interaction } from '../types';
import { actionId } from './actions';
import { timeGapBucket } from './time-gap';

/**
 * Model inputs for a batch of histories, row-major [batch, length], LEFT-padded with zeros: the most
 * recent interaction always sits in the last column, so the last position's output is the user vector
 * whatever the history length.
 */
export interface EncodedBatch {
  batch: number;
  length: number;
  items: Int32Array;
  actions: Int32Array;
  timeGaps: Int32Array;
}

/**
 * Encodes histories (each in time order) into a padded batch of the given length, keeping the last
 * `length` interactions. Time gaps are taken from the full history, so the oldest kept interaction
 * still knows how long before it the dropped one happened.
 */
export function encodeHistories(
  histories: readonly Interaction[][],
  length: number,
  numItems?: number,
): EncodedBatch {
  if (!Number.isInteger(length) || length < 1)
    throw new Error(`length must be a positive integer, got ${length}`);
  const batch = histories.length;
  const items = new Int32Array(batch * length);
  const actions = new Int32Array(batch * length);
  const timeGaps = new Int32Array(batch * length);
  histories.forEach((events, row) => {
    const kept = Math.min(events.length, length);
    const first = events.length - kept;
    for (let k = 0; k < kept; k++) {
      const event = events[first + k]!;
      const previous = first + k > 0 ? events[first + k - 1] : undefined;
      if (
        !Number.isInteger(event.item) ||
        event.item < 1 ||
        (numItems !== undefined && event.item > numItems)
      ) {
        throw new Error(
          `histories[${row}][${first + k}].item must be an integer in 1..${numItems ?? 'numItems'}, got ${event.item}`,
        );
      }
      const at = row * length + (length - kept) + k;
      items[at] = event.item;
      actions[at] = actionId(event.action);
      const gap =
        previous?.time !== undefined && event.time !== undefined ? event.time - previous.time : undefined;
      timeGaps[at] = timeGapBucket(gap);
    }
  });
  return { batch, length, items, actions, timeGaps };
}
