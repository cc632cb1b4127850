import { describe, expect, it } from 'vitest';
import type { Interaction } from '../types';
import { actionId, NUM_ACTION_IDS } from './actions';
import { encodeHistories } from './sequence';
import { NUM_TIME_GAP_BUCKETS, timeGapBucket, UNKNOWN_TIME_GAP_BUCKET } from './time-gap';

describe('timeGapBucket', () => {
  it('puts hand-picked gaps in the expected buckets', () => {
    expect(timeGapBucket(undefined)).toBe(UNKNOWN_TIME_GAP_BUCKET);
    expect(timeGapBucket(Number.NaN)).toBe(UNKNOWN_TIME_GAP_BUCKET);
    expect(timeGapBucket(0)).toBe(2); // same minute
    expect(timeGapBucket(59)).toBe(2);
    expect(timeGapBucket(60)).toBe(3); // a minute is the next bucket
    expect(timeGapBucket(3_599)).toBe(4); // within the hour
    expect(timeGapBucket(86_399)).toBe(5); // within the day
    expect(timeGapBucket(3 * 86_400)).toBe(6); // within the week
    expect(timeGapBucket(10 * 86_400)).toBe(7); // within 30 days
    expect(timeGapBucket(400 * 86_400)).toBe(NUM_TIME_GAP_BUCKETS - 1);
  });

  it('treats a negative gap (clock skew) as zero', () => {
    expect(timeGapBucket(-5)).toBe(timeGapBucket(0));
  });
});

describe('actionId', () => {
  it('numbers actions from 1, keeping 0 for padding', () => {
    expect(actionId('view')).toBe(1);
    expect(actionId('search')).toBe(NUM_ACTION_IDS - 1);
  });

  it('names an unknown action', () => {
    expect(() => actionId('like' as never)).toThrow(/unknown action "like"/);
  });
});

describe('encodeHistories', () => {
  const events: Interaction[] = [
    { item: 7, action: 'view', time: 1000 },
    { item: 3, action: 'add_to_cart', time: 1030 },
    { item: 9, action: 'purchase', time: 1030 + 7200 },
  ];

  it('left-pads short histories so the latest event is in the last column', () => {
    const b = encodeHistories([events, [{ item: 5, action: 'click' }]], 5);
    expect(Array.from(b.items)).toEqual([0, 0, 7, 3, 9, 0, 0, 0, 0, 5]);
    expect(Array.from(b.actions)).toEqual([0, 0, 1, 3, 4, 0, 0, 0, 0, 2]);
    // first event: unknown gap; 30 s: bucket 2; 2 h: bucket 5; padding 0.
    expect(Array.from(b.timeGaps)).toEqual([0, 0, 1, 2, 5, 0, 0, 0, 0, 1]);
  });

  it('keeps the last `length` events and takes the first kept gap from the dropped event', () => {
    const b = encodeHistories([events], 2);
    expect(Array.from(b.items)).toEqual([3, 9]);
    expect(Array.from(b.timeGaps)).toEqual([2, 5]);
  });

  it('rejects an item outside 1..numItems, naming where it is', () => {
    expect(() => encodeHistories([events], 5, 8)).toThrow(
      /histories\[0\]\[2\]\.item must be an integer in 1\.\.8, got 9/,
    );
    expect(() => encodeHistories([[{ item: 0, action: 'view' }]], 5)).toThrow(/histories\[0\]\[0\]\.item/);
  });
});
