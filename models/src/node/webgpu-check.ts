/**
 * Gradients of one training step on webgpu and on wasm, for the same weights and batch. Run as a
 * script (it must start with SwiftShader's environment, see swiftShaderEnv) it prints one JSON line;
 * webgpu-check.test.ts runs it in a child process so that the GPU globals never leak into other tests.
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MODEL_CONFIG, parseModelConfig } from '../model/config';
import { initWeights } from '../model/weights';
import { encodeTrainingBatch } from '../train/batches';
import { Trainer } from '../train/trainer';
import type { Interaction } from '../types';
import { describeBackend, selectBackend } from './backends';

export interface GradientComparison {
  backend: string;
  /** Largest |webgpu − wasm| over all gradient entries, relative to the largest |wasm| entry of that tensor. */
  maxRelativeDiff: Record<string, number>;
  lossWebgpu: number;
  lossWasm: number;
}

const config = parseModelConfig({
  ...DEFAULT_MODEL_CONFIG,
  numItems: 60,
  maxLen: 8,
  dim: 16,
  ffnDim: 16,
  numHeads: 2,
  dropout: 0,
});

function batch() {
  const sequences: Interaction[][] = Array.from({ length: 6 }, (_, u) =>
    Array.from({ length: 3 + u }, (_, k) => ({
      item: ((u * 13 + k * 7) % 60) + 1,
      action: 'view' as const,
      time: k * 600,
    })),
  );
  return encodeTrainingBatch(sequences, 8);
}

type HostTensors = Record<
  string,
  { data: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' }
>;

async function gradientsOn(
  host: HostTensors,
): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
  const weights = Object.fromEntries(
    Object.entries(host).map(([n, v]) => [n, tf.tensor(v.data, v.shape, v.dtype)]),
  );
  const trainer = new Trainer(config, weights);
  const { loss, grads } = await trainer.gradients(batch());
  const out: Record<string, Float32Array> = {};
  for (const [name, g] of Object.entries(grads)) {
    out[name] = (await g.data()) as Float32Array;
    g.dispose();
  }
  trainer.dispose();
  return { loss, grads: out };
}

export async function compareWebgpuWithWasm(): Promise<GradientComparison> {
  // Initial weights as plain arrays, so that exactly the same numbers go to each backend.
  await selectBackend('wasm');
  const host: HostTensors = {};
  for (const [name, t] of Object.entries(initWeights(config, 5))) {
    host[name] = {
      data: (await t.data()) as Float32Array | Int32Array,
      shape: t.shape,
      dtype: t.dtype as 'float32' | 'int32',
    };
    t.dispose();
  }
  const selected = await selectBackend('webgpu');
  const gpu = await gradientsOn(host);
  await selectBackend('wasm');
  const wasm = await gradientsOn(host);
  const maxRelativeDiff: Record<string, number> = {};
  for (const [name, ref] of Object.entries(wasm.grads)) {
    const other = gpu.grads[name];
    if (!other) throw new Error(`webgpu produced no gradient for ${name}`);
    // Floor: some gradients are exactly zero in theory (an attention key bias cancels in softmax)
    // and only float noise in practice; compare those absolutely.
    let scale = 1e-6;
    let diff = 0;
    for (let i = 0; i < ref.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]!));
      diff = Math.max(diff, Math.abs(ref[i]! - other[i]!));
    }
    maxRelativeDiff[name] = diff / scale;
  }
  return { backend: describeBackend(selected), maxRelativeDiff, lossWebgpu: gpu.loss, lossWasm: wasm.loss };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.stdout.write(`${JSON.stringify(await compareWebgpuWithWasm())}\n`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`webgpu-check: ${(error as Error).stack}\n`);
    process.exit(1);
  }
}
