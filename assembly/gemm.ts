// GEMM: C = act(alpha * op(A) * op(B) + beta * C + bias), row-major, op = identity
// or transpose. The loop nest follows BLIS / GotoBLAS: B is packed per
// (NC x KC) block into NR-wide panels and a register-blocked MR x NR
// micro-kernel runs over them, M blocked by MC so a block of A stays in L2.
//
// The micro-kernel reads element (r, p) of op(A) at a + r * rsA + p * ksA, so
// it runs on A in place (rows of A, or columns of a transposed A) as XNNPACK
// does, or on a packed copy. A is packed per (MC x KC) block only when that
// block is reused across several B panels (n > PACK_A_MIN_N): then the copy
// pays for itself and avoids cache-set conflicts between rows of a large A.
// The tall, thin A of a convolution's im2col matrix (n = filters) is read in
// place and never copied. Rows past m in the last tile repeat the last valid
// row, so every read stays inside A.
//
// Packed B panel layout (zero-padded to a full NR, so the k loop has no tail):
//   for p in [0, kc): NR consecutive values B(p0 + p, j0 + c), c < NR
//
// The epilogue is fused into the micro-kernel: alpha, beta (applied on the
// first K block only, and never reading C when beta == 0), bias on the last K
// block, and ReLU. Other activations run over each finished MC x NC block of C
// while it is still in cache.
import { ACT_IDENTITY, ACT_RELU, f32_act_forward_2d } from "./activation";

// Register budget on x64: V8 keeps one of the 16 xmm registers as scratch.
// A 6x8 tile needs 12 accumulators + 2 B vectors + 1 A broadcast (+ 1 product
// temporary without FMA); V8 spilled its accumulators to the stack on every
// k step, with and without FMA (checked with --print-wasm-code). The 5x8 tile
// (10 + 2 + 1 + 1 = 14 registers) stays in registers and runs at about the
// core's FMA peak in both the SIMD128 and the relaxed build.
// @ts-ignore: decorator
@inline const MR: i32 = ASC_FEATURE_SIMD ? 5 : 4;
// @ts-ignore: decorator
@inline const NR: i32 = ASC_FEATURE_SIMD ? 8 : 4;
// @ts-ignore: decorator
@inline const KC: i32 = 256;
// @ts-ignore: decorator
@inline const MC: i32 = 120;
// @ts-ignore: decorator
@inline const NC: i32 = 1024;
// @ts-ignore: decorator
@inline const PACK_A_MIN_N: i32 = 2 * NR;

// Spill area for one micro-tile: tails are handled from here with scalar code.
const TILE: usize = memory.data(5 * 8 * 4, 16);

// @ts-ignore: decorator
@inline function round_up(x: i32, m: i32): i32 {
  return (x + m - 1) / m * m;
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** Bytes of scratch f32_gemm needs for these sizes (a packed block of B, and of A when it is packed). */
export function f32_gemm_workspace(m: i32, n: i32, k: i32): i32 {
  const kc = max(min(k, KC), 1);
  const nc = round_up(min(max(n, 1), NC), NR);
  const mc = n > PACK_A_MIN_N ? round_up(min(max(m, 1), MC), MR) : 0;
  return (round_up(mc * kc, 4) + nc * kc) << 2;
}

/** Packs an mc x kc block of op(A) (strides rsA, ksA in bytes) into MR-tall panels: for each p, MR consecutive values. */
function f32_pack_a(mc: i32, kc: i32, a: usize, rsA: usize, ksA: usize, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const panel = dst + ((<usize>ir * <usize>kc) << 2);
    const mr = min(MR, mc - ir);
    for (let r = 0; r < MR; r++) {
      const d = panel + (<usize>r << 2);
      if (r < mr) {
        let src = a + <usize>(ir + r) * rsA;
        for (let p = 0; p < kc; p++) {
          store<f32>(d + ((<usize>p * <usize>MR) << 2), load<f32>(src));
          src += ksA;
        }
      } else {
        for (let p = 0; p < kc; p++) store<f32>(d + ((<usize>p * <usize>MR) << 2), 0);
      }
    }
  }
}

/** Packs a kc x nc block of op(B), starting at (p0, j0), into NR-wide panels. */
function f32_pack_b(trans: i32, kc: i32, nc: i32, b: usize, ldb: i32, p0: i32, j0: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const panel = dst + ((<usize>jr * <usize>kc) << 2);
    const nr = min(NR, nc - jr);
    if (trans) {
      // B is stored N x K: each output column is a contiguous run of B's row.
      for (let c = 0; c < NR; c++) {
        const d = panel + (<usize>c << 2);
        if (c < nr) {
          const src = b + ((<usize>(j0 + jr + c) * <usize>ldb + <usize>p0) << 2);
          for (let p = 0; p < kc; p++) {
            store<f32>(d + ((<usize>p * <usize>NR) << 2), load<f32>(src + (<usize>p << 2)));
          }
        } else {
          for (let p = 0; p < kc; p++) store<f32>(d + ((<usize>p * <usize>NR) << 2), 0);
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = b + ((<usize>(p0 + p) * <usize>ldb + <usize>(j0 + jr)) << 2);
        const d = panel + ((<usize>p * <usize>NR) << 2);
        if (ASC_FEATURE_SIMD) {
          if (nr == NR) {
            v128.store(d, v128.load(src));
            v128.store(d, v128.load(src, 16), 16);
            continue;
          }
        }
        let c = 0;
        for (; c < nr; c++) store<f32>(d + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
        for (; c < NR; c++) store<f32>(d + (<usize>c << 2), 0);
      }
    }
  }
}

/**
 * Scalar epilogue for a micro-tile spilled to TILE (row stride NR): used by the
 * scalar build for every tile and by the SIMD build for column tails.
 */
function epilogue_scalar(
  c: usize, ldc: i32, mr: i32, nr: i32, alpha: f32, beta: f32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  for (let r = 0; r < mr; r++) {
    const crow = c + ((<usize>r * <usize>ldc) << 2);
    for (let j = 0; j < nr; j++) {
      const cp = crow + (<usize>j << 2);
      let v = load<f32>(TILE + ((<usize>(r * NR + j)) << 2)) * alpha;
      if (first) {
        if (beta != 0) v += beta * load<f32>(cp);
      } else {
        v += load<f32>(cp);
      }
      if (last) {
        if (bias) v += load<f32>(bias + (<usize>j << 2));
        if (relu) v = max<f32>(v, 0);
      }
      store<f32>(cp, v);
    }
  }
}

// @ts-ignore: decorator
@inline function epilogue_row_v128(
  cp: usize, acc0: v128, acc1: v128, alpha: f32, beta: f32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  const valpha = f32x4.splat(alpha);
  let v0 = f32x4.mul(acc0, valpha);
  let v1 = f32x4.mul(acc1, valpha);
  if (first) {
    if (beta != 0) {
      const vbeta = f32x4.splat(beta);
      v0 = f32x4.add(v0, f32x4.mul(vbeta, v128.load(cp)));
      v1 = f32x4.add(v1, f32x4.mul(vbeta, v128.load(cp, 16)));
    }
  } else {
    v0 = f32x4.add(v0, v128.load(cp));
    v1 = f32x4.add(v1, v128.load(cp, 16));
  }
  if (last) {
    if (bias) {
      v0 = f32x4.add(v0, v128.load(bias));
      v1 = f32x4.add(v1, v128.load(bias, 16));
    }
    if (relu) {
      v0 = f32x4.max(v0, f32x4.splat(0));
      v1 = f32x4.max(v1, f32x4.splat(0));
    }
  }
  v128.store(cp, v0);
  v128.store(cp, v1, 16);
}

/**
 * 5x8 micro-kernel on v128: 10 accumulators, A broadcast with load32_splat,
 * FMA in the relaxed build. With `unit` (a compile-time constant after
 * inlining) the rows of the A tile are adjacent floats (packed panels or a
 * transposed A): one pointer with immediate offsets serves all five rows,
 * keeping the loop within the front end's budget; otherwise five row pointers.
 */
// @ts-ignore: decorator
@inline function kernel_5x8(
  kc: i32, a: usize, rsA: usize, ksA: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32,
  alpha: f32, beta: f32, bias: usize, first: bool, last: bool, relu: bool, unit: bool, offs: usize, indexed: bool,
  gathered: bool, five: bool,
): void {
  // Gathered: `a` holds the MR row addresses (u32), one per output pixel.
  let a0 = gathered ? <usize>load<u32>(a) : a;
  let a1 = gathered ? <usize>load<u32>(a, 4) : mr > 1 ? a0 + rsA : a0;
  let a2 = gathered ? <usize>load<u32>(a, 8) : mr > 2 ? a1 + rsA : a1;
  let a3 = gathered ? <usize>load<u32>(a, 12) : mr > 3 ? a2 + rsA : a2;
  let a4 = !five ? a3 : gathered ? <usize>load<u32>(a, 16) : mr > 4 ? a3 + rsA : a3;
  let vacc0x0123 = f32x4.splat(0);
  let vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0);
  let vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0);
  let vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0);
  let vacc3x4567 = f32x4.splat(0);
  let vacc4x0123 = f32x4.splat(0);
  let vacc4x4567 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const vb0123 = v128.load(bp);
    const vb4567 = v128.load(bp, 16);
    // Indexed (implicit im2col): tap p of every row is at a fixed offset from the row's pointer.
    let o: usize = 0;
    if (indexed) o = <usize>load<u32>(offs + (<usize>p << 2));
    // Tail rows (r >= mr) repeat the last valid row; the unit path runs only
    // on zero-padded packed panels or full tiles.
    const va0 = v128.load32_splat(a0 + o);
    vacc0x0123 = madd(va0, vb0123, vacc0x0123);
    vacc0x4567 = madd(va0, vb4567, vacc0x4567);
    const va1 = unit ? v128.load32_splat(a0 + o, 4) : v128.load32_splat(a1 + o);
    vacc1x0123 = madd(va1, vb0123, vacc1x0123);
    vacc1x4567 = madd(va1, vb4567, vacc1x4567);
    const va2 = unit ? v128.load32_splat(a0 + o, 8) : v128.load32_splat(a2 + o);
    vacc2x0123 = madd(va2, vb0123, vacc2x0123);
    vacc2x4567 = madd(va2, vb4567, vacc2x4567);
    const va3 = unit ? v128.load32_splat(a0 + o, 12) : v128.load32_splat(a3 + o);
    vacc3x0123 = madd(va3, vb0123, vacc3x0123);
    vacc3x4567 = madd(va3, vb4567, vacc3x4567);
    if (five) {
      const va4 = unit ? v128.load32_splat(a0 + o, 16) : v128.load32_splat(a4 + o);
      vacc4x0123 = madd(va4, vb0123, vacc4x0123);
      vacc4x4567 = madd(va4, vb4567, vacc4x4567);
    }
    if (!indexed) {
      a0 += ksA;
      if (!unit) {
        a1 += ksA;
        a2 += ksA;
        a3 += ksA;
        if (five) a4 += ksA;
      }
    }
    bp += 32;
  }
  if (nr == 8) {
    const rs = <usize>ldc << 2;
    epilogue_row_v128(c, vacc0x0123, vacc0x4567, alpha, beta, bias, first, last, relu);
    if (mr > 1) epilogue_row_v128(c + rs, vacc1x0123, vacc1x4567, alpha, beta, bias, first, last, relu);
    if (mr > 2) epilogue_row_v128(c + rs * 2, vacc2x0123, vacc2x4567, alpha, beta, bias, first, last, relu);
    if (mr > 3) epilogue_row_v128(c + rs * 3, vacc3x0123, vacc3x4567, alpha, beta, bias, first, last, relu);
    if (five && mr > 4) epilogue_row_v128(c + rs * 4, vacc4x0123, vacc4x4567, alpha, beta, bias, first, last, relu);
    return;
  }
  v128.store(TILE, vacc0x0123, 0);
  v128.store(TILE, vacc0x4567, 16);
  v128.store(TILE, vacc1x0123, 32);
  v128.store(TILE, vacc1x4567, 48);
  v128.store(TILE, vacc2x0123, 64);
  v128.store(TILE, vacc2x4567, 80);
  v128.store(TILE, vacc3x0123, 96);
  v128.store(TILE, vacc3x4567, 112);
  v128.store(TILE, vacc4x0123, 128);
  v128.store(TILE, vacc4x4567, 144);
  epilogue_scalar(c, ldc, mr, nr, alpha, beta, bias, first, last, relu);
}

/** The 5x8 kernel over A rows that are adjacent floats (packed panels, transposed A). */
function f32_gemm_5x8_simd_unit(
  kc: i32, a: usize, ksA: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32,
  alpha: f32, beta: f32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, a, 4, ksA, bp, c, ldc, mr, nr, alpha, beta, bias, first, last, relu, true, 0, false, false, true);
}

/** The 5x8 kernel over A rows at any stride (A read in place). */
function f32_gemm_5x8_simd(
  kc: i32, a: usize, rsA: usize, ksA: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32,
  alpha: f32, beta: f32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, a, rsA, ksA, bp, c, ldc, mr, nr, alpha, beta, bias, first, last, relu, false, 0, false, false, true);
}

/** 4x4 scalar micro-kernel: 16 scalar accumulators; the scalar build's GEMM. */
function f32_gemm_4x4_scalar(
  kc: i32, a: usize, rsA: usize, ksA: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32,
  alpha: f32, beta: f32, bias: usize, first: bool, last: bool, relu: bool, offs: usize,
): void {
  // With an offset table (implicit im2col), `a` holds the MR row addresses (u32).
  let a0 = offs ? <usize>load<u32>(a) : a;
  let a1 = offs ? <usize>load<u32>(a, 4) : mr > 1 ? a0 + rsA : a0;
  let a2 = offs ? <usize>load<u32>(a, 8) : mr > 2 ? a1 + rsA : a1;
  let a3 = offs ? <usize>load<u32>(a, 12) : mr > 3 ? a2 + rsA : a2;
  let acc00: f32 = 0, acc01: f32 = 0, acc02: f32 = 0, acc03: f32 = 0;
  let acc10: f32 = 0, acc11: f32 = 0, acc12: f32 = 0, acc13: f32 = 0;
  let acc20: f32 = 0, acc21: f32 = 0, acc22: f32 = 0, acc23: f32 = 0;
  let acc30: f32 = 0, acc31: f32 = 0, acc32: f32 = 0, acc33: f32 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = load<f32>(bp), b1 = load<f32>(bp, 4), b2 = load<f32>(bp, 8), b3 = load<f32>(bp, 12);
    // With an offset table (implicit im2col), tap p sits at a fixed offset from each row pointer.
    const o: usize = offs ? <usize>load<u32>(offs + (<usize>p << 2)) : 0;
    const v0 = load<f32>(a0 + o);
    acc00 += v0 * b0; acc01 += v0 * b1; acc02 += v0 * b2; acc03 += v0 * b3;
    const v1 = load<f32>(a1 + o);
    acc10 += v1 * b0; acc11 += v1 * b1; acc12 += v1 * b2; acc13 += v1 * b3;
    const v2 = load<f32>(a2 + o);
    acc20 += v2 * b0; acc21 += v2 * b1; acc22 += v2 * b2; acc23 += v2 * b3;
    const v3 = load<f32>(a3 + o);
    acc30 += v3 * b0; acc31 += v3 * b1; acc32 += v3 * b2; acc33 += v3 * b3;
    if (!offs) {
      a0 += ksA;
      a1 += ksA;
      a2 += ksA;
      a3 += ksA;
    }
    bp += 16;
  }
  store<f32>(TILE, acc00, 0); store<f32>(TILE, acc01, 4); store<f32>(TILE, acc02, 8); store<f32>(TILE, acc03, 12);
  store<f32>(TILE, acc10, 16); store<f32>(TILE, acc11, 20); store<f32>(TILE, acc12, 24); store<f32>(TILE, acc13, 28);
  store<f32>(TILE, acc20, 32); store<f32>(TILE, acc21, 36); store<f32>(TILE, acc22, 40); store<f32>(TILE, acc23, 44);
  store<f32>(TILE, acc30, 48); store<f32>(TILE, acc31, 52); store<f32>(TILE, acc32, 56); store<f32>(TILE, acc33, 60);
  epilogue_scalar(c, ldc, mr, nr, alpha, beta, bias, first, last, relu);
}

/**
 * C = act(alpha * op(A) * op(B) + beta * C + bias). op(A) is m x k, op(B) is
 * k x n, C is m x n; transA / transB select op = transpose (A stored k x m,
 * B stored n x k). Leading dimensions are row strides in elements. bias is a
 * length-n vector or 0. work must hold f32_gemm_workspace(m, n, k) bytes,
 * 16-byte aligned. C must not alias A or B.
 */
export function f32_gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, bias: usize, act: i32, actAlpha: f32, work: usize,
): void {
  // Preconditions, checked in the debug build (release builds use --noAssert).
  assert(lda >= (transA ? m : k) && ldb >= (transB ? k : n) && ldc >= n, "f32_gemm: leading dimension smaller than the row length");
  assert((work & 15) == 0, "f32_gemm: workspace not 16-byte aligned");
  if (m <= 0 || n <= 0) return;
  const relu = act == ACT_RELU;
  const postAct = act != ACT_IDENTITY && !relu;
  if (k <= 0) {
    // op(A) * op(B) is empty: C = act(beta * C + bias).
    for (let i = 0; i < m; i++) {
      const crow = c + ((<usize>i * <usize>ldc) << 2);
      for (let j = 0; j < n; j++) {
        const cp = crow + (<usize>j << 2);
        let v: f32 = beta != 0 ? beta * load<f32>(cp) : 0;
        if (bias) v += load<f32>(bias + (<usize>j << 2));
        if (relu) v = max<f32>(v, 0);
        store<f32>(cp, v);
      }
    }
    if (postAct) f32_act_forward_2d(act, m, n, c, ldc, actAlpha);
    return;
  }
  const packing = n > PACK_A_MIN_N;
  const packA = work;
  const packB = work + (packing ? <usize>round_up(round_up(min(m, MC), MR) * min(k, KC), 4) << 2 : 0);
  // Strides of op(A) in bytes: rsA between rows of op(A), ksA along k.
  const rsA: usize = transA ? 4 : <usize>lda << 2;
  const ksA: usize = transA ? <usize>lda << 2 : 4;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0;
      const last = pc + kc == k;
      f32_pack_b(transB, kc, nc, b, ldb, pc, jc, packB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        const ablock = a + <usize>ic * rsA + <usize>pc * ksA;
        if (packing) f32_pack_a(mc, kc, ablock, rsA, ksA, packA);
        // The tile strides: in the packed panels, or in A itself.
        const trs: usize = packing ? 4 : rsA;
        const tks: usize = packing ? <usize>MR << 2 : ksA;
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bpanel = packB + ((<usize>jr * <usize>kc) << 2);
          const biasp: usize = bias ? bias + (<usize>(jc + jr) << 2) : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const at = packing ? packA + ((<usize>ir * <usize>kc) << 2) : ablock + <usize>ir * rsA;
            const cp = c + ((<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) << 2);
            if (ASC_FEATURE_SIMD) {
              // Packed panels are zero-padded; A read in place takes the unit
              // path only for full tiles, so no read passes the end of A.
              if (trs == 4 && (packing || mr == MR)) f32_gemm_5x8_simd_unit(kc, at, tks, bpanel, cp, ldc, mr, nr, alpha, beta, biasp, first, last, relu);
              else f32_gemm_5x8_simd(kc, at, trs, tks, bpanel, cp, ldc, mr, nr, alpha, beta, biasp, first, last, relu);
            } else {
              f32_gemm_4x4_scalar(kc, at, trs, tks, bpanel, cp, ldc, mr, nr, alpha, beta, biasp, first, last, relu, 0);
            }
          }
        }
        if (last && postAct) {
          f32_act_forward_2d(act, mc, nc, c + ((<usize>ic * <usize>ldc + <usize>jc) << 2), ldc, actAlpha);
        }
      }
    }
  }
}

/** The indexed 5x8 kernel over MR gathered row addresses (any pixels, any channel count); beta 0 or 1. */
function f32_conv_5x8_simd(
  kc: i32, rows: usize, offs: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, beta: f32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, rows, 0, 0, bp, c, ldc, mr, nr, 1, beta, bias, first, last, relu, false, offs, true, true, true);
}

/** The indexed kernel over 4 gathered rows (one 2x2 pooling window), 4x8 on v128. */
function f32_conv_4x8_simd(
  kc: i32, rows: usize, offs: usize, bp: usize, c: usize, ldc: i32, nr: i32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, rows, 0, 0, bp, c, ldc, 4, nr, 1, 0, bias, first, last, relu, false, offs, true, true, false);
}

/** The indexed 5x8 kernel for rows of adjacent floats (one channel, stride 1, one output row). */
function f32_conv_5x8_simd_unit(
  kc: i32, a: usize, offs: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, a, 4, 0, bp, c, ldc, mr, nr, 1, 0, bias, first, last, relu, true, offs, true, false, true);
}

// Row addresses of the current micro-tile of f32_conv2d_direct_nhwc.
const ROWS: usize = memory.data(8 * 4, 16);

// A cursor over output pixels (b, oy, ox) in NHWC order, with the address of
// the pixel's window corner in the input: cursorRow + cursorOx * colStep.
let cursorOx: i32 = 0;
let cursorOy: i32 = 0;
let cursorRow: usize = 0;
let cursorImage: usize = 0;

// @ts-ignore: decorator
@inline function cursor_start(x: usize): void {
  cursorOx = 0;
  cursorOy = 0;
  cursorRow = x;
  cursorImage = x;
}

/** The current pixel's window corner; then moves to the next pixel. */
// @ts-ignore: decorator
@inline function cursor_next(oh: i32, ow: i32, colStep: usize, rowStep: usize, imageStep: usize): usize {
  const corner = cursorRow + <usize>cursorOx * colStep;
  if (++cursorOx == ow) {
    cursorOx = 0;
    if (++cursorOy == oh) {
      cursorOy = 0;
      cursorImage += imageStep;
      cursorRow = cursorImage;
    } else {
      cursorRow += rowStep;
    }
  }
  return corner;
}

/**
 * Packs the kernel [kh*kw*c, f] into NR-wide panels at work and writes the
 * tap-offset table after them (byte offset of tap (ky, kx, ci) from a
 * window's corner in an image w pixels wide); returns the table's address.
 */
function conv_tables(w: i32, c: i32, kh: i32, kw: i32, dh: i32, dw: i32, kernel: usize, f: i32, work: usize): usize {
  const K = kh * kw * c;
  const offs = work + ((<usize>round_up(f, NR) * <usize>K) << 2);
  f32_pack_b(0, K, f, kernel, f, 0, 0, work);
  let p = 0;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let ci = 0; ci < c; ci++) {
        store<u32>(offs + (<usize>p << 2), <u32>(((ky * dh * w + kx * dw) * c + ci) << 2));
        p++;
      }
    }
  }
  return offs;
}

/** Bytes of scratch f32_conv2d_direct_nhwc needs for a kernel of k = kh*kw*c taps and f filters. */
export function f32_conv2d_direct_workspace(k: i32, f: i32): i32 {
  return (round_up(f, NR) * k + round_up(k, 4)) << 2;
}

/**
 * Convolution without an im2col matrix, for windows that never leave the
 * image (padding is the caller's: it convolves a zero-bordered copy): an
 * implicit GEMM in the manner of XNNPACK's IGEMM. The rows of a micro-tile
 * are MR consecutive output pixels of the whole batch (crossing output rows
 * and images, so no tile is partial except the last); tap p = (ky, kx, ci)
 * of every row lies at the same offset offs[p] from the pixel's window
 * corner, so the micro-kernel reads the input in place through the tile's
 * row addresses and that table. The kernel [kh*kw*c, f] (Keras layout) is
 * packed into NR-wide panels once per call. y = act(conv(x) + bias), NHWC
 * [n, oh, ow, f]. The taps are summed in KC blocks in the same order as
 * im2col + f32_gemm, so both paths give the same bits.
 * work must hold f32_conv2d_direct_workspace bytes.
 */
export function f32_conv2d_direct_nhwc(
  n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  x: usize, kernel: usize, f: i32, bias: usize, act: i32, actAlpha: f32, y: usize, work: usize,
): void {
  assert((oh - 1) * sh + (kh - 1) * dh < h && (ow - 1) * sw + (kw - 1) * dw < w, "f32_conv2d_direct_nhwc: a window leaves the image; use im2col");
  const K = kh * kw * c;
  const M = n * oh * ow;
  if (M <= 0 || f <= 0) return;
  const packed = work;
  const offs = conv_tables(w, c, kh, kw, dh, dw, kernel, f, work);
  const relu = act == ACT_RELU;
  const postAct = act != ACT_IDENTITY && !relu;
  const colStep: usize = <usize>(sw * c) << 2;
  const rowStep: usize = <usize>(sh * w * c) << 2;
  const imageStep: usize = <usize>(h * w * c) << 2;
  cursor_start(x);
  for (let ic = 0; ic < M; ic += MC) {
    const mc = min(MC, M - ic);
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      // Adjacent floats: one channel, stride 1, the whole tile in one output row.
      const unit = colStep == 4 && mr == MR && cursorOx + MR <= ow;
      const a0 = cursorRow + <usize>cursorOx * colStep;
      let last: usize = 0;
      for (let r = 0; r < MR; r++) {
        if (r < mr) last = cursor_next(oh, ow, colStep, rowStep, imageStep);
        // Tail rows repeat the last valid row, so every read stays inside x.
        store<u32>(ROWS + (<usize>r << 2), <u32>last);
      }
      const crow = y + ((<usize>(ic + ir) * <usize>f) << 2);
      for (let jr = 0; jr < f; jr += NR) {
        const nr = min(NR, f - jr);
        const cp = crow + (<usize>jr << 2);
        const biasp: usize = bias ? bias + (<usize>jr << 2) : 0;
        for (let pc = 0; pc < K; pc += KC) {
          const kc = min(KC, K - pc);
          const bp = packed + ((<usize>jr * <usize>K + <usize>pc * <usize>NR) << 2);
          const op = offs + (<usize>pc << 2);
          const first = pc == 0;
          const lastBlock = pc + kc == K;
          if (ASC_FEATURE_SIMD) {
            if (unit) f32_conv_5x8_simd_unit(kc, a0, op, bp, cp, f, mr, nr, biasp, first, lastBlock, relu);
            else f32_conv_5x8_simd(kc, ROWS, op, bp, cp, f, mr, nr, 0, biasp, first, lastBlock, relu);
          } else {
            f32_gemm_4x4_scalar(kc, ROWS, 0, 0, bp, cp, f, mr, nr, 1, 0, biasp, first, lastBlock, relu, op);
          }
        }
      }
    }
    if (postAct) f32_act_forward_2d(act, mc, f, y + ((<usize>ic * <usize>f) << 2), f, actAlpha);
  }
}

// One pooling window's conv outputs (4 rows x NR), between K blocks.
const WINDOW: usize = memory.data(4 * 8 * 4, 16);

/**
 * Convolution fused with 2x2, stride-2 max pooling ('valid'), for inference:
 * y[b, py, px, :] = max over the 2x2 window at (2py, 2px) of
 * act(conv(x) + bias), act identity or relu; y is n x (oh >> 1) x (ow >> 1) x f
 * (an odd last conv row or column is dropped, as the pooling layer drops it).
 * Each micro-tile is one pooling window's four conv pixels, read in place as
 * in f32_conv2d_direct_nhwc, so the conv output is never stored. The same bits
 * as f32_conv2d_direct_nhwc followed by f32_pool2d_nhwc: every conv value is
 * summed and rounded the same way, and the max takes the window in the same
 * order. Windows must lie inside x; work as for f32_conv2d_direct_nhwc.
 */
export function f32_conv2d_maxpool2_nhwc(
  n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  x: usize, kernel: usize, f: i32, bias: usize, act: i32, y: usize, work: usize,
): void {
  assert((oh - 1) * sh + (kh - 1) * dh < h && (ow - 1) * sw + (kw - 1) * dw < w, "f32_conv2d_maxpool2_nhwc: a window leaves the image; use im2col");
  assert(act == ACT_IDENTITY || act == ACT_RELU, "f32_conv2d_maxpool2_nhwc: only identity or relu is fused");
  const K = kh * kw * c;
  const qh = oh >> 1;
  const qw = ow >> 1;
  if (n <= 0 || qh <= 0 || qw <= 0 || f <= 0) return;
  const packed = work;
  const offs = conv_tables(w, c, kh, kw, dh, dw, kernel, f, work);
  const relu = act == ACT_RELU;
  const colStep: usize = <usize>(sw * c) << 2;
  const rowStep: usize = <usize>(sh * w * c) << 2;
  let out = y;
  for (let b = 0; b < n; b++) {
    const image = x + ((<usize>b * <usize>h * <usize>w * <usize>c) << 2);
    for (let py = 0; py < qh; py++) {
      const top = image + <usize>(2 * py) * rowStep;
      for (let px = 0; px < qw; px++) {
        const corner = top + <usize>(2 * px) * colStep;
        store<u32>(ROWS, <u32>corner);
        store<u32>(ROWS, <u32>(corner + colStep), 4);
        store<u32>(ROWS, <u32>(corner + rowStep), 8);
        store<u32>(ROWS, <u32>(corner + rowStep + colStep), 12);
        for (let jr = 0; jr < f; jr += NR) {
          const nr = min(NR, f - jr);
          const biasp: usize = bias ? bias + (<usize>jr << 2) : 0;
          for (let pc = 0; pc < K; pc += KC) {
            const kc = min(KC, K - pc);
            const bp = packed + ((<usize>jr * <usize>K + <usize>pc * <usize>NR) << 2);
            const op = offs + (<usize>pc << 2);
            if (ASC_FEATURE_SIMD) {
              f32_conv_4x8_simd(kc, ROWS, op, bp, WINDOW, NR, nr, biasp, pc == 0, pc + kc == K, relu);
            } else {
              f32_gemm_4x4_scalar(kc, ROWS, 0, 0, bp, WINDOW, NR, 4, nr, 1, 0, biasp, pc == 0, pc + kc == K, relu, op);
            }
          }
          // Max over the window's pixels in the pooling kernel's order (pmax: a NaN stays only as the first).
          const o = out + (<usize>jr << 2);
          let j = 0;
          if (ASC_FEATURE_SIMD) {
            for (; j + 4 <= nr; j += 4) {
              const q = WINDOW + (<usize>j << 2);
              let m = v128.load(q);
              m = f32x4.pmax(m, v128.load(q, NR * 4));
              m = f32x4.pmax(m, v128.load(q, NR * 8));
              m = f32x4.pmax(m, v128.load(q, NR * 12));
              v128.store(o + (<usize>j << 2), m);
            }
          }
          for (; j < nr; j++) {
            const q = WINDOW + (<usize>j << 2);
            let m = load<f32>(q);
            for (let r = 1; r < 4; r++) {
              const v = load<f32>(q + ((<usize>(r * NR)) << 2));
              if (v > m) m = v;
            }
            store<f32>(o + (<usize>j << 2), m);
          }
        }
        out += <usize>f << 2;
      }
    }
  }
}

/** Bytes of scratch f32_conv2d_filter_grad_nhwc needs for f filters. */
export function f32_conv2d_filter_grad_workspace(f: i32): i32 {
  return (round_up(min(max(f, 1), NC), NR) * KC + KC) << 2;
}

/**
 * Filter gradient without an im2col matrix: dW[(ky, kx, ci), j] += sum over
 * output pixels q of x[window corner of q + tap offset] * dy[q, j], the GEMM
 * colsᵀ · dy with both operands read in place. The roles of the forward
 * kernel swap: a micro-tile's rows are MR taps (addresses x + tap offset),
 * and its k loop runs over output pixels through a table of their window
 * corners, one KC block of pixels at a time; dy is packed per block as f32_gemm
 * packs B. The same bits as im2col + f32_gemm(transA, beta 1). Windows must lie
 * inside x (a padded layer passes its zero-bordered copy). dW is
 * [kh*kw*c, f]; dy is [n*oh*ow, f]; work holds
 * f32_conv2d_filter_grad_workspace bytes.
 */
export function f32_conv2d_filter_grad_nhwc(
  n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  x: usize, dy: usize, f: i32, dW: usize, work: usize,
): void {
  assert((oh - 1) * sh + (kh - 1) * dh < h && (ow - 1) * sw + (kw - 1) * dw < w, "f32_conv2d_filter_grad_nhwc: a window leaves the image; use im2col");
  const K = kh * kw * c;
  const M = n * oh * ow;
  if (M <= 0 || f <= 0 || K <= 0) return;
  const packB = work;
  const table = work + ((<usize>round_up(min(f, NC), NR) * <usize>KC) << 2);
  const colStep: usize = <usize>(sw * c) << 2;
  const rowStep: usize = <usize>(sh * w * c) << 2;
  const imageStep: usize = <usize>(h * w * c) << 2;
  for (let jc = 0; jc < f; jc += NC) {
    const nc = min(NC, f - jc);
    // Window corners as offsets from x (the taps' addresses are absolute).
    cursor_start(0);
    for (let pc = 0; pc < M; pc += KC) {
      const kc = min(KC, M - pc);
      f32_pack_b(0, kc, nc, dy, f, pc, jc, packB);
      for (let q = 0; q < kc; q++) store<u32>(table + (<usize>q << 2), <u32>cursor_next(oh, ow, colStep, rowStep, imageStep));
      const first = pc == 0;
      const last = pc + kc == M;
      // Taps (ky, kx, ci) in kernel order, MR at a time.
      let ky = 0;
      let kx = 0;
      let ci = 0;
      for (let ir = 0; ir < K; ir += MR) {
        const mr = min(MR, K - ir);
        let tap: usize = 0;
        for (let r = 0; r < MR; r++) {
          if (r < mr) {
            tap = x + ((<usize>((ky * dh * w + kx * dw) * c + ci)) << 2);
            if (++ci == c) {
              ci = 0;
              if (++kx == kw) {
                kx = 0;
                ky++;
              }
            }
          }
          store<u32>(ROWS + (<usize>r << 2), <u32>tap);
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = packB + ((<usize>jr * <usize>kc) << 2);
          const cp = dW + ((<usize>ir * <usize>f + <usize>(jc + jr)) << 2);
          if (ASC_FEATURE_SIMD) {
            f32_conv_5x8_simd(kc, ROWS, table, bp, cp, f, mr, nr, 1, 0, first, last, false);
          } else {
            f32_gemm_4x4_scalar(kc, ROWS, 0, 0, bp, cp, f, mr, nr, 1, 1, 0, first, last, false, table);
          }
        }
      }
    }
  }
}
