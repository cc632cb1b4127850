import { ACTIONS, type Action } from '../types';

/** Action id 0 is padding; real actions are 1..ACTIONS.length in the order of ACTIONS. */
export const PADDING_ACTION_ID = 0;
/** Size of the action embedding table (padding included). */
export const NUM_ACTION_IDS = ACTIONS.length + 1;

/** The id the model embeds for an action. Throws on an unknown action, naming it. */
export function actionId(action: Action): number {
  const index = ACTIONS.indexOf(action);
  if (index < 0) throw new Error(`unknown action "${String(action)}"; expected one of ${ACTIONS.join(', ')}`);
  return index + 1;
}
