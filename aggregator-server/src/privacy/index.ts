// The privacy core: pure functions (no HTTP, no storage, no clock) for DP-FedAvg aggregation and the
// Rényi-DP accountant. See aggregator-server/README.md, section "Privacy", for the maths.

export * from './adaptive-clipping';
export * from './checks';
export * from './clip';
export * from './dp-fedavg';
export * from './noise';
export * from './strategy';
export * from './validate-update';
