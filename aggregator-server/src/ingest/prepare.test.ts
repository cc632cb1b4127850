import { describe, expect, it } from 'vitest';
import { ownBuffer } from './prepare';

describe('ownBuffer: which upload bodies a store in a worker thread may borrow', () => {
  it('a whole body whose buffer holds the values: yes', () => {
    const body = Buffer.allocUnsafeSlow(48);
    expect(ownBuffer(body, new Float32Array(body.buffer, 8, 10))).toBe(body.buffer);
  });

  it('a slice of shared memory, values copied out of the body, or shared memory: no', () => {
    const small = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]); // Node's pool of small allocations
    expect(small.byteLength).toBeLessThan(small.buffer.byteLength);
    expect(ownBuffer(small, new Float32Array(small.buffer, small.byteOffset, 2))).toBeNull();
    const body = Buffer.allocUnsafeSlow(48);
    expect(ownBuffer(body, new Float32Array(10))).toBeNull();
    const shared = Buffer.from(new SharedArrayBuffer(48));
    expect(ownBuffer(shared, new Float32Array(shared.buffer, 8, 10))).toBeNull();
  });
});
