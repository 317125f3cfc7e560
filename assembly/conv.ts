// im2col / col2im for NHWC convolutions (2D; 1D is the h = 1 case).
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
 * col[(b, oy, ox), (ky, kx, ci)] = x[b, oy*sh - ph + ky*dh, ox*sw - pw + kx*dw, ci]
 * (zero outside the image). x is n x h x w x c; col is (n*oh*ow) x (kh*kw*c).
 */
export function f32_im2col_nhwc(
  n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh: i32, ow: i32, x: usize, col: usize,
): void {
  assert(oh >= 1 && ow >= 1 && (oh - 1) * sh - ph + (kh - 1) * dh < h + ph + sh, "f32_im2col_nhwc: output size inconsistent with input, window and stride");
  const K = kh * kw * c;
  let row = col;
  for (let b = 0; b < n; b++) {
    const xb = x + ((<usize>b * <usize>h * <usize>w * <usize>c) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const rowFull = dw == 1 && ix0 >= 0 && ix0 + kw <= w;
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh;
          const dst = row + ((<usize>(ky * kw * c)) << 2);
          if (iy < 0 || iy >= h) {
            zero_f32(dst, kw * c);
            continue;
          }
          const xrow = xb + ((<usize>iy * <usize>w * <usize>c) << 2);
          if (rowFull) {
            copy_f32(dst, xrow + ((<usize>ix0 * <usize>c) << 2), kw * c);
            continue;
          }
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            const d = dst + ((<usize>(kx * c)) << 2);
            if (ix < 0 || ix >= w) zero_f32(d, c);
            else copy_f32(d, xrow + ((<usize>ix * <usize>c) << 2), c);
          }
        }
        row += <usize>K << 2;
      }
    }
  }
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
  const total = n * h * w * c;
  memory.fill(dx, 0, <usize>total << 2);
  const K = kh * kw * c;
  let row = col;
  for (let b = 0; b < n; b++) {
    const xb = dx + ((<usize>b * <usize>h * <usize>w * <usize>c) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const rowFull = dw == 1 && ix0 >= 0 && ix0 + kw <= w;
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh;
          if (iy < 0 || iy >= h) continue;
          const src = row + ((<usize>(ky * kw * c)) << 2);
          const xrow = xb + ((<usize>iy * <usize>w * <usize>c) << 2);
          if (rowFull) {
            add_f32(xrow + ((<usize>ix0 * <usize>c) << 2), src, kw * c);
            continue;
          }
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            if (ix < 0 || ix >= w) continue;
            add_f32(xrow + ((<usize>ix * <usize>c) << 2), src + ((<usize>(kx * c)) << 2), c);
          }
        }
        row += <usize>K << 2;
      }
    }
  }
}
