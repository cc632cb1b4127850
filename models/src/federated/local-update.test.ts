import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { randomWeights, smallConfig } from '../model/test-fixtures';
import { ITEM_EMBEDDING } from '../model/weight-names';
import { type NamedTensors, sharedEncoderNames } from '../model/weights';
import type { Interaction } from '../types';
import { decodeUpdate } from '../update/decode';
import { layoutSize } from '../update/format';
import {
  clipInPlace,
  encodeLocalUpdate,
  type RoundModel,
  sequenceLoss,
  sharedEncoderLayout,
  trainLocalUpdate,
} from './local-update';

const config = smallConfig({ dropout: 0 });
const history: Interaction[] = Array.from({ length: 9 }, (_, i) => ({
  item: [5, 9, 13][i % 3]!,
  action: 'view' as const,
  time: 1000 + 60 * i,
}));

const models: RoundModel[] = [];
function model(seed = 3): RoundModel {
  const m = { config, weights: randomWeights(config, seed) };
  models.push(m);
  return m;
}
afterEach(() => {
  for (const m of models.splice(0)) for (const t of Object.values(m.weights)) t.dispose();
});

function values(weights: NamedTensors): Record<string, number[]> {
  return Object.fromEntries(Object.entries(weights).map(([n, t]) => [n, Array.from(t.dataSync())]));
}

/** The round's model with an update applied: what the aggregator does with one client's delta. */
function applied(m: RoundModel, layout: ReturnType<typeof sharedEncoderLayout>, delta: Float32Array) {
  const weights: NamedTensors = {};
  for (const [n, t] of Object.entries(m.weights)) weights[n] = tf.clone(t);
  let offset = 0;
  for (const spec of layout) {
    const size = layoutSize([spec]);
    const old = weights[spec.name]!;
    weights[spec.name] = tf.add(old, tf.tensor(delta.subarray(offset, offset + size), [...spec.shape]));
    old.dispose();
    offset += size;
  }
  const next = { config, weights };
  models.push(next);
  return next;
}

describe('trainLocalUpdate', () => {
  it('returns a delta in exactly the announced layout, ready for the update format', async () => {
    const m = model();
    const layout = sharedEncoderLayout(config);
    expect(layout.map((s) => s.name)).toEqual(sharedEncoderNames(config));
    expect(layout.map((s) => s.name)).not.toContain(ITEM_EMBEDDING);
    const update = await trainLocalUpdate(m, history, layout, {
      localSteps: 2,
      learningRate: 0.05,
      clipBound: 100,
    });
    expect(update.values.length).toBe(layoutSize(layout));
    expect(update.steps).toBe(2);
    const decoded = decodeUpdate(encodeLocalUpdate(update, { roundId: 4, modelVersion: 2 }));
    expect(decoded.layout).toEqual(layout);
    expect(decoded.roundId).toBe(4);
    expect(decoded.modelVersion).toBe(2);
    expect(decoded.numExamples).toBe(0);
    expect(Array.from(decoded.values)).toEqual(Array.from(update.values));
  });

  it('puts each tensor at its place: a reordered layout gives the same tensors, moved', async () => {
    const m = model();
    const layout = sharedEncoderLayout(config).filter((s) => s.name.startsWith('block0/attention/'));
    const reversed = [...layout].reverse();
    const params = { localSteps: 1, learningRate: 0.05, clipBound: 1e6 };
    const a = await trainLocalUpdate(m, history, layout, params);
    const b = await trainLocalUpdate(m, history, reversed, params);
    const slices = (u: typeof a) => {
      const out: Record<string, number[]> = {};
      let offset = 0;
      for (const s of u.layout) {
        const n = layoutSize([s]);
        out[s.name] = Array.from(u.values.subarray(offset, offset + n));
        offset += n;
      }
      return out;
    };
    const sa = slices(a);
    const sb = slices(b);
    for (const s of layout)
      for (let i = 0; i < sa[s.name]!.length; i++) expect(sb[s.name]![i]).toBeCloseTo(sa[s.name]![i]!, 6);
    expect(a.normBeforeClip).toBeGreaterThan(0);
  });

  it('clips the delta to the bound on the device', async () => {
    const m = model();
    const layout = sharedEncoderLayout(config);
    const free = await trainLocalUpdate(m, history, layout, {
      localSteps: 3,
      learningRate: 0.1,
      clipBound: 1e6,
    });
    expect(free.clipped).toBe(false);
    const bound = free.normBeforeClip / 10;
    const clipped = await trainLocalUpdate(m, history, layout, {
      localSteps: 3,
      learningRate: 0.1,
      clipBound: bound,
    });
    expect(clipped.clipped).toBe(true);
    expect(clipped.normBeforeClip).toBeCloseTo(free.normBeforeClip, 4);
    const norm = Math.hypot(...clipped.values);
    expect(norm).toBeLessThanOrEqual(bound);
    expect(norm).toBeGreaterThan(bound * 0.999);
    // Clipping scales, it does not change the direction.
    for (let i = 0; i < free.values.length; i += 97)
      expect(clipped.values[i]).toBeCloseTo(free.values[i]! / 10, 5);
  });

  it('leaves the round model, and every item table, untouched', async () => {
    const m = model();
    const before = values(m.weights);
    await trainLocalUpdate(m, history, sharedEncoderLayout(config), {
      localSteps: 3,
      learningRate: 0.1,
      clipBound: 1,
    });
    expect(values(m.weights)).toEqual(before);
  });

  it('refuses a layout that would train an item table or has the wrong shape', async () => {
    const m = model();
    const params = { localSteps: 1, learningRate: 0.1, clipBound: 1 };
    await expect(
      trainLocalUpdate(
        m,
        history,
        [{ name: ITEM_EMBEDDING, shape: [config.numItems + 1, config.dim] }],
        params,
      ),
    ).rejects.toThrow(/item_embedding.*not a shared-encoder weight/);
    await expect(
      trainLocalUpdate(m, history, [{ name: 'final_norm/gamma', shape: [config.dim + 1] }], params),
    ).rejects.toThrow(/final_norm\/gamma.*shape/);
  });

  it('trains the item table too when the caller allows it, most in the rows of the shopper’s items', async () => {
    const m = model();
    const layout = [
      { name: ITEM_EMBEDDING, shape: [config.numItems + 1, config.dim] },
      ...sharedEncoderLayout(config),
    ];
    const update = await trainLocalUpdate(m, history, layout, {
      localSteps: 3,
      learningRate: 0.1,
      clipBound: 1e6,
      allowItemTables: true,
    });
    const rowNorm = (row: number) => {
      const r = update.values.subarray(row * config.dim, (row + 1) * config.dim);
      return Math.sqrt(r.reduce((s, v) => s + v * v, 0));
    };
    const touched = Math.min(...[5, 9, 13].map(rowNorm));
    const others = Array.from({ length: config.numItems }, (_, i) => i + 1).filter(
      (i) => ![5, 9, 13].includes(i),
    );
    const meanOther = others.reduce((s, i) => s + rowNorm(i), 0) / others.length;
    // Full softmax: every row moves a little (as a negative), the shopper's own rows clearly more.
    expect(meanOther).toBeGreaterThan(0);
    expect(touched).toBeGreaterThan(3 * meanOther);
    // Row 0 (padding / unknown) is never a target and is masked as input: it stays zero.
    expect(rowNorm(0)).toBe(0);
    // The same call without the opt-in is refused (the browser's default).
    await expect(
      trainLocalUpdate(m, history, layout, { localSteps: 1, learningRate: 0.1, clipBound: 1 }),
    ).rejects.toThrow(/item_embedding.*allowItemTables/);
  });

  it('a few local steps lower that shopper’s own loss', async () => {
    const m = model();
    const layout = sharedEncoderLayout(config);
    const update = await trainLocalUpdate(m, history, layout, {
      localSteps: 5,
      learningRate: 0.1,
      clipBound: 1e6,
    });
    const before = await sequenceLoss(m, history);
    const after = await sequenceLoss(applied(m, layout, update.values), history);
    expect(after).toBeLessThan(before - 0.1);
  });

  it('sends zeros for a history with nothing to predict, so taking part reveals nothing', async () => {
    const m = model();
    const layout = sharedEncoderLayout(config);
    const update = await trainLocalUpdate(m, history.slice(0, 1), layout, {
      localSteps: 3,
      learningRate: 0.1,
      clipBound: 1,
    });
    expect(update.steps).toBe(0);
    expect(update.values.length).toBe(layoutSize(layout));
    expect(update.values.every((v) => v === 0)).toBe(true);
  });

  it('yields after every step and stops when aborted, freeing what it made', async () => {
    const m = model();
    const layout = sharedEncoderLayout(config);
    const seen: string[] = [];
    await trainLocalUpdate(m, history, layout, {
      localSteps: 3,
      learningRate: 0.1,
      clipBound: 1,
      afterStep: async (step, total) => {
        seen.push(`${step}/${total}`);
        await new Promise((r) => setTimeout(r, 0));
      },
    });
    expect(seen).toEqual(['1/3', '2/3', '3/3']);
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    await expect(
      trainLocalUpdate(m, history, layout, {
        localSteps: 5,
        learningRate: 0.1,
        clipBound: 1,
        signal: controller.signal,
        afterStep: (step) => {
          if (step === 2) controller.abort(new Error('page hidden'));
        },
      }),
    ).rejects.toThrow('page hidden');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains only on the targets the mask allows', async () => {
    const m = model();
    const layout = sharedEncoderLayout(config);
    const params = { localSteps: 2, learningRate: 0.1, clipBound: 1e6 };
    const none = await trainLocalUpdate(m, history, layout, { ...params, targetItems: new Uint8Array(41) });
    expect(none.steps).toBe(0);
    expect(none.values.every((v) => v === 0)).toBe(true);
    const all = await trainLocalUpdate(m, history, layout, {
      ...params,
      targetItems: new Uint8Array(41).fill(1),
    });
    const unmasked = await trainLocalUpdate(m, history, layout, params);
    for (let i = 0; i < all.values.length; i += 31) expect(all.values[i]).toBeCloseTo(unmasked.values[i]!, 6);
    const only9 = new Uint8Array(41);
    only9[9] = 1;
    const some = await trainLocalUpdate(m, history, layout, { ...params, targetItems: only9 });
    expect(some.steps).toBe(2);
    expect(Math.abs(some.normBeforeClip - unmasked.normBeforeClip)).toBeGreaterThan(1e-4);
  });

  it('leaks no tensors', async () => {
    const m = model();
    const layout = sharedEncoderLayout(config);
    await trainLocalUpdate(m, history, layout, { localSteps: 1, learningRate: 0.1, clipBound: 1 });
    const before = tf.memory().numTensors;
    await trainLocalUpdate(m, history, layout, { localSteps: 2, learningRate: 0.1, clipBound: 1 });
    await sequenceLoss(m, history);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('clipInPlace', () => {
  it('scales to the bound and refuses non-finite values', () => {
    const v = Float32Array.from([3, 4]);
    expect(clipInPlace(v, 1)).toEqual({ norm: 5, clipped: true });
    expect(Math.hypot(...v)).toBeLessThanOrEqual(1);
    expect(Math.hypot(...v)).toBeGreaterThan(0.9999);
    expect(clipInPlace(Float32Array.from([0.3, 0.4]), 1)).toEqual({
      norm: expect.closeTo(0.5, 6),
      clipped: false,
    });
    expect(() => clipInPlace(Float32Array.from([1, Number.NaN]), 1)).toThrow(/not finite/);
  });
});
