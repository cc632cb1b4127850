// PGlite as it comes is not durable on disk: it starts PostgreSQL with fsync off (`-F`), and its Node file
// system (Emscripten's NODEFS) implements neither fsync nor fdatasync. A commit reaches the OS page cache,
// which survives a killed process (S23) but not a power cut or a kernel crash: the last receipts, round
// states and privacy-ledger rows could be lost while the running-sum files (fdatasync'd) are not, and a
// lost ledger row would let the server spend privacy budget twice.
//
// The embedded store therefore opens PGlite with fsync on, syncing the WAL with fsync() (PGlite's
// fdatasync is a no-op; its fsync goes through the file system), and gives NODEFS an fsync that calls the
// real one. Cost: one fsync per commit, ~0.26 ms on the development machine.

import { fsyncSync } from 'node:fs';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

type Sync = (fd: number) => void;

interface NodeFsStreamOps {
  fsync?: (stream: { nfd: number }) => number;
}

/** The PGlite start parameters with fsync on, the WAL synced by fsync(). */
export function durableStartParams(): string[] {
  const defaults = (PGlite as unknown as { defaultStartParams?: unknown }).defaultStartParams;
  if (!Array.isArray(defaults) || !defaults.includes('-F'))
    throw new Error('PGlite: its start parameters changed (no -F to drop); cannot make the store durable');
  return [...defaults.filter((p) => p !== '-F'), '-c', 'wal_sync_method=fsync'];
}

/** NodeFS whose fsync reaches the disk; `sync` is the real call (tests count it). */
export class DurableNodeFS extends NodeFS {
  constructor(
    dataDir: string,
    private readonly sync: Sync = fsyncSync,
  ) {
    super(dataDir);
  }

  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const result = await super.init(pg, opts);
    const preRun = result.emscriptenOpts.preRun ?? [];
    // Before PostgreSQL starts, so that recovery and the first checkpoint sync too.
    result.emscriptenOpts.preRun = [
      ...(Array.isArray(preRun) ? preRun : [preRun]),
      (mod: { NODEFS?: { stream_ops?: NodeFsStreamOps } }) => {
        const ops = mod.NODEFS?.stream_ops;
        if (!ops) throw new Error('PGlite: no NODEFS stream operations; cannot make the store durable');
        ops.fsync = (stream) => {
          this.sync(stream.nfd);
          return 0;
        };
      },
    ];
    return result;
  }
}

/** A PGlite on `dataDir` whose commits are on disk when they return. */
export function openDurablePGlite(dataDir: string, sync?: Sync): Promise<PGlite> {
  const options: PGliteOptions = { fs: new DurableNodeFS(dataDir, sync), startParams: durableStartParams() };
  return PGlite.create(options);
}
