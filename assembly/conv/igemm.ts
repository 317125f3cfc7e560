// Convolution as an implicit GEMM (XNNPACK's IGEMM): the micro-kernel reads
// every output pixel's window in place, so no column matrix is built.
import { ACT_IDENTITY, ACT_RELU, f32_act_forward_2d } from "../activation";
import { KC, MC, MR, NR, round_up } from "../gemm/params";
import { f32_gemm_4x4_scalar } from "../gemm/microkernel";
import { ROWS, conv_tables, cursorOx, cursorRow, cursor_next, cursor_start } from "./indirect";
import { f32_igemm_5x8_simd, f32_igemm_5x8_simd_unit } from "./microkernel";

/** Bytes of scratch f32_conv2d_igemm_nhwc needs for a kernel of k = kh*kw*c taps and f filters. */
export function f32_conv2d_igemm_workspace(k: i32, f: i32): i32 {
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
 * work must hold f32_conv2d_igemm_workspace bytes.
 */
export function f32_conv2d_igemm_nhwc(
  act: i32, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32, f: i32,
  x: usize, kernel: usize, bias: usize, y: usize, actAlpha: f32, work: usize,
): void {
  assert((oh - 1) * sh + (kh - 1) * dh < h && (ow - 1) * sw + (kw - 1) * dw < w, "f32_conv2d_igemm_nhwc: a window leaves the image; use im2col");
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
            if (unit) f32_igemm_5x8_simd_unit(kc, a0, op, bp, cp, f, mr, nr, biasp, first, lastBlock, relu);
            else f32_igemm_5x8_simd(kc, ROWS, op, bp, cp, f, mr, nr, 0, biasp, first, lastBlock, relu);
          } else {
            f32_gemm_4x4_scalar(kc, ROWS, 0, 0, bp, cp, f, mr, nr, 1, 0, biasp, first, lastBlock, relu, op);
          }
        }
      }
    }
    if (postAct) f32_act_forward_2d(act, mc, f, y + ((<usize>ic * <usize>f) << 2), f, actAlpha);
  }
}
