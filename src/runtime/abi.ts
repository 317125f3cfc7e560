/** How one kernel is called: its parameters in order (as named in assembly/) and whether it returns a number. */
export interface KernelSignature {
  readonly params: readonly string[];
  readonly result: 'void' | 'number';
}

/**
 * The kernel ABI exported by every wasm build (assembly/index.ts), one entry
 * per exported function. Pointers are byte offsets into the backend's linear
 * memory; sizes are element counts; the argument order is the rule written
 * down in assembly/index.ts. test/runtime/abi.test.ts checks the table against
 * every build's exports and against the AssemblyScript sources; src/kernels/
 * wraps these calls in named options.
 */
export const KERNEL_SIGNATURES = {
  heap_base: { params: [], result: 'number' },
  build_kind: { params: [], result: 'number' },
  thread_scratch: { params: ['area'], result: 'void' },
  f32_gemm_workspace: { params: ['m', 'n', 'k'], result: 'number' },
  f32_gemm: {
    params: ['transA', 'transB', 'act', 'm', 'n', 'k', 'a', 'lda', 'b', 'ldb', 'bias', 'c', 'ldc', 'alpha', 'beta', 'actAlpha', 'work'],
    result: 'void',
  },
  f32_gemm_packed_b_bytes: { params: ['n', 'k'], result: 'number' },
  f32_gemm_pack_b: { params: ['transB', 'n', 'k', 'b', 'ldb', 'packed'], result: 'void' },
  f32_gemm_packed: {
    params: ['transA', 'act', 'm', 'n', 'k', 'a', 'lda', 'packed', 'bias', 'c', 'ldc', 'alpha', 'beta', 'actAlpha', 'work'],
    result: 'void',
  },
  f32_conv2d_igemm_workspace: { params: ['k', 'f'], result: 'number' },
  f32_conv2d_igemm_nhwc: {
    params: ['act', 'n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'oh', 'ow', 'f', 'x', 'kernel', 'bias', 'y', 'actAlpha', 'work'],
    result: 'void',
  },
  f32_conv2d_igemm_maxpool2_nhwc: {
    params: ['act', 'n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'oh', 'ow', 'f', 'x', 'kernel', 'bias', 'y', 'work'],
    result: 'void',
  },
  f32_conv2d_filter_grad_workspace: { params: ['f'], result: 'number' },
  f32_conv2d_filter_grad_nhwc: {
    params: ['n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'oh', 'ow', 'f', 'x', 'dy', 'dW', 'work'],
    result: 'void',
  },
  f32_act_forward: { params: ['act', 'n', 'x', 'y', 'alpha'], result: 'void' },
  f32_act_forward_2d: { params: ['act', 'm', 'n', 'y', 'ld', 'alpha'], result: 'void' },
  f32_act_backward: { params: ['act', 'n', 'x', 'y', 'dy', 'dx', 'alpha'], result: 'void' },
  f32_softmax: { params: ['m', 'n', 'x', 'y'], result: 'void' },
  f32_softmax_backward: { params: ['m', 'n', 'y', 'dy', 'dx'], result: 'void' },
  f32_exp: { params: ['n', 'x', 'y'], result: 'void' },
  f32_add: { params: ['n', 'x', 'y', 'z'], result: 'void' },
  f32_sub: { params: ['n', 'x', 'y', 'z'], result: 'void' },
  f32_mul: { params: ['n', 'x', 'y', 'z'], result: 'void' },
  f32_axpy: { params: ['n', 'x', 'y', 'alpha'], result: 'void' },
  f32_scale: { params: ['n', 'x', 'y', 'alpha', 'beta'], result: 'void' },
  f32_fill: { params: ['n', 'y', 'value'], result: 'void' },
  f32_clip: { params: ['n', 'x', 'y', 'lo', 'hi'], result: 'void' },
  f32_bias_add: { params: ['m', 'n', 'x', 'bias', 'y'], result: 'void' },
  f32_colsum: { params: ['m', 'n', 'x', 'ldx', 'out', 'beta'], result: 'void' },
  f32_transpose: { params: ['m', 'n', 'a', 'lda', 'b', 'ldb'], result: 'void' },
  f32_copy_2d: { params: ['m', 'n', 'x', 'ldx', 'y', 'ldy'], result: 'void' },
  f32_sum: { params: ['n', 'x'], result: 'number' },
  f32_sumsq: { params: ['n', 'x'], result: 'number' },
  f32_dot: { params: ['n', 'x', 'y'], result: 'number' },
  f32_count_nonfinite: { params: ['n', 'x'], result: 'number' },
  f32_argmax_rows: { params: ['m', 'n', 'x', 'out'], result: 'void' },
  f32_lstm_cell: { params: ['act', 'ract', 'n', 'u', 'cp', 'ldcp', 'z', 'ldz', 'c', 'ldc', 'h', 'ldh', 'alpha'], result: 'void' },
  f32_lstm_cell_backward: {
    params: ['act', 'ract', 'n', 'u', 'gates', 'ldg', 'cp', 'ldcp', 'c', 'ldc', 'dh', 'lddh', 'dc', 'lddc', 'dz', 'lddz', 'alpha'],
    result: 'void',
  },
  f32_gru_cell: { params: ['act', 'ract', 'n', 'u', 'hp', 'ldhp', 'rec', 'ldrec', 'z', 'ldz', 'h', 'ldh', 'alpha'], result: 'void' },
  f32_gru_cell_backward: {
    params: ['act', 'ract', 'n', 'u', 'gates', 'ldg', 'hp', 'ldhp', 'rec', 'ldrec', 'dh', 'lddh', 'dz', 'lddz', 'drec', 'lddrec', 'dhp', 'lddhp', 'alpha'],
    result: 'void',
  },
  f32_gru_gates: { params: ['ract', 'n', 'u', 'hp', 'ldhp', 'z', 'ldz', 'rh', 'ldrh'], result: 'void' },
  f32_gru_output: { params: ['act', 'n', 'u', 'hp', 'ldhp', 'z', 'ldz', 'h', 'ldh', 'alpha'], result: 'void' },
  f32_gru_output_backward: {
    params: ['act', 'ract', 'n', 'u', 'gates', 'ldg', 'hp', 'ldhp', 'dh', 'lddh', 'dz', 'lddz', 'dhp', 'lddhp', 'alpha'],
    result: 'void',
  },
  f32_gru_gates_backward: {
    params: ['ract', 'n', 'u', 'gates', 'ldg', 'hp', 'ldhp', 'drh', 'lddrh', 'dz', 'lddz', 'dhp', 'lddhp'],
    result: 'void',
  },
  f32_rnn_cell_backward: { params: ['act', 'n', 'u', 'h', 'ldh', 'dh', 'lddh', 'dz', 'lddz', 'alpha'], result: 'void' },
  f32_mask_rows: { params: ['mode', 'n', 'w', 'mask', 'ldm', 'x', 'ldx', 'y', 'ldy'], result: 'void' },
  f32_step_mask: { params: ['n', 'w', 'x', 'out', 'value'], result: 'void' },
  f32_gather_rows: { params: ['n', 'd', 'vocab', 'ids', 'table', 'ldt', 'y', 'ldy'], result: 'number' },
  f32_scatter_add_rows: { params: ['n', 'd', 'vocab', 'ids', 'dy', 'lddy', 'dtable', 'ldt'], result: 'number' },
  f32_upsample2d_nhwc: { params: ['n', 'h', 'w', 'c', 'sh', 'sw', 'x', 'y'], result: 'void' },
  f32_upsample2d_backward_nhwc: { params: ['n', 'h', 'w', 'c', 'sh', 'sw', 'dy', 'dx'], result: 'void' },
  f32_bn_stats: { params: ['rows', 'c', 'x', 'mean', 'variance'], result: 'void' },
  f32_bn_coeffs: { params: ['c', 'mean', 'variance', 'gamma', 'beta', 'eps', 'a', 'b', 'invstd'], result: 'void' },
  f32_channel_affine: { params: ['rows', 'c', 'x', 'a', 'b', 'y'], result: 'void' },
  f32_bn_update_moving: { params: ['c', 'mean', 'variance', 'movingMean', 'movingVariance', 'momentum'], result: 'void' },
  f32_bn_backward: { params: ['rows', 'c', 'x', 'dy', 'mean', 'invstd', 'gamma', 'sums', 'dx'], result: 'void' },
  f32_pointwise_loss: { params: ['kind', 'n', 'y', 't', 'dy', 'gradScale', 'delta', 'eps'], result: 'number' },
  f32_mse: { params: ['n', 'y', 't', 'dy', 'gradScale'], result: 'number' },
  f32_bce: { params: ['n', 'p', 't', 'dy', 'gradScale', 'eps'], result: 'number' },
  f32_bce_logits: { params: ['n', 'z', 't', 'dz', 'gradScale'], result: 'number' },
  f32_softmax_ce: { params: ['m', 'n', 'z', 'targets', 'labels', 'probs', 'dz', 'gradScale'], result: 'number' },
  f32_log: { params: ['n', 'x', 'y'], result: 'void' },
  f32_sgd: { params: ['n', 'g', 'w', 'lr', 'wd'], result: 'void' },
  f32_momentum: { params: ['nesterov', 'n', 'g', 'w', 'v', 'lr', 'mu', 'wd'], result: 'void' },
  f32_adam: { params: ['n', 'g', 'w', 'm', 'v', 'lr', 'b1', 'b2', 'eps', 'wd', 'bc1', 'bc2'], result: 'void' },
  f32_rmsprop: { params: ['n', 'g', 'w', 'ms', 'lr', 'rho', 'eps', 'wd'], result: 'void' },
  f32_adagrad: { params: ['n', 'g', 'w', 'acc', 'lr', 'eps', 'wd'], result: 'void' },
  f32_adadelta: { params: ['n', 'g', 'w', 'ag', 'au', 'lr', 'rho', 'eps', 'wd'], result: 'void' },
  f32_adamax: { params: ['n', 'g', 'w', 'm', 'u', 'lr', 'b1', 'b2', 'eps', 'wd', 'bc1'], result: 'void' },
  rng_seed: { params: ['state', 'lo', 'hi'], result: 'void' },
  rng_next_u32: { params: ['state'], result: 'number' },
  f32_rand_uniform: { params: ['state', 'n', 'out', 'lo', 'hi'], result: 'void' },
  f32_rand_normal: { params: ['state', 'n', 'out', 'mean', 'std'], result: 'void' },
  f32_rand_bernoulli: { params: ['state', 'n', 'out', 'p'], result: 'void' },
  f32_sample_bernoulli: { params: ['state', 'n', 'probs', 'out'], result: 'void' },
  f32_dropout_mask: { params: ['state', 'n', 'out', 'keep'], result: 'void' },
  f32_im2col_nhwc: {
    params: ['n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'dh', 'dw', 'oh', 'ow', 'x', 'col'],
    result: 'void',
  },
  f32_col2im_nhwc: {
    params: ['n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'dh', 'dw', 'oh', 'ow', 'col', 'dx'],
    result: 'void',
  },
  f32_pad_nhwc: { params: ['n', 'h', 'w', 'c', 'top', 'left', 'hp', 'wp', 'x', 'out'], result: 'void' },
  f32_conv2d_kernel_flip: { params: ['kh', 'kw', 'c', 'f', 'w', 'out'], result: 'void' },
  f32_pool2d_nhwc: {
    params: ['mode', 'n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'oh', 'ow', 'x', 'y', 'argmax'],
    result: 'void',
  },
  f32_pool2d_backward_nhwc: {
    params: ['mode', 'n', 'h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'oh', 'ow', 'x', 'y', 'dy', 'dx'],
    result: 'void',
  },
  f32_maxpool_backward: { params: ['m', 'nx', 'dy', 'argmax', 'dx'], result: 'void' },
  f32_global_avgpool: { params: ['n', 'hw', 'c', 'x', 'y'], result: 'void' },
  f32_global_avgpool_backward: { params: ['n', 'hw', 'c', 'dy', 'dx'], result: 'void' },
} as const satisfies Record<string, KernelSignature>;

/** One number per name of a parameter list. */
type Numbers<P extends readonly string[]> = P extends readonly [string, ...infer R extends readonly string[]] ? [number, ...Numbers<R>] : [];

/** A kernel's JavaScript type: one number per parameter; void or a number back. */
export type KernelFunction<S extends KernelSignature> = (...args: Numbers<S['params']>) => S['result'] extends 'void' ? void : number;

/** The exports of a kernel build, typed from KERNEL_SIGNATURES. */
export type KernelExports = {
  readonly [K in keyof typeof KERNEL_SIGNATURES]: KernelFunction<(typeof KERNEL_SIGNATURES)[K]>;
};

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
  hardSigmoid: 9,
  softplus: 10,
  softsign: 11,
  selu: 12,
  swish: 13,
  /** The same function as swish (Keras's name). */
  silu: 13,
  mish: 14,
} as const;

/** Names of the elementwise activations the kernels implement. */
export type ActivationName = keyof typeof ACT;

/** Which compiled variant of the kernels is running. */
export type BuildName = 'relaxed' | 'simd' | 'scalar';

/** The build each `build_kind()` value corresponds to. */
export const BUILD_KINDS: readonly BuildName[] = ['scalar', 'simd', 'relaxed'];
