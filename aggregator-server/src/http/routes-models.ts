// Model registry over HTTP. A version's manifest and weights never change, so their URLs are cached
// for a year (`immutable`) with the weights' SHA-256 as ETag; only `latest` is revalidated every time.

import { type Response, Router } from 'express';
import { ApiError } from '../api-error';
import type { ModelVersionRecord } from '../storage/types';
import type { AppContext } from './context';

export function parseId(text: string | undefined, field: string): number {
  if (!text || !/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > 0x7fffffff)
    throw new ApiError(
      400,
      'bad_request',
      `${field}: expected a positive integer, got "${text ?? ''}"`,
      field,
    );
  return Number(text);
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

export function describeVersion(v: ModelVersionRecord) {
  return {
    version: v.version,
    parent: v.parent,
    roundId: v.roundId,
    createdAt: v.createdAt.toISOString(),
    weightsSha256: v.weightsSha256,
    weightsBytes: v.weightsBytes,
    epsilon: v.epsilon,
    delta: v.delta,
    note: v.note,
    manifestUrl: `/v1/models/${v.version}/manifest.json`,
    weightsUrl: `/v1/models/${v.version}/weights.bin`,
  };
}

export function modelRoutes(ctx: AppContext): Router {
  const r = Router();
  // The latest version's bytes, kept so a crowd fetching the new model does not hash it per request.
  let cached: { version: number; weights: Uint8Array } | null = null;
  const sendWeights = async (res: Response, version: number) => {
    if (cached?.version !== version) cached = { version, weights: await ctx.store.readWeights(version) };
    res
      .type('application/octet-stream')
      .send(Buffer.from(cached.weights.buffer, cached.weights.byteOffset, cached.weights.byteLength));
  };

  const version = async (text: string | undefined) => {
    const v = await ctx.store.getVersion(parseId(text, 'version'));
    if (!v) throw new ApiError(404, 'no_version', `model version ${text} does not exist`);
    return v;
  };

  r.get('/v1/models', async (_req, res) => {
    const [versions, latest] = await Promise.all([ctx.store.listVersions(), ctx.store.latest()]);
    res.json({ latest: latest?.version ?? null, versions: versions.map(describeVersion) });
  });

  r.get('/v1/models/latest', async (req, res) => {
    const latest = await ctx.store.latest();
    if (!latest) throw new ApiError(404, 'no_model', 'no model version is registered yet');
    const v = (await ctx.store.getVersion(latest.version))!;
    const etag = `"latest-${v.version}-${v.weightsSha256.slice(0, 16)}"`;
    res.set({ 'Cache-Control': 'no-cache', ETag: etag });
    if (req.get('if-none-match') === etag) return void res.status(304).end();
    res.json({
      ...describeVersion(v),
      pointer: { reason: latest.reason, since: latest.createdAt.toISOString() },
    });
  });

  // The latest version's artifact at one stable address, for clients that are configured with a
  // manifest URL and resolve `weights.bin` beside it (the SDK's `modelUrl`). Revalidated every time;
  // the ETag is the weights' SHA-256, so an unchanged model costs a 304. A client that reads the
  // manifest just before a new version is published gets the newer weights, fails the manifest's
  // SHA-256 check and keeps its model until the next revalidation: never a mixed model.
  const latestVersion = async () => {
    const latest = await ctx.store.latest();
    if (!latest) throw new ApiError(404, 'no_model', 'no model version is registered yet');
    return (await ctx.store.getVersion(latest.version))!;
  };

  r.get('/v1/models/latest/manifest.json', async (req, res) => {
    const v = await latestVersion();
    const etag = `"m-${v.weightsSha256}"`;
    res.set({ 'Cache-Control': 'no-cache', ETag: etag, 'X-Hearth-Model-Version': String(v.version) });
    if (req.get('if-none-match') === etag) return void res.status(304).end();
    res.json(v.manifest);
  });

  r.get('/v1/models/latest/weights.bin', async (req, res) => {
    const v = await latestVersion();
    const etag = `"${v.weightsSha256}"`;
    res.set({ 'Cache-Control': 'no-cache', ETag: etag, 'X-Hearth-Sha256': v.weightsSha256 });
    if (req.get('if-none-match') === etag) return void res.status(304).end();
    await sendWeights(res, v.version);
  });

  r.get('/v1/models/:version/manifest.json', async (req, res) => {
    const v = await version(req.params.version);
    const etag = `"m-${v.weightsSha256}"`;
    res.set({ 'Cache-Control': IMMUTABLE, ETag: etag });
    if (req.get('if-none-match') === etag) return void res.status(304).end();
    res.json(v.manifest);
  });

  r.get('/v1/models/:version/weights.bin', async (req, res) => {
    const v = await version(req.params.version);
    const etag = `"${v.weightsSha256}"`;
    res.set({ 'Cache-Control': IMMUTABLE, ETag: etag, 'X-Hearth-Sha256': v.weightsSha256 });
    if (req.get('if-none-match') === etag) return void res.status(304).end();
    await sendWeights(res, v.version);
  });

  return r;
}
