import { encodeFloat16, FLOAT16_MAX } from './float16';
import { quantizationRows, quantizeInt8PerRow } from './int8';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  ArtifactError,
  type Catalog,
  DTYPE_BYTES,
  type Manifest,
  parseManifest,
  type TensorDtype,
  type TensorEntry,
} from './manifest';
import { sha256Hex } from './sha256';

export interface TensorInput {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
  /** Stored dtype: float32 (default for Float32Array), float16 or int8; int32 for Int32Array. */
  dtype?: TensorDtype;
}

export interface ArtifactInput {
  architecture: Record<string, unknown>;
  catalog: Catalog;
  tensors: TensorInput[];
  metadata?: Record<string, unknown>;
}

export interface EncodedArtifact {
  manifest: Manifest;
  weights: Uint8Array<ArrayBuffer>;
}

const ALIGN = 8; // any typed array can view an 8-aligned region without a copy

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

function checkInput(t: TensorInput): TensorDtype {
  const dtype = t.dtype ?? (t.data instanceof Int32Array ? 'int32' : 'float32');
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ArtifactError(`tensor '${t.name}': shape [${t.shape}] must be non-negative integers`);
  if (size !== t.data.length)
    throw new ArtifactError(
      `tensor '${t.name}': shape [${t.shape}] holds ${size} values, data has ${t.data.length}`,
    );
  if (t.data instanceof Int32Array !== (dtype === 'int32'))
    throw new ArtifactError(
      `tensor '${t.name}': dtype ${dtype} does not fit ${t.data.constructor.name} data`,
    );
  if (t.data instanceof Float32Array) {
    // Weights are finite; a NaN here is a training bug that must not be shipped to browsers.
    const limit = dtype === 'float16' ? FLOAT16_MAX : Number.POSITIVE_INFINITY;
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i]!;
      if (!Number.isFinite(v) || Math.abs(v) > limit)
        throw new ArtifactError(`tensor '${t.name}': value ${v} at index ${i} cannot be stored as ${dtype}`);
    }
  }
  return dtype;
}

/** Packs named tensors into one weights buffer and describes them in a manifest with its SHA-256. */
export async function encodeArtifact(input: ArtifactInput): Promise<EncodedArtifact> {
  const names = new Set<string>();
  const regions: { entry: TensorEntry; parts: { offset: number; bytes: Uint8Array }[] }[] = [];
  let offset = 0;
  const place = (bytes: Uint8Array) => {
    const at = offset;
    offset = align(offset + bytes.byteLength);
    return { offset: at, bytes };
  };
  for (const t of input.tensors) {
    if (names.has(t.name)) throw new ArtifactError(`tensor '${t.name}' appears twice`);
    names.add(t.name);
    const dtype = checkInput(t);
    const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    if (dtype === 'int8') {
      const rows = quantizationRows(t.shape);
      const { q, scales } = quantizeInt8PerRow(t.data as Float32Array, rows);
      const s = place(asBytes(scales));
      const d = place(asBytes(q));
      const quantization = {
        scheme: 'int8-symmetric-per-row' as const,
        rows,
        scalesByteOffset: s.offset,
        scalesByteLength: scales.byteLength,
      };
      const entry = {
        name: t.name,
        shape: t.shape,
        dtype,
        byteOffset: d.offset,
        byteLength: q.byteLength,
        quantization,
      };
      regions.push({ entry, parts: [s, d] });
    } else {
      const stored = dtype === 'float16' ? encodeFloat16(t.data as Float32Array) : t.data;
      const d = place(asBytes(stored));
      regions.push({
        entry: { name: t.name, shape: t.shape, dtype, byteOffset: d.offset, byteLength: stored.byteLength },
        parts: [d],
      });
    }
    if (regions.at(-1)!.entry.byteLength !== t.data.length * DTYPE_BYTES[dtype])
      throw new ArtifactError(`tensor '${t.name}': internal size mismatch`);
  }
  // Typed arrays are little-endian on every platform we run on (x86, ARM); the format says so.
  const weights = new Uint8Array(offset);
  for (const r of regions) for (const p of r.parts) weights.set(p.bytes, p.offset);
  const manifest = parseManifest({
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    architecture: input.architecture,
    catalog: input.catalog,
    tensors: regions.map((r) => r.entry),
    weightsBytes: weights.byteLength,
    weightsSha256: await sha256Hex(weights),
    ...(input.metadata ? { metadata: input.metadata } : {}),
  });
  return { manifest, weights };
}
