// The micro-kernels of the implicit-GEMM convolutions: the GEMM's 5x8 v128
// tile (kernel_5x8) reading its A rows through gathered row addresses and a
// table of per-tap offsets instead of one strided matrix, as XNNPACK's IGEMM
// micro-kernels read theirs through an indirection buffer.
import { kernel_5x8 } from "../gemm/microkernel";

/** The indexed 5x8 kernel over MR gathered row addresses (any pixels, any channel count); beta 0 or 1. */
export function f32_igemm_5x8_simd(
  kc: i32, rows: usize, offs: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, beta: f32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, rows, 0, 0, bp, c, ldc, mr, nr, 1, beta, bias, first, last, relu, false, offs, true, true, true);
}

/** The indexed kernel over 4 gathered rows (one 2x2 pooling window), 4x8 on v128. */
export function f32_igemm_4x8_simd(
  kc: i32, rows: usize, offs: usize, bp: usize, c: usize, ldc: i32, nr: i32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, rows, 0, 0, bp, c, ldc, 4, nr, 1, 0, bias, first, last, relu, false, offs, true, true, false);
}

/** The indexed 5x8 kernel for rows of adjacent floats (one channel, stride 1, one output row). */
export function f32_igemm_5x8_simd_unit(
  kc: i32, a: usize, offs: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, bias: usize, first: bool, last: bool, relu: bool,
): void {
  kernel_5x8(kc, a, 4, 0, bp, c, ldc, mr, nr, 1, 0, bias, first, last, relu, true, offs, true, false, true);
}
