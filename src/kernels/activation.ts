import type { Backend } from '../runtime/backend.js';
import type { UnaryOptions } from './elementwise.js';

/** Options of actForward(): y = act(x) elementwise. */
export interface ActForwardOptions {
  /** Activation id (ACT). */
  act: number;
  /** Elements. */
  n: number;
  x: number;
  /** May alias x. */
  y: number;
  /** Slope of leakyRelu, scale of elu. Default 0. */
  alpha?: number;
}

/** Options of actBackward(): dx = act'(x) · dy. */
export interface ActBackwardOptions {
  /** Activation id (ACT). */
  act: number;
  /** Elements. */
  n: number;
  /** The forward pass's input. */
  x: number;
  /** The forward pass's output. */
  y: number;
  dy: number;
  /** May alias dy. */
  dx: number;
  /** Slope of leakyRelu, scale of elu. Default 0. */
  alpha?: number;
}

/** Options of softmax(): row-wise softmax of an m x n matrix. */
export interface SoftmaxOptions {
  /** Rows. */
  m: number;
  /** Columns (row stride). */
  n: number;
  x: number;
  /** May alias x. */
  y: number;
}

/** Options of softmaxBackward(): dx = y · (dy − Σ dy·y) row-wise. */
export interface SoftmaxBackwardOptions {
  /** Rows. */
  m: number;
  /** Columns (row stride). */
  n: number;
  /** The forward pass's output. */
  y: number;
  dy: number;
  /** May alias dy. */
  dx: number;
}

/** y = act(x) elementwise. */
export function actForward(be: Backend, o: ActForwardOptions): void {
  be.abi.f32_act_forward(o.act, o.n, o.x, o.y, o.alpha ?? 0);
}

/** dx = act'(x) · dy elementwise, given the forward input x and output y. */
export function actBackward(be: Backend, o: ActBackwardOptions): void {
  be.abi.f32_act_backward(o.act, o.n, o.x, o.y, o.dy, o.dx, o.alpha ?? 0);
}

/** Numerically stable softmax of each row. */
export function softmax(be: Backend, o: SoftmaxOptions): void {
  be.abi.f32_softmax(o.m, o.n, o.x, o.y);
}

/** Softmax's input gradient, row-wise. */
export function softmaxBackward(be: Backend, o: SoftmaxBackwardOptions): void {
  be.abi.f32_softmax_backward(o.m, o.n, o.y, o.dy, o.dx);
}

/** y = exp(x), computed in wasm (the same bits on every engine). */
export function exp(be: Backend, o: UnaryOptions): void {
  be.abi.f32_exp(o.n, o.x, o.y);
}
