// Weights as files for the embedded store. A checkpoint is written to a temporary file, fsynced, renamed
// into place and the directory fsynced: a crash at any point leaves either no file or the whole file
// under its final name, never a partial one (S23).

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type BlobStore, sha256Hex, verified } from './blobs';

export interface FileBlobOptions {
  /**
   * Fault injection for the crash test (S23) only: pause this long after writing the first half of a
   * checkpoint's temporary file, so a test can SIGKILL the process mid-write.
   */
  readonly pauseMidWriteMs?: number;
  readonly onPause?: () => void;
}

export function fileBlobs(dir: string, options: FileBlobOptions = {}): BlobStore {
  const path = (sha: string) => join(dir, `${sha}.bin`);
  return {
    async put(bytes) {
      const sha = sha256Hex(bytes);
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.${sha}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
      await rename(tmp, path(sha));
      const d = await open(dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
      return sha;
    },
    async get(sha) {
      return verified(sha, new Uint8Array(await readFile(path(sha))));
    },
  };
}
