import { mkdtemp, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeArtifact } from '../artifact/encode';
import { readArtifactFiles, writeArtifactFiles } from './artifact-files';

const artifact = (value: number) =>
  encodeArtifact({
    architecture: { dim: 2 },
    catalog: { itemIds: ['', 'a'] },
    tensors: [{ name: 'w', shape: [2, 2], data: Float32Array.of(value, 2, 3, 4) }],
  });

describe('artifact files', () => {
  it('writes manifest.json and weights.bin and reads them back verified', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'hearth-artifact-')), 'model');
    await writeArtifactFiles(dir, await artifact(1));
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'weights.bin']);
    const { tensors, manifest } = await readArtifactFiles(dir, { shapes: { w: [2, 2] } });
    expect([...tensors['w']!.data]).toEqual([1, 2, 3, 4]);
    expect(manifest.catalog.itemIds).toEqual(['', 'a']);
  });

  it('replaces an artifact in place without leaving temp files; a refused write keeps the old one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-artifact-'));
    await writeArtifactFiles(dir, await artifact(1));
    await writeArtifactFiles(dir, await artifact(5));
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'weights.bin']);
    expect((await readArtifactFiles(dir)).tensors['w']!.data[0]).toBe(5);

    const bad = await artifact(9);
    bad.weights[0]! ^= 1; // no longer what the manifest hashes
    await expect(writeArtifactFiles(dir, bad)).rejects.toThrow(/does not describe its weights/);
    expect((await readArtifactFiles(dir)).tensors['w']!.data[0]).toBe(5);
  });

  it('names the directory and the problem for missing, truncated or unparsable files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-artifact-'));
    await expect(readArtifactFiles(dir)).rejects.toThrow(/manifest\.json does not exist/);
    await writeArtifactFiles(dir, await artifact(1));
    await truncate(join(dir, 'weights.bin'), 8);
    await expect(readArtifactFiles(dir)).rejects.toThrow(`${dir}: weights file is 8 bytes, manifest says 16`);
    await writeFile(
      join(dir, 'manifest.json'),
      (await readFile(join(dir, 'manifest.json'), 'utf8')).slice(0, 20),
    );
    await expect(readArtifactFiles(dir)).rejects.toThrow(/manifest\.json is not valid JSON/);
  });
});
