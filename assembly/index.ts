// The whole ABI of the simdnn kernels, in one place. Every export takes sizes,
// scalars and byte offsets into linear memory; none allocates.
//
// Every kernel takes its arguments in this order:
//   1. modes and flags: transA, transB, the activation id act, the pooling
//      mode, nesterov;
//   2. sizes: the problem's dimensions (m, n, k), or an NHWC window op's
//      geometry in the order input (n, h, w, c), window (kh, kw), strides
//      (sh, sw), padding (ph, pw), dilation (dh, dw), output (oh, ow, and the
//      filter count f last);
//   3. input pointers, each followed by its leading dimension or stride;
//   4. output pointers, each followed by its leading dimension; an array the
//      kernel reads and updates (C with beta, axpy's y, parameters and
//      optimizer state) is an output;
//   5. scalars: alpha, beta, actAlpha, learning rates, probabilities, ...;
//   6. the workspace pointer, last.
// One exception: the random kernels take the generator's 16-byte state first,
// as cuRAND and cuBLAS take their handle first. The state is neither an input
// nor a result of the draw but the context every draw runs in, so all of them
// read (state, the op's own arguments by the rule above).
// src/runtime/abi.ts lists the same signatures for TypeScript (checked by
// test/runtime/abi.test.ts), and src/kernels/ wraps each family in named options.
export { f32_gemm, f32_gemm_workspace, f32_gemm_packed_b_bytes, f32_gemm_pack_b, f32_gemm_packed } from "./gemm/gemm";
export { f32_conv2d_igemm_nhwc, f32_conv2d_igemm_workspace } from "./conv/igemm";
export { f32_conv2d_igemm_maxpool2_nhwc } from "./conv/igemm_maxpool";
export { f32_conv2d_filter_grad_nhwc, f32_conv2d_filter_grad_workspace } from "./conv/filter_grad";
export {
  f32_act_forward, f32_act_forward_2d, f32_act_backward, f32_softmax, f32_softmax_backward, f32_exp,
} from "./activation";
export {
  f32_add, f32_sub, f32_mul, f32_axpy, f32_scale, f32_fill, f32_clip, f32_bias_add, f32_colsum,
  f32_transpose, f32_copy_2d, f32_sum, f32_sumsq, f32_dot, f32_count_nonfinite, f32_argmax_rows,
} from "./elementwise";
export {
  f32_lstm_cell, f32_lstm_cell_backward, f32_gru_cell, f32_gru_cell_backward, f32_gru_gates, f32_gru_gates_backward,
  f32_gru_output, f32_gru_output_backward, f32_rnn_cell_backward, f32_mask_rows, f32_step_mask,
} from "./recurrent";
export { f32_gather_rows, f32_scatter_add_rows } from "./embedding";
export { f32_bn_stats, f32_bn_coeffs, f32_channel_affine, f32_bn_update_moving, f32_bn_backward } from "./normalization";
export { f32_mse, f32_bce, f32_bce_logits, f32_softmax_ce, f32_log, f32_pointwise_loss } from "./loss";
export { f32_sgd, f32_momentum, f32_adam, f32_rmsprop, f32_adagrad, f32_adadelta, f32_adamax } from "./optim";
import { TILE } from "./gemm/microkernel";
import { ROWS } from "./conv/indirect";
import { WINDOW } from "./conv/igemm_maxpool";
export {
  rng_seed, rng_next_u32, f32_rand_uniform, f32_rand_normal, f32_rand_bernoulli, f32_sample_bernoulli,
  f32_dropout_mask,
} from "./random";

/** First byte of linear memory free for the TypeScript allocator (after static data). */
export function heap_base(): usize {
  return __heap_base;
}

/** Which instruction set this build was compiled for: 0 scalar, 1 SIMD128, 2 relaxed SIMD. */
export function build_kind(): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) return 2;
  if (ASC_FEATURE_SIMD) return 1;
  return 0;
}

/** Bytes of a thread's own scratch area (thread_scratch). */
export const THREAD_SCRATCH_BYTES: i32 = 5 * 8 * 4 + 8 * 4 + 4 * 8 * 4;

/**
 * Points this instance's spill areas (the GEMM tail tile, the convolutions'
 * row table and pooling window) at `area`, THREAD_SCRATCH_BYTES bytes,
 * 16-byte aligned. Instances sharing one memory (threads) each take their own
 * area, so every kernel can run on several threads at once.
 */
export function thread_scratch(area: usize): void {
  TILE = area;
  ROWS = area + 5 * 8 * 4;
  WINDOW = area + 5 * 8 * 4 + 8 * 4;
}
export { f32_im2col_nhwc, f32_col2im_nhwc, f32_pad_nhwc, f32_conv2d_kernel_flip } from "./conv/im2col";
export {
  f32_pool2d_nhwc, f32_pool2d_backward_nhwc, f32_maxpool_backward, f32_global_avgpool, f32_global_avgpool_backward,
  f32_upsample2d_nhwc, f32_upsample2d_backward_nhwc,
} from "./pool";
