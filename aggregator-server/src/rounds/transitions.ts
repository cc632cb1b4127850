// The round state machine. A round moves only forward:
//   open ──first acknowledged update──▶ collecting ──deadline / admin close──▶ aggregating
//   aggregating ──enough updates, budget left──▶ committed      (a new model version)
//   open | collecting | aggregating ──too few updates, budget spent, admin──▶ abandoned (model unchanged)
// Anything else (aggregate twice, reopen a finished round) is refused and changes nothing (S24).

import { ApiError } from '../api-error';
import type { RoundState } from '../storage/types';

export const TRANSITIONS: Readonly<Record<RoundState, readonly RoundState[]>> = {
  open: ['collecting', 'aggregating', 'abandoned'],
  collecting: ['aggregating', 'abandoned'],
  aggregating: ['committed', 'abandoned'],
  committed: [],
  abandoned: [],
};

export const isFinished = (s: RoundState) => s === 'committed' || s === 'abandoned';

/** The states a round may move to `to` from. */
export function sourcesOf(to: RoundState): RoundState[] {
  return (Object.keys(TRANSITIONS) as RoundState[]).filter((from) => TRANSITIONS[from].includes(to));
}

export function invalidTransition(id: number, from: RoundState, to: RoundState): ApiError {
  return new ApiError(409, 'invalid_transition', `round ${id} is ${from}; it cannot become ${to}`);
}
