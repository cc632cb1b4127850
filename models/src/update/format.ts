// The binary format of one client's model update, shared by the browser SDK (which encodes it) and the
// aggregator (which decodes it). Browser-safe: no node: imports, only DataView and TextEncoder.
//
// Layout, all integers little-endian:
//
//   offset  size  field
//   0       4     magic          the ASCII bytes "HUPD"
//   4       2     formatVersion  u16, currently 1
//   6       2     tensorCount    u16, 1..MAX_TENSORS
//   8       4     roundId        u32, the round the update answers (>= 1)
//   12      4     modelVersion   u32, the model version the client trained from (>= 1)
//   16      4     numExamples    u32, how many local examples the client trained on (informational:
//                                under DP every client weighs the same, so the server ignores it)
//   20      ...   tensor table   tensorCount entries of
//                                  u8 nameLength (1..255), nameLength bytes of ASCII name,
//                                  u8 rank (0..MAX_RANK), rank × u32 dims (each >= 1)
//   ...     0-3   padding        zero bytes up to the next multiple of 4, so the payload is aligned
//   ...     4·n   payload        float32 little-endian, the tensors in table order, each row-major,
//                                n = sum over tensors of the product of its dims
//
// Nothing may follow the payload. A round announces its layout (names + shapes, and `layoutHash` of it)
// and the server rejects an update whose table differs, naming the tensor.

export const UPDATE_MAGIC = 'HUPD';
export const UPDATE_FORMAT_VERSION = 1;
export const HEADER_BYTES = 20;
export const MAX_TENSORS = 1024;
export const MAX_RANK = 8;
/** 2^26 float32 values (256 MiB): far above any on-device model, low enough to refuse absurd headers. */
export const MAX_VALUES = 1 << 26;
/** Tensor names: what TensorFlow.js variable names use. */
export const NAME_PATTERN = /^[A-Za-z0-9_./:-]{1,255}$/;

/** One tensor's place in the flat payload. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export type TensorLayout = readonly TensorSpec[];

export interface UpdateHeader {
  readonly roundId: number;
  readonly modelVersion: number;
  readonly numExamples: number;
  readonly layout: TensorLayout;
}

export interface ModelUpdate extends UpdateHeader {
  /** Every tensor concatenated in layout order. */
  readonly values: Float32Array;
}

/** A malformed update; `field` names the part of the format that is wrong. */
export class UpdateFormatError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'UpdateFormatError';
  }
}

/** Number of values a tensor holds (1 for a scalar). */
export function tensorSize(spec: TensorSpec): number {
  let n = 1;
  for (const d of spec.shape) n *= d;
  return n;
}

/** Total number of values in a layout. */
export function layoutSize(layout: TensorLayout): number {
  let n = 0;
  for (const t of layout) n += tensorSize(t);
  return n;
}
