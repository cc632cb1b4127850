import { describe, expect, it } from 'vitest';
import { BodyPool } from './body-pool';

describe('BodyPool', () => {
  it('hands a given-back buffer out again for the same size, never for another', () => {
    const pool = new BodyPool(1 << 20);
    const a = pool.take(1000);
    expect(a.length).toBe(1000);
    expect(a.byteOffset).toBe(0);
    pool.give(a);
    expect(pool.take(999)).not.toBe(a);
    expect(pool.take(1000)).toBe(a);
    expect(pool.take(1000)).not.toBe(a);
  });

  it('keeps no more idle memory than its limit, and a buffer given twice only once', () => {
    const pool = new BodyPool(2500);
    const bufs = [pool.take(1000), pool.take(1000), pool.take(1000)];
    for (const b of bufs) pool.give(b);
    expect(pool.retainedBytes).toBe(2000);
    const out = pool.take(1000);
    expect(pool.retainedBytes).toBe(1000);
    pool.give(out);
    pool.give(out);
    expect(pool.retainedBytes).toBe(2000);
    pool.take(1000);
    pool.take(1000);
    pool.give(Buffer.from(new Uint8Array(2000).buffer, 1000, 1000)); // a slice: not kept
    expect(pool.retainedBytes).toBe(0);
    // a body transferred to the store's worker (detached) is not kept: it comes back by itself
    const lent = pool.take(1000);
    structuredClone(lent.buffer, { transfer: [lent.buffer] });
    pool.give(lent);
    expect(pool.retainedBytes).toBe(0);
    const x = pool.take(1000);
    const y = pool.take(1000);
    expect(x).not.toBe(y);
  });
});
