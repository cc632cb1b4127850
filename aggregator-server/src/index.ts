// The aggregator's public surface, for `npm start`, end-to-end tests and the simulation.
export { type Config, ConfigError, configSchema, loadConfig } from './config';
export type { LedgerResponse } from './http/routes-ops';
export { type CheckInResult, RoundCoordinator } from './rounds/coordinator';
export { type RunningServer, type StartOptions, startServer } from './server';
export * from './storage';
