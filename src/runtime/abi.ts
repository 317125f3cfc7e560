/**
 * The kernel ABI exported by every wasm build (assembly/index.ts). Pointers are
 * byte offsets into the backend's linear memory; sizes are element counts.
 */
export interface KernelExports {
  heap_base(): number;
  build_kind(): number;
  f32_gemm_workspace(m: number, n: number, k: number): number;
  f32_gemm(
    transA: number, transB: number, m: number, n: number, k: number,
    alpha: number, a: number, lda: number, b: number, ldb: number,
    beta: number, c: number, ldc: number, bias: number, act: number, actAlpha: number, work: number,
  ): void;
  f32_conv2d_igemm_workspace(k: number, f: number): number;
  f32_conv2d_igemm_nhwc(
    n: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number,
    oh: number, ow: number, x: number, kernel: number, f: number, bias: number, act: number, actAlpha: number, y: number, work: number,
  ): void;
  f32_conv2d_igemm_maxpool2_nhwc(
    n: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number,
    oh: number, ow: number, x: number, kernel: number, f: number, bias: number, act: number, y: number, work: number,
  ): void;
  f32_conv2d_filter_grad_workspace(f: number): number;
  f32_conv2d_filter_grad_nhwc(
    n: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number,
    oh: number, ow: number, x: number, dy: number, f: number, dW: number, work: number,
  ): void;
  f32_act_forward(act: number, n: number, x: number, y: number, alpha: number): void;
  f32_act_forward_2d(act: number, m: number, n: number, y: number, ld: number, alpha: number): void;
  f32_act_backward(act: number, n: number, x: number, y: number, dy: number, dx: number, alpha: number): void;
  f32_softmax(m: number, n: number, x: number, y: number): void;
  f32_softmax_backward(m: number, n: number, y: number, dy: number, dx: number): void;
  f32_exp(n: number, x: number, y: number): void;
  f32_log(n: number, x: number, y: number): void;
  f32_add(n: number, x: number, y: number, z: number): void;
  f32_sub(n: number, x: number, y: number, z: number): void;
  f32_mul(n: number, x: number, y: number, z: number): void;
  f32_axpy(n: number, alpha: number, x: number, y: number): void;
  f32_scale(n: number, alpha: number, beta: number, x: number, y: number): void;
  f32_fill(n: number, value: number, y: number): void;
  f32_clip(n: number, lo: number, hi: number, x: number, y: number): void;
  f32_bias_add(m: number, n: number, x: number, bias: number, y: number): void;
  f32_colsum(m: number, n: number, x: number, ldx: number, beta: number, out: number): void;
  f32_transpose(m: number, n: number, a: number, lda: number, b: number, ldb: number): void;
  f32_sum(n: number, x: number): number;
  f32_sumsq(n: number, x: number): number;
  f32_dot(n: number, x: number, y: number): number;
  f32_count_nonfinite(n: number, x: number): number;
  f32_argmax_rows(m: number, n: number, x: number, out: number): void;
  f32_mse(n: number, y: number, t: number, dy: number, gradScale: number): number;
  f32_bce(n: number, p: number, t: number, dy: number, gradScale: number, eps: number): number;
  f32_bce_logits(n: number, z: number, t: number, dz: number, gradScale: number): number;
  f32_softmax_ce(
    m: number, n: number, z: number, targets: number, labels: number, probs: number, dz: number, gradScale: number,
  ): number;
  f32_sgd(n: number, w: number, g: number, lr: number, wd: number): void;
  f32_momentum(n: number, w: number, g: number, v: number, lr: number, mu: number, wd: number, nesterov: number): void;
  f32_adam(
    n: number, w: number, g: number, m: number, v: number,
    lr: number, b1: number, b2: number, eps: number, wd: number, bc1: number, bc2: number,
  ): void;
  f32_rmsprop(n: number, w: number, g: number, ms: number, lr: number, rho: number, eps: number, wd: number): void;
  rng_seed(state: number, lo: number, hi: number): void;
  rng_next_u32(state: number): number;
  f32_rand_uniform(state: number, n: number, lo: number, hi: number, out: number): void;
  f32_rand_normal(state: number, n: number, mean: number, std: number, out: number): void;
  f32_rand_bernoulli(state: number, n: number, p: number, out: number): void;
  f32_sample_bernoulli(state: number, n: number, probs: number, out: number): void;
  f32_dropout_mask(state: number, n: number, keep: number, out: number): void;
  f32_im2col_nhwc(
    n: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, dh: number, dw: number, oh: number, ow: number, x: number, col: number,
  ): void;
  f32_col2im_nhwc(
    n: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, dh: number, dw: number, oh: number, ow: number, col: number, dx: number,
  ): void;
  f32_pad_nhwc(n: number, h: number, w: number, c: number, top: number, left: number, hp: number, wp: number, x: number, out: number): void;
  f32_conv2d_kernel_flip(kh: number, kw: number, c: number, f: number, w: number, out: number): void;
  f32_pool2d_nhwc(
    mode: number, n: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, oh: number, ow: number, x: number, y: number, argmax: number,
  ): void;
  f32_pool2d_backward_nhwc(
    mode: number, n: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, oh: number, ow: number, x: number, y: number, dy: number, dx: number,
  ): void;
  f32_maxpool_backward(m: number, dy: number, argmax: number, nx: number, dx: number): void;
  f32_global_avgpool(n: number, hw: number, c: number, x: number, y: number): void;
  f32_global_avgpool_backward(n: number, hw: number, c: number, dy: number, dx: number): void;
}

/** Pooling modes, matching assembly/pool.ts. */
export const POOL = { max: 0, avg: 1, l2: 2 } as const;

/** Activation identifiers, matching assembly/activation.ts. */
export const ACT = {
  linear: 0,
  relu: 1,
  sigmoid: 2,
  tanh: 3,
  leakyRelu: 4,
  elu: 5,
  gelu: 6,
  step: 7,
  sign: 8,
} as const;

/** Names of the elementwise activations the kernels implement. */
export type ActivationName = keyof typeof ACT;

/** Which compiled variant of the kernels is running. */
export type BuildName = 'relaxed' | 'simd' | 'scalar';

/** The build each `build_kind()` value corresponds to. */
export const BUILD_KINDS: readonly BuildName[] = ['scalar', 'simd', 'relaxed'];
