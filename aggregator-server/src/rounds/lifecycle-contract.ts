// Round lifecycle tests, run on every store (lifecycle.embedded.test.ts, lifecycle.postgres.test.ts):
// open, sample, take updates exactly once, commit a new version with the DP-FedAvg arithmetic, abandon
// with too few, refuse invalid transitions and a spent budget.

import { decodeArtifact, encodeUpdate } from '@hearth/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api-error';
import { noiseMultiplierFor } from '../privacy/accountant';
import { seededGaussianForTestsOnly } from '../privacy/noise';
import type { StoreFixture } from '../storage/contract';
import type { Store } from '../storage/types';
import { TEST_EXCLUDE, TEST_LAYOUT, TEST_SIZE, testArtifact } from '../testing/model';
import { type CoordinatorOptions, RoundCoordinator } from './coordinator';
import { RoundScheduler } from './scheduler';

export const defaults = {
  durationSec: 60,
  q: 1,
  population: 10,
  z: 0.5,
  clipBound: 2,
  zeroingBound: null,
  minClients: 2,
  serverLr: 1,
  serverItemTablesLr: null,
  includeTensors: '.*',
  excludeTensors: TEST_EXCLUDE,
};

export function coordinator(store: Store, clock: { now: number }, extra: Partial<CoordinatorOptions> = {}) {
  return new RoundCoordinator({
    store,
    secret: 'test-secret',
    noise: seededGaussianForTestsOnly(42),
    allowInsecureNoise: true,
    ledger: { delta: 1e-5, epsilonBudget: 1000 },
    defaults,
    tokenTtlSec: 600,
    clock: () => clock.now,
    ...extra,
  });
}

const body = (roundId: number, modelVersion: number, values: number[]) =>
  encodeUpdate({
    roundId,
    modelVersion,
    numExamples: 5,
    layout: TEST_LAYOUT,
    values: Float32Array.from(values),
  });

async function expectApiError(p: Promise<unknown>, status: number, reason: string) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiError);
  expect({ status: (e as ApiError).status, reason: (e as ApiError).reason }).toEqual({ status, reason });
}

export function lifecycleSuite(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`round lifecycle: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    beforeAll(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
      const a = await testArtifact();
      await store.createVersion(
        { manifest: a.manifest, weights: a.weights, parent: null, roundId: null, epsilon: 0, delta: 1e-5 },
        'pretrained base',
      );
    });
    afterAll(async () => {
      await store?.close();
      await fixture?.cleanup();
    });

    it('S21: commits a round with fewer updates than expected: noise z·C on the sum, divided by the expected count', async () => {
      const c = coordinator(store, clock);
      const base = (await store.latest())!.version;
      const round = await c.open();
      expect(round.layout).toEqual(TEST_LAYOUT);
      await expectApiError(c.open(), 409, 'round_active');

      const updates: Record<string, number[]> = {
        a: Array.from({ length: TEST_SIZE }, (_, i) => (i % 3) * 0.1),
        b: Array.from({ length: TEST_SIZE }, () => 1), // norm sqrt(20) > 2: clipped to 2
        c: Array.from({ length: TEST_SIZE }, (_, i) => -i * 0.01),
      };
      for (const [client, values] of Object.entries(updates)) {
        const ci = await c.checkIn(client);
        if (ci.status !== 'sampled') throw new Error('q = 1 samples everyone');
        expect(ci.layoutHash).toMatch(/^[0-9a-f]{16}$/);
        const first = await c.submit(round.id, client, ci.token, body(round.id, base, values));
        expect(first).toEqual({ status: 'accepted', clipped: client === 'b', zeroed: false });
        if (client === 'a')
          expect((await c.submit(round.id, client, ci.token, body(round.id, base, values))).status).toBe(
            'duplicate',
          );
      }
      expect((await store.getRound(round.id))?.state).toBe('collecting');
      const outcome = await c.close(round.id);
      expect(outcome.kind).toBe('committed');
      if (outcome.kind !== 'committed') return;
      expect(outcome.round.resultVersion).toBe(outcome.version);
      expect((await store.latest())?.version).toBe(outcome.version);
      const v = (await store.getVersion(outcome.version))!;
      expect(v.parent).toBe(base);
      expect(v.epsilon).toBeGreaterThan(0);

      // The arithmetic: (sum of clipped updates + N(0, (zC)^2) noise) / (q * population), added to the weights.
      const scale = 2 / Math.sqrt(TEST_SIZE);
      const noise = seededGaussianForTestsOnly(42);
      const expectedDelta = Array.from({ length: TEST_SIZE }, (_, i) => {
        const sum = updates.a![i]! + scale * updates.b![i]! + updates.c![i]!;
        return Math.fround((sum + 0.5 * 2 * noise.next()) / 10);
      });
      const before = await decodeArtifact(
        (await store.getVersion(base))!.manifest,
        await store.readWeights(base),
      );
      const after = await decodeArtifact(v.manifest, await store.readWeights(v.version));
      const w0 = before.tensors['block0/w']!.data;
      const w1 = after.tensors['block0/w']!.data;
      for (let i = 0; i < 16; i++) expect(w1[i]).toBeCloseTo(w0[i]! + expectedDelta[i]!, 5);
      // float16 stays float16 (coarser), per-item tables and int32 indices are untouched
      const b1 = after.tensors['block0/b']!.data;
      for (let i = 0; i < 4; i++)
        expect(b1[i]).toBeCloseTo(before.tensors['block0/b']!.data[i]! + expectedDelta[16 + i]!, 2);
      expect(after.manifest.tensors.find((t) => t.name === 'block0/b')?.dtype).toBe('float16');
      expect(Array.from(after.tensors.item_embedding!.data)).toEqual(
        Array.from(before.tensors.item_embedding!.data),
      );
      expect(Array.from(after.tensors['item_attributes/category']!.data)).toEqual([0, 1, 1, 2, 2]);

      const ledger = await store.ledger();
      expect(ledger.at(-1)).toMatchObject({
        roundId: round.id,
        received: 3,
        expectedClients: 10,
        q: 1,
        z: 0.5,
      });
      // S24: aggregate twice is refused, state unchanged
      await expectApiError(c.close(round.id), 409, 'invalid_transition');
      expect((await store.getRound(round.id))?.state).toBe('committed');
    });

    it('S20: fewer than minClients by the deadline: abandoned with a reason, model unchanged, stragglers refused', async () => {
      const c = coordinator(store, clock);
      const latest = (await store.latest())!.version;
      const round = await c.open({ durationSec: 30 });
      const ci = await c.checkIn('lonely');
      if (ci.status !== 'sampled') throw new Error('q = 1 samples everyone');
      await c.submit(round.id, 'lonely', ci.token, body(round.id, latest, new Array(TEST_SIZE).fill(0.01)));
      expect(await c.tick()).toBeNull(); // before the deadline nothing happens
      clock.now += 31_000;
      const late = await c.checkIn('late');
      expect(late.status).toBe('no_round');
      await expectApiError(
        c.submit(round.id, 'lonely', ci.token, body(round.id, latest, new Array(TEST_SIZE).fill(0.01))),
        410,
        'deadline_passed',
      );
      const outcome = await c.tick();
      expect(outcome?.kind).toBe('abandoned');
      const r = (await store.getRound(round.id))!;
      expect(r.state).toBe('abandoned');
      expect(r.reason).toMatch(/too few updates: 1 acknowledged, minClients is 2/);
      expect((await store.latest())?.version).toBe(latest);
      // the decision to abandon depended on who answered: the round is charged all the same
      expect((await store.ledger()).find((e) => e.roundId === round.id)).toMatchObject({
        received: 1,
        modelVersion: latest,
      });
      // the next round can open
      const next = await c.open();
      expect(next.id).toBeGreaterThan(round.id);
      await c.abandon(next.id, 'test done');
    });

    it('rounds.auto: waits for check-ins, opens with z for the target ε, stops for good when the budget is spent', async () => {
      const c = coordinator(store, clock);
      const auto = { enabled: true, intervalSec: 0, minCheckIns: 2, targetEpsilonPerRound: 5 };
      // the scheduler compares with closed_at, which the database stamps: real time
      const s = new RoundScheduler(c, store, auto, defaults.q, 1e-5);
      expect(await s.step()).toBe('waiting_checkins');
      s.noteCheckIn('waiting-a');
      s.noteCheckIn('waiting-a');
      expect(await s.step()).toBe('waiting_checkins');
      s.noteCheckIn('waiting-b');
      expect(await s.step()).toBe('opened');
      const round = (await store.activeRound())!;
      const z = noiseMultiplierFor({
        samplingRate: defaults.q,
        rounds: 1,
        delta: 1e-5,
        epsilon: 5,
      }).noiseMultiplier;
      expect(round.params.z).toBeCloseTo(z, 9);
      expect(await s.step()).toBe('round_active');
      await c.abandon(round.id, 'test');
      const poor = coordinator(store, clock, { ledger: { delta: 1e-5, epsilonBudget: 1e-3 } });
      const stopped = new RoundScheduler(
        poor,
        store,
        { ...auto, minCheckIns: 0 },
        0.1,
        1e-5,
        () => clock.now,
      );
      expect(await stopped.step()).toBe('budget_exhausted');
      expect(await stopped.step()).toBe('budget_exhausted');
      expect(await store.activeRound()).toBeNull();
      const off = new RoundScheduler(c, store, { ...auto, enabled: false }, defaults.q, 1e-5);
      expect(await off.step()).toBe('disabled');
    });

    it('refuses a round the privacy budget cannot pay for', async () => {
      const c = coordinator(store, clock, { ledger: { delta: 1e-5, epsilonBudget: 0.01 } });
      await expectApiError(c.open(), 409, 'budget_exhausted');
      expect(await store.activeRound()).toBeNull();
    });
  });
}
