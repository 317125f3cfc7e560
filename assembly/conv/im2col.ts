// Layout transforms for NHWC convolutions (2D; 1D is the h = 1 case):
// im2col / col2im, the zero-bordered copy that the in-place kernels convolve,
// and the flipped kernel of a stride-1 input gradient.
//
// im2col writes one row per output pixel (b, oy, ox), of length kh*kw*c,
// ordered (ky, kx, ci): the same order as a Keras kernel [kh, kw, inC, outC]
// flattened to [kh*kw*inC, outC]. The convolution is then one GEMM
// col [n*oh*ow, kh*kw*c] x kernel -> output [n*oh*ow, outC], which is NHWC.
// Input pixels outside the image (padding) read as zero. For each (ky, kx)
// the c channels of a pixel are contiguous in NHWC, and with dilation 1 a
// whole kernel row (kw*c values) is one contiguous run.

// Runs shorter than 64 floats are copied with v128 moves: a memory.copy call
// costs more than the copy itself at that size (im2col copies kw*c floats).
// @ts-ignore: decorator
@inline function copy_f32(dst: usize, src: usize, n: i32): void {
  if (n >= 64) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline function zero_f32(dst: usize, n: i32): void {
  if (n >= 16) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// @ts-ignore: decorator
@inline function add_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * Walks every (output pixel, ky, kx) of an NHWC window op in one fixed order.
 * gather (im2col): the col row segment receives the image pixels (zeros
 * outside the image); otherwise (col2im) the image pixels receive the col
 * segment added to them (entries from outside the image are dropped). `gather`
 * is a compile-time constant after inlining.
 */
// @ts-ignore: decorator
@inline function walk_nhwc(
  n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh: i32, ow: i32, img: usize, col: usize, gather: bool,
): void {
  const K = kh * kw * c;
  let row = col;
  for (let b = 0; b < n; b++) {
    const ib = img + ((<usize>b * <usize>h * <usize>w * <usize>c) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const rowFull = dw == 1 && ix0 >= 0 && ix0 + kw <= w;
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh;
          const seg = row + ((<usize>(ky * kw * c)) << 2);
          if (iy < 0 || iy >= h) {
            if (gather) zero_f32(seg, kw * c);
            continue;
          }
          const irow = ib + ((<usize>iy * <usize>w * <usize>c) << 2);
          if (rowFull) {
            const px = irow + ((<usize>ix0 * <usize>c) << 2);
            if (gather) copy_f32(seg, px, kw * c);
            else add_f32(px, seg, kw * c);
            continue;
          }
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            const d = seg + ((<usize>(kx * c)) << 2);
            if (ix < 0 || ix >= w) {
              if (gather) zero_f32(d, c);
              continue;
            }
            const px = irow + ((<usize>ix * <usize>c) << 2);
            if (gather) copy_f32(d, px, c);
            else add_f32(px, d, c);
          }
        }
        row += <usize>K << 2;
      }
    }
  }
}

/**
 * col[(b, oy, ox), (ky, kx, ci)] = x[b, oy*sh - ph + ky*dh, ox*sw - pw + kx*dw, ci]
 * (zero outside the image). x is n x h x w x c; col is (n*oh*ow) x (kh*kw*c).
 */
export function f32_im2col_nhwc(
  n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh: i32, ow: i32, x: usize, col: usize,
): void {
  assert(oh >= 1 && ow >= 1 && (oh - 1) * sh - ph + (kh - 1) * dh < h + ph + sh, "f32_im2col_nhwc: output size inconsistent with input, window and stride");
  walk_nhwc(n, h, w, c, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, x, col, true);
}

/**
 * The adjoint of im2col: dx = 0, then every column entry is added back to
 * the input pixel it was read from (entries that came from padding are
 * dropped). Runs in a fixed order, so results are reproducible.
 */
export function f32_col2im_nhwc(
  n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh: i32, ow: i32, col: usize, dx: usize,
): void {
  memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  walk_nhwc(n, h, w, c, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx, col, false);
}

/**
 * A zero-bordered copy for convolving a padded input in place:
 * out[b, i, j, :] = x[b, i - top, j - left, :] inside the image, 0 elsewhere;
 * x is n x h x w x c, out is n x hp x wp x c (hp, wp: the extent the windows
 * reach, which may cut off part of the image or of the bottom/right border).
 */
export function f32_pad_nhwc(n: i32, h: i32, w: i32, c: i32, top: i32, left: i32, hp: i32, wp: i32, x: usize, out: usize): void {
  assert(top >= 0 && left >= 0 && hp >= 1 && wp >= 1, "f32_pad_nhwc: negative padding or empty output");
  const j0 = min(left, wp);
  const j1 = min(left + w, wp);
  const rowBytes: usize = <usize>(wp * c) << 2;
  let d = out;
  for (let b = 0; b < n; b++) {
    const ib = x + ((<usize>b * <usize>h * <usize>w * <usize>c) << 2);
    for (let i = 0; i < hp; i++) {
      const iy = i - top;
      if (iy < 0 || iy >= h || j1 <= j0) {
        memory.fill(d, 0, rowBytes);
      } else {
        zero_f32(d, j0 * c);
        copy_f32(d + ((<usize>(j0 * c)) << 2), ib + ((<usize>iy * <usize>w * <usize>c) << 2), (j1 - j0) * c);
        zero_f32(d + ((<usize>(j1 * c)) << 2), (wp - j1) * c);
      }
      d += rowBytes;
    }
  }
}

/**
 * The kernel of a stride-1 convolution's input gradient: out[kh-1-ky,
 * kw-1-kx, j, ci] = w[ky, kx, ci, j] (rotated by 180 degrees, channels
 * swapped). Convolving dy, zero-bordered by the window's reach, with it gives
 * dx. w is [kh, kw, c, f]; out is [kh, kw, f, c].
 */
export function f32_conv2d_kernel_flip(kh: i32, kw: i32, c: i32, f: i32, w: usize, out: usize): void {
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const src = w + ((<usize>((ky * kw + kx) * c * f)) << 2);
      const dst = out + ((<usize>(((kh - 1 - ky) * kw + (kw - 1 - kx)) * f * c)) << 2);
      for (let ci = 0; ci < c; ci++) {
        for (let j = 0; j < f; j++) {
          store<f32>(dst + ((<usize>(j * c + ci)) << 2), load<f32>(src + ((<usize>(ci * f + j)) << 2)));
        }
      }
    }
  }
}
