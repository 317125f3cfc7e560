// Convolution fused with the 2x2 max pooling after it, for inference: an
// implicit GEMM whose micro-tile is one pooling window.
import { ACT_IDENTITY, ACT_RELU } from "../activation";
import { KC, NR } from "../gemm/params";
import { f32_gemm_4x4_scalar } from "../gemm/microkernel";
import { ROWS, conv_tables } from "./indirect";
import { f32_igemm_4x8_simd } from "./microkernel";

// One pooling window's conv outputs (4 rows x NR), between K blocks.
export let WINDOW: usize = memory.data(4 * 8 * 4, 16);

/**
 * Convolution fused with 2x2, stride-2 max pooling ('valid'), for inference:
 * y[b, py, px, :] = max over the 2x2 window at (2py, 2px) of
 * act(conv(x) + bias), act identity or relu; y is n x (oh >> 1) x (ow >> 1) x f
 * (an odd last conv row or column is dropped, as the pooling layer drops it).
 * Each micro-tile is one pooling window's four conv pixels, read in place as
 * in f32_conv2d_igemm_nhwc, so the conv output is never stored. The same bits
 * as f32_conv2d_igemm_nhwc followed by f32_pool2d_nhwc: every conv value is
 * summed and rounded the same way, and the max takes the window in the same
 * order. Windows must lie inside x; work as for f32_conv2d_igemm_nhwc.
 */
export function f32_conv2d_igemm_maxpool2_nhwc(
  act: i32, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32, f: i32,
  x: usize, kernel: usize, bias: usize, y: usize, work: usize,
): void {
  assert((oh - 1) * sh + (kh - 1) * dh < h && (ow - 1) * sw + (kw - 1) * dw < w, "f32_conv2d_igemm_maxpool2_nhwc: a window leaves the image; use im2col");
  assert(act == ACT_IDENTITY || act == ACT_RELU, "f32_conv2d_igemm_maxpool2_nhwc: only identity or relu is fused");
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
              f32_igemm_4x8_simd(kc, ROWS, op, bp, WINDOW, NR, nr, biasp, pc == 0, pc + kc == K, relu);
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
