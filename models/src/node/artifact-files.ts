import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type DecodedArtifact, type DecodeExpectations, decodeArtifact } from '../artifact/decode';
import type { EncodedArtifact } from '../artifact/encode';
import {
  ArtifactError,
  MANIFEST_FILE,
  parseManifest,
  serializeManifest,
  WEIGHTS_FILE,
} from '../artifact/manifest';
import { sha256Hex } from '../artifact/sha256';

/** Writes bytes to `path` so that `path` is either the old file or the complete new one, never a part. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync(); // the data is on disk before the rename makes it visible
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync(); // makes the renames themselves durable
  } finally {
    await handle.close();
  }
}

/**
 * Writes manifest.json and weights.bin into `dir` (created if needed), each through temp file, fsync,
 * rename. Weights go first, so a reader never sees a new manifest before its weights; in the short
 * window between the two renames a reader may pair old manifest with new weights, which the SHA-256
 * check turns into a clear error rather than a wrong model. Registries that need versions to be
 * immutable write each version into a fresh directory.
 */
export async function writeArtifactFiles(dir: string, artifact: EncodedArtifact): Promise<void> {
  const manifest = parseManifest(artifact.manifest);
  if (
    manifest.weightsBytes !== artifact.weights.byteLength ||
    manifest.weightsSha256 !== (await sha256Hex(artifact.weights))
  )
    throw new ArtifactError('refusing to write an artifact whose manifest does not describe its weights');
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, WEIGHTS_FILE), artifact.weights);
  await writeAtomically(join(dir, MANIFEST_FILE), new TextEncoder().encode(serializeManifest(manifest)));
  await syncDirectory(dir);
}

async function readOrExplain(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ArtifactError(
      code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${String(error)}`,
    );
  }
}

/** Reads and verifies an artifact directory written by writeArtifactFiles. */
export async function readArtifactFiles(
  dir: string,
  expected: DecodeExpectations = {},
): Promise<DecodedArtifact> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const text = (await readOrExplain(manifestPath)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError(`${manifestPath} is not valid JSON: ${(error as Error).message}`);
  }
  const weights = await readOrExplain(join(dir, WEIGHTS_FILE));
  try {
    return await decodeArtifact(json, weights, expected);
  } catch (error) {
    if (error instanceof ArtifactError) throw new ArtifactError(`${dir}: ${error.message}`);
    throw error;
  }
}
