// From request bytes to a clipped update ready to be summed, or an ApiError saying exactly what is
// wrong. Order matters: the token is checked before the body is decoded (no work for strangers), the
// layout before the values, and finiteness before clipping (S11).

import { decodeUpdate, layoutSize, type ModelUpdate, requireLayout, UpdateFormatError } from '@hearth/models';
import { ApiError } from '../api-error';
import { clipFactor } from '../privacy/clip';
import { checkUpdate, type UpdateCheck, type UpdateValues } from '../privacy/validate-update';
import type { ClippedUpdate, RoundRecord } from '../storage/types';

/** Decodes an upload; its values are a view on `body` (no copy), which must not be reused. */
export function decodeBody(body: Uint8Array): ModelUpdate {
  try {
    return decodeUpdate(body, { copy: false });
  } catch (e) {
    if (e instanceof UpdateFormatError) throw new ApiError(400, 'bad_update', e.message, e.field);
    throw e;
  }
}

/** The privacy core's checkUpdate, or the same function run elsewhere (the store's worker thread). */
export type CheckFn = (values: UpdateValues, expectedLength: number) => UpdateCheck | Promise<UpdateCheck>;

/**
 * Checks a decoded update against its round (state checks are the caller's) and clips it. `check`
 * runs the finiteness and norm pass, by default here.
 */
export async function prepareUpdate(
  clientId: string,
  update: ModelUpdate,
  round: RoundRecord,
  check: CheckFn = checkUpdate,
): Promise<ClippedUpdate> {
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
  // The privacy core's checks, in its order: finite values and the norm in one pass (before any
  // clipping: S11), then the clip factor. The vector itself is not copied: the store adds
  // scale × values straight into the running sum. Same semantics as its DP-FedAvg accumulate: above
  // the zeroing bound an update counts but adds nothing; above the clip bound it is scaled to norm C.
  const result = await check(update.values, layoutSize(round.layout));
  if (!result.ok) throw new ApiError(400, result.reason, result.message, result.field);
  const { clipBound, zeroingBound } = round.params;
  if (zeroingBound !== null && result.norm > zeroingBound)
    return { clientId, values: update.values, scale: 0, clipped: false, zeroed: true };
  const scale = clipFactor(result.norm, clipBound);
  return { clientId, values: update.values, scale, clipped: scale < 1, zeroed: false };
}
