// Fuzzing the decoder: whatever bytes arrive, it either decodes them into a consistent update or throws
// an UpdateFormatError naming a field; it never throws anything else and never hangs on a huge header.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUpdate } from './decode';
import { encodeUpdate } from './encode';
import { layoutSize, type ModelUpdate, UpdateFormatError } from './format';

function outcome(bytes: Uint8Array): 'ok' | 'format-error' {
  try {
    const u = decodeUpdate(bytes);
    expect(u.values.length).toBe(layoutSize(u.layout));
    return 'ok';
  } catch (e) {
    if (e instanceof UpdateFormatError && e.field.length > 0) return 'format-error';
    throw e;
  }
}

const updateArb: fc.Arbitrary<ModelUpdate> = fc
  .uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9_/]{0,12}$/),
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 4, selector: (t) => t.name },
  )
  .chain((layout) =>
    fc.record({
      roundId: fc.integer({ min: 1, max: 0xffffffff }),
      modelVersion: fc.integer({ min: 1, max: 0xffffffff }),
      numExamples: fc.integer({ min: 0, max: 0xffffffff }),
      layout: fc.constant(layout),
      values: fc
        .float32Array({ minLength: layoutSize(layout), maxLength: layoutSize(layout), noNaN: true })
        .map((a) => a),
    }),
  );

describe('update decoder fuzz', () => {
  it('random bytes: a named UpdateFormatError or a consistent update, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => void outcome(b)),
      { numRuns: 2000 },
    );
  });

  it('random bytes after a valid magic and version still never crash', () => {
    const prefix = Uint8Array.from([0x48, 0x55, 0x50, 0x44, 1, 0]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => void outcome(Uint8Array.from([...prefix, ...b]))),
      { numRuns: 2000 },
    );
  });

  it('every strict prefix of a valid update is refused with a named field', () => {
    fc.assert(
      fc.property(updateArb, fc.nat(), (u, cut) => {
        const bytes = encodeUpdate(u);
        const prefix = bytes.subarray(0, cut % bytes.length);
        expect(outcome(prefix)).toBe('format-error');
      }),
      { numRuns: 500 },
    );
  });

  it('valid updates round-trip; single-byte corruption never crashes', () => {
    fc.assert(
      fc.property(updateArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (u, at, byte) => {
        const bytes = encodeUpdate(u);
        const back = decodeUpdate(bytes);
        expect(back.layout).toEqual(u.layout);
        expect(Array.from(back.values)).toEqual(Array.from(u.values));
        const corrupt = bytes.slice();
        corrupt[at % corrupt.length] = byte;
        outcome(corrupt);
      }),
      { numRuns: 500 },
    );
  });
});
