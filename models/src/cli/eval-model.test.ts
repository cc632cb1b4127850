import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeArtifact } from '../artifact/encode';
import { artifactInput } from '../model/artifact-bridge';
import { DEFAULT_MODEL_CONFIG, parseModelConfig } from '../model/config';
import { initWeights } from '../model/weights';
import { writeArtifactFiles } from '../node/artifact-files';
import { loadDataset } from '../node/load-dataset';
import { REES46_PATH, sharedDataPath } from '../node/shared-data';

const root = join(import.meta.dirname, '..', '..', '..');
const evalCli = (...args: string[]) =>
  spawnSync(
    join(root, 'node_modules', '.bin', 'tsx'),
    [join(root, 'models', 'src', 'cli', 'eval.ts'), ...args],
    {
      encoding: 'utf8',
      cwd: root,
    },
  );
const data = sharedDataPath(REES46_PATH);

// A small untrained model over the REES46 sample's catalogue: enough to exercise load, align, score.
let dir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  const dataset = await loadDataset(data, 'rees46');
  const config = parseModelConfig({
    ...DEFAULT_MODEL_CONFIG,
    numItems: dataset.numItems,
    maxLen: 8,
    dim: 8,
    ffnDim: 8,
    numBlocks: 1,
  });
  const weights = initWeights(config);
  const input = await artifactInput(config, weights, { itemIds: dataset.itemIds }, { tableDtype: 'int8' });
  for (const t of Object.values(weights)) t.dispose();
  dir = await mkdtemp(join(tmpdir(), 'hearth-eval-model-'));
  await writeArtifactFiles(dir, await encodeArtifact(input));
});

describe('eval CLI with --model', () => {
  it('loads the artifact and prints one JSON line', () => {
    const r = evalCli('--model', dir, '--data', data, '--format', 'rees46', '--backend', 'cpu', '--json');
    expect(r.stderr).not.toMatch(/eval:/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.protocol).toBe('full');
    expect(out.users).toBeGreaterThan(0);
    for (const k of [5, 10, 20]) {
      expect(out[`HR@${k}`]).toBeGreaterThanOrEqual(0);
      expect(out[`NDCG@${k}`]).toBeLessThanOrEqual(out[`HR@${k}`]);
    }
  });

  it('exits 1 with the checksum error when a weights byte is flipped', async () => {
    const path = join(dir, 'weights.bin');
    const original = await readFile(path);
    const corrupted = Buffer.from(original);
    corrupted[100]! ^= 0x10;
    await writeFile(path, corrupted);
    try {
      const r = evalCli('--model', dir, '--data', data, '--format', 'rees46', '--backend', 'cpu');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /weights SHA-256 is [0-9a-f]{64}, manifest says [0-9a-f]{64}: the weights file is corrupted/,
      );
    } finally {
      await writeFile(path, original);
    }
  });

  it("exits 1 when the data names items outside the model's catalogue", () => {
    const r = evalCli(
      '--model',
      dir,
      '--data',
      sharedDataPath('taobao-sample/UserBehavior.csv'),
      '--format',
      'taobao',
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/UserBehavior\.csv: 3276 of 3276 items are not in the model's catalog/);
  });
});
