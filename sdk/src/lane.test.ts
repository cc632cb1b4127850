import { describe, expect, it } from 'vitest';
import { HistoryLog, HistoryMirror } from './history';
import { byId } from './known-indices';
import { laneOver, serveLane } from './lane';
import type { RankReply, RankRequest } from './protocol';
import type { FeatureSummary } from './types';

const request = (n: number): RankRequest => ({
  history: { epoch: 1, total: 0, length: 0, events: [], full: true },
  candidates: byId(Array.from({ length: n }, (_, i) => `p${i}`)),
  now: 0,
  utcOffsetMin: 0,
  shopWeight: 0.2,
});

function reply(n: number, workerMs: number): RankReply {
  const memory = new ArrayBuffer(13 * n);
  const order = new Int32Array(memory, 0, n);
  for (let i = 0; i < n; i++) order[i] = n - 1 - i;
  return {
    ranking: {
      order,
      scores: new Float32Array(memory, 4 * n, n),
      modelScores: new Float32Array(memory, 8 * n, n),
      reasons: new Uint8Array(memory, 12 * n, n),
    },
    tensors: 1,
    workerMs,
    modelMs: 0,
    encoded: true,
    modelVersion: 'v',
    catalog: 1,
    learned: new Int32Array(0),
  };
}

describe('lane', () => {
  it('answers each call with its own reply, in any order, with the ranking transferred', async () => {
    const { port1, port2 } = new MessageChannel();
    const sent: RankReply[] = [];
    // The longer list answers later: replies must still find their calls.
    serveLane(port2, {
      rank: async (r) => {
        const n = r.candidates.indices.length;
        await new Promise((done) => setTimeout(done, n));
        const out = reply(n, n);
        sent.push(out);
        return out;
      },
      prepare: async () => true,
      features: async () => undefined,
    });
    const { rank } = laneOver(port1);
    const [a, b] = (await Promise.all([rank(request(30)), rank(request(3))])) as RankReply[];
    expect(a?.workerMs).toBe(30);
    expect(Array.from(a!.ranking.order)).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
    expect(b?.workerMs).toBe(3);
    expect(b!.ranking.order.buffer).toBe(b!.ranking.reasons.buffer); // one buffer arrives, four views
    expect(sent.every((s) => s.ranking.order.length === 0)).toBe(true); // the worker's copy detached
    port1.close();
  });

  it('passes null through and turns a throw into a rejection naming the error', async () => {
    const { port1, port2 } = new MessageChannel();
    serveLane(port2, {
      rank: async (r) => {
        if (r.candidates.indices.length === 0) return null;
        throw new RangeError('history out of step');
      },
      prepare: async (r) => r.now > 0,
      features: async () => undefined,
    });
    const { rank, prepare } = laneOver(port1);
    expect(await rank(request(0))).toBeNull();
    await expect(rank(request(2))).rejects.toThrow('RangeError: history out of step');
    expect(await prepare({ history: request(0).history, now: 1, utcOffsetMin: 0 })).toBe(true);
    expect(await prepare({ history: request(0).history, now: 0, utcOffsetMin: 0 })).toBe(false);
    port1.close();
  });

  it('keeps the posting order of rank() and prepare(), so history differences always fit the copy', async () => {
    const { port1, port2 } = new MessageChannel();
    const mirror = new HistoryMirror();
    serveLane(port2, {
      rank: async (r) => {
        mirror.apply(r.history); // throws HistoryOutOfSync on a difference out of order
        return null;
      },
      prepare: async (r) => {
        mirror.apply(r.history);
        return true;
      },
      features: async () => undefined,
    });
    const lane = laneOver(port1);
    const log = new HistoryLog(50);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      log.append({ type: 'click', item: `p${i}`, t: i });
      const base = { history: log.sync(), now: i, utcOffsetMin: 0 };
      calls.push(
        i % 3 === 0 ? lane.prepare(base) : lane.rank({ ...base, candidates: byId(['p1']), shopWeight: 0 }),
      );
    }
    await Promise.all(calls);
    expect(mirror.events).toEqual(log.events);
    port1.close();
  });

  it("sends each rank()'s features after its reply, not in it, and only once", async () => {
    const { port1, port2 } = new MessageChannel();
    let last: FeatureSummary | undefined;
    const summary = (n: number): FeatureSummary => ({
      sequenceLength: n,
      sessionEvents: 0,
      minutesSinceLast: -1,
      hour: 0,
      partOfDay: 'night',
      topCategories: [],
      topBrands: [],
    });
    serveLane(port2, {
      rank: async (r) => {
        last = summary(r.candidates.indices.length);
        return reply(r.candidates.indices.length, 0);
      },
      prepare: async () => true,
      features: async () => {
        const f = last;
        last = undefined;
        return f;
      },
    });
    const lane = laneOver(port1);
    const seen: string[] = [];
    lane.onFeatures = (f) => seen.push(`features ${f.sequenceLength}`);
    const a = lane.rank(request(4)).then(() => seen.push('reply 4'));
    const b = lane.rank(request(7)).then(() => seen.push('reply 7'));
    await Promise.all([a, b]);
    await lane.prepare({ history: request(0).history, now: 0, utcOffsetMin: 0 }); // a later message
    expect(seen).toEqual(['reply 4', 'features 4', 'reply 7', 'features 7']);
    port1.close();
  });
});
