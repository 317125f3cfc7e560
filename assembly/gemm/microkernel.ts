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

/** 4x4 scalar micro-kernel: 16 scalar accumulators; the scalar build's GEMM. */
export function f32_gemm_4x4_scalar(
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

