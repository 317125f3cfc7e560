import type { Backend } from '../runtime/backend.js';

// Batch normalization over the last axis of row-major [rows, c] blocks
// (Ioffe and Szegedy, 2015). Pointers are byte offsets; 0 marks an absent
// optional array.

/** Per-channel batch mean and (biased) variance of x [rows, c]. */
export function bnStats(be: Backend, o: { rows: number; c: number; x: number; mean: number; variance: number }): void {
  be.abi.f32_bn_stats(o.rows, o.c, o.x, o.mean, o.variance);
}

/** a = gamma / sqrt(variance + eps), b = beta − mean·a; invstd = 1 / sqrt(variance + eps) when given. */
export function bnCoeffs(
  be: Backend,
  o: { c: number; mean: number; variance: number; gamma: number; beta: number; eps: number; a: number; b: number; invstd?: number },
): void {
  be.abi.f32_bn_coeffs(o.c, o.mean, o.variance, o.gamma, o.beta, o.eps, o.a, o.b, o.invstd ?? 0);
}

/** y[r, j] = x[r, j]·a[j] + b[j]. */
export function channelAffine(be: Backend, o: { rows: number; c: number; x: number; a: number; b: number; y: number }): void {
  be.abi.f32_channel_affine(o.rows, o.c, o.x, o.a, o.b, o.y);
}

/** moving = moving·momentum + batch·(1 − momentum), for the mean and the variance. */
export function bnUpdateMoving(
  be: Backend,
  o: { c: number; mean: number; variance: number; movingMean: number; movingVariance: number; momentum: number },
): void {
  be.abi.f32_bn_update_moving(o.c, o.mean, o.variance, o.movingMean, o.movingVariance, o.momentum);
}

/** Training-mode backward: sums = [Σ dy, Σ dy·xhat] per channel (2c floats); dx when given. */
export function bnBackward(
  be: Backend,
  o: { rows: number; c: number; x: number; dy: number; mean: number; invstd: number; gamma: number; sums: number; dx: number },
): void {
  be.abi.f32_bn_backward(o.rows, o.c, o.x, o.dy, o.mean, o.invstd, o.gamma, o.sums, o.dx);
}
