import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt } from '../tensor.js';
import type { WindowGeometry } from '../kernels/geometry.js';

/** Padding modes (Keras): 'valid' uses no padding, 'same' pads so out = ceil(in / stride). */
export type Padding = 'valid' | 'same';

/** Output size and leading padding along one axis. */
export interface AxisGeometry {
  out: number;
  padBefore: number;
}

/**
 * Output length of a convolution or pooling window along one axis, with
 * TensorFlow's 'same' rule: total padding max((out - 1) s + (k - 1) d + 1 - in, 0),
 * the smaller half before.
 */
export function axisGeometry(op: string, inSize: number, k: number, stride: number, dilation: number, padding: Padding): AxisGeometry {
  const ek = (k - 1) * dilation + 1;
  if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + ek - inSize, 0);
    return { out, padBefore: Math.floor(total / 2) };
  }
  const out = Math.floor((inSize - ek) / stride) + 1;
  if (out < 1) {
    throw new ShapeError(`${op}: a window of ${k}${dilation > 1 ? ` (dilated to ${ek})` : ''} does not fit an input of size ${inSize} with 'valid' padding`);
  }
  return { out, padBefore: 0 };
}

/** A positive integer, or a pair of them for 2D (a single number means both axes). */
export function pair(op: string, name: string, v: unknown, rank: 1 | 2): [number, number] {
  const ok = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 1 << 16;
  if (ok(v)) return rank === 1 ? [1, v as number] : [v as number, v as number];
  if (Array.isArray(v) && v.length === rank && v.every(ok)) return rank === 1 ? [1, v[0]] : [v[0], v[1]];
  throw new ValueError(`${op}: ${name} must be a positive integer${rank === 2 ? ' or a pair of them' : ''}, got ${describe(v)}`);
}

/** Validates a padding mode. */
export function checkPadding(op: string, v: unknown): Padding {
  if (v !== 'valid' && v !== 'same') throw new ValueError(`${op}: padding must be 'valid' or 'same', got ${describe(v)}`);
  return v;
}

/**
 * Window geometry of a convolution or pooling layer on a per-sample input:
 * [height, width, channels] for rank 2, [steps, channels] for rank 1 (height
 * 1, where the window is only along the steps).
 */
export function windowGeometry(
  layer: { name: string; className: string }, rank: 1 | 2, inputShape: readonly number[],
  window: [number, number], strides: [number, number], dilation: [number, number], padding: Padding,
): WindowGeometry {
  const want = rank === 1 ? '[steps, channels]' : '[height, width, channels]';
  if (inputShape.length !== rank + 1) throw new ShapeError(`${layer.name}: ${layer.className} expects per-sample input ${want}, got ${fmt(inputShape)}`);
  const [h, w, c] = rank === 1 ? [1, inputShape[0], inputShape[1]] : [inputShape[0], inputShape[1], inputShape[2]];
  const gy = axisGeometry(layer.name, h, window[0], strides[0], dilation[0], rank === 1 ? 'valid' : padding);
  const gx = axisGeometry(layer.name, w, window[1], strides[1], dilation[1], padding);
  return { h, w, c, oh: gy.out, ow: gx.out, ph: gy.padBefore, pw: gx.padBefore };
}
