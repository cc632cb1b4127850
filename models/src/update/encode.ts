// Encoding a model update into the binary format described in format.ts.

import {
  HEADER_BYTES,
  layoutSize,
  type ModelUpdate,
  type TensorLayout,
  UPDATE_FORMAT_VERSION,
  UPDATE_MAGIC,
  UpdateFormatError,
} from './format';
import { checkLayout } from './layout';

const U32_MAX = 0xffffffff;

function requireU32(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min || value > U32_MAX)
    throw new UpdateFormatError(field, `must be an integer ${min}..${U32_MAX}, got ${value}`);
}

/** Byte length of the header plus the tensor table, before padding. */
function tableBytes(layout: TensorLayout): number {
  let n = HEADER_BYTES;
  for (const t of layout) n += 1 + t.name.length + 1 + 4 * t.shape.length;
  return n;
}

/** The exact size in bytes of an encoded update with this layout (servers size their body limit by it). */
export function encodedUpdateBytes(layout: TensorLayout): number {
  return Math.ceil(tableBytes(layout) / 4) * 4 + 4 * layoutSize(layout);
}

/** Encodes an update; throws UpdateFormatError naming the bad field for anything the decoder would refuse. */
export function encodeUpdate(update: ModelUpdate): Uint8Array {
  requireU32('roundId', update.roundId, 1);
  requireU32('modelVersion', update.modelVersion, 1);
  requireU32('numExamples', update.numExamples, 0);
  const total = checkLayout(update.layout);
  if (update.values.length !== total)
    throw new UpdateFormatError('payload', `the layout holds ${total} values, got ${update.values.length}`);

  const table = tableBytes(update.layout);
  const payloadOffset = Math.ceil(table / 4) * 4;
  const bytes = new Uint8Array(payloadOffset + 4 * total);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = UPDATE_MAGIC.charCodeAt(i);
  view.setUint16(4, UPDATE_FORMAT_VERSION, true);
  view.setUint16(6, update.layout.length, true);
  view.setUint32(8, update.roundId, true);
  view.setUint32(12, update.modelVersion, true);
  view.setUint32(16, update.numExamples, true);
  let p = HEADER_BYTES;
  for (const t of update.layout) {
    bytes[p++] = t.name.length;
    for (let i = 0; i < t.name.length; i++) bytes[p++] = t.name.charCodeAt(i);
    bytes[p++] = t.shape.length;
    for (const d of t.shape) {
      view.setUint32(p, d, true);
      p += 4;
    }
  }
  for (let i = 0; i < total; i++) view.setFloat32(payloadOffset + 4 * i, update.values[i]!, true);
  return bytes;
}
