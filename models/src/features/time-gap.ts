/**
 * Time-gap buckets: how long before an interaction the previous one happened. The model sees the
 * bucket, not the seconds, so that a few coarse regimes (same session, same day, weeks later) each
 * get a learned vector. The boundaries are upper bounds in seconds, roughly log-spaced.
 */
export const TIME_GAP_BOUNDARIES_SECONDS = [60, 600, 3_600, 86_400, 7 * 86_400, 30 * 86_400] as const;

/** Bucket 0 is padding (no interaction at this position). */
export const PADDING_TIME_GAP_BUCKET = 0;
/** Bucket 1: the gap is unknown (first interaction, or the source has no timestamps, like Beauty). */
export const UNKNOWN_TIME_GAP_BUCKET = 1;
/** Buckets 2.. follow the boundaries; the last one is "longer than the last boundary". */
export const NUM_TIME_GAP_BUCKETS = TIME_GAP_BOUNDARIES_SECONDS.length + 3;

/**
 * The bucket of a gap in seconds. A negative gap (events slightly out of order, clock skew) counts as
 * zero rather than failing: it is noise in real logs, not a reason to drop a shopper's history.
 */
export function timeGapBucket(gapSeconds: number | undefined): number {
  if (gapSeconds === undefined || Number.isNaN(gapSeconds)) return UNKNOWN_TIME_GAP_BUCKET;
  const gap = Math.max(0, gapSeconds);
  for (let i = 0; i < TIME_GAP_BOUNDARIES_SECONDS.length; i++) {
    if (gap < TIME_GAP_BOUNDARIES_SECONDS[i]!) return i + 2;
  }
  return NUM_TIME_GAP_BUCKETS - 1;
}
