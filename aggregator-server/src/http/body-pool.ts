// Upload bodies are 400 KB or so each, and at hundreds per second allocating a fresh buffer for each
// drives V8's garbage collector hard: every 64 MB of new external memory starts a full mark-compact of
// the heap (about a fifth of the server's CPU time in the ingestion benchmark). The upload route takes
// its body buffers from this pool and gives them back once the update is summed and committed, so in
// steady state no new memory is allocated for bodies at all. With the store in its worker thread
// (storage/worker-store.ts), an update's body is transferred to the worker for the group commit and
// comes back with its answer, into the pool.
//
// Plain ArrayBuffers, not SharedArrayBuffers: copying the socket's chunks into shared memory cost the
// discard endpoint 10-20% of its rate (V8 copies into shared memory with relaxed atomics, not memcpy).

/**
 * How much idle body memory a pool keeps: enough for the uploads of a few hundred concurrent clients
 * of a 100,000-parameter model (400 KB each), little enough that a burst does not stay resident.
 */
export const POOL_BYTES = 64 << 20;

export class BodyPool {
  private readonly free = new Map<number, Buffer[]>();
  private retained = 0;

  /** @param maxRetainedBytes how much idle memory the pool may keep; beyond it, given-back buffers are dropped */
  constructor(private readonly maxRetainedBytes: number) {}

  /** A buffer of exactly `size` bytes, with unspecified content, in its own memory (offset 0). */
  take(size: number): Buffer {
    const reused = this.free.get(size)?.pop();
    if (reused) {
      this.retained -= size;
      return reused;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /**
   * Returns a buffer taken from this pool. The caller must hold no view on it any more (the update's
   * values are a view on its body): the next request overwrites it.
   */
  give(buffer: Buffer): void {
    // a slice of shared memory (a small body joined from chunks) is not ours to hand out again; an
    // empty one is a body transferred to the store's worker (detached), which comes back by itself
    if (buffer.length === 0 || buffer.byteOffset !== 0 || buffer.buffer.byteLength !== buffer.length) return;
    if (this.retained + buffer.length > this.maxRetainedBytes) return;
    const list = this.free.get(buffer.length) ?? [];
    if (list.includes(buffer)) return; // given twice: keeping it twice would hand it to two requests
    list.push(buffer);
    this.free.set(buffer.length, list);
    this.retained += buffer.length;
  }

  get retainedBytes(): number {
    return this.retained;
  }
}
