// The worker's API in Node on the cpu backend (no browser needed): start, rank, explain against a
// model served over real HTTP on 127.0.0.1.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../test/browser/harness';
import { makeTestModel, serveModel, type TestModel } from '../../../test/browser/test-model';
import type { StoredEvent } from '../event';
import { HistoryLog, HistoryOutOfSync, type HistorySync } from '../history';
import { byId, KnownIndices } from '../known-indices';
import type { RankReply, StaleCatalog, WorkerApi } from '../protocol';
import { expandRanking } from '../ranking';
import { createWorkerApi } from './api';
import { bucketFor, CANDIDATE_BUCKETS } from './scoring';

let server: TestServer;
let model: TestModel;
let api: WorkerApi;
const now = Date.now();
const history: StoredEvent[] = [
  { type: 'view', item: 'p4', t: now - 300_000 },
  { type: 'click', item: 'p7', t: now - 200_000 },
  { type: 'add_to_cart', item: 'p10', t: now - 100_000 },
];

/** A ranking, or the test fails here (not a null or a stale-catalogue answer). */
function ranked(answer: RankReply | StaleCatalog | null): RankReply {
  if (!answer || !('ranking' in answer)) throw new Error(`expected a ranking, got ${JSON.stringify(answer)}`);
  return answer;
}

/** The whole history, as a page sends it the first time. */
const whole = (events: StoredEvent[]): HistorySync => ({
  epoch: 1,
  total: events.length,
  length: events.length,
  events,
  full: true,
});

beforeAll(async () => {
  // Importing the worker registers wasm (and webgpu) above cpu; this test runs on cpu throughout.
  await tf.setBackend('cpu');
  model = await makeTestModel();
  server = await startServer();
  const modelUrl = serveModel(server, model);
  api = createWorkerApi();
  const started = await api.start({
    siteKey: 'node',
    modelUrl,
    assetsUrl: `${server.origin}/sdk/`,
    backends: ['cpu'],
    persist: false,
    maxEventAgeDays: 30,
  });
  expect(started).toMatchObject({ backend: 'cpu', modelVersion: 'test-1', modelCached: false });
});

afterAll(() => server?.close());

describe('worker api', () => {
  it('pads candidate lists to a few fixed lengths', () => {
    expect([1, 32, 33, 100, 500, 600].map(bucketFor)).toEqual([32, 32, 128, 128, 512, 2048]);
    expect(bucketFor(CANDIDATE_BUCKETS.at(-1)! + 1)).toBe(CANDIDATE_BUCKETS.at(-1)! + 1);
  });

  it('rank() scores known items exactly as the model core does, padding or not', async () => {
    const candidates = ['p20', 'p21', 'p22', 'nope', 'p23'];
    const reply = ranked(
      await api.rank({
        history: whole(history),
        candidates: byId(candidates),
        now,
        utcOffsetMin: 0,
        shopWeight: 0.2,
      }),
    );
    const items = expandRanking(candidates, reply.ranking)!;
    const expected = await model.scores(
      history.map((e) => ({ id: e.item!, action: e.type as 'view', timeMs: e.t })),
      ['p20', 'p21', 'p22', 'p23'],
    );
    const got = ['p20', 'p21', 'p22', 'p23'].map((id) => items.find((r) => r.id === id)!.modelScore!);
    for (const [i, g] of got.entries()) expect(g).toBeCloseTo(expected[i]!, 5);
    expect(items.find((r) => r.id === 'nope')?.modelScore).toBeUndefined();
    expect(reply.modelVersion).toBe('test-1');
  });

  it('explain() names history items as drivers, weights summing to at most 1', async () => {
    const reply = ranked(
      await api.rank({
        history: whole(history),
        candidates: byId(['p30', 'p31', 'p32']),
        now,
        utcOffsetMin: 0,
        shopWeight: 0,
      }),
    );
    const top = expandRanking(['p30', 'p31', 'p32'], reply.ranking)![0]!.id;
    const e = (await api.explain({ history, itemId: top, now, utcOffsetMin: 0 }))!;
    expect(e.itemId).toBe(top);
    for (const d of e.drivers) expect(['p4', 'p7', 'p10']).toContain(d.itemId);
    const total = e.drivers.reduce((s, d) => s + d.weight, 0);
    expect(total).toBeLessThanOrEqual(1 + 1e-9);
    expect(e.text.length).toBeGreaterThan(10);
    const unknown = (await api.explain({ history, itemId: 'brand-new', now, utcOffsetMin: 0 }))!;
    expect(unknown.drivers).toEqual([]);
    expect(unknown.text).toContain('new to the model');
  });

  it('without a model it answers null, so the page keeps the shop order', async () => {
    const empty = createWorkerApi();
    expect(
      await empty.start({
        siteKey: 'x',
        assetsUrl: '/',
        backends: ['cpu'],
        persist: false,
        maxEventAgeDays: 1,
      }),
    ).toEqual({
      backend: 'none',
      messages: [],
    });
    expect(
      await empty.rank({
        history: whole(history),
        candidates: byId(['p1']),
        now,
        utcOffsetMin: 0,
        shopWeight: 0.2,
      }),
    ).toBeNull();
  });

  it('rank() brought up to date with just the new event scores as with the whole history sent', async () => {
    const candidates = ['p20', 'p21', 'p22', 'p23'];
    const log = new HistoryLog(50);
    for (const e of history) log.append(e);
    await api.rank({
      history: log.sync(),
      candidates: byId(candidates),
      now,
      utcOffsetMin: 0,
      shopWeight: 0,
    });
    const click: StoredEvent = { type: 'click', item: 'p12', t: now - 1000 };
    log.append(click);
    const delta = log.sync();
    expect(delta.events).toEqual([click]);
    const byDelta = ranked(
      await api.rank({ history: delta, candidates: byId(candidates), now, utcOffsetMin: 0, shopWeight: 0 }),
    );
    const fresh = createWorkerApi();
    await fresh.start({
      siteKey: 'node-2',
      modelUrl: serveModel(server, model),
      assetsUrl: `${server.origin}/sdk/`,
      backends: ['cpu'],
      persist: false,
      maxEventAgeDays: 30,
    });
    const byWhole = ranked(
      await fresh.rank({
        history: whole([...history, click]),
        candidates: byId(candidates),
        now,
        utcOffsetMin: 0,
        shopWeight: 0,
      }),
    );
    expect(Array.from(byDelta.ranking.modelScores)).toEqual(Array.from(byWhole.ranking.modelScores));
    // The features follow the reply (the lane sends them after it), once.
    expect(byDelta.features).toBeUndefined();
    expect((await fresh.features())?.sequenceLength).toBe(history.length + 1);
    expect(await fresh.features()).toBeUndefined();
    // A worker that never had the start of it refuses the difference (the page then sends it whole).
    log.append({ type: 'view', item: 'p13', t: now - 500 });
    expect(() =>
      fresh.rank({ history: log.sync(), candidates: byId(candidates), now, utcOffsetMin: 0, shopWeight: 0 }),
    ).toThrow(HistoryOutOfSync);
  });

  it('rank() by the indices the page learned answers as by ids; another catalogue answers stale', async () => {
    const candidates = ['p40', 'p41', 'nope', 'p42'];
    const request = (c: ReturnType<typeof byId>) => ({
      history: whole(history),
      candidates: c,
      now,
      utcOffsetMin: 0,
      shopWeight: 0.2,
    });
    const first = ranked(await api.rank(request(byId(candidates))));
    expect(Array.from(first.learned ?? [])).toEqual([40, 41, 0, 42]); // the test catalogue: pN at index N
    const known = new KnownIndices();
    known.learn(first.catalog, candidates, first.learned!);
    const byIndex = known.encode(candidates);
    expect(byIndex.ids).toEqual([]); // nothing left to send by id
    const second = ranked(await api.rank(request(byIndex)));
    expect(second.learned).toBeUndefined(); // nothing sent by id, nothing to learn
    expect(Array.from(second.ranking.order)).toEqual(Array.from(first.ranking.order));
    expect(Array.from(second.ranking.modelScores)).toEqual(Array.from(first.ranking.modelScores));
    // Indices the page learned from another catalogue are not trusted: the page must send the ids.
    expect(await api.rank(request({ ...byIndex, catalog: first.catalog + 1 }))).toEqual({
      staleCatalog: first.catalog,
    });
    // ...while ids alone need no catalogue.
    expect(ranked(await api.rank(request({ ...byId(candidates), catalog: 12345 }))).catalog).toBe(
      first.catalog,
    );
  });
});
