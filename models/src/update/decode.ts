// Decoding the binary update format (format.ts) with strict validation: any malformed, truncated or
// oversized input gives an UpdateFormatError naming the field, never another exception.
// Finiteness of the values is NOT checked here: that is the privacy core's job (validate-update.ts),
// which must run before clipping and reports the reason `non_finite`.

import {
  HEADER_BYTES,
  MAX_RANK,
  MAX_TENSORS,
  MAX_VALUES,
  type ModelUpdate,
  NAME_PATTERN,
  type TensorSpec,
  UPDATE_FORMAT_VERSION,
  UPDATE_MAGIC,
  UpdateFormatError,
} from './format';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(field: string, n: number): void {
    if (this.pos + n > this.bytes.length)
      throw new UpdateFormatError(
        field,
        `truncated: needs ${n} bytes at offset ${this.pos}, ${this.bytes.length} in all`,
      );
  }
  u8(field: string): number {
    this.need(field, 1);
    return this.bytes[this.pos++]!;
  }
  u16(field: string): number {
    this.need(field, 2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(field: string): number {
    this.need(field, 4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  ascii(field: string, n: number): string {
    this.need(field, n);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.bytes[this.pos + i]!);
    this.pos += n;
    return s;
  }
}

export interface DecodeOptions {
  /**
   * false: the values may be a view on `input` instead of a copy (when the payload is 4-byte aligned
   * in memory and the host is little-endian), so the caller must not reuse `input` while it holds
   * them. The aggregator uses this to check and sum a 400 KB update without copying it.
   */
  readonly copy?: boolean;
}

/** Decodes and validates a whole update; throws UpdateFormatError naming the first bad field. */
export function decodeUpdate(input: Uint8Array, options: DecodeOptions = {}): ModelUpdate {
  if (!(input instanceof Uint8Array)) throw new UpdateFormatError('body', 'expected bytes');
  const r = new Reader(input);
  if (input.length < HEADER_BYTES)
    throw new UpdateFormatError(
      'header',
      `truncated: ${input.length} bytes, the header alone is ${HEADER_BYTES}`,
    );
  const magic = r.ascii('magic', 4);
  if (magic !== UPDATE_MAGIC) throw new UpdateFormatError('magic', `expected "${UPDATE_MAGIC}"`);
  const version = r.u16('formatVersion');
  if (version !== UPDATE_FORMAT_VERSION)
    throw new UpdateFormatError(
      'formatVersion',
      `unsupported ${version}, this build reads ${UPDATE_FORMAT_VERSION}`,
    );
  const tensorCount = r.u16('tensorCount');
  if (tensorCount < 1 || tensorCount > MAX_TENSORS)
    throw new UpdateFormatError('tensorCount', `must be 1..${MAX_TENSORS}, got ${tensorCount}`);
  const roundId = r.u32('roundId');
  if (roundId < 1) throw new UpdateFormatError('roundId', 'must be >= 1');
  const modelVersion = r.u32('modelVersion');
  if (modelVersion < 1) throw new UpdateFormatError('modelVersion', 'must be >= 1');
  const numExamples = r.u32('numExamples');

  const layout: TensorSpec[] = [];
  const names = new Set<string>();
  let total = 0;
  for (let i = 0; i < tensorCount; i++) {
    const field = `tensors[${i}]`;
    const nameLength = r.u8(`${field}.nameLength`);
    if (nameLength < 1) throw new UpdateFormatError(`${field}.nameLength`, 'must be >= 1');
    const name = r.ascii(`${field}.name`, nameLength);
    if (!NAME_PATTERN.test(name))
      throw new UpdateFormatError(`${field}.name`, `must match ${NAME_PATTERN}, got ${JSON.stringify(name)}`);
    if (names.has(name)) throw new UpdateFormatError(`${field}.name`, `duplicate tensor name "${name}"`);
    names.add(name);
    const rank = r.u8(`${field}.rank`);
    if (rank > MAX_RANK) throw new UpdateFormatError(`${field}.rank`, `must be <= ${MAX_RANK}, got ${rank}`);
    const shape: number[] = [];
    let size = 1;
    for (let k = 0; k < rank; k++) {
      const d = r.u32(`${field}.shape[${k}]`);
      if (d < 1 || d > MAX_VALUES)
        throw new UpdateFormatError(`${field}.shape[${k}]`, `must be 1..${MAX_VALUES}, got ${d}`);
      size *= d;
      if (size > MAX_VALUES) throw new UpdateFormatError(`${field}.shape`, `more than ${MAX_VALUES} values`);
      shape.push(d);
    }
    total += size;
    if (total > MAX_VALUES)
      throw new UpdateFormatError(`${field}.shape`, `the update holds more than ${MAX_VALUES} values`);
    layout.push({ name, shape });
  }

  const tableEnd = r.pos;
  const payloadOffset = Math.ceil(tableEnd / 4) * 4;
  r.need('padding', payloadOffset - tableEnd);
  for (let p = tableEnd; p < payloadOffset; p++)
    if (input[p] !== 0) throw new UpdateFormatError('padding', 'must be zero bytes');
  const expectedLength = payloadOffset + 4 * total;
  if (input.length < expectedLength)
    throw new UpdateFormatError(
      'payload',
      `truncated: the layout holds ${total} float32 values (${4 * total} bytes), got ${input.length - payloadOffset}`,
    );
  if (input.length > expectedLength)
    throw new UpdateFormatError(
      'payload',
      `${input.length - expectedLength} unexpected bytes after the payload`,
    );

  const values =
    options.copy === false && littleEndianHost && (input.byteOffset + payloadOffset) % 4 === 0
      ? new Float32Array(input.buffer, input.byteOffset + payloadOffset, total)
      : readFloats(input, payloadOffset, total);
  return { roundId, modelVersion, numExamples, layout, values };
}

/** A copy of the payload as float32 (a copy, so the caller may keep it after the body buffer is reused). */
function readFloats(input: Uint8Array, offset: number, count: number): Float32Array {
  if (littleEndianHost) {
    const copy = new Uint8Array(4 * count);
    copy.set(input.subarray(offset, offset + 4 * count));
    return new Float32Array(copy.buffer);
  }
  const view = new DataView(input.buffer, input.byteOffset + offset, 4 * count);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}
