import type { Backend } from '../runtime/backend.js';
import type { UnaryOptions } from './elementwise.js';

// Each loss returns its sum over elements (or rows) in float64 and writes the
// gradient times gradScale when a gradient pointer is given.

/** Options of mse(): Σ (y − t)²; dy = gradScale · 2 (y − t). */
export interface MseOptions {
  n: number;
  y: number;
  t: number;
  /** Gradient output, or 0 (the default) for the value only; may alias y. */
  dy?: number;
  /** Default 1. */
  gradScale?: number;
}

/** Options of bce(): binary cross-entropy from probabilities clipped to [eps, 1 − eps]. */
export interface BceOptions {
  n: number;
  p: number;
  t: number;
  /** Gradient output, or 0 (the default). */
  dy?: number;
  /** Default 1. */
  gradScale?: number;
  eps: number;
}

/** Options of bceLogits(): binary cross-entropy from logits, fused with the sigmoid. */
export interface BceLogitsOptions {
  n: number;
  z: number;
  t: number;
  /** Gradient with respect to z, or 0 (the default). */
  dz?: number;
  /** Default 1. */
  gradScale?: number;
}

/** Options of softmaxCrossEntropy(): softmax fused with categorical cross-entropy over m rows of n logits. */
export interface SoftmaxCrossEntropyOptions {
  m: number;
  n: number;
  z: number;
  /** Target distributions, m x n; or 0 (the default) to use labels. */
  targets?: number;
  /** Integer class labels (i32), read when targets is 0. */
  labels?: number;
  /** Softmax output, or 0 (the default). */
  probs?: number;
  /** Gradient gradScale · (p − t), or 0 (the default); may alias z. */
  dz?: number;
  /** Default 1. */
  gradScale?: number;
}

/** Σ (y − t)², with its gradient. */
export function mse(be: Backend, o: MseOptions): number {
  return be.abi.f32_mse(o.n, o.y, o.t, o.dy ?? 0, o.gradScale ?? 1);
}

/** Binary cross-entropy from probabilities, with its gradient. */
export function bce(be: Backend, o: BceOptions): number {
  return be.abi.f32_bce(o.n, o.p, o.t, o.dy ?? 0, o.gradScale ?? 1, o.eps);
}

/** Binary cross-entropy from logits (stable for any z), with its gradient. */
export function bceLogits(be: Backend, o: BceLogitsOptions): number {
  return be.abi.f32_bce_logits(o.n, o.z, o.t, o.dz ?? 0, o.gradScale ?? 1);
}

/** Softmax + categorical cross-entropy summed over rows; −1 when a label is out of range. */
export function softmaxCrossEntropy(be: Backend, o: SoftmaxCrossEntropyOptions): number {
  return be.abi.f32_softmax_ce(o.m, o.n, o.z, o.targets ?? 0, o.labels ?? 0, o.probs ?? 0, o.dz ?? 0, o.gradScale ?? 1);
}

/** y = log(x), computed in wasm (the same bits on every engine). */
export function log(be: Backend, o: UnaryOptions): void {
  be.abi.f32_log(o.n, o.x, o.y);
}

/** The losses of pointwiseLoss(), matching assembly/loss.ts. */
export const POINTWISE_LOSS = { meanAbsoluteError: 0, huber: 1, logCosh: 2, hinge: 3, kullbackLeiblerDivergence: 4 } as const;

/** Options of pointwiseLoss(). */
export interface PointwiseLossOptions {
  kind: keyof typeof POINTWISE_LOSS;
  n: number;
  y: number;
  t: number;
  /** Gradient with respect to y (written), or 0. */
  dy?: number;
  /** Default 1. */
  gradScale?: number;
  /** Huber's threshold. Default 1. */
  delta?: number;
  /** Kullback-Leibler's clip. Default 1e-7. */
  eps?: number;
}

/** Σ over the outputs of a pointwise loss term (mean absolute error, Huber, log-cosh, hinge, Kullback-Leibler), with its gradient. */
export function pointwiseLoss(be: Backend, o: PointwiseLossOptions): number {
  return be.abi.f32_pointwise_loss(POINTWISE_LOSS[o.kind], o.n, o.y, o.t, o.dy ?? 0, o.gradScale ?? 1, o.delta ?? 1, o.eps ?? 1e-7);
}
