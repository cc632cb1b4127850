// Operations: health, Prometheus metrics, the public privacy ledger, and the bench's discard endpoint.

import { Router } from 'express';
import { spentEpsilon } from '../privacy/ledger';
import { ledgerOf } from '../rounds/aggregate';
import type { LedgerEntry } from '../storage/types';
import { BodyPool, POOL_BYTES } from './body-pool';
import type { AppContext } from './context';
import { rawBody } from './read-body';

/** The body of GET /v1/privacy/ledger: what the admin CLI and the admin page read. */
export interface LedgerResponse {
  delta: number;
  epsilonBudget: number;
  epsilonSpent: number;
  order: number;
  budgetExhausted: boolean;
  rounds: (Omit<LedgerEntry, 'createdAt'> & { createdAt: string })[];
}

export function opsRoutes(ctx: AppContext): Router {
  const r = Router();

  r.get('/healthz', async (_req, res) => {
    // A store round trip: a replica that cannot reach its database is not healthy.
    const latest = await ctx.store.latest();
    res.set('Cache-Control', 'no-store');
    res.json({
      ok: true,
      store: ctx.store.kind,
      replica: ctx.store.replicaId,
      latestVersion: latest?.version ?? null,
    });
  });

  r.get('/metrics', async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  r.get('/v1/privacy/ledger', async (_req, res) => {
    const entries = await ctx.store.ledger();
    const ledger = ledgerOf(entries, ctx.config.privacy);
    const spent = spentEpsilon(ledger);
    res.set('Cache-Control', 'no-cache');
    const body: LedgerResponse = {
      delta: ctx.config.privacy.delta,
      epsilonBudget: ctx.config.privacy.epsilonBudget,
      epsilonSpent: spent.epsilon,
      order: spent.order,
      budgetExhausted: ctx.scheduler.state === 'budget_exhausted',
      rounds: entries.map((e) => ({ ...e, createdAt: e.createdAt.toISOString() })),
    };
    res.json(body);
  });

  if (ctx.config.discardEndpoint) {
    // The same reader as uploads, with its own pool of bodies, so the baseline is the transport alone.
    const bodies = new BodyPool(POOL_BYTES);
    const raw = rawBody(ctx.config.limits.maxUpdateBytes, bodies);
    r.post('/v1/discard', raw, (req, res) => {
      const body: unknown = req.body;
      res.status(202).json({ bytes: Buffer.isBuffer(body) ? body.length : 0 });
      if (Buffer.isBuffer(body)) bodies.give(body);
    });
  }
  return r;
}
