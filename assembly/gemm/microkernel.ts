// The register-blocked micro-kernels of the GEMM (BLIS / GotoBLAS): a 5x8
// tile on v128 (A broadcast with load32_splat and two B vectors per k step, as
// XNNPACK's wasmsimd loadsplat GEMM kernels do) and a 4x4 scalar tile, with
// the epilogue fused: alpha, beta (applied on the first K block only, and never
// reading C when beta == 0), bias on the last K block, and ReLU.
//
// Element (r, p) of the A tile is read at a + r * rsA + p * ksA (A in place,
// rows of A or columns of a transposed A, or a packed panel), or, for the
// implicit-GEMM convolutions, at row address r plus a per-p offset from a
// table (see kernel_5x8). Tail rows (r >= mr) repeat the last valid row, so
// every read stays inside A; tail columns (nr < NR) spill the tile to TILE and
// finish with scalar code.
import { NR } from "./params";

// Spill area for one micro-tile: tails are handled from here with scalar code.
// A global, not a constant: each thread sharing the memory points it at its
// own area (thread_scratch in index.ts).
export let TILE: usize = memory.data(5 * 8 * 4, 16);

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
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
@inline export function kernel_5x8(
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
export function f32_gemm_5x8_simd_unit(
  kc: i32, a: usize, ksA: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32,
  alpha: f32, beta: f32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, a, 4, ksA, bp, c, ldc, mr, nr, alpha, beta, bias, first, last, relu, true, 0, false, false, true);
}

/** The 5x8 kernel over A rows at any stride (A read in place). */
export function f32_gemm_5x8_simd(
  kc: i32, a: usize, rsA: usize, ksA: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32,
  alpha: f32, beta: f32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, a, rsA, ksA, bp, c, ldc, mr, nr, alpha, beta, bias, first, last, relu, false, 0, false, false, true);
}

/**
 * Rows r0 and r1 of a 4x4 scalar tile, all four columns, into TILE at byte
 * offset t. mode 0: rows at r0, r1, k stride ksA; mode 1: rows adjacent floats
 * at r0 (packed panels, transposed A; r1 unused); mode 2: row addresses r0, r1
 * plus a per-k offset from the table offs (implicit im2col). mode is a
 * constant at every call site, so each inlined copy has one loop without
 * per-k branches.
 */
// @ts-ignore: decorator
@inline function kernel_2x4_scalar(kc: i32, r0: usize, r1: usize, ksA: usize, bp: usize, offs: usize, mode: i32, t: usize): void {
  let acc00: f32 = 0, acc01: f32 = 0, acc02: f32 = 0, acc03: f32 = 0;
  let acc10: f32 = 0, acc11: f32 = 0, acc12: f32 = 0, acc13: f32 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = load<f32>(bp), b1 = load<f32>(bp, 4), b2 = load<f32>(bp, 8), b3 = load<f32>(bp, 12);
    const o: usize = mode == 2 ? <usize>load<u32>(offs + (<usize>p << 2)) : 0;
    const v0 = mode == 1 ? load<f32>(r0) : load<f32>(r0 + o);
    acc00 += v0 * b0; acc01 += v0 * b1; acc02 += v0 * b2; acc03 += v0 * b3;
    const v1 = mode == 1 ? load<f32>(r0, 4) : load<f32>(r1 + o);
    acc10 += v1 * b0; acc11 += v1 * b1; acc12 += v1 * b2; acc13 += v1 * b3;
    if (mode == 0) {
      r0 += ksA;
      r1 += ksA;
    } else if (mode == 1) {
      r0 += ksA;
    }
    bp += 16;
  }
  const tp = TILE + t;
  store<f32>(tp, acc00, 0); store<f32>(tp, acc01, 4); store<f32>(tp, acc02, 8); store<f32>(tp, acc03, 12);
  store<f32>(tp, acc10, 16); store<f32>(tp, acc11, 20); store<f32>(tp, acc12, 24); store<f32>(tp, acc13, 28);
}

// @ts-ignore: decorator
@inline function kernel_4x4_scalar(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, ksA: usize, bp: usize, offs: usize, mode: i32, mr: i32): void {
  kernel_2x4_scalar(kc, a0, a1, ksA, bp, offs, mode, 0);
  if (mr > 2) kernel_2x4_scalar(kc, mode == 1 ? a0 + 8 : a2, a3, ksA, bp, offs, mode, 32);
}

/**
 * 4x4 scalar micro-kernel, the scalar build's GEMM, run as two 2x4 halves
 * over the same k range. Without fused multiply-add each product needs a
 * temporary: 16 accumulators + 4 B values + 1 A value + 1 product exceed
 * the 15 float registers V8 allocates on x64 (one of the 16 is its scratch
 * register), so the 4x4 tile spilled on every k step; a 2x4 half needs 14
 * (B is read twice, from L1). Each output's products are summed in the same
 * order as by one 4x4 pass, so results are bit-identical to it.
 */
export function f32_gemm_4x4_scalar(
  kc: i32, a: usize, rsA: usize, ksA: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32,
  alpha: f32, beta: f32, bias: usize, first: bool, last: bool, relu: bool, offs: usize,
): void {
  if (offs) {
    // With an offset table (implicit im2col), `a` holds the MR row addresses (u32).
    kernel_4x4_scalar(kc, <usize>load<u32>(a), <usize>load<u32>(a, 4), <usize>load<u32>(a, 8), <usize>load<u32>(a, 12), 0, bp, offs, 2, mr);
  } else if (rsA == 4 && mr == 4) {
    kernel_4x4_scalar(kc, a, 0, 0, 0, ksA, bp, 0, 1, mr);
  } else {
    // Tail rows (r >= mr) repeat the last valid row.
    const a1 = mr > 1 ? a + rsA : a;
    const a2 = mr > 2 ? a1 + rsA : a1;
    const a3 = mr > 3 ? a2 + rsA : a2;
    kernel_4x4_scalar(kc, a, a1, a2, a3, ksA, bp, 0, 0, mr);
  }
  epilogue_scalar(c, ldc, mr, nr, alpha, beta, bias, first, last, relu);
}
