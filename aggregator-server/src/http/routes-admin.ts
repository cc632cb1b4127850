// Admin routes, behind the admin bearer token: open, close and abandon rounds, register a model
// version, move the latest pointer (rollback), scheduler status.

import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../api-error';
import { checkArtifact } from '../registry/artifact-dir';
import type { AppContext } from './context';
import { fromZod } from './errors';
import { jsonBody } from './read-body';
import { describeVersion, parseId } from './routes-models';
import { describeRound } from './routes-rounds';

const openBody = z
  .strictObject({
    durationSec: z.number().positive(),
    q: z.number().gt(0).lte(1),
    population: z.number().int().positive(),
    z: z.number().positive(),
    clipBound: z.number().positive(),
    zeroingBound: z.number().positive().nullable(),
    minClients: z.number().int().min(1),
    serverLr: z.number().positive(),
    serverItemTablesLr: z.number().positive().nullable(),
    includeTensors: z.string(),
    excludeTensors: z.string().nullable(),
  })
  .partial();

const reasonBody = z.strictObject({ reason: z.string().min(1).max(500) });
const rollbackBody = z.strictObject({
  version: z.number().int().positive(),
  reason: z.string().min(1).max(500),
});
const registerBody = z.strictObject({
  manifest: z.record(z.string(), z.unknown()),
  weightsBase64: z.string().min(1),
  parent: z.number().int().positive().nullable().default(null),
  note: z.string().max(500).default(''),
  makeLatest: z.boolean().default(true),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw fromZod(r.error, 'body');
  return r.data;
}

export function adminRoutes(ctx: AppContext): Router {
  const r = Router();
  const expected = Buffer.from(`Bearer ${ctx.config.adminToken}`);
  r.use('/v1/admin', (req, _res, next) => {
    const given = Buffer.from(req.get('authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new ApiError(401, 'unauthorized', 'admin routes need Authorization: Bearer <admin token>');
    next();
  });
  r.use('/v1/admin', jsonBody(ctx.config.limits.maxAdminBytes));

  r.get('/v1/admin/status', async (_req, res) => {
    const round = await ctx.store.activeRound();
    res.json({
      replica: ctx.store.replicaId,
      store: ctx.store.kind,
      scheduler: {
        state: ctx.scheduler.state,
        auto: ctx.config.rounds.auto,
        waitingCheckIns: ctx.scheduler.waitingCheckIns,
      },
      round: round ? await describeRound(ctx, round) : null,
      pendingUpdates: ctx.coordinator.batcher.pending,
    });
  });

  r.get('/v1/admin/rounds', async (_req, res) => {
    const rounds = await ctx.store.listRounds(100);
    res.json({ rounds: await Promise.all(rounds.map((x) => describeRound(ctx, x))) });
  });

  r.post('/v1/admin/rounds', async (req, res) => {
    const overrides = parse(openBody, req.body);
    const clean = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
    const round = await ctx.coordinator.open(clean);
    ctx.log.info({ round: round.id, modelVersion: round.modelVersion }, 'round opened');
    res.status(201).json(await describeRound(ctx, round));
  });

  r.post('/v1/admin/rounds/:id/close', async (req, res) => {
    // the coordinator's onOutcome counts it in the metrics
    const outcome = await ctx.coordinator.close(parseId(req.params.id, 'id'));
    res.json({ outcome: outcome.kind, round: await describeRound(ctx, outcome.round) });
  });

  r.post('/v1/admin/rounds/:id/abandon', async (req, res) => {
    const { reason } = parse(reasonBody, req.body);
    const round = await ctx.coordinator.abandon(parseId(req.params.id, 'id'), reason);
    ctx.metrics.rounds.inc({ outcome: 'abandoned' });
    res.json(await describeRound(ctx, round));
  });

  r.post('/v1/admin/models', async (req, res) => {
    const body = parse(registerBody, req.body);
    const weights = new Uint8Array(Buffer.from(body.weightsBase64, 'base64'));
    let manifest: Record<string, unknown>;
    try {
      manifest = (await checkArtifact(body.manifest, weights)) as unknown as Record<string, unknown>;
    } catch (e) {
      throw new ApiError(400, 'bad_artifact', (e as Error).message, 'manifest');
    }
    const v = await ctx.store.createVersion(
      {
        manifest,
        weights,
        parent: body.parent,
        roundId: null,
        epsilon: 0,
        delta: ctx.config.privacy.delta,
        note: body.note,
      },
      body.makeLatest ? `registered: ${body.note || 'admin'}` : null,
    );
    res.status(201).json(describeVersion(v));
  });

  r.post('/v1/admin/models/rollback', async (req, res) => {
    const { version, reason } = parse(rollbackBody, req.body);
    if (!(await ctx.store.getVersion(version)))
      throw new ApiError(404, 'no_version', `model version ${version} does not exist`);
    const p = await ctx.store.setLatest(version, `rollback: ${reason}`);
    ctx.log.warn({ version, reason }, 'latest pointer moved');
    res.json({ version: p.version, reason: p.reason, since: p.createdAt.toISOString() });
  });

  return r;
}
