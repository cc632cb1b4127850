// Weights as files for the embedded store. A checkpoint is written to a temporary file, fsynced, renamed
// into place and the directory fsynced: a crash at any point leaves either no file or the whole file
// under its final name, never a partial one (S23).

import { randomBytes } from 'node:crypto';
import fs, { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BlobStore, NAME, sha256Hex, verified } from './blobs';
import { sumChecksum, verifiedSum } from './sum-checksum';

export interface FileBlobOptions {
  /**
   * Fault injection for the crash test (S23) only: pause this long after writing the first half of a
   * checkpoint's temporary file, so a test can SIGKILL the process mid-write.
   */
  readonly pauseMidWriteMs?: number;
  readonly onPause?: () => void;
}

/** Writes bytes to `path` atomically and durably: temp file, fsync, rename, fsync the directory. */
async function writeDurably(
  dir: string,
  path: string,
  bytes: Uint8Array,
  options: FileBlobOptions,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx');
  try {
    const half = Math.floor(bytes.length / 2);
    await file.write(bytes, 0, half, 0);
    if (options.pauseMidWriteMs) {
      await file.sync();
      options.onPause?.();
      await new Promise((r) => setTimeout(r, options.pauseMidWriteMs));
    }
    await file.write(bytes, half, bytes.length - half, half);
    await file.sync();
  } catch (e) {
    await file.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await file.close();
  await rename(tmp, path);
  await syncDir(dir);
}

/**
 * Writes bytes over the file at `path` in place and waits for them to reach the disk (fdatasync). For
 * the running sums, whose file is reused: no temporary file, rename or directory sync per commit, only
 * when the file is first created. Not atomic: a crash mid-write leaves a torn file, so the caller may
 * only overwrite a file that nothing durable refers to (the store alternates two slots per replica and
 * checks the checksum on every read).
 */
async function overwriteDurably(dir: string, path: string, bytes: Uint8Array): Promise<void> {
  // open, write and close are synchronous: each is microseconds (the write only copies into the page
  // cache), while each asynchronous call would wait for a turn of the event loop, which under load
  // serves dozens of upload streams first; the one slow call, fdatasync, stays asynchronous.
  let fd: number;
  let created = false;
  try {
    fd = openSync(path, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dir, { recursive: true });
    fd = openSync(path, 'w');
    created = true;
  }
  try {
    writeSync(fd, bytes, 0, bytes.length, 0);
    if (fstatSync(fd).size !== bytes.length) ftruncateSync(fd, bytes.length);
    await fdatasync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) await syncDir(dir);
}

const fdatasync = promisify(fs.fdatasync);

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export function fileBlobs(dir: string, options: FileBlobOptions = {}): BlobStore {
  const path = (sha: string) => join(dir, `${sha}.bin`);
  const named = (name: string) => {
    if (!NAME.test(name)) throw new RangeError(`blob name ${JSON.stringify(name)} is not allowed`);
    return join(dir, 'sums', `${name}.f64`);
  };
  return {
    namedInDatabase: false,
    async put(bytes) {
      const sha = sha256Hex(bytes);
      await writeDurably(dir, path(sha), bytes, options);
      return sha;
    },
    async get(sha) {
      return verified(sha, new Uint8Array(await readFile(path(sha))));
    },
    async putNamed(name, bytes) {
      await overwriteDurably(join(dir, 'sums'), named(name), bytes);
      return sumChecksum(bytes);
    },
    async getNamed(name, checksum) {
      return verifiedSum(name, checksum, new Uint8Array(await readFile(named(name))));
    },
    async deleteNamed(name) {
      await rm(named(name), { force: true });
    },
    async listNamed() {
      const files = await readdir(join(dir, 'sums')).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return [];
        throw e;
      });
      return files.filter((f) => f.endsWith('.f64')).map((f) => f.slice(0, -'.f64'.length));
    },
  };
}
