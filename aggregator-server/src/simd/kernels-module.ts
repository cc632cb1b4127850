// The bytes of kernels.wat's module, emitted instruction by instruction in the text's order (see the
// .wat for what each kernel computes and why its results equal the JavaScript loops' bit for bit).

import { body, F64, I32, op, section, utf8, V128, vec } from './wasm-emit';

const {
  block,
  loop,
  end,
  brIf,
  localGet: get,
  localSet: set,
  localTee: tee,
  i32Const,
  i32Add,
  i32And,
  i32Shl,
  i32LtU,
  i32GeU,
  f32Load,
  f64Load,
  f64Store,
  f64Add,
  f64Mul,
  f64PromoteF32,
  v128Load,
  v128Store,
  v128Load64Zero,
  f64x2PromoteLowF32x4: promoteLow,
  f64x2Add,
  f64x2Mul,
  f64x2Splat,
  f64x2ExtractLane: lane,
} = op;

// sumsq: params $p=0 $n=1; locals $end4=2 $end=3 $a01=4 $a23=5 $x=6 $s0=7 $t=8
const sumsq = body(
  [
    [2, I32],
    [3, V128],
    [2, F64],
  ],
  [
    ...[get(0), get(1), i32Const(2), i32Shl(), i32Add(), set(3)],
    ...[get(0), get(1), i32Const(-4), i32And(), i32Const(2), i32Shl(), i32Add(), set(2)],
    block(),
    ...[get(0), get(2), i32GeU(), brIf(0)],
    loop(),
    get(4),
    ...[get(0), v128Load64Zero(0), promoteLow(), tee(6)],
    ...[get(6), f64x2Mul(), f64x2Add(), set(4)],
    get(5),
    ...[get(0), v128Load64Zero(8), promoteLow(), tee(6)],
    ...[get(6), f64x2Mul(), f64x2Add(), set(5)],
    ...[get(0), i32Const(16), i32Add(), tee(0)],
    ...[get(2), i32LtU(), brIf(0)],
    end(),
    end(),
    ...[get(4), lane(0), set(7)],
    block(),
    ...[get(0), get(3), i32GeU(), brIf(0)],
    loop(),
    get(7),
    ...[get(0), f32Load(), f64PromoteF32(), tee(8)],
    ...[get(8), f64Mul(), f64Add(), set(7)],
    ...[get(0), i32Const(4), i32Add(), tee(0)],
    ...[get(3), i32LtU(), brIf(0)],
    end(),
    end(),
    ...[get(7), get(4), lane(1), f64Add()],
    ...[get(5), lane(0), get(5), lane(1), f64Add()],
    f64Add(),
  ],
);

// addScaled: params $s=0 $v=1 $n=2 $scale=3; locals $end4=4 $end=5 $k=6
const addScaled = body(
  [
    [2, I32],
    [1, V128],
  ],
  [
    ...[get(1), get(2), i32Const(2), i32Shl(), i32Add(), set(5)],
    ...[get(1), get(2), i32Const(-4), i32And(), i32Const(2), i32Shl(), i32Add(), set(4)],
    ...[get(3), f64x2Splat(), set(6)],
    block(),
    ...[get(1), get(4), i32GeU(), brIf(0)],
    loop(),
    get(0),
    ...[get(0), v128Load(0)],
    ...[get(6), get(1), v128Load64Zero(0), promoteLow(), f64x2Mul()],
    ...[f64x2Add(), v128Store(0)],
    get(0),
    ...[get(0), v128Load(16)],
    ...[get(6), get(1), v128Load64Zero(8), promoteLow(), f64x2Mul()],
    ...[f64x2Add(), v128Store(16)],
    ...[get(0), i32Const(32), i32Add(), set(0)],
    ...[get(1), i32Const(16), i32Add(), tee(1)],
    ...[get(4), i32LtU(), brIf(0)],
    end(),
    end(),
    block(),
    ...[get(1), get(5), i32GeU(), brIf(0)],
    loop(),
    get(0),
    ...[get(0), f64Load()],
    ...[get(3), get(1), f32Load(), f64PromoteF32(), f64Mul()],
    ...[f64Add(), f64Store()],
    ...[get(0), i32Const(8), i32Add(), set(0)],
    ...[get(1), i32Const(4), i32Add(), tee(1)],
    ...[get(5), i32LtU(), brIf(0)],
    end(),
    end(),
  ],
);

const FUNC = 0x60;
const EXPORT_FUNC = 0x00;
const EXPORT_MEMORY = 0x02;

export const KERNELS_WASM = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  // types: 0 = (i32, i32) -> f64, 1 = (i32, i32, i32, f64) -> ()
  ...section(
    1,
    vec([
      [FUNC, ...vec([[I32], [I32]]), ...vec([[F64]])],
      [FUNC, ...vec([[I32], [I32], [I32], [F64]]), 0],
    ]),
  ),
  ...section(3, vec([[0], [1]])),
  // one memory of at least 1 page, no maximum
  ...section(5, vec([[0x00, 1]])),
  ...section(
    7,
    vec([
      [...utf8('memory'), EXPORT_MEMORY, 0],
      [...utf8('sumsq'), EXPORT_FUNC, 0],
      [...utf8('addScaled'), EXPORT_FUNC, 1],
    ]),
  ),
  ...section(10, vec([sumsq, addScaled])),
]);
