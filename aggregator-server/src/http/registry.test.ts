// The model registry, operations and admin routes over HTTP: immutable per-version URLs with content
// ETags, the latest pointer and rollback, health, Prometheus metrics, the ledger, admin auth.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../storage/blobs';
import { sampledToken, updateBytes, upload } from '../testing/client';
import { TEST_LAYOUT, TEST_SIZE, testArtifact } from '../testing/model';
import { startTestServer, type TestServer } from '../testing/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('registry and operations over HTTP', () => {
  it('serves manifest and weights under immutable per-version URLs with the SHA-256 as ETag', async () => {
    const latest = await (await server.get('/v1/models/latest')).json();
    expect(latest.version).toBe(1);
    const res = await server.get(latest.weightsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(sha256Hex(bytes)).toBe(latest.weightsSha256);
    expect(res.headers.get('etag')).toBe(`"${latest.weightsSha256}"`);
    const again = await server.get(latest.weightsUrl, { 'if-none-match': `"${latest.weightsSha256}"` });
    expect(again.status).toBe(304);
    const manifest = await (await server.get(latest.manifestUrl)).json();
    expect(manifest.weightsSha256).toBe(latest.weightsSha256);
    expect((await server.get('/v1/models/999/weights.bin')).status).toBe(404);
    const bad = await (await server.get('/v1/models/abc/manifest.json')).json();
    expect(bad.error).toMatchObject({ reason: 'bad_request', field: 'version' });
  });

  it('serves the latest artifact at a stable URL, revalidated (no-cache) with the SHA-256 as ETag', async () => {
    const res = await server.get('/v1/models/latest/manifest.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-hearth-model-version')).toBe('1');
    const manifest = await res.json();
    const weights = await server.get('/v1/models/latest/weights.bin');
    expect(weights.headers.get('cache-control')).toBe('no-cache');
    expect(sha256Hex(new Uint8Array(await weights.arrayBuffer()))).toBe(manifest.weightsSha256);
    const etag = res.headers.get('etag')!;
    expect((await server.get('/v1/models/latest/manifest.json', { 'if-none-match': etag })).status).toBe(304);
  });

  it('admin routes need the bearer token', async () => {
    const res = await fetch(`${server.url}/v1/admin/rounds`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong' },
    });
    expect(res.status).toBe(401);
    const bad = await server.admin('POST', '/v1/admin/rounds', { q: 2 });
    expect([bad.status, bad.json.error.field]).toEqual([400, 'q']);
    expect((await server.admin('POST', '/v1/admin/rounds', { nonsense: 1 })).status).toBe(400);
  });

  it('a committed round publishes version 2; rollback moves the pointer back and rewrites nothing', async () => {
    const open = await server.admin('POST', '/v1/admin/rounds', {});
    for (const c of ['reg-client-a', 'reg-client-b']) {
      const t = await sampledToken(server.url, c);
      await upload(
        server.url,
        t.roundId,
        c,
        t.token,
        updateBytes(t.roundId, t.modelVersion, TEST_LAYOUT, new Array(TEST_SIZE).fill(0.1)),
      );
    }
    const closed = await server.admin('POST', `/v1/admin/rounds/${open.json.id}/close`);
    expect(closed.json.outcome).toBe('committed');
    const v2 = await (await server.get('/v1/models/latest')).json();
    expect(v2).toMatchObject({ version: 2, parent: 1, roundId: open.json.id });
    expect(v2.epsilon).toBeGreaterThan(0);
    const latestHeader = async () =>
      (await server.get('/v1/models/latest/manifest.json')).headers.get('x-hearth-model-version');
    expect(await latestHeader()).toBe('2');
    const v2Weights = new Uint8Array(await (await server.get(v2.weightsUrl)).arrayBuffer());
    const rb = await server.admin('POST', '/v1/admin/models/rollback', {
      version: 1,
      reason: 'quality drop',
    });
    expect(rb.json).toMatchObject({ version: 1, reason: 'rollback: quality drop' });
    expect((await (await server.get('/v1/models/latest')).json()).version).toBe(1);
    expect(await latestHeader()).toBe('1');
    // version 2 is still there, byte for byte
    expect(new Uint8Array(await (await server.get(v2.weightsUrl)).arrayBuffer())).toEqual(v2Weights);
    const list = await (await server.get('/v1/models')).json();
    expect(list.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(list.latest).toBe(1);
    expect(
      (await server.admin('POST', '/v1/admin/models/rollback', { version: 42, reason: 'x' })).status,
    ).toBe(404);
  });

  it('registers a model artifact through the admin API, checking its SHA-256', async () => {
    const a = await testArtifact(5);
    const body = {
      manifest: a.manifest,
      weightsBase64: Buffer.from(a.weights).toString('base64'),
      note: 'pretrained',
    };
    const ok = await server.admin('POST', '/v1/admin/models', body);
    expect(ok.status).toBe(201);
    expect(ok.json.weightsSha256).toBe(a.manifest.weightsSha256);
    const corrupt = Buffer.from(a.weights);
    corrupt[0] = (corrupt[0]! + 1) % 256;
    const bad = await server.admin('POST', '/v1/admin/models', {
      ...body,
      weightsBase64: corrupt.toString('base64'),
    });
    expect([bad.status, bad.json.error.reason]).toEqual([400, 'bad_artifact']);
    expect(bad.json.error.message).toMatch(/SHA-256/);
  });

  it('healthz, Prometheus metrics and the privacy ledger', async () => {
    const health = await (await server.get('/healthz')).json();
    expect(health).toMatchObject({ ok: true, store: 'embedded' });
    const metrics = await (await server.get('/metrics')).text();
    expect(metrics).toMatch(/hearth_updates_total\{outcome="accepted"\} 2/);
    expect(metrics).toMatch(/hearth_rounds_total\{outcome="committed"\} 1/);
    expect(metrics).toMatch(/hearth_checkins_total\{status="sampled"\} 2/);
    const ledger = await (await server.get('/v1/privacy/ledger')).json();
    expect(ledger.rounds).toHaveLength(1);
    expect(ledger.epsilonSpent).toBeCloseTo(ledger.rounds[0].epsilon, 9);
    expect(ledger).toMatchObject({ delta: 1e-5, epsilonBudget: 1000, budgetExhausted: false });
    expect((await server.get('/v1/nowhere')).status).toBe(404);
  });
});
