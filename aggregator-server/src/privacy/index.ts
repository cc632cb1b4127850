// The privacy core: pure functions (no HTTP, no storage, no clock) for DP-FedAvg aggregation and the
// Rényi-DP accountant. See aggregator-server/README.md, section "Privacy", for the maths.

export * from './accountant';
export * from './adaptive-clipping';
export * from './checks';
export * from './clip';
export * from './conversion';
export * from './dp-fedavg';
export * from './ledger';
export * from './merge-accumulators';
export * from './noise';
export * from './rdp';
export * from './strategy';
export * from './validate-update';
