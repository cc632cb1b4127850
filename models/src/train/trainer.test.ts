import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../eval/rng';
import { trainingPart } from '../eval/split';
import { DEFAULT_MODEL_CONFIG, parseModelConfig } from '../model/config';
import { initWeights } from '../model/weights';
import { loadDataset } from '../node/load-dataset';
import { BEAUTY_PATH, sharedDataPath } from '../node/shared-data';
import type { Dataset } from '../types';
import { makeBatches } from './batches';
import { Trainer } from './trainer';

let dataset: Dataset;

beforeAll(async () => {
  await tf.setBackend('wasm');
  dataset = await loadDataset(sharedDataPath(BEAUTY_PATH), 'beauty');
});

function slice(users: number, batchSize = 32) {
  const config = parseModelConfig({
    ...DEFAULT_MODEL_CONFIG,
    numItems: dataset.numItems,
    dim: 32,
    ffnDim: 32,
    dropout: 0.1,
  });
  const sequences = dataset.users.slice(0, users).map((u) => [...trainingPart(u.events)]);
  return { config, batches: makeBatches(sequences, batchSize, config.maxLen, mulberry32(1)) };
}

describe('Trainer on real Beauty data (wasm)', () => {
  it.each(['full', 'sampled'] as const)('lowers the %s softmax loss over a few steps', async (loss) => {
    const { config, batches } = slice(256);
    const trainer = new Trainer(config, initWeights(config, 1), {
      loss,
      learningRate: 5e-3,
      numNegatives: 256,
    });
    const first = await trainer.step(batches[0]!);
    let last = first;
    for (let i = 0; i < 8; i++) last = await trainer.step(batches[0]!);
    // ln(12101) ≈ 9.4 at the start; a few steps on the same batch must clearly lower it.
    if (loss === 'full') expect(first).toBeGreaterThan(9);
    expect(last).toBeLessThan(first - 0.5);
    trainer.dispose();
  });

  it('resumes exactly from a saved optimizer state', async () => {
    const { config: base, batches } = slice(64);
    const config = { ...base, dropout: 0 }; // no dropout: two trainers must take identical steps
    const a = new Trainer(config, initWeights(config, 2), { learningRate: 1e-2 });
    await a.step(batches[0]!);
    const b = new Trainer(config, a.snapshot(), { learningRate: 1e-2 });
    const fresh = new Trainer(config, a.snapshot(), { learningRate: 1e-2 });
    const state = await a.optimizerState();
    expect(Array.from(await state['optimizer/iterations']!.data())).toEqual([1]);
    await b.restoreOptimizer(state);
    await a.step(batches[1]!);
    await b.step(batches[1]!);
    await fresh.step(batches[1]!);
    const diff = (x: Trainer, y: Trainer) =>
      Math.max(
        ...Object.keys(x.weights).map((n) =>
          tf.tidy(() => tf.max(tf.abs(tf.sub(x.weights[n]!, y.weights[n]!))).dataSync()[0]!),
        ),
      );
    expect(diff(a, b)).toBeLessThan(1e-6);
    // Without the restored moments the step differs: the test would catch a lost optimizer state.
    expect(diff(a, fresh)).toBeGreaterThan(1e-4);
    for (const t of [a, b, fresh]) t.dispose();
  });

  it('leaks no tensors over training steps', async () => {
    const { config, batches } = slice(64);
    const trainer = new Trainer(config, initWeights(config, 3));
    await trainer.step(batches[0]!);
    const before = tf.memory().numTensors;
    await trainer.step(batches[0]!);
    await trainer.step(batches[0]!);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });
});
