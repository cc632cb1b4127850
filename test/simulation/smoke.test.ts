// A few DP-FedAvg rounds on a few hundred real Beauty users with a tiny model, through the real
// aggregator over HTTP. It fails if noise, clipping or aggregation break: the model must change, by
// noise of the calibrated size where no client has signal; the ledger must charge every round; what
// leaves a device must be clipped; the item tables must stay as they were; quality must not collapse.
// A second run from the same public model trains the full layout (item tables included) with the
// server's sgd step (item tables at their own step size), which the aggregator applies itself: the
// item table must change too, and every round must publish one version, the stepped one.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  ACTION_EMBEDDING,
  actionId,
  type DecodedArtifact,
  decodeArtifact,
  ITEM_EMBEDDING,
  sharedEncoderNames,
  TIME_GAP_EMBEDDING,
  timeGapBucket,
} from '@hearth/models';
import { loadDataset } from '@hearth/models/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { BEAUTY_PATH, sharedDataPath } from '../../models/src/node/shared-data';
import { frequentItemsOnly, subsampleUsers } from './population';
import { runSimulation, type SimulationResult } from './simulation';

const CLIP = 0.05;
const SERVER_LR = 1;
let result: SimulationResult;
let full: SimulationResult;
let start: DecodedArtifact;
let end: DecodedArtifact;
let fullEnd: DecodedArtifact;

beforeAll(async () => {
  await tf.setBackend('wasm');
  const beauty = await loadDataset(sharedDataPath(BEAUTY_PATH), 'beauty');
  const dataset = frequentItemsOnly(subsampleUsers(beauty, 3000, 1), 5);
  result = await runSimulation({
    dataset,
    publicFraction: 0.5,
    seed: 1,
    model: { dim: 16, blocks: 1, maxLen: 20, dropout: 0.2 },
    central: {
      epochs: 30,
      batchSize: 32,
      learningRate: 1e-2,
      loss: 'full',
      validUsers: 500,
      validateEvery: 5,
    },
    skipCentral: true,
    federation: {
      clientsPerRound: 60,
      rounds: 3,
      epsilon: 8,
      delta: 1e-5,
      clipBound: CLIP,
      serverLr: SERVER_LR,
      localSteps: 2,
      localLr: 0.05,
      evalEvery: 1,
    },
    ...(process.env.SIMULATE_LOG ? { log: (line: string) => console.log(line) } : {}),
  });
  start = await decodeArtifact(result.publicArtifact.manifest, result.publicArtifact.weights);
  end = await decodeArtifact(result.federation.final.manifest, result.federation.final.weights);
  full = await runSimulation({
    dataset,
    publicFraction: 0.5,
    seed: 1,
    model: { dim: 16, blocks: 1, maxLen: 20, dropout: 0.2 },
    config: result.config,
    publicModel: result.publicArtifact,
    central: {
      epochs: 0,
      batchSize: 32,
      learningRate: 1e-2,
      loss: 'full',
      validUsers: 500,
      validateEvery: 5,
    },
    skipCentral: true,
    federation: {
      clientsPerRound: 60,
      rounds: 2,
      epsilon: 8,
      delta: 1e-5,
      clipBound: CLIP,
      serverLr: SERVER_LR,
      localSteps: 2,
      localLr: 0.05,
      evalEvery: 1,
      layout: 'full',
      targets: 'all',
      serverOptimizer: {
        kind: 'sgd',
        learningRate: 0.2,
        itemTablesLearningRate: 20,
        beta1: 0.9,
        beta2: 0.99,
        epsilon: 1e-6,
      },
    },
  });
  fullEnd = await decodeArtifact(full.federation.final.manifest, full.federation.final.weights);
}, 180_000);

function diff(name: string): Float32Array {
  const a = start.tensors[name]!.data;
  const b = end.tensors[name]!.data;
  return Float32Array.from(b, (v, i) => v - a[i]!);
}

describe('federated simulation smoke (real aggregator over HTTP)', () => {
  it('every round sampled clients, committed a version, and the ledger charged it', () => {
    const rounds = result.federation.rounds;
    expect(rounds).toHaveLength(3);
    let previous = 0;
    for (const r of rounds) {
      expect(r.sampled).toBeGreaterThan(20);
      expect(r.received).toBe(r.sampled);
      expect(r.epsilon).toBeGreaterThan(previous);
      previous = r.epsilon;
    }
    expect(new Set(rounds.map((r) => r.version)).size).toBe(3);
    // z was derived so that all rounds together stay within the target.
    expect(result.federation.epsilon).toBeLessThanOrEqual(8);
    expect(result.federation.epsilon).toBeGreaterThan(4);
  });

  it('clips on the device: nothing above the bound leaves, and the server never has to clip', () => {
    for (const r of result.federation.rounds) {
      expect(r.maxUploadedNorm).toBeLessThanOrEqual(CLIP);
      expect(r.clientClipped).toBeGreaterThan(0);
      expect(r.meanNormBeforeClip).toBeGreaterThan(CLIP);
      expect(r.serverClipped).toBe(0);
    }
  });

  it('changes the shared encoder and leaves the item table exactly as it was', () => {
    for (const name of sharedEncoderNames(result.config)) {
      const d = diff(name);
      expect(
        d.some((v) => v !== 0),
        name,
      ).toBe(true);
    }
    expect(diff(ITEM_EMBEDDING).every((v) => v === 0)).toBe(true);
  });

  it('adds noise of the calibrated size: z·C/(q·N) per round where no client has any signal', () => {
    // Beauty has only purchases and no times, so every other action row and every time-gap bucket
    // but "unknown" get no gradient on any device: their change is the server's noise alone.
    const d = result.config.dim;
    const silent: number[] = [];
    const actions = diff(ACTION_EMBEDDING);
    for (let row = 1; row < result.config.numActions; row++)
      if (row !== actionId('purchase')) silent.push(...actions.subarray(row * d, (row + 1) * d));
    const gaps = diff(TIME_GAP_EMBEDDING);
    for (let row = 1; row < result.config.numTimeGapBuckets; row++)
      if (row !== timeGapBucket(undefined)) silent.push(...gaps.subarray(row * d, (row + 1) * d));
    expect(silent.length).toBeGreaterThan(100);
    const { z, q } = result.federation;
    const perRound = (SERVER_LR * z * CLIP) / (q * result.dataset.privateUsers);
    const expected = perRound * Math.sqrt(result.federation.rounds.length);
    const observed = Math.sqrt(silent.reduce((s, v) => s + v * v, 0) / silent.length);
    expect(observed / expected).toBeGreaterThan(0.75);
    expect(observed / expected).toBeLessThan(1.3);
  });

  it('keeps quality: NDCG@10 after the rounds is far above random and not below half of the start', () => {
    const before = result.rows.find((r) => r.name.startsWith('(b)'))!.quality['NDCG@10'];
    const after = result.federation.finalQuality['NDCG@10'];
    // Random scores give NDCG@10 ≈ (Σ_{r<10} 1/log2(r+2)) / items ≈ 4.5 / items.
    const random = 4.5 / result.dataset.items;
    expect(before).toBeGreaterThan(3 * random);
    expect(after).toBeGreaterThan(3 * random);
    expect(after).toBeGreaterThanOrEqual(0.5 * before);
  });

  it('full layout + server step: trains the item table and the encoder, one version per round, keeps quality', () => {
    const rounds = full.federation.rounds;
    expect(rounds).toHaveLength(2);
    for (const r of rounds) {
      expect(r.received).toBe(r.sampled);
      expect(r.maxUploadedNorm).toBeLessThanOrEqual(CLIP);
    }
    // sgd is the aggregator's own round step: each round publishes the stepped version, nothing else.
    expect(rounds[1]!.version - rounds[0]!.version).toBe(1);
    expect(full.federation.epsilon).toBeLessThanOrEqual(8);
    const a = start.tensors[ITEM_EMBEDDING]!.data;
    const b = fullEnd.tensors[ITEM_EMBEDDING]!.data;
    const d = result.config.dim;
    let movedRows = 0;
    for (let row = 1; row < a.length / d; row++)
      for (let k = row * d; k < (row + 1) * d; k++)
        if (a[k] !== b[k]) {
          movedRows++;
          break;
        }
    expect(movedRows).toBe(a.length / d - 1);
    const block = sharedEncoderNames(result.config).find((n) => n.includes('ffn'))!;
    const ea = start.tensors[block]!.data;
    expect(fullEnd.tensors[block]!.data.some((v, i) => v !== ea[i])).toBe(true);
    const before = full.rows.find((r) => r.name.startsWith('(b)'))!.quality['NDCG@10'];
    expect(full.federation.finalQuality['NDCG@10']).toBeGreaterThanOrEqual(0.5 * before);
    // The gate saw every evaluated version and the start.
    expect(full.federation.best).toBeDefined();
  });
});
