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
// The panel layouts are described in pack.ts. The micro-kernel's epilogue
// (microkernel.ts) applies alpha, beta, bias and ReLU; other activations run
// over each finished MC x NC block of C while it is still in cache.
import { ACT_IDENTITY, ACT_RELU, f32_act_forward_2d } from "../activation";
import { KC, MC, MR, NC, NR, PACK_A_MIN_N, round_up } from "./params";
import { f32_pack_a, f32_pack_b } from "./pack";
import { f32_gemm_4x4_scalar, f32_gemm_5x8_simd, f32_gemm_5x8_simd_unit } from "./microkernel";

/** Bytes of scratch f32_gemm needs for these sizes (a packed block of B, and of A when it is packed). */
export function f32_gemm_workspace(m: i32, n: i32, k: i32): i32 {
  const kc = max(min(k, KC), 1);
  const nc = round_up(min(max(n, 1), NC), NR);
  const mc = n > PACK_A_MIN_N ? round_up(min(max(m, 1), MC), MR) : 0;
  return (round_up(mc * kc, 4) + nc * kc) << 2;
}

/**
 * C = act(alpha * op(A) * op(B) + beta * C + bias). op(A) is m x k, op(B) is
 * k x n, C is m x n; transA / transB select op = transpose (A stored k x m,
 * B stored n x k). Leading dimensions are row strides in elements. bias is a
 * length-n vector or 0. work must hold f32_gemm_workspace(m, n, k) bytes,
 * 16-byte aligned. C must not alias A or B.
 */
export function f32_gemm(
  transA: i32, transB: i32, act: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, bias: usize, c: usize, ldc: i32,
  alpha: f32, beta: f32, actAlpha: f32, work: usize,
): void {
  // Preconditions, checked in the debug build (release builds use --noAssert).
  assert(lda >= (transA ? m : k) && ldb >= (transB ? k : n) && ldc >= n, "f32_gemm: leading dimension smaller than the row length");
  assert((work & 15) == 0, "f32_gemm: workspace not 16-byte aligned");
  gemm(transA, transB, act, m, n, k, a, lda, b, ldb, 0, bias, c, ldc, alpha, beta, actAlpha, work);
}

/** Bytes of the whole of op(B) (k x n) packed by f32_gemm_pack_b. */
export function f32_gemm_packed_b_bytes(n: i32, k: i32): i32 {
  return (round_up(max(n, 1), NR) * max(k, 1)) << 2;
}

/**
 * Packs the whole of op(B) (k x n; B stored n x k with transB) into the
 * panels f32_gemm_packed reads, every (KC x NC) block in the order the GEMM
 * visits them: a B multiplied many times (a recurrent kernel, once per time
 * step) is packed once. packed holds f32_gemm_packed_b_bytes(n, k) bytes,
 * 16-byte aligned. The layout belongs to the build that packed it.
 */
export function f32_gemm_pack_b(transB: i32, n: i32, k: i32, b: usize, ldb: i32, packed: usize): void {
  assert(ldb >= (transB ? k : n), "f32_gemm_pack_b: leading dimension smaller than the row length");
  assert((packed & 15) == 0, "f32_gemm_pack_b: packed not 16-byte aligned");
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) f32_pack_b(transB, min(KC, k - pc), nc, b, ldb, pc, jc, packed + packed_block(jc, pc, nc, k));
  }
}

/**
 * f32_gemm with op(B) already packed by f32_gemm_pack_b (same n and k): C =
 * act(alpha * op(A) * op(B) + beta * C + bias). work holds
 * f32_gemm_workspace(m, n, k) bytes. Same results, bit for bit, as f32_gemm.
 */
export function f32_gemm_packed(
  transA: i32, act: i32, m: i32, n: i32, k: i32, a: usize, lda: i32, packed: usize, bias: usize, c: usize, ldc: i32,
  alpha: f32, beta: f32, actAlpha: f32, work: usize,
): void {
  assert(lda >= (transA ? m : k) && ldc >= n, "f32_gemm_packed: leading dimension smaller than the row length");
  assert((work & 15) == 0 && (packed & 15) == 0, "f32_gemm_packed: workspace or packed B not 16-byte aligned");
  gemm(transA, 0, act, m, n, k, a, lda, 0, 0, packed, bias, c, ldc, alpha, beta, actAlpha, work);
}

/** Byte offset of the packed (jc, pc) block: earlier column blocks are NC wide and span all of k. */
// @ts-ignore: decorator
@inline function packed_block(jc: i32, pc: i32, nc: i32, k: i32): usize {
  return (<usize>jc * <usize>k + <usize>round_up(nc, NR) * <usize>pc) << 2;
}

// @ts-ignore: decorator
@inline function gemm(
  transA: i32, transB: i32, act: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, prepacked: usize, bias: usize, c: usize, ldc: i32,
  alpha: f32, beta: f32, actAlpha: f32, work: usize,
): void {
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
  const workB = work + (packing ? <usize>round_up(round_up(min(m, MC), MR) * min(k, KC), 4) << 2 : 0);
  // Strides of op(A) in bytes: rsA between rows of op(A), ksA along k.
  const rsA: usize = transA ? 4 : <usize>lda << 2;
  const ksA: usize = transA ? <usize>lda << 2 : 4;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0;
      const last = pc + kc == k;
      let packB = workB;
      if (prepacked) packB = prepacked + packed_block(jc, pc, nc, k);
      else f32_pack_b(transB, kc, nc, b, ldb, pc, jc, workB);
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
