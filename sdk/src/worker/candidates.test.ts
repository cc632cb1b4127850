import { describe, expect, it } from 'vitest';
import { byId, UNKNOWN } from '../known-indices';
import { resolveCandidates } from './candidates';
import type { Catalog } from './features';

const catalog: Catalog = {
  index: new Map([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]),
  category: new Int32Array(4),
  brand: new Int32Array(4),
};

describe('resolveCandidates', () => {
  it('looks up the ids sent by name and keeps the indices sent by number', () => {
    const r = resolveCandidates(
      { indices: Int32Array.of(2, UNKNOWN, 0, UNKNOWN), ids: ['c', 'zz'], catalog: 9 },
      catalog,
      9,
      3,
    );
    expect(r).toEqual({ indices: Int32Array.of(2, 3, 0, 0), learned: Int32Array.of(3, 0) });
  });

  it('answers null for indices of another catalogue, but ids alone need none', () => {
    expect(resolveCandidates({ indices: Int32Array.of(1), ids: [], catalog: 8 }, catalog, 9, 3)).toBeNull();
    expect(resolveCandidates(byId(['a', 'b']), catalog, 9, 3)?.indices).toEqual(Int32Array.of(1, 2));
  });

  it('takes the plain list of ids that a page of an earlier version sends', () => {
    expect(resolveCandidates(['b', 'zz', 'a'], catalog, 9, 3)).toEqual({
      indices: Int32Array.of(2, 0, 1),
      learned: Int32Array.of(2, 0, 1),
    });
  });

  it('refuses a request that does not fit together, naming the field', () => {
    const bad = (indices: unknown, ids: unknown) => () =>
      resolveCandidates({ indices, ids, catalog: 9 } as never, catalog, 9, 3);
    expect(bad([1, 2], [])).toThrow('candidates.indices must be an Int32Array');
    expect(bad(Int32Array.of(1), 'a')).toThrow('candidates.ids must be an array');
    expect(bad(Int32Array.of(4), [])).toThrow('candidates.indices[0] must be -1 or 0..3, got 4');
    expect(bad(Int32Array.of(-2), [])).toThrow('candidates.indices[0]');
    expect(bad(Int32Array.of(UNKNOWN, UNKNOWN), ['a'])).toThrow('fewer than the unknown indices');
    expect(bad(Int32Array.of(UNKNOWN), ['a', 'b'])).toThrow('candidates.ids has 2 ids for 1 unknown indices');
  });
});
