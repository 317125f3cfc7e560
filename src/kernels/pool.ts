import type { Backend } from '../runtime/backend.js';
import type { WindowGeometry } from './geometry.js';

/** Options of pool2d(): max, average or L2 pooling over NHWC windows. */
export interface PoolOptions {
  /** Pooling mode (POOL). */
  mode: number;
  /** Images in x. */
  batch: number;
  /** Input and output sizes and the leading padding. */
  geometry: WindowGeometry;
  /** Window [kh, kw]. */
  window: readonly [number, number];
  /** Strides [sh, sw]. */
  strides: readonly [number, number];
  /** Input, batch x h x w x c. */
  x: number;
  /** Output, batch x oh x ow x c. */
  y: number;
  /** Max pooling: receives each output's flat input index (i32), for maxPoolBackward(); 0 (the default) keeps none. */
  argmax?: number;
}

/** Options of pool2dBackward(): average or L2 pooling's input gradient. */
export interface PoolBackwardOptions {
  /** Pooling mode (POOL.avg or POOL.l2). */
  mode: number;
  /** Images. */
  batch: number;
  /** The forward pass's geometry. */
  geometry: WindowGeometry;
  /** Window [kh, kw]. */
  window: readonly [number, number];
  /** Strides [sh, sw]. */
  strides: readonly [number, number];
  /** The forward pass's input. */
  x: number;
  /** The forward pass's output. */
  y: number;
  /** Gradient of the output. */
  dy: number;
  /** Gradient of the input (overwritten). */
  dx: number;
}

/** Options of maxPoolBackward(): dy scattered to the argmax of every output. */
export interface MaxPoolBackwardOptions {
  /** Images. */
  batch: number;
  /** The forward pass's geometry. */
  geometry: WindowGeometry;
  /** Gradient of the output, batch x oh x ow x c. */
  dy: number;
  /** The argmax pool2d() recorded. */
  argmax: number;
  /** Gradient of the input, batch x h x w x c (overwritten). */
  dx: number;
}

/** Options of globalAvgPool(): the mean over each image's pixels. */
export interface GlobalAvgPoolOptions {
  /** Images. */
  batch: number;
  /** Pixels per image. */
  hw: number;
  /** Channels. */
  c: number;
  /** Input, batch x hw x c. */
  x: number;
  /** Output, batch x c. */
  y: number;
}

/** Options of globalAvgPoolBackward(). */
export interface GlobalAvgPoolBackwardOptions {
  /** Images. */
  batch: number;
  /** Pixels per image. */
  hw: number;
  /** Channels. */
  c: number;
  /** Gradient of the output, batch x c. */
  dy: number;
  /** Gradient of the input, batch x hw x c (overwritten). */
  dx: number;
}

/** Pools every window of x into y ('same' windows at the edge use only the pixels inside the image). */
export function pool2d(be: Backend, o: PoolOptions): void {
  const g = o.geometry;
  be.abi.f32_pool2d_nhwc(
    o.mode, o.batch, g.h, g.w, g.c, o.window[0], o.window[1], o.strides[0], o.strides[1], g.ph, g.pw, g.oh, g.ow, o.x, o.y, o.argmax ?? 0,
  );
}

/** The input gradient of average or L2 pooling. */
export function pool2dBackward(be: Backend, o: PoolBackwardOptions): void {
  const g = o.geometry;
  be.abi.f32_pool2d_backward_nhwc(
    o.mode, o.batch, g.h, g.w, g.c, o.window[0], o.window[1], o.strides[0], o.strides[1], g.ph, g.pw, g.oh, g.ow, o.x, o.y, o.dy, o.dx,
  );
}

/** The input gradient of max pooling: zero, then each output's gradient added at its argmax. */
export function maxPoolBackward(be: Backend, o: MaxPoolBackwardOptions): void {
  const g = o.geometry;
  be.abi.f32_maxpool_backward(o.batch * g.oh * g.ow * g.c, o.batch * g.h * g.w * g.c, o.dy, o.argmax, o.dx);
}

/** y[b, ch] = mean over the hw pixels of x[b, :, ch]. */
export function globalAvgPool(be: Backend, o: GlobalAvgPoolOptions): void {
  be.abi.f32_global_avgpool(o.batch, o.hw, o.c, o.x, o.y);
}

/** dx[b, p, ch] = dy[b, ch] / hw. */
export function globalAvgPoolBackward(be: Backend, o: GlobalAvgPoolBackwardOptions): void {
  be.abi.f32_global_avgpool_backward(o.batch, o.hw, o.c, o.dy, o.dx);
}

/** Options of upsample2d() and upsample2dBackward(): NHWC [n, h, w, c] inputs, (sh, sw) factors. */
export interface Upsample2dOptions {
  n: number;
  h: number;
  w: number;
  c: number;
  sh: number;
  sw: number;
  /** Input [n, h, w, c] (forward) or its gradient (backward, written). */
  x: number;
  /** Output [n, h·sh, w·sw, c] (forward, written) or its gradient (backward). */
  y: number;
}

/** Nearest-neighbour upsampling: each pixel repeated over an sh × sw block. */
export function upsample2d(be: Backend, o: Upsample2dOptions): void {
  be.abi.f32_upsample2d_nhwc(o.n, o.h, o.w, o.c, o.sh, o.sw, o.x, o.y);
}

/** Gradient of upsample2d: x = the sum of y over each block. */
export function upsample2dBackward(be: Backend, o: Upsample2dOptions): void {
  be.abi.f32_upsample2d_backward_nhwc(o.n, o.h, o.w, o.c, o.sh, o.sw, o.y, o.x);
}
