// IndexedDB storage, one database per site key ("hearth:<siteKey>"), so two shops on one origin never
// see each other's data and forget() is one deleteDB. Every operation resolves (never rejects): when
// IndexedDB is missing, fails to open, or was taken over by a newer tab, the SDK keeps working from
// memory and says so once. An open that another tab blocks (it holds an older version and does not let
// go) is waited for by writes, which land once it opens, while reads give up after BLOCKED_READ_MS so
// that start-up (which reads the history and the cached model) never hangs on another tab.
import { type DBSchema, deleteDB, type IDBPDatabase, openDB } from 'idb';
import type { StoredEvent } from './event';
import { debug, describe } from './log';

/** Bump with a migration step in upgrade() whenever the stores change. */
export const DB_VERSION = 1;
/** How long a read waits on an open that another tab blocks before it answers from its fallback. */
export const BLOCKED_READ_MS = 1000;
const NEVER = new Promise<null>(() => {});

export interface CachedModel {
  /** The manifest URL it came from. */
  url: string;
  version: string;
  /** SHA-256 (hex) of the weights, as the manifest states and the worker verified. */
  checksum: string;
  manifest: string;
  weights: ArrayBuffer;
  savedAt: number;
}

/** An upload waiting to leave the device (filled by the federated client, issue 7). */
export interface OutboxEntry {
  id?: number;
  body: ArrayBuffer;
  /** Where and how to send it; opaque to storage. */
  meta: Record<string, string | number>;
  createdAt: number;
  attempts: number;
  notBefore: number;
}

interface HearthDB extends DBSchema {
  events: { key: number; value: StoredEvent; indexes: { t: number } };
  models: { key: string; value: CachedModel };
  outbox: { key: number; value: OutboxEntry };
}

export function dbName(siteKey: string): string {
  return `hearth:${siteKey}`;
}

export interface StoreLimits {
  maxEvents: number;
  maxAgeMs: number;
  maxOutbox: number;
}

export class Store {
  private db: Promise<IDBPDatabase<HearthDB> | null> | null = null;
  /** Set when a newer tab upgraded the schema: this tab must not reopen the old version. */
  private retired = false;

  /** Resolves null BLOCKED_READ_MS after the current open was blocked: what reads race it with. */
  private blockedTooLong: Promise<null> = new Promise(() => {});

  constructor(
    readonly siteKey: string,
    readonly limits: StoreLimits,
    /** The schema version to open: DB_VERSION, except in tests of the next migration. */
    readonly version: number = DB_VERSION,
  ) {}

  private open(): Promise<IDBPDatabase<HearthDB> | null> {
    if (this.retired) return Promise.resolve(null);
    if (this.db) return this.db;
    let giveUp: (none: null) => void = () => {};
    this.blockedTooLong = new Promise((resolve) => {
      giveUp = resolve;
    });
    // async: an indexedDB.open that throws synchronously becomes a rejection like any other failure.
    this.db = (async () =>
      openDB<HearthDB>(dbName(this.siteKey), this.version, {
        upgrade(db, oldVersion) {
          // Migrations run in order; each step brings the schema from version n-1 to n.
          if (oldVersion < 1) {
            db.createObjectStore('events', { autoIncrement: true }).createIndex('t', 't');
            db.createObjectStore('models');
            db.createObjectStore('outbox', { keyPath: 'id', autoIncrement: true });
          }
        },
        blocked: () => {
          debug('storage: waiting for another tab to close an older Hearth database');
          setTimeout(() => giveUp(null), BLOCKED_READ_MS);
        },
        blocking: () => {
          // A newer version (another tab) or a forget() wants the database: step aside at once so it
          // is never blocked; this tab continues from memory.
          debug('storage: another tab needs the database; continuing from memory');
          this.retired = true;
          void this.db?.then((db) => db?.close());
          this.db = null;
        },
        terminated: () => {
          this.db = null; // the browser closed it (storage pressure); reopen on next use
        },
      }))().catch((e: unknown) => {
      debug(`storage unavailable, continuing from memory (${describe(e)})`, 'storage-open');
      return null;
    });
    return this.db;
  }

  /** A write: waits for an open another tab blocks, and lands once it opens; false on failure. */
  private write(what: string, op: (db: IDBPDatabase<HearthDB>) => Promise<boolean>): Promise<boolean> {
    return this.run(what, false, op, true);
  }

  /**
   * Runs `op` on the database; `fallback` when there is none or the operation fails, and unless
   * `patient` (writes) also when another tab has blocked the open for BLOCKED_READ_MS.
   */
  private async run<T>(
    what: string,
    fallback: T,
    op: (db: IDBPDatabase<HearthDB>) => Promise<T>,
    patient = false,
  ): Promise<T> {
    try {
      // An open that has completed wins the race even after the timer fired: it is listed first. Writes
      // race too, against nothing, so that reads and writes resume in the order they were called (the
      // client reads the stored history before its first writes land).
      const opening = this.open(); // first: it sets up blockedTooLong for this open
      const db = await Promise.race([opening, patient ? NEVER : this.blockedTooLong]);
      return db ? await op(db) : fallback;
    } catch (e) {
      debug(`storage: ${what} failed (${describe(e)})`, `storage-${what}`);
      return fallback;
    }
  }

  /**
   * Appends events and trims the log to its count and age bounds, in one transaction. 'relaxed':
   * the browser need not flush it to disk before it completes (losing the last click to a power cut
   * is fine); a flush per click competed for the CPU with the rank() that usually follows it.
   */
  addEvents(events: StoredEvent[]): Promise<boolean> {
    return this.write('write', async (db) => {
      const tx = db.transaction('events', 'readwrite', { durability: 'relaxed' });
      for (const e of events) void tx.store.add(e);
      const old = IDBKeyRange.upperBound(Date.now() - this.limits.maxAgeMs, true);
      for (let c = await tx.store.index('t').openCursor(old); c; c = await c.continue()) await c.delete();
      let excess = (await tx.store.count()) - this.limits.maxEvents;
      // Keys are insertion order (autoIncrement): the oldest come first.
      for (let c = await tx.store.openCursor(); c && excess > 0; c = await c.continue(), excess--)
        await c.delete();
      await tx.done;
      return true;
    });
  }

  /** The newest `limit` events within the age bound, oldest first. */
  recentEvents(limit: number): Promise<StoredEvent[]> {
    return this.run('read', [], async (db) => {
      const since = Date.now() - this.limits.maxAgeMs;
      const out: StoredEvent[] = [];
      for (let c = await db.transaction('events').store.openCursor(null, 'prev'); c && out.length < limit; ) {
        if (c.value.t >= since) out.push(c.value);
        c = await c.continue();
      }
      return out.reverse();
    });
  }

  getModel(url: string): Promise<CachedModel | undefined> {
    return this.run('model read', undefined, (db) => db.get('models', url));
  }

  /** Keeps only this one model: a new version replaces the old. */
  putModel(model: CachedModel): Promise<boolean> {
    return this.write('model write', async (db) => {
      const tx = db.transaction('models', 'readwrite');
      await tx.store.clear();
      await tx.store.put(model, model.url);
      await tx.done;
      return true;
    });
  }

  /** Queues an upload; the oldest entries give way when the queue is full. */
  enqueue(entry: Omit<OutboxEntry, 'id'>): Promise<boolean> {
    return this.write('queue write', async (db) => {
      const tx = db.transaction('outbox', 'readwrite');
      await tx.store.add(entry);
      let excess = (await tx.store.count()) - this.limits.maxOutbox;
      for (let c = await tx.store.openCursor(); c && excess > 0; c = await c.continue(), excess--)
        await c.delete();
      await tx.done;
      return true;
    });
  }

  outbox(): Promise<OutboxEntry[]> {
    return this.run('queue read', [], (db) => db.getAll('outbox'));
  }

  /** Rewrites a queued entry (attempts, notBefore) unless it was sent and removed meanwhile. */
  update(entry: OutboxEntry): Promise<boolean> {
    return this.write('queue update', async (db) => {
      const tx = db.transaction('outbox', 'readwrite');
      const still = entry.id !== undefined && (await tx.store.get(entry.id)) !== undefined;
      if (still) await tx.store.put(entry);
      await tx.done;
      return still;
    });
  }

  dequeue(id: number): Promise<boolean> {
    return this.write('queue delete', async (db) => {
      await db.delete('outbox', id);
      return true;
    });
  }

  close(): void {
    void this.db?.then((db) => db?.close());
    this.db = null;
  }
}

/** Deletes the site key's database. Other tabs holding it close on `blocking`, so this finishes. */
export async function destroy(siteKey: string): Promise<boolean> {
  try {
    await deleteDB(dbName(siteKey), {
      blocked: () => debug('storage: forget() waits for other tabs to let go of the database'),
    });
    return true;
  } catch (e) {
    debug(`storage: forget() could not delete the database (${describe(e)})`);
    return false;
  }
}
