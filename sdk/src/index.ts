// The ESM entry: `import { init, rank } from '@hearth/sdk'`. One SDK instance per page, shared by
// every import. The worker bundle and wasm files are looked up beside this module unless
// `assetsUrl` says otherwise.
import { createHearth } from './client';

function moduleBase(): string | undefined {
  try {
    return new URL('./', import.meta.url).href;
  } catch {
    return undefined;
  }
}

const hearth = createHearth(moduleBase());

export const { init, track, rank, explain, consent, forget, status, trainNow, joinRound } = hearth;
export type { Hearth } from './client';
export type {
  Backend,
  ConsentState,
  EventType,
  Explanation,
  FeatureSummary,
  FederationStatus,
  HearthConfig,
  JoinResult,
  RankContext,
  RankedItem,
  RecentEvent,
  Status,
  TrackEvent,
  TrainResult,
} from './types';
