import type { Backend } from '../runtime/backend.js';

// One fused pass each over parameters w, gradients g and the optimizer's
// state, all n floats in the same layout; weight decay wd adds wd · w to g.

/** Options of sgd(): w −= lr (g + wd w). */
export interface SgdOptions {
  n: number;
  w: number;
  g: number;
  lr: number;
  /** Default 0. */
  wd?: number;
}

/** Options of momentum(): v = mu v − lr g'; w += v (Nesterov: w += mu v − lr g'). */
export interface MomentumOptions {
  n: number;
  w: number;
  g: number;
  /** Velocity. */
  v: number;
  lr: number;
  mu: number;
  /** Default 0. */
  wd?: number;
  /** Default false. */
  nesterov?: boolean;
}

/** Options of adam(). */
export interface AdamOptions {
  n: number;
  w: number;
  g: number;
  /** First moment. */
  m: number;
  /** Second moment. */
  v: number;
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  /** Default 0. */
  wd?: number;
  /** Bias correction 1 − b1^t. */
  bc1: number;
  /** Bias correction 1 − b2^t. */
  bc2: number;
}

/** Options of rmsprop(). */
export interface RmspropOptions {
  n: number;
  w: number;
  g: number;
  /** Mean square of the gradient. */
  ms: number;
  lr: number;
  rho: number;
  eps: number;
  /** Default 0. */
  wd?: number;
}

/** Plain gradient descent. */
export function sgd(be: Backend, o: SgdOptions): void {
  be.abi.f32_sgd(o.n, o.g, o.w, o.lr, o.wd ?? 0);
}

/** Momentum (Keras form), optionally Nesterov. */
export function momentum(be: Backend, o: MomentumOptions): void {
  be.abi.f32_momentum(o.nesterov ? 1 : 0, o.n, o.g, o.w, o.v, o.lr, o.mu, o.wd ?? 0);
}

/** Adam (Kingma and Ba) with the caller's bias corrections. */
export function adam(be: Backend, o: AdamOptions): void {
  be.abi.f32_adam(o.n, o.g, o.w, o.m, o.v, o.lr, o.b1, o.b2, o.eps, o.wd ?? 0, o.bc1, o.bc2);
}

/** RMSProp. */
export function rmsprop(be: Backend, o: RmspropOptions): void {
  be.abi.f32_rmsprop(o.n, o.g, o.w, o.ms, o.lr, o.rho, o.eps, o.wd ?? 0);
}

/** Options of adagrad(): acc += g'^2; w -= lr g' / sqrt(acc + eps). */
export interface AdagradOptions {
  n: number;
  w: number;
  g: number;
  /** Accumulated squared gradients. */
  acc: number;
  lr: number;
  eps: number;
  /** Default 0. */
  wd?: number;
}

/** Adagrad. */
export function adagrad(be: Backend, o: AdagradOptions): void {
  be.abi.f32_adagrad(o.n, o.g, o.w, o.acc, o.lr, o.eps, o.wd ?? 0);
}

/** Options of adadelta(). */
export interface AdadeltaOptions {
  n: number;
  w: number;
  g: number;
  /** Running mean of squared gradients. */
  ag: number;
  /** Running mean of squared updates. */
  au: number;
  lr: number;
  rho: number;
  eps: number;
  /** Default 0. */
  wd?: number;
}

/** Adadelta. */
export function adadelta(be: Backend, o: AdadeltaOptions): void {
  be.abi.f32_adadelta(o.n, o.g, o.w, o.ag, o.au, o.lr, o.rho, o.eps, o.wd ?? 0);
}

/** Options of adamax(). */
export interface AdamaxOptions {
  n: number;
  w: number;
  g: number;
  /** First moment. */
  m: number;
  /** Exponentially weighted infinity norm. */
  u: number;
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  /** Default 0. */
  wd?: number;
  /** Bias correction 1 − b1^t. */
  bc1: number;
}

/** Adamax with the caller's bias correction. */
export function adamax(be: Backend, o: AdamaxOptions): void {
  be.abi.f32_adamax(o.n, o.g, o.w, o.m, o.u, o.lr, o.b1, o.b2, o.eps, o.wd ?? 0, o.bc1);
}
