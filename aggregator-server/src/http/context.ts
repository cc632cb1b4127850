import type { Logger } from 'pino';
import type { Config } from '../config';
import type { RoundCoordinator } from '../rounds/coordinator';
import type { RoundScheduler } from '../rounds/scheduler';
import type { Store } from '../storage/types';
import type { BodyPool } from './body-pool';
import type { Metrics } from './metrics';

/** What the routes share: one per server instance. */
export interface AppContext {
  readonly config: Config;
  readonly store: Store;
  readonly coordinator: RoundCoordinator;
  readonly scheduler: RoundScheduler;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Upload bodies, shared by the upload route and the store's worker (which lends them). */
  readonly uploadBodies: BodyPool;
}
