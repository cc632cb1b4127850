// A round's server step over HTTP: the version a round publishes is old + serverLr × the noisy average
// (serverItemTablesLr on the item tables), measured against the same round at serverLr 1 on a twin
// server (same seeded noise, same updates), whose published change is the noisy average itself.

import { decodeArtifact } from '@hearth/models';
import { afterEach, describe, expect, it } from 'vitest';
import { sampledToken, updateBytes, upload } from '../testing/client';
import { startTestServer, type TestServer } from '../testing/server';

// excludeTensors null: the round trains the item table too (20 values), then the encoder (16 + 4).
const FULL_LAYOUT = [
  { name: 'item_embedding', shape: [5, 4] },
  { name: 'block0/w', shape: [4, 4] },
  { name: 'block0/b', shape: [4] },
];
const values = (k: number) => Array.from({ length: 40 }, (_, i) => ((i * 3 + k) % 7) / 20 - 0.15);

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Opens a full-layout round with `body`, uploads the same three updates, closes it: the tensors' change. */
async function publishedChange(body: Record<string, unknown>): Promise<Record<string, Float32Array>> {
  const s = await startTestServer();
  servers.push(s);
  const open = await s.admin('POST', '/v1/admin/rounds', { excludeTensors: null, ...body });
  expect(open.status).toBe(201);
  const id = open.json.id;
  // The round's status shows the step it will take.
  const shown = await (await s.get(`/v1/rounds/${id}`)).json();
  expect(shown.serverLr).toBe(body.serverLr ?? 1);
  expect(shown.serverItemTablesLr).toBe(body.serverItemTablesLr ?? null);
  for (const k of [0, 1, 2]) {
    const client = `step-client-${k}`;
    const t = await sampledToken(s.url, client);
    const res = await upload(
      s.url,
      id,
      client,
      t.token,
      updateBytes(id, t.modelVersion, FULL_LAYOUT, values(k)),
    );
    expect(res.status).toBe(202);
  }
  const closed = await s.admin('POST', `/v1/admin/rounds/${id}/close`);
  expect(closed.json.outcome).toBe('committed');
  const decode = async (version: number) => {
    const v = (await s.ctx.store.getVersion(version))!;
    return decodeArtifact(v.manifest, await s.ctx.store.readWeights(version));
  };
  const before = await decode(open.json.modelVersion);
  const after = await decode(closed.json.round.resultVersion);
  const change: Record<string, Float32Array> = {};
  for (const { name } of FULL_LAYOUT) {
    const a = before.tensors[name]!.data;
    change[name] = Float32Array.from(after.tensors[name]!.data, (v, i) => v - a[i]!);
  }
  return change;
}

function ratios(step: Float32Array, average: Float32Array): number[] {
  return Array.from(step, (v, i) => v / average[i]!).filter((_, i) => Math.abs(average[i]!) > 1e-3);
}

describe('the server step of a round', () => {
  it('serverLr 0.5 publishes old + 0.5 × the noisy average; serverItemTablesLr steps the item table apart', async () => {
    const average = await publishedChange({ serverLr: 1 });
    const half = await publishedChange({ serverLr: 0.5 });
    const split = await publishedChange({ serverLr: 0.5, serverItemTablesLr: 3 });
    for (const name of ['item_embedding', 'block0/w']) {
      expect(ratios(half[name]!, average[name]!).length).toBeGreaterThan(10);
      for (const r of ratios(half[name]!, average[name]!)) expect(r).toBeCloseTo(0.5, 3);
    }
    for (const r of ratios(split.item_embedding!, average.item_embedding!)) expect(r).toBeCloseTo(3, 3);
    for (const r of ratios(split['block0/w']!, average['block0/w']!)) expect(r).toBeCloseTo(0.5, 3);
  });

  it('refuses a rate that is not positive, naming the field', async () => {
    const s = await startTestServer();
    servers.push(s);
    for (const [field, value] of [
      ['serverLr', 0],
      ['serverItemTablesLr', -1],
      ['serverItemTablesLr', 'fast'],
    ] as const) {
      const res = await s.admin('POST', '/v1/admin/rounds', { [field]: value });
      expect([res.status, res.json.error.field], `${field}: ${value}`).toEqual([400, field]);
    }
    expect(await s.ctx.store.activeRound()).toBeNull();
  });
});
