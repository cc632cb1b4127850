import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../eval/rng';
import { decodeArtifact } from './decode';
import { type ArtifactInput, encodeArtifact } from './encode';
import { type Manifest, parseManifest, serializeManifest } from './manifest';

const random = mulberry32(11);
const randn = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

const input: ArtifactInput = {
  architecture: { kind: 'sasrec', dim: 4, blocks: 2 },
  catalog: { itemIds: ['', 'a', 'b', 'c'], categoryNames: ['', 'shoes'] },
  tensors: [
    { name: 'item_embedding', shape: [4, 4], data: randn(16, 0.3), dtype: 'int8' },
    { name: 'position_embedding', shape: [5, 4], data: randn(20), dtype: 'float16' },
    { name: 'dense/kernel', shape: [4, 4], data: randn(16) },
    { name: 'item_category', shape: [4], data: Int32Array.of(0, 1, 1, 0) },
  ],
  metadata: { createdAt: '2026-11-23T00:00:00Z', metrics: { 'HR@10': 0.08 } },
};
const shapes = {
  item_embedding: [4, 4],
  position_embedding: [5, 4],
  'dense/kernel': [4, 4],
  item_category: [4],
};

async function encoded() {
  const { manifest, weights } = await encodeArtifact(input);
  // What a reader gets from disk: parsed JSON, not the encoder's object.
  return { manifest: JSON.parse(JSON.stringify(manifest)) as Manifest, weights };
}

describe('artifact encode/decode', () => {
  it('round-trips every dtype within its stated bound', async () => {
    const { manifest, weights } = await encoded();
    expect(manifest.format).toBe('hearth-model');
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.weightsBytes).toBe(weights.byteLength);
    expect(manifest.metadata).toEqual(input.metadata);
    expect(manifest.tensors.map((t) => [t.name, t.dtype, t.byteOffset % 8])).toEqual([
      ['item_embedding', 'int8', 0],
      ['position_embedding', 'float16', 0],
      ['dense/kernel', 'float32', 0],
      ['item_category', 'int32', 0],
    ]);
    const { tensors } = await decodeArtifact(manifest, weights, { shapes });
    // Shapes may also be derived from the manifest's architecture.
    await expect(
      decodeArtifact(manifest, weights, {
        shapes: (m) => ({ ...shapes, item_embedding: [m.architecture['dim'] as number, 1] }),
      }),
    ).rejects.toThrow("tensor 'item_embedding' has shape [4,4], the model expects [4,1]");
    const [emb, pos, dense, cat] = input.tensors.map((t) => t.data);
    const scales = manifest.tensors[0]!.quantization!;
    expect(scales.rows).toBe(4);
    const embBack = tensors['item_embedding']!.data;
    for (let r = 0; r < 4; r++) {
      const max = Math.max(...[...emb!.slice(r * 4, r * 4 + 4)].map(Math.abs));
      for (let j = r * 4; j < r * 4 + 4; j++)
        expect(Math.abs(embBack[j]! - emb![j]!)).toBeLessThanOrEqual((max / 127 / 2) * (1 + 1e-6));
    }
    const posBack = tensors['position_embedding']!.data;
    for (let i = 0; i < pos!.length; i++)
      expect(Math.abs(posBack[i]! - pos![i]!)).toBeLessThanOrEqual(
        Math.max(2 ** -11 * Math.abs(pos![i]!), 2 ** -25),
      );
    expect(tensors['dense/kernel']!.data).toEqual(dense);
    expect(tensors['item_category']!.data).toEqual(cat);
    expect(tensors['item_category']!.shape).toEqual([4]);
  });

  it('decodes from a Node Buffer and from a view at an odd offset inside a larger buffer', async () => {
    const { manifest, weights } = await encoded();
    const reference = (await decodeArtifact(manifest, weights)).tensors;
    const padded = new Uint8Array(weights.byteLength + 3);
    padded.set(weights, 3);
    for (const source of [Buffer.from(weights), padded.subarray(3)]) {
      const { tensors } = await decodeArtifact(manifest, source, { shapes });
      for (const name of Object.keys(shapes)) expect(tensors[name]!.data).toEqual(reference[name]!.data);
    }
  });

  it('int8 and float16 shrink the weights: 1 and 2 bytes per value', async () => {
    const big = { ...input, tensors: [{ name: 'e', shape: [1000, 64], data: randn(64000) }] };
    const f32 = await encodeArtifact(big);
    const f16 = await encodeArtifact({
      ...big,
      tensors: [{ ...big.tensors[0]!, dtype: 'float16' as const }],
    });
    const i8 = await encodeArtifact({ ...big, tensors: [{ ...big.tensors[0]!, dtype: 'int8' as const }] });
    expect(f32.weights.byteLength).toBe(256000);
    expect(f16.weights.byteLength).toBe(128000);
    expect(i8.weights.byteLength).toBe(64000 + 4000);
  });

  it('serializes the manifest readably: one line per field and per tensor, and parses back equal', async () => {
    const { manifest } = await encoded();
    const text = serializeManifest(manifest);
    expect(parseManifest(JSON.parse(text))).toEqual(manifest);
    expect(text.split('\n').length).toBe(1 + 7 + 2 + input.tensors.length + 1 + 1);
    expect(text).toContain('  "catalog": {"itemIds":["","a","b","c"],"categoryNames":["","shoes"]}');
  });

  it('rejects a flipped byte in the weights (SHA-256)', async () => {
    const { manifest, weights } = await encoded();
    weights[10]! ^= 0x01;
    await expect(decodeArtifact(manifest, weights)).rejects.toThrow(
      /weights SHA-256 is [0-9a-f]{64}, manifest says/,
    );
  });

  it('rejects truncated weights before hashing them', async () => {
    const { manifest, weights } = await encoded();
    await expect(decodeArtifact(manifest, weights.slice(0, -8))).rejects.toThrow(
      new RegExp(
        `weights file is ${weights.byteLength - 8} bytes, manifest says ${weights.byteLength}: truncated`,
      ),
    );
  });

  it('rejects a tensor the model expects with another shape, a missing one and an extra one', async () => {
    const { manifest, weights } = await encoded();
    await expect(
      decodeArtifact(manifest, weights, { shapes: { ...shapes, item_embedding: [4, 8] } }),
    ).rejects.toThrow("tensor 'item_embedding' has shape [4,4], the model expects [4,8]");
    await expect(decodeArtifact(manifest, weights, { shapes: { ...shapes, missing: [1] } })).rejects.toThrow(
      "tensor 'missing' is missing from the artifact",
    );
    const { item_category: _, ...fewer } = shapes;
    await expect(decodeArtifact(manifest, weights, { shapes: fewer })).rejects.toThrow(
      "tensor 'item_category' is not part of the model",
    );
  });

  it('rejects a manifest whose shape does not match its bytes, or whose range leaves the file', async () => {
    const { manifest, weights } = await encoded();
    const wrongShape = structuredClone(manifest);
    wrongShape.tensors[2]!.shape = [4, 5];
    await expect(decodeArtifact(wrongShape, weights)).rejects.toThrow(
      "tensor 'dense/kernel': byteLength 64 does not match shape [4,5] of float32 (80 bytes)",
    );
    const outside = structuredClone(manifest);
    outside.tensors[3]!.byteOffset = weights.byteLength - 8;
    await expect(decodeArtifact(outside, weights)).rejects.toThrow(
      /tensor 'item_category': bytes \d+\.\.\d+ lie outside/,
    );
    const badScales = structuredClone(manifest);
    badScales.tensors[0]!.quantization!.rows = 2;
    await expect(decodeArtifact(badScales, weights)).rejects.toThrow(
      /tensor 'item_embedding': quantization expects 4 row scales/,
    );
  });

  it('names the bad manifest field', async () => {
    const { manifest, weights } = await encoded();
    const cases: [(m: Record<string, unknown>) => void, RegExp][] = [
      [(m) => (m['formatVersion'] = 2), /manifest\.formatVersion: /],
      [(m) => (m['format'] = 'onnx'), /manifest\.format: /],
      [(m) => delete m['weightsSha256'], /manifest\.weightsSha256: /],
      [(m) => ((m['tensors'] as { dtype: string }[])[1]!.dtype = 'int4'), /manifest\.tensors\.1\.dtype: /],
      [
        (m) => ((m['tensors'] as { byteOffset: number }[])[0]!.byteOffset = -1),
        /manifest\.tensors\.0\.byteOffset: /,
      ],
      [(m) => ((m['catalog'] as { itemIds: unknown }).itemIds = 'a,b'), /manifest\.catalog\.itemIds: /],
      [(m) => (m['extra'] = true), /manifest: .*extra/],
    ];
    for (const [mutate, message] of cases) {
      const m = structuredClone(manifest) as unknown as Record<string, unknown>;
      mutate(m);
      await expect(decodeArtifact(m, weights)).rejects.toThrow(message);
    }
    await expect(decodeArtifact('not an object', weights)).rejects.toThrow(/invalid model manifest/);
  });

  it('refuses to encode what would not decode faithfully', async () => {
    const one = (t: ArtifactInput['tensors'][number]) => encodeArtifact({ ...input, tensors: [t] });
    await expect(one({ name: 'x', shape: [2], data: Float32Array.of(1, Number.NaN) })).rejects.toThrow(
      "tensor 'x': value NaN at index 1 cannot be stored as float32",
    );
    await expect(
      one({ name: 'x', shape: [1], data: Float32Array.of(1e6), dtype: 'float16' }),
    ).rejects.toThrow("tensor 'x': value 1000000 at index 0 cannot be stored as float16");
    await expect(one({ name: 'x', shape: [3], data: Float32Array.of(1, 2) })).rejects.toThrow(
      "tensor 'x': shape [3] holds 3 values, data has 2",
    );
    await expect(one({ name: 'x', shape: [1], data: Int32Array.of(1), dtype: 'int8' })).rejects.toThrow(
      "tensor 'x': dtype int8 does not fit Int32Array data",
    );
    const t = { name: 'x', shape: [1], data: Float32Array.of(1) };
    await expect(encodeArtifact({ ...input, tensors: [t, t] })).rejects.toThrow("tensor 'x' appears twice");
  });
});
