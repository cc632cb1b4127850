// Prometheus metrics, in a registry per server instance (tests run several in one process).

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hearth_' });
  return {
    registry,
    updates: new Counter({
      name: 'hearth_updates_total',
      help: 'Update uploads by outcome (accepted, duplicate, or the rejection reason)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    clipped: new Counter({
      name: 'hearth_updates_clipped_total',
      help: 'Accepted updates scaled down to the clip bound (or zeroed above the zeroing bound)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    checkIns: new Counter({
      name: 'hearth_checkins_total',
      help: 'Check-ins by result (sampled, not_sampled, no_round, rate_limited)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    rounds: new Counter({
      name: 'hearth_rounds_total',
      help: 'Rounds finished by this replica, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'hearth_ingest_batch_size',
      help: 'Updates per group-commit transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'hearth_ingest_commit_seconds',
      help: 'Duration of one group-commit transaction',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    epsilon: new Gauge({
      name: 'hearth_privacy_epsilon_spent',
      help: 'Cumulative epsilon of the latest committed round (at the configured delta)',
      registers: [registry],
    }),
    budgetExhausted: new Gauge({
      name: 'hearth_privacy_budget_exhausted',
      help: '1 when the scheduler stopped opening rounds because the privacy budget is spent',
      registers: [registry],
    }),
    httpSeconds: new Histogram({
      name: 'hearth_http_request_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['route', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
