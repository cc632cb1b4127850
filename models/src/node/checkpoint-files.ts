import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { NamedTensors } from '../model/weights';
import { type BundleEntry, packTensors, unpackTensors } from '../train/tensor-bundle';

const STATE_FILE = 'state.json';
const TENSORS_FILE = 'tensors.bin';

async function writeDurable(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a checkpoint directory atomically: everything goes to DIR.tmp (fsynced), the previous
 * checkpoint moves to DIR.old, the new one is renamed into place, then DIR.old is removed. A crash at
 * any point leaves either the old or the new checkpoint complete, never a partial one.
 */
export async function writeCheckpoint(dir: string, meta: object, tensors: NamedTensors): Promise<void> {
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const { entries, bytes } = await packTensors(tensors);
  await writeDurable(join(tmp, TENSORS_FILE), bytes);
  await writeDurable(
    join(tmp, STATE_FILE),
    JSON.stringify({ ...meta, tensors: entries, bytes: bytes.byteLength }),
  );
  await rm(old, { recursive: true, force: true });
  if (existsSync(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

/** Reads the checkpoint at DIR (or DIR.old when a crash interrupted the swap); undefined when none. */
export async function readCheckpoint<M>(
  dir: string,
): Promise<{ meta: M; tensors: NamedTensors } | undefined> {
  const from = existsSync(join(dir, STATE_FILE))
    ? dir
    : existsSync(join(`${dir}.old`, STATE_FILE))
      ? `${dir}.old`
      : undefined;
  if (!from) return undefined;
  const state = JSON.parse(await readFile(join(from, STATE_FILE), 'utf8')) as M & {
    tensors: BundleEntry[];
    bytes: number;
  };
  const bytes = new Uint8Array(await readFile(join(from, TENSORS_FILE)));
  if (bytes.byteLength !== state.bytes) {
    throw new Error(
      `checkpoint ${from}: ${TENSORS_FILE} has ${bytes.byteLength} bytes, state.json says ${state.bytes}`,
    );
  }
  return { meta: state, tensors: unpackTensors(state.tensors, bytes) };
}
