// Tile sizes of the packed GEMM (BLIS / GotoBLAS blocking: an MR x NR
// register tile, KC x NC panels of B, MC rows of A per L2 block) and the
// helpers shared by the GEMM and the implicit-GEMM convolutions built on its
// micro-kernel. The scalar build uses a 4x4 tile of scalar accumulators.

// Register budget on x64: V8 keeps one of the 16 xmm registers as scratch.
// A 6x8 tile needs 12 accumulators + 2 B vectors + 1 A broadcast (+ 1 product
// temporary without FMA); V8 spilled its accumulators to the stack on every
// k step, with and without FMA (checked with --print-wasm-code). The 5x8 tile
// (10 + 2 + 1 + 1 = 14 registers) stays in registers and runs at about the
// core's FMA peak in both the SIMD128 and the relaxed build.
// @ts-ignore: decorator
@inline export const MR: i32 = ASC_FEATURE_SIMD ? 5 : 4;
// @ts-ignore: decorator
@inline export const NR: i32 = ASC_FEATURE_SIMD ? 8 : 4;
// @ts-ignore: decorator
@inline export const KC: i32 = 256;
// @ts-ignore: decorator
@inline export const MC: i32 = 120;
// @ts-ignore: decorator
@inline export const NC: i32 = 1024;
// @ts-ignore: decorator
@inline export const PACK_A_MIN_N: i32 = 2 * NR;

// @ts-ignore: decorator
@inline export function round_up(x: i32, m: i32): i32 {
  return (x + m - 1) / m * m;
}
