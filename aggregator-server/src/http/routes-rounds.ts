// What browsers call during a round: check-in, update upload, round status.

import { encodedUpdateBytes, layoutHash } from '@hearth/models';
import type express from 'express';
import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../api-error';
import type { SubmitResult } from '../rounds/coordinator';
import type { RoundRecord } from '../storage/types';
import type { AppContext } from './context';
import { fromZod } from './errors';
import { NewIdRateLimiter } from './rate-limit';
import { jsonBody, rawBody } from './read-body';
import { parseId } from './routes-models';

export const CLIENT_ID = /^[A-Za-z0-9_-]{8,128}$/;
const checkInBody = z.strictObject({
  clientId: z.string().regex(CLIENT_ID, 'must be 8..128 characters of A-Z a-z 0-9 _ -'),
});

export async function describeRound(ctx: AppContext, round: RoundRecord) {
  const counts = await ctx.store.roundCounts(round.id);
  return {
    id: round.id,
    state: round.state,
    modelVersion: round.modelVersion,
    openedAt: round.openedAt.toISOString(),
    deadline: round.deadline.toISOString(),
    closedAt: round.closedAt?.toISOString() ?? null,
    reason: round.reason,
    resultVersion: round.resultVersion,
    minClients: round.params.minClients,
    expectedClients: round.params.expectedClients,
    q: round.params.q,
    z: round.params.z,
    clipBound: round.params.clipBound,
    serverLr: round.params.serverLr,
    serverItemTablesLr: round.params.serverItemTablesLr,
    layout: round.layout,
    layoutHash: layoutHash(round.layout),
    received: counts.count,
    clipped: counts.clipped,
    zeroed: counts.zeroed,
  };
}

export function roundRoutes(ctx: AppContext): Router {
  const r = Router();
  const limiter = new NewIdRateLimiter(ctx.config.limits.checkInsPerMinutePerSource);
  const json = jsonBody(ctx.config.limits.maxJsonBytes);
  const bodies = ctx.uploadBodies;
  const raw = rawBody(ctx.config.limits.maxUpdateBytes, bodies);

  r.post('/v1/rounds/checkin', json, async (req, res) => {
    const parsed = checkInBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error, 'body');
    const { clientId } = parsed.data;
    const source = req.ip ?? 'unknown';
    const decision = limiter.check(source, clientId, Date.now());
    if (!decision.allowed) {
      ctx.metrics.checkIns.inc({ status: 'rate_limited' });
      throw new ApiError(
        429,
        'rate_limited',
        'too many new client ids from this source; retry later',
        undefined,
        decision.retryAfterSec,
      );
    }
    const result = await ctx.coordinator.checkIn(clientId);
    ctx.metrics.checkIns.inc({ status: result.status });
    if (result.status === 'no_round') ctx.scheduler.noteCheckIn(clientId);
    if (result.status !== 'sampled') res.set('Retry-After', String(result.retryAfterSec));
    res.json(result);
  });

  r.get('/v1/rounds/current', async (_req, res) => {
    const round = await ctx.store.activeRound();
    res.set('Cache-Control', 'no-cache');
    res.json({ round: round ? await describeRound(ctx, round) : null, scheduler: ctx.scheduler.state });
  });

  r.get('/v1/rounds/:id', async (req, res) => {
    const round = await ctx.store.getRound(parseId(req.params.id, 'id'));
    if (!round) throw new ApiError(404, 'no_round', `round ${req.params.id} does not exist`);
    res.set('Cache-Control', 'no-cache');
    res.json(await describeRound(ctx, round));
  });

  // The token is checked BEFORE the body is read: strangers cost no buffering. The body limit is
  // enforced while reading (413 on Content-Length alone, or as soon as a chunked body goes over).
  const authorize: express.RequestHandler = async (req, res, next) => {
    const id = req.params.id;
    const roundId = parseId(typeof id === 'string' ? id : undefined, 'id');
    const auth = req.get('authorization') ?? '';
    const token = /^Bearer (\S+)$/.exec(auth)?.[1];
    if (!token)
      throw new ApiError(
        401,
        'missing_token',
        'Authorization: expected "Bearer <round token>"',
        'Authorization',
      );
    const clientId = req.get('hearth-client-id') ?? '';
    if (!CLIENT_ID.test(clientId))
      throw new ApiError(
        400,
        'bad_request',
        'Hearth-Client-Id: expected 8..128 characters of A-Z a-z 0-9 _ -',
        'Hearth-Client-Id',
      );
    ctx.coordinator.authorize(roundId, clientId, token);
    // The body may be at most twice the round's exact update size (plus slack for a header of another
    // layout, so that such a body still gets a 400 naming the field): no sampled client can make the
    // server buffer more than that, whatever the global maxUpdateBytes.
    const round = await ctx.coordinator.round(roundId);
    if (round) res.locals.bodyLimit = 2 * encodedUpdateBytes(round.layout) + 4096;
    res.locals.upload = { roundId, clientId, token } satisfies Upload;
    next();
  };

  r.post('/v1/rounds/:id/updates', countRejections(ctx), authorize, raw, async (req, res) => {
    const { roundId, clientId, token } = res.locals.upload as Upload;
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0)
      throw new ApiError(
        400,
        'bad_update',
        'body: expected the binary update (application/octet-stream)',
        'body',
      );
    let result: SubmitResult;
    try {
      result = await ctx.coordinator.submit(roundId, clientId, token, body);
    } finally {
      // summed and committed, or refused: nothing holds a view on the body any more (a body lent to
      // the store's worker is empty here: it went back to the pool with the worker's answer)
      bodies.give(body);
    }
    ctx.metrics.updates.inc({ outcome: result.status });
    if (result.clipped) ctx.metrics.clipped.inc({ kind: 'clipped' });
    if (result.zeroed) ctx.metrics.clipped.inc({ kind: 'zeroed' });
    res.status(result.status === 'accepted' ? 202 : 200).json({ status: result.status });
  });

  return r;
}

/** What the authorize step hands the upload handler, in res.locals. */
interface Upload {
  roundId: number;
  clientId: string;
  token: string;
}

/** Counts every refused upload by reason, whichever middleware refused it. */
function countRejections(ctx: AppContext): express.RequestHandler {
  return (_req, res, next) => {
    res.on('finish', () => {
      if (res.statusCode >= 400) ctx.metrics.updates.inc({ outcome: `http_${res.statusCode}` });
    });
    next();
  };
}
