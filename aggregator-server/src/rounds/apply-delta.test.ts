import { decodeArtifact } from '@hearth/models';
import { describe, expect, it } from 'vitest';
import { testArtifact } from '../testing/model';
import { applyDelta } from './apply-delta';

// A round over every float tensor: the item table (20 values) first, then the encoder (16 + 4).
const LAYOUT = [
  { name: 'item_embedding', shape: [5, 4] },
  { name: 'block0/w', shape: [4, 4] },
  { name: 'block0/b', shape: [4] },
];
const delta = Float32Array.from({ length: 40 }, (_, i) => (i % 5) / 10 - 0.2);

async function stepped(lr: number, itemTablesLr: number | null) {
  const base = await testArtifact();
  const out = await applyDelta(base.manifest, base.weights, LAYOUT, delta, { lr, itemTablesLr }, {});
  const [before, after] = await Promise.all([
    decodeArtifact(base.manifest, base.weights),
    decodeArtifact(out.manifest, out.weights),
  ]);
  // The change of each tensor divided by the delta it was given: the step that was applied.
  const ratio = (name: string, from: number) => {
    const a = before.tensors[name]!.data;
    const b = after.tensors[name]!.data;
    return Array.from(b, (v, i) => (delta[from + i] === 0 ? null : (v - a[i]!) / delta[from + i]!)).filter(
      (r): r is number => r !== null,
    );
  };
  return { before, after, ratio };
}

describe('applyDelta: the server step', () => {
  it('new = old + lr * delta on the encoder and old + itemTablesLr * delta on the item tables', async () => {
    const { ratio, before, after } = await stepped(0.5, 3);
    for (const r of ratio('item_embedding', 0)) expect(r).toBeCloseTo(3, 4);
    for (const r of ratio('block0/w', 20)) expect(r).toBeCloseTo(0.5, 4);
    // float16 storage rounds the result: looser, but far from 3 or 1
    for (const r of ratio('block0/b', 36)) expect(r).toBeCloseTo(0.5, 1);
    // outside the layout: untouched
    expect(after.tensors['item_attributes/category']!.data).toEqual(
      before.tensors['item_attributes/category']!.data,
    );
  });

  it('without an item-table rate, the item tables take lr like the rest', async () => {
    const { ratio } = await stepped(0.25, null);
    for (const r of ratio('item_embedding', 0)) expect(r).toBeCloseTo(0.25, 4);
    for (const r of ratio('block0/w', 20)) expect(r).toBeCloseTo(0.25, 4);
  });
});
