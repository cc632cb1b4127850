// A tiny WebAssembly binary emitter: just the encodings kernels-module.ts needs, so its instructions can
// be written one per call, in the order of kernels.wat, and checked against the text by eye.
// Encodings: https://webassembly.github.io/spec/core/binary/ (SIMD opcodes: prefix 0xfd, LEB128 u32).

export type Bytes = number[];

export function uleb(n: number): Bytes {
  const out: Bytes = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): Bytes {
  const out: Bytes = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export function vec(items: Bytes[]): Bytes {
  return [...uleb(items.length), ...items.flat()];
}

export function utf8(s: string): Bytes {
  return vec([...new TextEncoder().encode(s)].map((b) => [b]));
}

export function section(id: number, body: Bytes): Bytes {
  return [id, ...uleb(body.length), ...body];
}

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
const EMPTY_BLOCK = 0x40;

/** A function body: its locals as (count, type) runs, then its instructions, then `end`. */
export function body(locals: [number, number][], code: Bytes[]): Bytes {
  const b = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code.flat(), 0x0b];
  return [...uleb(b.length), ...b];
}

const simd = (op: number, ...imm: Bytes): Bytes => [0xfd, ...uleb(op), ...imm];
const memarg = (alignLog2: number, offset: number): Bytes => [...uleb(alignLog2), ...uleb(offset)];

export const op = {
  block: (): Bytes => [0x02, EMPTY_BLOCK],
  loop: (): Bytes => [0x03, EMPTY_BLOCK],
  end: (): Bytes => [0x0b],
  brIf: (depth: number): Bytes => [0x0d, ...uleb(depth)],
  localGet: (i: number): Bytes => [0x20, ...uleb(i)],
  localSet: (i: number): Bytes => [0x21, ...uleb(i)],
  localTee: (i: number): Bytes => [0x22, ...uleb(i)],
  f32Load: (offset = 0): Bytes => [0x2a, ...memarg(2, offset)],
  f64Load: (offset = 0): Bytes => [0x2b, ...memarg(3, offset)],
  f64Store: (offset = 0): Bytes => [0x39, ...memarg(3, offset)],
  i32Const: (n: number): Bytes => [0x41, ...sleb(n)],
  i32LtU: (): Bytes => [0x49],
  i32GeU: (): Bytes => [0x4f],
  i32Add: (): Bytes => [0x6a],
  i32And: (): Bytes => [0x71],
  i32Shl: (): Bytes => [0x74],
  f64Add: (): Bytes => [0xa0],
  f64Mul: (): Bytes => [0xa2],
  f64PromoteF32: (): Bytes => [0xbb],
  v128Load: (offset = 0): Bytes => simd(0x00, ...memarg(4, offset)),
  v128Store: (offset = 0): Bytes => simd(0x0b, ...memarg(4, offset)),
  f64x2Splat: (): Bytes => simd(0x14),
  f64x2ExtractLane: (lane: number): Bytes => simd(0x21, lane),
  v128Load64Zero: (offset = 0): Bytes => simd(0x5d, ...memarg(3, offset)),
  f64x2PromoteLowF32x4: (): Bytes => simd(0x5f),
  f64x2Add: (): Bytes => simd(0xf0),
  f64x2Mul: (): Bytes => simd(0xf2),
};
