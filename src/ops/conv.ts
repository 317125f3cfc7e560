import { Tensor, empty, fmt, type TensorLike } from '../tensor.js';
import { checkOptions } from '../util/options.js';
import { POOL, type ActivationName } from '../runtime/abi.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { axisGeometry, checkPadding, pair, type Padding } from '../layers/geometry.js';
import type { ConvWindow } from '../kernels/geometry.js';
import { conv2dIgemm } from '../kernels/conv.js';
import { pool2d as poolKernel } from '../kernels/pool.js';
import { arg, release, type Arg } from './util.js';
import { activationId, defaultAlpha } from './matmul.js';

/** Options of conv2d() (TensorFlow.js names). */
export interface Conv2dOptions {
  /** Step between windows: a number or [sh, sw]. Default 1. */
  strides?: number | [number, number];
  /** 'valid' (no padding, the default) or 'same' (out = ceil(in / stride), TensorFlow's split). */
  padding?: Padding;
  /** Dilation of the window: a number or [dh, dw]. Default 1; not with strides > 1. */
  dilations?: number | [number, number];
  /** A length-f vector added to every output pixel (fused into the kernel). */
  bias?: Tensor | TensorLike;
  /** An activation applied to the result (relu fused into the kernel). Default 'linear'. */
  activation?: ActivationName;
  /** Slope for leakyRelu / scale for elu. Default 0.2 for leakyRelu, 1 for elu. */
  alpha?: number;
}

/** Options of maxPool2d() and avgPool2d(). */
export interface Pool2dOptions {
  /** Window size: a number or [kh, kw]. Default 2. */
  poolSize?: number | [number, number];
  /** Step between windows; default the pool size. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (windows at the edge use only the pixels inside the image). */
  padding?: Padding;
}

/** x as NHWC: rank 4 [n, h, w, c], or rank 3 [h, w, c] for one image. */
function images(op: string, X: Arg): { n: number; h: number; w: number; c: number; batched: boolean } {
  const s = X.t.shape;
  if (s.length === 4) return { n: s[0], h: s[1], w: s[2], c: s[3], batched: true };
  if (s.length === 3) return { n: 1, h: s[0], w: s[1], c: s[2], batched: false };
  throw new ShapeError(`${op}: x must have rank 4 [batch, height, width, channels] or 3 [height, width, channels], got shape ${fmt(s)}`);
}

function options(op: string, o: unknown): Record<string, unknown> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ValueError(`${op}: options must be an object, got ${describe(o)}`);
  const known = op === 'conv2d' ? ['strides', 'dilations', 'padding', 'activation', 'alpha', 'bias'] : ['poolSize', 'strides', 'padding'];
  return checkOptions(op, o as Record<string, unknown>, known, 'options');
}

/**
 * 2D convolution of NHWC images with a [kh, kw, inC, outC] filter (Keras and
 * TensorFlow.js layout): act(conv(x, filter) + bias), as the Conv2D layer's
 * forward pass runs it (an implicit GEMM that reads x in place; a padded
 * convolution reads a zero-bordered copy). Returns a new [n, oh, ow, outC]
 * tensor ([oh, ow, outC] for a rank-3 x).
 */
export function conv2d(x: Tensor | TensorLike, filter: Tensor | TensorLike, opts: Conv2dOptions = {}): Tensor {
  const o = options('conv2d', opts);
  const X = arg('conv2d', 'x', x);
  let F: Arg | undefined;
  let B: Arg | undefined;
  try {
    F = arg('conv2d', 'filter', filter, X.t.backend);
    const { n, h, w, c, batched } = images('conv2d', X);
    if (F.t.rank !== 4) throw new ShapeError(`conv2d: filter must have rank 4 [height, width, inChannels, outChannels], got shape ${fmt(F.t.shape)}`);
    const [kh, kw, fc, f] = F.t.shape;
    if (fc !== c) throw new ShapeError(`conv2d: filter has ${fc} input channels (shape ${fmt(F.t.shape)}) but x has ${c} (shape ${fmt(X.t.shape)})`);
    const [sh, sw] = pair('conv2d', 'strides', o.strides ?? 1, 2);
    const [dh, dw] = pair('conv2d', 'dilations', o.dilations ?? 1, 2);
    if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) throw new ValueError(`conv2d: strides > 1 together with dilations > 1 is not supported (as in TensorFlow.js)`);
    const padding = checkPadding('conv2d', o.padding ?? 'valid');
    const activation = (o.activation ?? 'linear') as ActivationName;
    const act = activationId('conv2d', activation);
    const alpha = o.alpha ?? defaultAlpha(activation);
    if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new ValueError(`conv2d: alpha must be a finite number, got ${describe(alpha)}`);
    const gy = axisGeometry('conv2d', h, kh, sh, dh, padding);
    const gx = axisGeometry('conv2d', w, kw, sw, dw, padding);
    if (o.bias !== undefined) {
      B = arg('conv2d', 'bias', o.bias as Tensor | TensorLike, X.t.backend);
      if (B.t.rank !== 1 || B.t.shape[0] !== f) throw new ShapeError(`conv2d: bias must have shape [${f}], got ${fmt(B.t.shape)}`);
    }
    const be = X.t.backend;
    const window: ConvWindow = {
      h, w, c, oh: gy.out, ow: gx.out, ph: gy.padBefore, pw: gx.padBefore, kernel: [kh, kw], strides: [sh, sw], dilation: [dh, dw],
    };
    const out = empty(batched ? [n, gy.out, gx.out, f] : [gy.out, gx.out, f], be);
    try {
      conv2dIgemm(be, { batch: n, geometry: window, x: X.t.ptr, kernel: F.t.ptr, filters: f, y: out.ptr, bias: B ? B.t.ptr : 0, act, actAlpha: alpha });
    } catch (err) {
      out.dispose(); // growing the scratch failed: leave nothing behind
      throw err;
    }
    return out;
  } finally {
    release(X, F, B);
  }
}

function pool2d(op: string, mode: number, x: Tensor | TensorLike, opts: Pool2dOptions): Tensor {
  const o = options(op, opts);
  const X = arg(op, 'x', x);
  try {
    const { n, h, w, c, batched } = images(op, X);
    const [kh, kw] = pair(op, 'poolSize', o.poolSize ?? 2, 2);
    const [sh, sw] = o.strides === undefined ? [kh, kw] : pair(op, 'strides', o.strides, 2);
    const padding = checkPadding(op, o.padding ?? 'valid');
    const gy = axisGeometry(op, h, kh, sh, 1, padding);
    const gx = axisGeometry(op, w, kw, sw, 1, padding);
    const out = empty(batched ? [n, gy.out, gx.out, c] : [gy.out, gx.out, c], X.t.backend);
    const geometry = { h, w, c, oh: gy.out, ow: gx.out, ph: gy.padBefore, pw: gx.padBefore };
    poolKernel(X.t.backend, { mode, batch: n, geometry, window: [kh, kw], strides: [sh, sw], x: X.t.ptr, y: out.ptr });
    return out;
  } finally {
    release(X);
  }
}

/** Max pooling over NHWC images (rank 4, or rank 3 for one image); returns a new tensor. */
export function maxPool2d(x: Tensor | TensorLike, opts: Pool2dOptions = {}): Tensor {
  return pool2d('maxPool2d', POOL.max, x, opts);
}

/** Average pooling over NHWC images ('same' windows at the edge average only the pixels inside). */
export function avgPool2d(x: Tensor | TensorLike, opts: Pool2dOptions = {}): Tensor {
  return pool2d('avgPool2d', POOL.avg, x, opts);
}
