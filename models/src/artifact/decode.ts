import { decodeFloat16 } from './float16';
import { dequantizeInt8PerRow, quantizationRows } from './int8';
import { ArtifactError, DTYPE_BYTES, type Manifest, parseManifest, type TensorEntry } from './manifest';
import { sha256Hex } from './sha256';

/** A decoded tensor: float dtypes come back as float32 (dequantized), int32 as Int32Array. */
export interface DecodedTensor {
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface DecodedArtifact {
  manifest: Manifest;
  tensors: Record<string, DecodedTensor>;
}

type Shapes = Record<string, readonly number[]>;

export interface DecodeExpectations {
  /**
   * The exact set of tensors the model needs, with their shapes; or a function that derives them from
   * the (validated) manifest, typically from its architecture config.
   */
  shapes?: Shapes | ((manifest: Manifest) => Shapes);
}

function checkRange(what: string, offset: number, length: number, total: number): void {
  if (offset + length > total)
    throw new ArtifactError(
      `${what}: bytes ${offset}..${offset + length} lie outside the ${total}-byte weights file`,
    );
}

/**
 * Copies a region out of the weights into its own ArrayBuffer, so typed-array views of it are aligned
 * whatever the source's alignment. Not `weights.slice()`: on a Node Buffer that is a view, not a copy.
 */
function slice(weights: Uint8Array, offset: number, length: number): ArrayBuffer {
  return new Uint8Array(weights.subarray(offset, offset + length)).buffer;
}

function decodeTensor(t: TensorEntry, weights: Uint8Array): DecodedTensor {
  const what = `tensor '${t.name}'`;
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.byteLength !== size * DTYPE_BYTES[t.dtype])
    throw new ArtifactError(
      `${what}: byteLength ${t.byteLength} does not match shape [${t.shape}] of ${t.dtype} (${size * DTYPE_BYTES[t.dtype]} bytes)`,
    );
  checkRange(what, t.byteOffset, t.byteLength, weights.byteLength);
  const bytes = slice(weights, t.byteOffset, t.byteLength);
  switch (t.dtype) {
    case 'float32':
      return { shape: t.shape, data: new Float32Array(bytes) };
    case 'int32':
      return { shape: t.shape, data: new Int32Array(bytes) };
    case 'float16':
      return { shape: t.shape, data: decodeFloat16(new Uint16Array(bytes)) };
    case 'int8': {
      const q = t.quantization;
      if (!q) throw new ArtifactError(`${what}: int8 without quantization parameters`);
      if (q.rows !== quantizationRows(t.shape) || q.scalesByteLength !== q.rows * 4)
        throw new ArtifactError(
          `${what}: quantization expects ${quantizationRows(t.shape)} row scales (${quantizationRows(t.shape) * 4} bytes), manifest says ${q.rows} (${q.scalesByteLength} bytes)`,
        );
      checkRange(`${what} scales`, q.scalesByteOffset, q.scalesByteLength, weights.byteLength);
      const scales = new Float32Array(slice(weights, q.scalesByteOffset, q.scalesByteLength));
      return { shape: t.shape, data: dequantizeInt8PerRow(new Int8Array(bytes), scales) };
    }
  }
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Checks a manifest and its weights file and returns the tensors. Every failure is an ArtifactError
 * naming the field or tensor: a bad manifest, a truncated or corrupted file (size, SHA-256), a tensor
 * whose bytes do not match its shape or lie outside the file, and, when `expected` is given, a missing,
 * unexpected or differently shaped tensor.
 */
export async function decodeArtifact(
  manifestJson: unknown,
  weights: Uint8Array,
  expected: DecodeExpectations = {},
): Promise<DecodedArtifact> {
  const manifest = parseManifest(manifestJson);
  if (weights.byteLength !== manifest.weightsBytes)
    throw new ArtifactError(
      `weights file is ${weights.byteLength} bytes, manifest says ${manifest.weightsBytes}: truncated or not this model's weights`,
    );
  const digest = await sha256Hex(weights);
  if (digest !== manifest.weightsSha256)
    throw new ArtifactError(
      `weights SHA-256 is ${digest}, manifest says ${manifest.weightsSha256}: the weights file is corrupted or belongs to another model`,
    );
  const tensors: Record<string, DecodedTensor> = {};
  for (const t of manifest.tensors) {
    if (Object.hasOwn(tensors, t.name))
      throw new ArtifactError(`tensor '${t.name}' appears twice in the manifest`);
    tensors[t.name] = decodeTensor(t, weights);
  }
  const shapes = typeof expected.shapes === 'function' ? expected.shapes(manifest) : expected.shapes;
  if (shapes) {
    for (const [name, shape] of Object.entries(shapes)) {
      const got = tensors[name];
      if (!got) throw new ArtifactError(`tensor '${name}' is missing from the artifact`);
      if (!sameShape(got.shape, shape))
        throw new ArtifactError(`tensor '${name}' has shape [${got.shape}], the model expects [${shape}]`);
    }
    for (const name of Object.keys(tensors))
      if (!Object.hasOwn(shapes, name)) throw new ArtifactError(`tensor '${name}' is not part of the model`);
  }
  return { manifest, tensors };
}
