import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from './checkpoint-files';

let root: string;
beforeEach(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'hearth-ckpt-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const tensors = () => ({
  'weights/a': tf.tensor2d([
    [1.5, -2],
    [3, 4.25],
  ]),
  'weights/ids': tf.tensor1d([0, 7, 9], 'int32'),
});

describe('checkpoint files', () => {
  it('round-trips metadata and tensors losslessly', async () => {
    const dir = join(root, 'checkpoint');
    await writeCheckpoint(dir, { epoch: 3, note: 'x' }, tensors());
    const back = await readCheckpoint<{ epoch: number; note: string }>(dir);
    expect(back?.meta.epoch).toBe(3);
    expect(back!.tensors['weights/a']!.arraySync()).toEqual([
      [1.5, -2],
      [3, 4.25],
    ]);
    expect(back!.tensors['weights/ids']!.dtype).toBe('int32');
    expect(Array.from(back!.tensors['weights/ids']!.dataSync())).toEqual([0, 7, 9]);
  });

  it('replaces the previous checkpoint and leaves no temporary directory', async () => {
    const dir = join(root, 'checkpoint');
    await writeCheckpoint(dir, { epoch: 1 }, tensors());
    await writeCheckpoint(dir, { epoch: 2 }, tensors());
    expect((await readCheckpoint<{ epoch: number }>(dir))?.meta.epoch).toBe(2);
    expect(existsSync(`${dir}.tmp`)).toBe(false);
    expect(existsSync(`${dir}.old`)).toBe(false);
  });

  it('falls back to the previous checkpoint when a crash interrupted the swap', async () => {
    const dir = join(root, 'checkpoint');
    await writeCheckpoint(dir, { epoch: 4 }, tensors());
    // The crash window: the old checkpoint was moved aside, the new one not yet renamed in.
    await rename(dir, `${dir}.old`);
    expect((await readCheckpoint<{ epoch: number }>(dir))?.meta.epoch).toBe(4);
  });

  it('returns undefined when there is none, and rejects a truncated tensor file', async () => {
    const dir = join(root, 'checkpoint');
    expect(await readCheckpoint(dir)).toBeUndefined();
    await writeCheckpoint(dir, { epoch: 1 }, tensors());
    await writeFile(join(dir, 'tensors.bin'), new Uint8Array(5));
    await expect(readCheckpoint(dir)).rejects.toThrow(/tensors\.bin has 5 bytes, state\.json says 28/);
  });
});
