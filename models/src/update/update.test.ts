import { describe, expect, it } from 'vitest';
import { decodeUpdate } from './decode';
import { encodedUpdateBytes, encodeUpdate } from './encode';
import { HEADER_BYTES, type ModelUpdate, UpdateFormatError } from './format';
import { layoutHash, layoutKey, requireLayout } from './layout';

const layout = [
  { name: 'encoder/w', shape: [2, 3] },
  { name: 'encoder/b', shape: [3] },
  { name: 'scale', shape: [] },
];

function sample(): ModelUpdate {
  return {
    roundId: 7,
    modelVersion: 3,
    numExamples: 12,
    layout,
    values: Float32Array.from([1, -2, 3.5, 0, 1e-7, -0.25, 9, 8, 7, 0.5]),
  };
}

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UpdateFormatError) return e.field;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('update format', () => {
  it('round-trips header, layout and float32 payload exactly', () => {
    const bytes = encodeUpdate(sample());
    const back = decodeUpdate(bytes);
    expect(back.roundId).toBe(7);
    expect(back.modelVersion).toBe(3);
    expect(back.numExamples).toBe(12);
    expect(back.layout).toEqual(layout);
    expect(Array.from(back.values)).toEqual(Array.from(sample().values));
  });

  it('writes the documented header: magic, version, counts, little-endian', () => {
    const bytes = encodeUpdate(sample());
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('HUPD');
    const view = new DataView(bytes.buffer);
    expect(view.getUint16(4, true)).toBe(1);
    expect(view.getUint16(6, true)).toBe(3);
    expect(view.getUint32(8, true)).toBe(7);
    expect(view.getUint32(12, true)).toBe(3);
    expect(view.getUint32(16, true)).toBe(12);
    // the payload is aligned to 4 bytes and is the last 40 bytes
    expect(bytes.length % 4).toBe(0);
    expect(view.getFloat32(bytes.length - 40, true)).toBe(1);
    expect(bytes.length).toBeGreaterThan(HEADER_BYTES + 40);
    expect(encodedUpdateBytes(layout)).toBe(bytes.length);
  });

  it('decodes from an unaligned view of a larger buffer (as Node hands out bodies)', () => {
    const bytes = encodeUpdate(sample());
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 1);
    const back = decodeUpdate(big.subarray(1, 1 + bytes.length));
    expect(back.values[2]).toBe(3.5);
  });

  it('with copy: false, gives a view on the body when aligned and a copy when not', () => {
    const bytes = encodeUpdate(sample());
    const view = decodeUpdate(bytes, { copy: false });
    expect(view.values.buffer).toBe(bytes.buffer);
    expect(Array.from(view.values)).toEqual(Array.from(decodeUpdate(bytes).values));
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 1);
    const unaligned = decodeUpdate(big.subarray(1, 1 + bytes.length), { copy: false });
    expect(unaligned.values.buffer).not.toBe(big.buffer);
    expect(unaligned.values[2]).toBe(3.5);
    // the default stays a copy: the caller may reuse the body
    expect(decodeUpdate(bytes).values.buffer).not.toBe(bytes.buffer);
  });

  it('names the bad field', () => {
    const good = encodeUpdate(sample());
    const bad = (mutate: (b: Uint8Array, v: DataView) => void) => {
      const b = good.slice();
      mutate(b, new DataView(b.buffer));
      return fieldOf(() => decodeUpdate(b));
    };
    expect(bad((b) => (b[0] = 0x41))).toBe('magic');
    expect(bad((_, v) => v.setUint16(4, 2, true))).toBe('formatVersion');
    expect(bad((_, v) => v.setUint16(6, 0, true))).toBe('tensorCount');
    expect(bad((_, v) => v.setUint32(8, 0, true))).toBe('roundId');
    expect(bad((_, v) => v.setUint32(12, 0, true))).toBe('modelVersion');
    expect(bad((b) => (b[HEADER_BYTES + 1] = 0x20))).toBe('tensors[0].name');
    expect(fieldOf(() => decodeUpdate(good.subarray(0, good.length - 4)))).toBe('payload');
    expect(fieldOf(() => decodeUpdate(Uint8Array.from([...good, 0, 0, 0, 0])))).toBe('payload');
    expect(fieldOf(() => decodeUpdate(good.subarray(0, 10)))).toBe('header');
  });

  it('refuses to encode what it could not decode', () => {
    expect(fieldOf(() => encodeUpdate({ ...sample(), roundId: 0 }))).toBe('roundId');
    expect(fieldOf(() => encodeUpdate({ ...sample(), values: new Float32Array(3) }))).toBe('payload');
    expect(fieldOf(() => encodeUpdate({ ...sample(), layout: [{ name: 'a b', shape: [1] }] }))).toBe(
      'tensors[0].name',
    );
  });

  it('requireLayout names a missing, extra or reshaped tensor', () => {
    expect(fieldOf(() => requireLayout(layout.slice(0, 2), layout))).toBe('tensorCount');
    expect(fieldOf(() => requireLayout([...layout, { name: 'x', shape: [1] }], layout))).toBe('tensorCount');
    expect(
      fieldOf(() => requireLayout([layout[0]!, { name: 'encoder/b', shape: [4] }, layout[2]!], layout)),
    ).toBe('tensors[1].shape');
    expect(() => requireLayout(layout, layout)).not.toThrow();
  });

  it('layoutHash is stable and changes with any name or dim', () => {
    expect(layoutKey(layout)).toBe('encoder/w:2x3;encoder/b:3;scale:');
    expect(layoutHash(layout)).toMatch(/^[0-9a-f]{16}$/);
    expect(layoutHash(layout)).toBe(layoutHash(structuredClone(layout)));
    expect(layoutHash([{ name: 'encoder/w', shape: [3, 2] }, ...layout.slice(1)])).not.toBe(
      layoutHash(layout),
    );
  });
});
