// Wires a running server from a configuration: store, model seed, coordinator, scheduler, HTTP, and
// the housekeeping timer (deadlines, the scheduler). Used by main.ts and by the tests.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import type { Config } from './config';
import { createApp } from './http/app';
import { BodyPool, POOL_BYTES } from './http/body-pool';
import type { AppContext } from './http/context';
import { createMetrics } from './http/metrics';
import { type GaussianSource, secureGaussian } from './privacy/noise';
import { readArtifactDir } from './registry/artifact-dir';
import { RoundCoordinator } from './rounds/coordinator';
import { RoundScheduler } from './rounds/scheduler';
import { useSimd } from './simd/kernels';
import { openStoreFromSpec, type StoreSpec } from './storage/open';
import type { Store } from './storage/types';
import { openStoreInWorker, type WorkerStore } from './storage/worker-store';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly ctx: AppContext;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Tests only: seeded noise. Production always uses the crypto-backed source. */
  readonly noise?: GaussianSource;
  readonly log?: Logger;
  readonly store?: Store;
}

/**
 * The store the configuration names, on the main thread or, with the group commit's queue, in its
 * worker (config.storeInWorker). A store in the worker borrows upload bodies from `bodies`.
 */
export async function openStore(
  config: Config,
  log: Logger,
  worker?: { bodies: BodyPool; onCommit: (size: number, ms: number) => void },
): Promise<Store | WorkerStore> {
  const spec: StoreSpec =
    config.store.kind === 'postgres'
      ? { kind: 'postgres', url: config.store.url }
      : {
          kind: 'embedded',
          dir: config.store.dir,
          ...(config.faultPauseCheckpointMs > 0 ? { pauseMidWriteMs: config.faultPauseCheckpointMs } : {}),
        };
  const onPause = () =>
    log.warn({ event: 'checkpoint_write_paused' }, 'fault injection: checkpoint write paused');
  // the kernels of this thread (the checks and sums when the store runs here); the worker sets its own
  useSimd(config.simd);
  if (!config.storeInWorker) return openStoreFromSpec(spec, onPause);
  return openStoreInWorker(spec, {
    batcher: { maxBatch: config.limits.maxBatch, maxQueue: config.limits.maxQueue },
    simd: config.simd,
    onPause,
    ...(worker
      ? { onCommit: worker.onCommit, lendBodies: (b: ArrayBuffer) => worker.bodies.give(Buffer.from(b)) }
      : {}),
  });
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'hearth-aggregator' } });
  const uploadBodies = new BodyPool(POOL_BYTES);
  const metrics = createMetrics();
  const onCommit = (size: number, ms: number) => {
    metrics.batchSize.observe(size);
    metrics.batchSeconds.observe(ms / 1000);
  };
  const opened = options.store ?? (await openStore(config, log, { bodies: uploadBodies, onCommit }));
  const store = 'queue' in opened ? opened.store : opened;
  if (config.seedModelDir && (await store.listVersions()).length === 0) {
    const { manifest, weights } = await readArtifactDir(config.seedModelDir);
    const v = await store.seedVersion(
      {
        manifest: manifest as unknown as Record<string, unknown>,
        weights,
        parent: null,
        roundId: null,
        epsilon: 0,
        delta: config.privacy.delta,
        note: `seed: ${config.seedModelDir}`,
      },
      'seed model',
    );
    if (v) log.info({ version: v.version, dir: config.seedModelDir }, 'registered the seed model');
  }
  // Running sums of rounds that finished while a crash interrupted their clean-up.
  const collected = await store.collectSums();
  if (collected > 0) log.info({ deleted: collected }, 'deleted the running sums of finished rounds');
  const noise = options.noise ?? secureGaussian();
  const coordinator = new RoundCoordinator({
    store,
    secret: config.secret,
    noise,
    allowInsecureNoise: options.noise !== undefined,
    ledger: config.privacy,
    defaults: config.rounds.defaults,
    tokenTtlSec: config.rounds.tokenTtlSec,
    batcher: {
      maxBatch: config.limits.maxBatch,
      maxQueue: config.limits.maxQueue,
      onCommit,
    },
    ...('queue' in opened ? { queue: opened.queue } : {}),
    onOutcome: (o) => {
      metrics.rounds.inc({ outcome: o.kind });
      if (o.kind === 'committed') {
        metrics.epsilon.set(o.epsilon);
        log.info({ round: o.round.id, version: o.version, epsilon: o.epsilon }, 'round committed');
      } else log.warn({ round: o.round.id, reason: o.reason }, 'round abandoned');
    },
  });
  const scheduler = new RoundScheduler(
    coordinator,
    store,
    config.rounds.auto,
    config.rounds.defaults.q,
    config.privacy.delta,
  );
  const ctx: AppContext = { config, store, coordinator, scheduler, metrics, log, uploadBodies };
  const app = createApp(ctx);

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;

  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      await coordinator.tick(config.rounds.aggregatingTimeoutSec);
      const state = await scheduler.step();
      metrics.budgetExhausted.set(state === 'budget_exhausted' ? 1 : 0);
    } catch (e) {
      log.error({ err: e }, 'housekeeping failed');
    } finally {
      ticking = false;
    }
  };
  const timer = setInterval(() => void tick(), config.rounds.tickSec * 1000);
  void tick();

  const url = `http://${config.host}:${port}`;
  log.info(
    { event: 'listening', url, port, store: store.kind, replica: store.replicaId },
    'aggregator listening',
  );
  return {
    url,
    port,
    ctx,
    async close() {
      clearInterval(timer);
      // Stop accepting, let requests in flight finish (their updates are being committed) for up to
      // 5 s, then cut what is left: a client that gets no answer retries and is told "duplicate".
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(grace);
      await store.close();
    },
  };
}
