// From request bytes to a clipped update ready to be summed, or an ApiError saying exactly what is
// wrong. Order matters: the token is checked before the body is decoded (no work for strangers), the
// layout before the values, and finiteness before clipping (the privacy core's accumulate does both,
// in that order: S11).

import { decodeUpdate, type ModelUpdate, requireLayout, UpdateFormatError } from '@hearth/models';
import { ApiError } from '../api-error';
import type { AggregationStrategy } from '../privacy';
import type { ClippedUpdate, RoundRecord } from '../storage/types';

export function decodeBody(body: Uint8Array): ModelUpdate {
  try {
    return decodeUpdate(body);
  } catch (e) {
    if (e instanceof UpdateFormatError) throw new ApiError(400, 'bad_update', e.message, e.field);
    throw e;
  }
}

/** Checks a decoded update against its round (state checks are the caller's) and clips it. */
export function prepareUpdate(
  clientId: string,
  update: ModelUpdate,
  round: RoundRecord,
  strategy: AggregationStrategy,
): ClippedUpdate {
  if (update.roundId !== round.id)
    throw new ApiError(
      400,
      'bad_update',
      `roundId: the update is for round ${update.roundId}, sent to round ${round.id}`,
      'roundId',
    );
  if (update.modelVersion !== round.modelVersion)
    throw new ApiError(
      409,
      'stale_model_version',
      `modelVersion: round ${round.id} trains version ${round.modelVersion}, the update was trained from ${update.modelVersion}`,
      'modelVersion',
    );
  try {
    requireLayout(update.layout, round.layout);
  } catch (e) {
    if (e instanceof UpdateFormatError) throw new ApiError(400, 'wrong_layout', e.message, e.field);
    throw e;
  }
  // A one-update accumulator: the privacy core validates (finite, length) and clips exactly as it
  // would in a round; its sum IS the clipped (or zeroed) update.
  const acc = strategy.begin({ dimension: update.values.length, clipBound: round.params.clipBound });
  const outcome = strategy.accumulate(acc, { values: update.values, exampleCount: update.numExamples });
  if (!outcome.accepted) throw new ApiError(400, outcome.reason, outcome.message, outcome.field);
  return { clientId, values: acc.sum, clipped: outcome.clipped, zeroed: outcome.zeroed };
}
