import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeHistories } from '../features/sequence';
import { encode } from './encoder';
import { itemVectors } from './item-tower';
import { HISTORIES, randomWeights, smallConfig } from './test-fixtures';

const config = smallConfig();

/** Hidden states [length][dim] of one history with fixed random weights, in inference mode. */
function hiddenStates(length: number, history: (typeof HISTORIES)[number]): number[][] {
  return tf.tidy(() => {
    const w = randomWeights(config);
    const b = encodeHistories([history], length);
    const shape: [number, number] = [1, length];
    const hidden = encode(
      config,
      w,
      itemVectors(config, w),
      {
        items: tf.tensor2d(b.items, shape, 'int32'),
        actions: tf.tensor2d(b.actions, shape, 'int32'),
        timeGaps: tf.tensor2d(b.timeGaps, shape, 'int32'),
      },
      false,
    );
    return (hidden.arraySync() as number[][][])[0]!;
  });
}

function lastOutput(length: number, history: (typeof HISTORIES)[number]): number[] {
  return hiddenStates(length, history)[length - 1]!;
}

describe('encode', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the same user vector for a short bucket and full maxLen padding', () => {
    // Training pads to short buckets, inference to maxLen: positions count from the end so both agree.
    const short = lastOutput(4, HISTORIES[0]!);
    const full = lastOutput(config.maxLen, HISTORIES[0]!);
    short.forEach((v, i) => {
      expect(v).toBeCloseTo(full[i]!, 4);
    });
  });

  it('is causal: changing the last event changes only the last position', () => {
    const a = HISTORIES[0]!;
    const b = [...a.slice(0, -1), { ...a[a.length - 1]!, item: 30 }];
    const [outA, outB] = [a, b].map((history) => hiddenStates(config.maxLen, history));
    for (let t = 0; t < config.maxLen - 1; t++) {
      outA![t]!.forEach((v, i) => {
        expect(v).toBeCloseTo(outB![t]![i]!, 5);
      });
    }
    const last = config.maxLen - 1;
    expect(outA![last]!.some((v, i) => Math.abs(v - outB![last]![i]!) > 1e-3)).toBe(true);
  });

  it('zeroes padding positions', () => {
    const out = hiddenStates(4, HISTORIES[1]!);
    expect(out[0]!.every((v) => v === 0)).toBe(true);
    expect(out[3]!.some((v) => v !== 0)).toBe(true);
  });
});
