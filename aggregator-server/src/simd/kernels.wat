;; The WebAssembly SIMD kernels of the update path, as text. kernels-module.ts emits exactly these
;; instructions, in this order, as bytes (there is no .wat compiler in the build); keep the two in step.
;; Both kernels give bit for bit the results of their JavaScript twins (privacy/validate-update.ts
;; sumOfSquares, storage/running-sum.ts addScaled): the same float64 operations in the same order, and
;; WebAssembly has no fused multiply-add here, as JavaScript has none.

(module
  (memory (export "memory") 1)

  ;; Σ v² over n float32 values at byte offset $p. Four partial sums as in the JS loop: lanes 0 and 1
  ;; of $a01 are its s0 and s1 (values 4k and 4k+1), lanes 0 and 1 of $a23 its s2 and s3; the tail goes
  ;; into s0; the result is s0 + s1 + (s2 + s3).
  (func (export "sumsq") (param $p i32) (param $n i32) (result f64)
    (local $end4 i32) (local $end i32) (local $a01 v128) (local $a23 v128) (local $x v128)
    (local $s0 f64) (local $t f64)
    local.get $p  local.get $n  i32.const 2  i32.shl  i32.add  local.set $end
    local.get $p  local.get $n  i32.const -4  i32.and  i32.const 2  i32.shl  i32.add  local.set $end4
    block $quads
      local.get $p  local.get $end4  i32.ge_u  br_if $quads
      loop $quad
        local.get $a01
        local.get $p  v128.load64_zero offset=0  f64x2.promote_low_f32x4  local.tee $x
        local.get $x  f64x2.mul  f64x2.add  local.set $a01
        local.get $a23
        local.get $p  v128.load64_zero offset=8  f64x2.promote_low_f32x4  local.tee $x
        local.get $x  f64x2.mul  f64x2.add  local.set $a23
        local.get $p  i32.const 16  i32.add  local.tee $p
        local.get $end4  i32.lt_u  br_if $quad
      end
    end
    local.get $a01  f64x2.extract_lane 0  local.set $s0
    block $ones
      local.get $p  local.get $end  i32.ge_u  br_if $ones
      loop $one
        local.get $s0
        local.get $p  f32.load  f64.promote_f32  local.tee $t
        local.get $t  f64.mul  f64.add  local.set $s0
        local.get $p  i32.const 4  i32.add  local.tee $p
        local.get $end  i32.lt_u  br_if $one
      end
    end
    local.get $s0  local.get $a01  f64x2.extract_lane 1  f64.add
    local.get $a23  f64x2.extract_lane 0  local.get $a23  f64x2.extract_lane 1  f64.add
    f64.add)

  ;; sum[i] += scale · v[i] for n float32 values at byte offset $v into float64s at byte offset $s.
  (func (export "addScaled") (param $s i32) (param $v i32) (param $n i32) (param $scale f64)
    (local $end4 i32) (local $end i32) (local $k v128)
    local.get $v  local.get $n  i32.const 2  i32.shl  i32.add  local.set $end
    local.get $v  local.get $n  i32.const -4  i32.and  i32.const 2  i32.shl  i32.add  local.set $end4
    local.get $scale  f64x2.splat  local.set $k
    block $quads
      local.get $v  local.get $end4  i32.ge_u  br_if $quads
      loop $quad
        local.get $s
        local.get $s  v128.load offset=0
        local.get $k  local.get $v  v128.load64_zero offset=0  f64x2.promote_low_f32x4  f64x2.mul
        f64x2.add  v128.store offset=0
        local.get $s
        local.get $s  v128.load offset=16
        local.get $k  local.get $v  v128.load64_zero offset=8  f64x2.promote_low_f32x4  f64x2.mul
        f64x2.add  v128.store offset=16
        local.get $s  i32.const 32  i32.add  local.set $s
        local.get $v  i32.const 16  i32.add  local.tee $v
        local.get $end4  i32.lt_u  br_if $quad
      end
    end
    block $ones
      local.get $v  local.get $end  i32.ge_u  br_if $ones
      loop $one
        local.get $s
        local.get $s  f64.load
        local.get $scale  local.get $v  f32.load  f64.promote_f32  f64.mul
        f64.add  f64.store
        local.get $s  i32.const 8  i32.add  local.set $s
        local.get $v  i32.const 4  i32.add  local.tee $v
        local.get $end  i32.lt_u  br_if $one
      end
    end))
