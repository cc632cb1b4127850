import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestModel, type TestModel } from '../../../test/browser/test-model';
import { buildModel, decode } from './model';

const build = async (m: TestModel, previous?: ReturnType<typeof buildModel>) =>
  buildModel(await decode(m.manifest, m.weights.slice().buffer, false), previous);

let base: TestModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  base = await makeTestModel();
});

describe('buildModel', () => {
  it('keeps the catalogue, and its number, for a new version of the same products', async () => {
    const first = await build(base);
    const retrained = await build(await makeTestModel({ seed: 11, version: 'test-2' }), first);
    expect(retrained.version).toBe('test-2');
    expect(retrained.catalogId).toBe(first.catalogId);
    expect(retrained.catalog).toBe(first.catalog);
  });

  it('numbers a catalogue anew when products move to other indices or the catalogue grows', async () => {
    const first = await build(base);
    const reversed = await build(await makeTestModel({ reverseIds: true }), first);
    expect(reversed.catalogId).not.toBe(first.catalogId);
    expect(reversed.catalog.index.get('p1')).toBe(60);
    const grown = await build(await makeTestModel({ numItems: 61 }), first);
    expect(grown.catalogId).not.toBe(first.catalogId);
    const fresh = await build(base); // no previous model: a number of its own
    expect(fresh.catalogId).not.toBe(first.catalogId);
  });
});
