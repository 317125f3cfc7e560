import type { KernelExports, KernelFunction, KernelSignature } from './abi.js';

/**
 * The kernels whose arguments were in another order before assembly/index.ts
 * wrote one order down for all, with that earlier order. Backend.kernels
 * serves them in it, so code that still calls kernels by position keeps
 * computing what it did; the parameter names are those of KERNEL_SIGNATURES.
 */
export const LEGACY_SIGNATURES = {
  f32_gemm: {
    params: ['transA', 'transB', 'm', 'n', 'k', 'alpha', 'a', 'lda', 'b', 'ldb', 'beta', 'c', 'ldc', 'bias', 'act', 'actAlpha', 'work'],
    result: 'void',
  },
  f32_conv2d_igemm_nhwc: {
    params: ['n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'oh', 'ow', 'x', 'kernel', 'f', 'bias', 'act', 'actAlpha', 'y', 'work'],
    result: 'void',
  },
  f32_conv2d_igemm_maxpool2_nhwc: {
    params: ['n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'oh', 'ow', 'x', 'kernel', 'f', 'bias', 'act', 'y', 'work'],
    result: 'void',
  },
  f32_conv2d_filter_grad_nhwc: {
    params: ['n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'oh', 'ow', 'x', 'dy', 'f', 'dW', 'work'],
    result: 'void',
  },
  f32_axpy: { params: ['n', 'alpha', 'x', 'y'], result: 'void' },
  f32_scale: { params: ['n', 'alpha', 'beta', 'x', 'y'], result: 'void' },
  f32_fill: { params: ['n', 'value', 'y'], result: 'void' },
  f32_clip: { params: ['n', 'lo', 'hi', 'x', 'y'], result: 'void' },
  f32_colsum: { params: ['m', 'n', 'x', 'ldx', 'beta', 'out'], result: 'void' },
  f32_sgd: { params: ['n', 'w', 'g', 'lr', 'wd'], result: 'void' },
  f32_momentum: { params: ['n', 'w', 'g', 'v', 'lr', 'mu', 'wd', 'nesterov'], result: 'void' },
  f32_adam: { params: ['n', 'w', 'g', 'm', 'v', 'lr', 'b1', 'b2', 'eps', 'wd', 'bc1', 'bc2'], result: 'void' },
  f32_rmsprop: { params: ['n', 'w', 'g', 'ms', 'lr', 'rho', 'eps', 'wd'], result: 'void' },
  f32_rand_uniform: { params: ['state', 'n', 'lo', 'hi', 'out'], result: 'void' },
  f32_rand_normal: { params: ['state', 'n', 'mean', 'std', 'out'], result: 'void' },
  f32_rand_bernoulli: { params: ['state', 'n', 'p', 'out'], result: 'void' },
  f32_dropout_mask: { params: ['state', 'n', 'keep', 'out'], result: 'void' },
  f32_maxpool_backward: { params: ['m', 'dy', 'argmax', 'nx', 'dx'], result: 'void' },
} as const satisfies Record<string, KernelSignature>;

/** The kernel exports with LEGACY_SIGNATURES' argument orders; every other kernel as it is. */
export type LegacyKernelExports = Omit<KernelExports, keyof typeof LEGACY_SIGNATURES> & {
  readonly [K in keyof typeof LEGACY_SIGNATURES]: KernelFunction<(typeof LEGACY_SIGNATURES)[K]>;
};

/** The exports of `k` with the reordered kernels taking LEGACY_SIGNATURES' order (one closure each; nothing allocated per call). */
export function legacyKernels(k: KernelExports): LegacyKernelExports {
  return {
    ...k,
    f32_gemm: (transA, transB, m, n, kk, alpha, a, lda, b, ldb, beta, c, ldc, bias, act, actAlpha, work) =>
      k.f32_gemm(transA, transB, act, m, n, kk, a, lda, b, ldb, bias, c, ldc, alpha, beta, actAlpha, work),
    f32_conv2d_igemm_nhwc: (n, h, w, c, kh, kw, sh, sw, dh, dw, oh, ow, x, kernel, f, bias, act, actAlpha, y, work) =>
      k.f32_conv2d_igemm_nhwc(act, n, h, w, c, kh, kw, sh, sw, dh, dw, oh, ow, f, x, kernel, bias, y, actAlpha, work),
    f32_conv2d_igemm_maxpool2_nhwc: (n, h, w, c, kh, kw, sh, sw, dh, dw, oh, ow, x, kernel, f, bias, act, y, work) =>
      k.f32_conv2d_igemm_maxpool2_nhwc(act, n, h, w, c, kh, kw, sh, sw, dh, dw, oh, ow, f, x, kernel, bias, y, work),
    f32_conv2d_filter_grad_nhwc: (n, h, w, c, kh, kw, sh, sw, dh, dw, oh, ow, x, dy, f, dW, work) =>
      k.f32_conv2d_filter_grad_nhwc(n, h, w, c, kh, kw, sh, sw, dh, dw, oh, ow, f, x, dy, dW, work),
    f32_axpy: (n, alpha, x, y) => k.f32_axpy(n, x, y, alpha),
    f32_scale: (n, alpha, beta, x, y) => k.f32_scale(n, x, y, alpha, beta),
    f32_fill: (n, value, y) => k.f32_fill(n, y, value),
    f32_clip: (n, lo, hi, x, y) => k.f32_clip(n, x, y, lo, hi),
    f32_colsum: (m, n, x, ldx, beta, out) => k.f32_colsum(m, n, x, ldx, out, beta),
    f32_sgd: (n, w, g, lr, wd) => k.f32_sgd(n, g, w, lr, wd),
    f32_momentum: (n, w, g, v, lr, mu, wd, nesterov) => k.f32_momentum(nesterov, n, g, w, v, lr, mu, wd),
    f32_adam: (n, w, g, m, v, lr, b1, b2, eps, wd, bc1, bc2) => k.f32_adam(n, g, w, m, v, lr, b1, b2, eps, wd, bc1, bc2),
    f32_rmsprop: (n, w, g, ms, lr, rho, eps, wd) => k.f32_rmsprop(n, g, w, ms, lr, rho, eps, wd),
    f32_rand_uniform: (state, n, lo, hi, out) => k.f32_rand_uniform(state, n, out, lo, hi),
    f32_rand_normal: (state, n, mean, std, out) => k.f32_rand_normal(state, n, out, mean, std),
    f32_rand_bernoulli: (state, n, p, out) => k.f32_rand_bernoulli(state, n, out, p),
    f32_dropout_mask: (state, n, keep, out) => k.f32_dropout_mask(state, n, out, keep),
    f32_maxpool_backward: (m, dy, argmax, nx, dx) => k.f32_maxpool_backward(m, nx, dy, argmax, dx),
  };
}
