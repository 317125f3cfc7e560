// The filter gradient of a convolution as an implicit GEMM: colsᵀ · dy with
// the input read in place through the windows' corners.
import { KC, MR, NC, NR, round_up } from "../gemm/params";
import { f32_pack_b } from "../gemm/pack";
import { f32_gemm_4x4_scalar } from "../gemm/microkernel";
import { ROWS, cursor_next, cursor_start } from "./indirect";
import { f32_igemm_5x8_simd } from "./microkernel";

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
  n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32, f: i32,
  x: usize, dy: usize, dW: usize, work: usize,
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
            f32_igemm_5x8_simd(kc, ROWS, table, bp, cp, f, mr, nr, 1, 0, first, last, false);
          } else {
            f32_gemm_4x4_scalar(kc, ROWS, 0, 0, bp, cp, f, mr, nr, 1, 1, 0, first, last, false, table);
          }
        }
      }
    }
  }
}
