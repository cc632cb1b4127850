// From request bytes to a clipped update ready to be summed, or an ApiError saying exactly what is
// wrong. Order matters: the token is checked before the body is decoded (no work for strangers), the
// layout before the values, and finiteness before clipping (S11).

import { decodeUpdate, layoutSize, type ModelUpdate, requireLayout, UpdateFormatError } from '@hearth/models';
import { ApiError } from '../api-error';
import { clipFactor } from '../privacy/clip';
import { checkUpdate, type UpdateCheck } from '../privacy/validate-update';
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

/** Checks a decoded update against its round (state checks are the caller's) and clips it. */
export function prepareUpdate(clientId: string, update: ModelUpdate, round: RoundRecord): ClippedUpdate {
  requireRoundMatch(update, round);
  return clipChecked(
    clientId,
    update.values,
    round.params,
    checkUpdate(update.values, layoutSize(round.layout)),
  );
}

/** The header against the round: its id, the model version trained from, the tensor layout. */
export function requireRoundMatch(update: ModelUpdate, round: RoundRecord): void {
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
}

/**
 * The clip step, from the privacy core's checkUpdate of the values (run here or in the store's worker
 * thread). Its order: finite values and the norm in one pass (before any clipping: S11), then the clip
 * factor. The vector itself is not copied: the store adds scale × values straight into the running
 * sum. Same semantics as its DP-FedAvg accumulate: above the zeroing bound an update counts but adds
 * nothing; above the clip bound it is scaled to norm C.
 */
export function clipChecked(
  clientId: string,
  values: Float32Array | Float64Array,
  params: Pick<RoundRecord['params'], 'clipBound' | 'zeroingBound'>,
  check: UpdateCheck,
): ClippedUpdate {
  if (!check.ok) throw new ApiError(400, check.reason, check.message, check.field);
  const { clipBound, zeroingBound } = params;
  if (zeroingBound !== null && check.norm > zeroingBound)
    return { clientId, values, scale: 0, clipped: false, zeroed: true };
  const scale = clipFactor(check.norm, clipBound);
  return { clientId, values, scale, clipped: scale < 1, zeroed: false };
}

/**
 * `body`'s buffer when it is the body's alone and holds the values (a pooled upload body), so that a
 * store in a worker thread may borrow it; null for a slice of shared memory (Node's pool of small
 * allocations), which must be copied.
 */
export function ownBuffer(body: Uint8Array, values: ArrayBufferView): ArrayBuffer | null {
  const b = body.buffer;
  return b instanceof ArrayBuffer &&
    body.byteOffset === 0 &&
    body.byteLength === b.byteLength &&
    values.buffer === b
    ? b
    : null;
}
