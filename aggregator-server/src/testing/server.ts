// An aggregator for HTTP tests: the real app on 127.0.0.1, port 0, an in-memory embedded store (or a
// given one), seeded noise, the tiny test model registered as version 1.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type Config, loadConfig } from '../config';
import { seededGaussianForTestsOnly } from '../privacy/noise';
import { type RunningServer, startServer } from '../server';
import { openEmbeddedStore } from '../storage/embedded';
import type { Store } from '../storage/types';
import type { Json } from './client';
import { testArtifact } from './model';

export const SECRET = 'test-secret-0123456789';
export const ADMIN = 'admin-token-0123456789';

export interface TestServer extends RunningServer {
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
}

export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig(
    {},
    {
      host: '127.0.0.1',
      port: 0,
      secret: SECRET,
      adminToken: ADMIN,
      logLevel: 'silent',
      privacy: { delta: 1e-5, epsilonBudget: 1000 },
      rounds: {
        defaults: { q: 1, population: 10, z: 0.5, clipBound: 2, minClients: 2, durationSec: 600 },
        tickSec: 3600,
      },
      ...overrides,
    },
  );
}

export async function startTestServer(
  overrides: Record<string, unknown> = {},
  store?: Store,
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-http-'));
  const s = store ?? (await openEmbeddedStore({ dir, inMemory: true }));
  if ((await s.listVersions()).length === 0) {
    const a = await testArtifact();
    await s.createVersion(
      { manifest: a.manifest, weights: a.weights, parent: null, roundId: null, epsilon: 0, delta: 1e-5 },
      'test base',
    );
  }
  const server = await startServer(testConfig(overrides), {
    store: s,
    noise: seededGaussianForTestsOnly(7),
    log: pino({ level: 'silent' }),
  });
  return {
    ...server,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
    async admin(method, path, body) {
      const res = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: await res.json() };
    },
    get: (path, headers = {}) => fetch(server.url + path, { headers }),
  };
}
