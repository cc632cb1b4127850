import { describe, expect, it } from 'vitest';
import { byId, KnownIndices, MAX_KNOWN, UNKNOWN } from './known-indices';

describe('known indices', () => {
  it('names by index what it learned and by id the rest, in the candidates order', () => {
    const known = new KnownIndices();
    expect(known.encode(['a', 'b'])).toEqual({
      indices: Int32Array.of(UNKNOWN, UNKNOWN),
      ids: ['a', 'b'],
      catalog: -1,
    });
    known.learn(7, ['a', 'b'], Int32Array.of(3, 0)); // b: not in the catalogue, which is worth knowing too
    expect(known.encode(['c', 'b', 'a', 'd'])).toEqual({
      indices: Int32Array.of(UNKNOWN, 0, 3, UNKNOWN),
      ids: ['c', 'd'],
      catalog: 7,
    });
  });

  it('drops what it knew when the catalogue changes, is forgotten, or grows past its bound', () => {
    const known = new KnownIndices();
    known.learn(1, ['a'], Int32Array.of(5));
    known.learn(2, ['b'], Int32Array.of(6));
    expect(known.encode(['a', 'b'])).toEqual({ indices: Int32Array.of(UNKNOWN, 6), ids: ['a'], catalog: 2 });
    known.forget();
    expect(known.encode(['b']).ids).toEqual(['b']);
    expect(known.encode(['b']).catalog).toBe(-1);
    const many = Array.from({ length: MAX_KNOWN }, (_, i) => `p${i}`);
    known.learn(
      3,
      many,
      Int32Array.from(many, (_, i) => i + 1),
    );
    expect(known.size).toBe(MAX_KNOWN);
    known.learn(3, ['new'], Int32Array.of(9));
    expect(known.size).toBe(1);
  });

  it('learns nothing from an answer that does not fit the ids it was sent', () => {
    const known = new KnownIndices();
    known.learn(1, ['a', 'b'], Int32Array.of(5));
    expect(known.size).toBe(0);
  });

  it('byId names every candidate by id, and copies the list', () => {
    const ids = ['x', 'y'];
    const sent = byId(ids);
    expect(sent).toEqual({ indices: Int32Array.of(UNKNOWN, UNKNOWN), ids, catalog: -1 });
    expect(sent.ids).not.toBe(ids);
  });
});
