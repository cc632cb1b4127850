// The storage contract, as one test suite that every Store implementation runs (embedded.test.ts,
// postgres.test.ts). A new store passes this suite or it is not a store.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClippedUpdate,
  type NewModelVersion,
  type RoundParams,
  type Store,
  StoreConflictError,
} from './types';

/** Opens the store under test; calling open() again must reopen the SAME data (a restart). */
export interface StoreFixture {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
  /**
   * Names of the running sums held in storage (files or rows), to check what is kept and deleted.
   * Required by storeContract (the round lifecycle suite shares this fixture type and does not need it).
   */
  sumNames?(): Promise<string[]>;
}

export const params: RoundParams = {
  q: 0.1,
  z: 1,
  clipBound: 1,
  zeroingBound: null,
  minClients: 2,
  population: 100,
  expectedClients: 10,
  serverLr: 1,
  // not the default, so that the stores are seen to keep it
  serverItemTablesLr: 2,
  delta: 1e-5,
};
export const layout = [{ name: 'enc/w', shape: [2, 2] }];

export function version(n: number, parent: number | null = null): NewModelVersion {
  return {
    manifest: { name: 'test', n },
    weights: Uint8Array.from({ length: 64 }, (_, i) => (i * n) % 251),
    parent,
    roundId: null,
    epsilon: 0,
    delta: 1e-5,
  };
}

const upd = (clientId: string, values: number[], clipped = false, zeroed = false): ClippedUpdate => ({
  clientId,
  values: Float64Array.from(values),
  scale: zeroed ? 0 : 1,
  clipped,
  zeroed,
});

const soon = () => new Date(Date.now() + 60_000);

export function storeContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    beforeAll(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
    });
    afterAll(async () => {
      await store?.close();
      await fixture?.cleanup();
    });

    /** Leaves no active round behind, so each test may open its own. */
    async function finishActive() {
      const r = await store.activeRound();
      if (r)
        await store.transitionRound(r.id, ['open', 'collecting', 'aggregating'], 'abandoned', 'test cleanup');
    }

    it('seeds version 1 only into an empty registry', async () => {
      const seeded = await store.seedVersion(version(1), 'seed');
      expect(seeded?.version).toBe(1);
      expect(await store.seedVersion(version(2), 'seed again')).toBeNull();
      expect((await store.latest())?.reason).toBe('seed');
    });

    it('numbers versions monotonically and keeps their weights byte for byte, checksummed', async () => {
      const a = await store.createVersion(version(1), 'base');
      const b = await store.createVersion(version(2, a.version), 'next');
      expect(b.version).toBe(a.version + 1);
      expect(b.parent).toBe(a.version);
      expect(b.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await store.readWeights(b.version)).toEqual(version(2).weights);
      expect((await store.getVersion(a.version))?.manifest).toEqual({ name: 'test', n: 1 });
      expect(await store.getVersion(9999)).toBeNull();
      await expect(store.createVersion(version(3, 9999), null)).rejects.toThrow(StoreConflictError);
    });

    it('rollback appends a latest pointer and rewrites no version', async () => {
      const first = await store.createVersion(version(4), 'x');
      const second = await store.createVersion(version(5, first.version), 'y');
      expect((await store.latest())?.version).toBe(second.version);
      const unlisted = await store.createVersion(version(6), null);
      expect((await store.latest())?.version).toBe(second.version);
      const before = await store.listVersions();
      const p = await store.setLatest(first.version, 'rollback: bad metrics');
      expect(p.version).toBe(first.version);
      expect((await store.latest())?.reason).toBe('rollback: bad metrics');
      expect(await store.listVersions()).toEqual(before);
      expect(unlisted.version).toBe(second.version + 1);
      await expect(store.setLatest(12345, 'nope')).rejects.toThrow(StoreConflictError);
    });

    it('allows at most one active round; invalid transitions change nothing', async () => {
      await finishActive();
      const v = await store.createVersion(version(7), 'r');
      const r = await store.openRound({ modelVersion: v.version, params, layout, deadline: soon() });
      expect(r.state).toBe('open');
      expect(r.params).toEqual(params);
      expect(r.layout).toEqual(layout);
      await expect(
        store.openRound({ modelVersion: v.version, params, layout, deadline: soon() }),
      ).rejects.toThrow(StoreConflictError);
      expect(await store.transitionRound(r.id, ['aggregating'], 'committed')).toBeNull();
      expect((await store.getRound(r.id))?.state).toBe('open');
      const ab = await store.transitionRound(r.id, ['open', 'collecting'], 'abandoned', 'too few clients');
      expect(ab?.state).toBe('abandoned');
      expect(ab?.reason).toBe('too few clients');
      expect(ab?.closedAt).toBeInstanceOf(Date);
      expect(await store.activeRound()).toBeNull();
      const next = await store.openRound({ modelVersion: v.version, params, layout, deadline: soon() });
      expect(next.id).toBeGreaterThan(r.id);
      await finishActive();
    });

    it('sums acknowledged updates exactly once per (round, client)', async () => {
      await finishActive();
      const v = await store.createVersion(version(8), 'r');
      const r = await store.openRound({ modelVersion: v.version, params, layout, deadline: soon() });
      const first = await store.ingest(r.id, [
        upd('a', [1, 2, 3, 4]),
        upd('b', [10, 20, 30, 40], true),
        upd('a', [5, 5, 5, 5]),
      ]);
      expect(first).toEqual({ kind: 'ok', accepted: ['a', 'b'], duplicates: ['a'] });
      expect((await store.getRound(r.id))?.state).toBe('collecting');
      const again = await store.ingest(r.id, [
        upd('b', [100, 100, 100, 100]),
        upd('c', [0.5, 0, 0, -1]),
        upd('d', [0, 0, 0, 0], false, true),
      ]);
      expect(again).toEqual({ kind: 'ok', accepted: ['c', 'd'], duplicates: ['b'] });
      const total = await store.roundSum(r.id, 4);
      expect(Array.from(total.sum)).toEqual([11.5, 22, 33, 43]);
      expect(total.count).toBe(4);
      expect(total.clipped).toBe(1);
      expect(total.zeroed).toBe(1);
      expect(await store.receiptCount(r.id)).toBe(4);
      expect(await store.roundCounts(r.id)).toEqual({ count: 4, clipped: 1, zeroed: 1 });
      await finishActive();
    });

    it('keeps at most two sums per replica over many commits, and deletes them when the round ends', async () => {
      await finishActive();
      const v = await store.createVersion(version(15), 'r');
      const r = await store.openRound({ modelVersion: v.version, params, layout, deadline: soon() });
      const names = fixture.sumNames;
      if (!names) throw new Error('storeContract needs a fixture with sumNames()');
      const ofRound = async () => (await names()).filter((n) => n.startsWith(`sum-r${r.id}-`));
      for (let i = 0; i < 5; i++) await store.ingest(r.id, [upd(`k${i}`, [i, 1, 0, 0])]);
      expect(Array.from((await store.roundSum(r.id, 4)).sum)).toEqual([10, 5, 0, 0]);
      expect(await ofRound()).toHaveLength(2);
      await store.transitionRound(r.id, ['collecting'], 'abandoned', 'done');
      expect(await ofRound()).toEqual([]);
      expect(await store.collectSums()).toBe(0);
    });

    it('refuses updates unless the round is collecting, and stores nothing of them', async () => {
      await finishActive();
      const v = await store.createVersion(version(9), 'r');
      const r = await store.openRound({ modelVersion: v.version, params, layout, deadline: soon() });
      await store.transitionRound(r.id, ['open'], 'aggregating');
      expect(await store.ingest(r.id, [upd('z', [1, 1, 1, 1])])).toEqual({
        kind: 'round_not_collecting',
        state: 'aggregating',
      });
      expect(await store.receiptCount(r.id)).toBe(0);
      expect(await store.ingest(99999, [upd('z', [1, 1, 1, 1])])).toEqual({
        kind: 'round_not_collecting',
        state: 'missing',
      });
      await finishActive();
    });

    it('commits a round atomically: new latest version with parent, ledger charged; only once', async () => {
      await finishActive();
      const v = await store.createVersion(version(10), 'r');
      const r = await store.openRound({ modelVersion: v.version, params, layout, deadline: soon() });
      await store.ingest(r.id, [upd('a', [1, 0, 0, 0]), upd('b', [0, 1, 0, 0])]);
      const entry = {
        q: 0.1,
        z: 1,
        clipBound: 1,
        expectedClients: 10,
        received: 2,
        epsilon: 0.5,
        delta: 1e-5,
      };
      await expect(store.commitRound(r.id, version(11, v.version), entry)).rejects.toThrow(
        StoreConflictError,
      );
      await store.transitionRound(r.id, ['collecting'], 'aggregating');
      const { round, version: nv } = await store.commitRound(
        r.id,
        { ...version(11, v.version), epsilon: 0.5 },
        entry,
      );
      expect(round.state).toBe('committed');
      expect(round.resultVersion).toBe(nv.version);
      expect(nv.parent).toBe(v.version);
      expect(nv.roundId).toBe(r.id);
      expect((await store.latest())?.version).toBe(nv.version);
      const ledger = await store.ledger();
      expect(ledger.at(-1)).toMatchObject({
        roundId: r.id,
        modelVersion: nv.version,
        epsilon: 0.5,
        received: 2,
      });
      await expect(store.commitRound(r.id, version(12, v.version), entry)).rejects.toThrow(
        StoreConflictError,
      );
      expect((await store.latest())?.version).toBe(nv.version);
    });

    it('abandons an aggregating round, charging the ledger when asked, atomically', async () => {
      await finishActive();
      const v = await store.createVersion(version(14), 'r');
      const r = await store.openRound({ modelVersion: v.version, params, layout, deadline: soon() });
      const entry = {
        q: 0.1,
        z: 1,
        clipBound: 1,
        expectedClients: 10,
        received: 1,
        epsilon: 0.7,
        delta: 1e-5,
      };
      await expect(store.abandonRound(r.id, 'x', entry)).rejects.toThrow(StoreConflictError);
      await store.transitionRound(r.id, ['open'], 'aggregating');
      const ab = await store.abandonRound(r.id, 'too few', entry);
      expect(ab).toMatchObject({ state: 'abandoned', reason: 'too few', resultVersion: null });
      expect((await store.ledger()).at(-1)).toMatchObject({
        roundId: r.id,
        modelVersion: v.version,
        received: 1,
      });
      expect((await store.latest())?.version).toBe(v.version);
      await expect(store.abandonRound(r.id, 'again', null)).rejects.toThrow(StoreConflictError);
    });

    it('keeps everything across a restart (close, reopen)', async () => {
      await finishActive();
      const v = await store.createVersion(version(13), 'before restart');
      const r = await store.openRound({ modelVersion: v.version, params, layout, deadline: soon() });
      await store.ingest(r.id, [upd('p', [1, 2, 3, 4])]);
      await store.close();
      store = await fixture.open();
      expect((await store.latest())?.version).toBe(v.version);
      expect(await store.readWeights(v.version)).toEqual(version(13).weights);
      expect((await store.activeRound())?.id).toBe(r.id);
      // a restarted process is a new replica: it adds its own running sum, the old one still counts
      expect(await store.ingest(r.id, [upd('p', [9, 9, 9, 9]), upd('q', [1, 1, 1, 1])])).toEqual({
        kind: 'ok',
        accepted: ['q'],
        duplicates: ['p'],
      });
      expect(Array.from((await store.roundSum(r.id, 4)).sum)).toEqual([2, 3, 4, 5]);
      await finishActive();
    });
  });
}
