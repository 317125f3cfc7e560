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
 * receives the flat index into x of the chosen element (first maximum on ties).
 * x is n x h x w x c, y is n x oh x ow x c; argmax may be 0 for avg / L2.
 */
export function f32_pool2d_nhwc(
  mode: i32, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, x: usize, y: usize, argmax: usize,
): void {
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(oy * sh - ph, 0);
      const y1 = min(oy * sh - ph + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(ox * sw - pw, 0);
        const x1 = min(ox * sw - pw + kw, w);
        const count = <f32>((y1 - y0) * (x1 - x0));
        let ch = 0;
        if (ASC_FEATURE_SIMD) {
          for (; ch + 4 <= c; ch += 4) {
            let acc = f32x4.splat(mode == POOL_MAX ? -Infinity : 0);
            let idx = i32x4.splat(-1);
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const flat = ((b * h + iy) * w + ix) * c + ch;
                const v = v128.load(x + (<usize>flat << 2));
                if (mode == POOL_MAX) {
                  const better = v128.or(f32x4.gt(v, acc), i32x4.eq(idx, i32x4.splat(-1)));
                  acc = v128.bitselect(v, acc, better);
                  const lanes = i32x4.add(i32x4.splat(flat), i32x4(0, 1, 2, 3));
                  idx = v128.bitselect(lanes, idx, better);
                } else if (mode == POOL_AVG) {
                  acc = f32x4.add(acc, v);
                } else {
                  acc = f32x4.add(acc, f32x4.mul(v, v));
                }
              }
            }
            const o = (<usize>(out + ch)) << 2;
            if (mode == POOL_MAX) {
              v128.store(y + o, acc);
              v128.store(argmax + o, idx);
            } else if (mode == POOL_AVG) {
              v128.store(y + o, f32x4.div(acc, f32x4.splat(count)));
            } else {
              v128.store(y + o, f32x4.sqrt(acc));
            }
          }
        }
        for (; ch < c; ch++) {
          let acc: f32 = mode == POOL_MAX ? -Infinity : 0;
          let idx = -1;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const flat = ((b * h + iy) * w + ix) * c + ch;
              const v = load<f32>(x + (<usize>flat << 2));
              if (mode == POOL_MAX) {
                if (v > acc || idx < 0) {
                  acc = v;
                  idx = flat;
                }
              } else if (mode == POOL_AVG) {
                acc += v;
              } else {
                acc += v * v;
              }
            }
          }
          const o = (<usize>(out + ch)) << 2;
          if (mode == POOL_MAX) {
            store<f32>(y + o, acc);
            store<i32>(argmax + o, idx);
          } else if (mode == POOL_AVG) {
            store<f32>(y + o, acc / count);
          } else {
            store<f32>(y + o, sqrt<f32>(acc));
          }
        }
        out += c;
      }
    }
  }
}

/** Max-pooling backward: dx = 0, then dx[argmax[i]] += dy[i] for the m outputs. */
export function f32_maxpool_backward(m: i32, dy: usize, argmax: usize, nx: i32, dx: usize): void {
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
    f32_fill(c, 0, yb);
    for (let p = 0; p < hw; p++) f32_add(c, yb, x + ((<usize>(b * hw + p) * <usize>c) << 2), yb);
    f32_scale(c, inv, 0, yb, yb);
  }
}

/** Global average pooling backward: dx[b, p, ch] = dy[b, ch] / hw. */
export function f32_global_avgpool_backward(n: i32, hw: i32, c: i32, dy: usize, dx: usize): void {
  const inv = <f32>1.0 / <f32>hw;
  for (let b = 0; b < n; b++) {
    const g = dy + ((<usize>b * <usize>c) << 2);
    for (let p = 0; p < hw; p++) f32_scale(c, inv, 0, g, dx + ((<usize>(b * hw + p) * <usize>c) << 2));
  }
}
