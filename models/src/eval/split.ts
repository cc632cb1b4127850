import type { Interaction } from '../types';

/** Users with fewer events have no validation and test item; they only ever train. */
export const MIN_EVAL_EVENTS = 3;

export type EvalSplit = 'valid' | 'test';

export interface LeaveOneOut {
  train: Interaction[];
  valid: Interaction;
  test: Interaction;
}

/**
 * The literature's leave-one-out split (SASRec, ICLRec): last event = test target, second-to-last =
 * validation target, the rest = training. Null when the user has fewer than MIN_EVAL_EVENTS events.
 */
export function leaveOneOut(events: readonly Interaction[]): LeaveOneOut | null {
  const n = events.length;
  if (n < MIN_EVAL_EVENTS) return null;
  return { train: events.slice(0, n - 2), valid: events[n - 2]!, test: events[n - 1]! };
}

/** The events a model trains on: all but the last two, or all of them for a user too short to evaluate. */
export function trainingPart(events: readonly Interaction[]): readonly Interaction[] {
  return events.length < MIN_EVAL_EVENTS ? events : events.slice(0, events.length - 2);
}

/**
 * What the model sees and what it must predict. 'valid': history = training part, target =
 * second-to-last. 'test': history = everything before the last event (training + validation item).
 */
export function evalCase(
  events: readonly Interaction[],
  split: EvalSplit,
): { history: Interaction[]; target: Interaction } | null {
  if (events.length < MIN_EVAL_EVENTS) return null;
  const end = split === 'test' ? events.length - 1 : events.length - 2;
  return { history: events.slice(0, end), target: events[end]! };
}
