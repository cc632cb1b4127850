// Reading a model artifact directory (manifest.json + weights.bin, the model core's format) as the raw
// bytes the registry stores, verified first (manifest schema, size, SHA-256).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeArtifact, MANIFEST_FILE, type Manifest, WEIGHTS_FILE } from '@hearth/models';

export async function readArtifactDir(dir: string): Promise<{ manifest: Manifest; weights: Uint8Array }> {
  const manifestJson: unknown = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
  const weights = new Uint8Array(await readFile(join(dir, WEIGHTS_FILE)));
  const { manifest } = await decodeArtifact(manifestJson, weights);
  return { manifest, weights };
}

/** Validates an uploaded artifact (admin registration) the same way. */
export async function checkArtifact(manifestJson: unknown, weights: Uint8Array): Promise<Manifest> {
  return (await decodeArtifact(manifestJson, weights)).manifest;
}
