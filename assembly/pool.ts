// Pooling over NHWC tensors: max (recording the argmax of each output for the
// backward pass), average and L2 (square root of the sum of squares), forward
// and backward, plus global average pooling. Windows that reach into padding
// use only the pixels inside the image (TensorFlow's 'same' semantics: the
// average divides by the number of real pixels). Vectorised across channels,
// which are contiguous in NHWC.

import { f32_add, f32_fill, f32_scale } from "./elementwise";

/** Pooling modes shared with src/layers/pooling.ts. */
export const POOL_MAX: i32 = 0;
export const POOL_AVG: i32 = 1;
export const POOL_L2: i32 = 2;

/**
 * y[b, oy, ox, ch] = pool over the window of x; for max pooling argmax (i32)
 * receives the flat index into x of the chosen element (first maximum on ties;
 * a NaN is chosen only as the window's first element, as with the argmax 0
 * path, which keeps no indices). x is n x h x w x c, y is n x oh x ow x c;
 * argmax may be 0 (inference, avg, L2).
 */
export function f32_pool2d_nhwc(
  mode: i32, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, x: usize, y: usize, argmax: usize,
): void {
  if (mode == POOL_MAX) {
    if (argmax) pool2d(POOL_MAX, true, n, h, w, c, kh, kw, sh, sw, ph, pw, oh, ow, x, y, argmax);
    else pool2d(POOL_MAX, false, n, h, w, c, kh, kw, sh, sw, ph, pw, oh, ow, x, y, 0);
  } else if (mode == POOL_AVG) {
    pool2d(POOL_AVG, false, n, h, w, c, kh, kw, sh, sw, ph, pw, oh, ow, x, y, 0);
  } else {
    pool2d(POOL_L2, false, n, h, w, c, kh, kw, sh, sw, ph, pw, oh, ow, x, y, 0);
  }
}

/** One pooling mode, with or without argmax bookkeeping (both compile-time constants after inlining). */
// @ts-ignore: decorator
@inline function pool2d(
  mode: i32, track: bool, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, x: usize, y: usize, argmax: usize,
): void {
  const rowBytes: usize = <usize>(w * c) << 2;
  const pixBytes: usize = <usize>c << 2;
  let out = 0;
  for (let b = 0; b < n; b++) {
    const image = b * h;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(oy * sh - ph, 0);
      const y1 = min(oy * sh - ph + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(ox * sw - pw, 0);
        const x1 = min(ox * sw - pw + kw, w);
        const count = <f32>((y1 - y0) * (x1 - x0));
        // The window's first pixel, and its flat element index.
        const first = ((image + y0) * w + x0) * c;
        const corner = x + (<usize>first << 2);
        const o = y + (<usize>out << 2);
        let ch = 0;
        if (ASC_FEATURE_SIMD) {
          for (; ch + 4 <= c; ch += 4) {
            const cb: usize = <usize>ch << 2;
            let acc = v128.load(corner + cb);
            if (mode == POOL_AVG) acc = f32x4.splat(0);
            if (mode == POOL_L2) acc = f32x4.splat(0);
            let idx = i32x4.add(i32x4.splat(first + ch), i32x4(0, 1, 2, 3));
            let rowp = corner;
            for (let iy = y0; iy < y1; iy++) {
              let p = rowp + cb;
              for (let ix = x0; ix < x1; ix++) {
                const v = v128.load(p);
                if (mode == POOL_MAX) {
                  if (track) {
                    const better = f32x4.gt(v, acc);
                    acc = v128.bitselect(v, acc, better);
                    const lanes = i32x4.add(i32x4.splat(<i32>((p - x) >> 2)), i32x4(0, 1, 2, 3));
                    idx = v128.bitselect(lanes, idx, better);
                  } else {
                    acc = f32x4.pmax(acc, v);
                  }
                } else if (mode == POOL_AVG) {
                  acc = f32x4.add(acc, v);
                } else {
                  acc = f32x4.add(acc, f32x4.mul(v, v));
                }
                p += pixBytes;
              }
              rowp += rowBytes;
            }
            if (mode == POOL_MAX) {
              v128.store(o + cb, acc);
              if (track) v128.store(argmax + (<usize>out << 2) + cb, idx);
            } else if (mode == POOL_AVG) {
              v128.store(o + cb, f32x4.div(acc, f32x4.splat(count)));
            } else {
              v128.store(o + cb, f32x4.sqrt(acc));
            }
          }
        }
        for (; ch < c; ch++) {
          const cb: usize = <usize>ch << 2;
          let acc: f32 = mode == POOL_MAX ? load<f32>(corner + cb) : 0;
          let idx = first + ch;
          let rowp = corner;
          for (let iy = y0; iy < y1; iy++) {
            let p = rowp + cb;
            for (let ix = x0; ix < x1; ix++) {
              const v = load<f32>(p);
              if (mode == POOL_MAX) {
                if (v > acc) {
                  acc = v;
                  if (track) idx = <i32>((p - x) >> 2);
                }
              } else if (mode == POOL_AVG) {
                acc += v;
              } else {
                acc += v * v;
              }
              p += pixBytes;
            }
            rowp += rowBytes;
          }
          if (mode == POOL_MAX) {
            store<f32>(o + cb, acc);
            if (track) store<i32>(argmax + (<usize>out << 2) + cb, idx);
          } else if (mode == POOL_AVG) {
            store<f32>(o + cb, acc / count);
          } else {
            store<f32>(o + cb, sqrt<f32>(acc));
          }
        }
        out += c;
      }
    }
  }
}

/** Max-pooling backward: dx = 0, then dx[argmax[i]] += dy[i] for the m outputs. */
export function f32_maxpool_backward(m: i32, nx: i32, dy: usize, argmax: usize, dx: usize): void {
  memory.fill(dx, 0, <usize>nx << 2);
  for (let i = 0; i < m; i++) {
    const j = load<i32>(argmax + (<usize>i << 2));
    const p = dx + (<usize>j << 2);
    store<f32>(p, load<f32>(p) + load<f32>(dy + (<usize>i << 2)));
  }
}

/**
 * Average / L2 pooling backward: dx = 0, then each window element receives
 * dy / count (average) or dy * x / y (L2; 0 where y = 0).
 */
export function f32_pool2d_backward_nhwc(
  mode: i32, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, x: usize, y: usize, dy: usize, dx: usize,
): void {
  memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(oy * sh - ph, 0);
      const y1 = min(oy * sh - ph + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(ox * sw - pw, 0);
        const x1 = min(ox * sw - pw + kw, w);
        const inv = <f32>1.0 / <f32>((y1 - y0) * (x1 - x0));
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const base = ((b * h + iy) * w + ix) * c;
            let ch = 0;
            if (ASC_FEATURE_SIMD) {
              for (; ch + 4 <= c; ch += 4) {
                const o = (<usize>(out + ch)) << 2;
                const d = dx + (<usize>(base + ch) << 2);
                let g: v128;
                if (mode == POOL_AVG) {
                  g = f32x4.mul(v128.load(dy + o), f32x4.splat(inv));
                } else {
                  const yv = v128.load(y + o);
                  const q = f32x4.div(f32x4.mul(v128.load(dy + o), v128.load(x + (<usize>(base + ch) << 2))), yv);
                  g = v128.and(q, f32x4.gt(yv, f32x4.splat(0)));
                }
                v128.store(d, f32x4.add(v128.load(d), g));
              }
            }
            for (; ch < c; ch++) {
              const o = (<usize>(out + ch)) << 2;
              const d = dx + (<usize>(base + ch) << 2);
              let g: f32;
              if (mode == POOL_AVG) {
                g = load<f32>(dy + o) * inv;
              } else {
                const yv = load<f32>(y + o);
                g = yv > 0 ? (load<f32>(dy + o) * load<f32>(x + (<usize>(base + ch) << 2))) / yv : 0;
              }
              store<f32>(d, load<f32>(d) + g);
            }
          }
        }
        out += c;
      }
    }
  }
}

/** Global average pooling: y[b, ch] = mean over the hw pixels of x[b, :, ch]. */
export function f32_global_avgpool(n: i32, hw: i32, c: i32, x: usize, y: usize): void {
  const inv = <f32>1.0 / <f32>hw;
  for (let b = 0; b < n; b++) {
    const yb = y + ((<usize>b * <usize>c) << 2);
    f32_fill(c, yb, 0);
    for (let p = 0; p < hw; p++) f32_add(c, yb, x + ((<usize>(b * hw + p) * <usize>c) << 2), yb);
    f32_scale(c, yb, yb, inv, 0);
  }
}

/** Global average pooling backward: dx[b, p, ch] = dy[b, ch] / hw. */
export function f32_global_avgpool_backward(n: i32, hw: i32, c: i32, dy: usize, dx: usize): void {
  const inv = <f32>1.0 / <f32>hw;
  for (let b = 0; b < n; b++) {
    const g = dy + ((<usize>b * <usize>c) << 2);
    for (let p = 0; p < hw; p++) f32_scale(c, g, dx + ((<usize>(b * hw + p) * <usize>c) << 2), inv, 0);
  }
}

/**
 * Nearest-neighbour upsampling of NHWC x [n, h, w, c] by (sh, sw) into
 * y [n, h·sh, w·sw, c]: every input pixel's channel vector repeated over an
 * sh × sw block (Keras UpSampling2D, interpolation 'nearest').
 */
export function f32_upsample2d_nhwc(n: i32, h: i32, w: i32, c: i32, sh: i32, sw: i32, x: usize, y: usize): void {
  const pix = <usize>c << 2;
  const rowOut = <usize>w * <usize>sw * pix;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const xr = x + (((<usize>b * <usize>h + <usize>i) * <usize>w) * pix);
      const yr = y + ((<usize>b * <usize>h + <usize>i) * <usize>sh) * rowOut;
      for (let j = 0; j < w; j++) {
        const src = xr + <usize>j * pix;
        const dst = yr + <usize>j * <usize>sw * pix;
        for (let s = 0; s < sw; s++) memory.copy(dst + <usize>s * pix, src, pix);
      }
      for (let r = 1; r < sh; r++) memory.copy(yr + <usize>r * rowOut, yr, rowOut);
    }
  }
}

/** Backward of f32_upsample2d_nhwc: dx[n, i, j, :] = Σ over its sh × sw block of dy. */
export function f32_upsample2d_backward_nhwc(n: i32, h: i32, w: i32, c: i32, sh: i32, sw: i32, dy: usize, dx: usize): void {
  const pix = <usize>c << 2;
  const rowOut = <usize>w * <usize>sw * pix;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const yr = dy + ((<usize>b * <usize>h + <usize>i) * <usize>sh) * rowOut;
      for (let j = 0; j < w; j++) {
        const out = dx + (((<usize>b * <usize>h + <usize>i) * <usize>w + <usize>j) * pix);
        const blk = yr + <usize>j * <usize>sw * pix;
        let k = 0;
        if (ASC_FEATURE_SIMD) {
          for (; k + 4 <= c; k += 4) {
            const o = <usize>k << 2;
            let acc = f32x4.splat(0);
            for (let r = 0; r < sh; r++) for (let s = 0; s < sw; s++) acc = f32x4.add(acc, v128.load(blk + <usize>r * rowOut + <usize>s * pix + o));
            v128.store(out + o, acc);
          }
        }
        for (; k < c; k++) {
          const o = <usize>k << 2;
          let acc: f32 = 0;
          for (let r = 0; r < sh; r++) for (let s = 0; s < sw; s++) acc += load<f32>(blk + <usize>r * rowOut + <usize>s * pix + o);
          store<f32>(out + o, acc);
        }
      }
    }
  }
}
