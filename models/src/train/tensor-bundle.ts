import * as tf from '@tensorflow/tfjs';
import type { NamedTensors } from '../model/weights';

/** Where one tensor lies in a bundle's bytes. */
export interface BundleEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
}

/**
 * Named tensors as one byte buffer plus an index, lossless float32/int32: the training checkpoint
 * format. (Shipped models use the quantized, checksummed artifact format instead.)
 */
export async function packTensors(
  tensors: NamedTensors,
): Promise<{ entries: BundleEntry[]; bytes: Uint8Array }> {
  const entries: BundleEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32')
      throw new Error(`tensor "${name}" has unsupported dtype ${t.dtype}`);
    const data = await t.data();
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    entries.push({ name, shape: t.shape, dtype: t.dtype, offset });
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return { entries, bytes };
}

/** Inverse of packTensors; checks that every entry lies inside the bytes. */
export function unpackTensors(entries: readonly BundleEntry[], bytes: Uint8Array): NamedTensors {
  const out: NamedTensors = {};
  for (const e of entries) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    const end = e.offset + size * 4;
    if (!Number.isInteger(e.offset) || e.offset < 0 || end > bytes.byteLength) {
      throw new Error(
        `bundle entry "${e.name}" [${e.offset}, ${end}) lies outside ${bytes.byteLength} bytes`,
      );
    }
    const copy = bytes.slice(e.offset, end).buffer;
    out[e.name] =
      e.dtype === 'int32'
        ? tf.tensor(new Int32Array(copy), e.shape, 'int32')
        : tf.tensor(new Float32Array(copy), e.shape);
  }
  return out;
}
