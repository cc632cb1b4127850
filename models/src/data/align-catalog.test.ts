import { describe, expect, it } from 'vitest';
import type { Dataset } from '../types';
import { alignToCatalog } from './align-catalog';

const data: Dataset = {
  name: 'd',
  numItems: 2,
  itemIds: ['', 'x', 'y'],
  users: [
    {
      user: 'u',
      events: [
        { item: 1, action: 'view' },
        { item: 2, action: 'purchase', time: 5 },
      ],
    },
  ],
  numCategories: 1,
  numBrands: 1,
  numPriceBuckets: 1,
};

describe('alignToCatalog', () => {
  it("re-indexes items into the model's catalog order", () => {
    const aligned = alignToCatalog(data, ['', 'z', 'y', 'x']);
    expect(aligned.numItems).toBe(3);
    expect(aligned.users[0]!.events).toEqual([
      { item: 3, action: 'view' },
      { item: 2, action: 'purchase', time: 5 },
    ]);
  });

  it('refuses data with items the model does not know, naming them', () => {
    expect(() => alignToCatalog(data, ['', 'x'])).toThrow(
      /d: 1 of 2 items are not in the model's catalog \(first: y\)/,
    );
  });
});
