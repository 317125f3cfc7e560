import type { Backend } from '../runtime/backend.js';

/** Options of an elementwise map y = f(x) over n values (exp, log). */
export interface UnaryOptions {
  n: number;
  x: number;
  /** May alias x. */
  y: number;
}

/** Options of add(), sub(), mul(): z = x op y over n values. */
export interface BinaryOptions {
  n: number;
  x: number;
  y: number;
  /** May alias x or y. */
  z: number;
}

/** Options of axpy(): y = alpha · x + y. */
export interface AxpyOptions {
  n: number;
  x: number;
  y: number;
  alpha: number;
}

/** Options of scale(): y = alpha · x + beta. */
export interface ScaleOptions {
  n: number;
  x: number;
  /** May alias x. */
  y: number;
  /** Default 1. */
  alpha?: number;
  /** Default 0. */
  beta?: number;
}

/** Options of fill(): y = value. */
export interface FillOptions {
  n: number;
  y: number;
  value: number;
}

/** Options of clip(): y = min(max(x, lo), hi). */
export interface ClipOptions {
  n: number;
  x: number;
  /** May alias x. */
  y: number;
  lo: number;
  hi: number;
}

/** Options of biasAdd(): y[r, :] = x[r, :] + bias for an m x n matrix. */
export interface BiasAddOptions {
  m: number;
  n: number;
  x: number;
  /** Length n. */
  bias: number;
  /** May alias x. */
  y: number;
}

/** Options of colsum(): out[j] = beta · out[j] + Σ_i x[i, j]. */
export interface ColsumOptions {
  /** Rows of x. */
  m: number;
  /** Columns of x (length of out). */
  n: number;
  x: number;
  /** Row stride of x; default n. */
  ldx?: number;
  out: number;
  /** Default 0 (out is then never read); 1 accumulates. */
  beta?: number;
}

/** Options of transpose(): b = aᵀ for an m x n matrix a. */
export interface TransposeOptions {
  m: number;
  n: number;
  a: number;
  /** Row stride of a; default n. */
  lda?: number;
  /** n x m. */
  b: number;
  /** Row stride of b; default m. */
  ldb?: number;
}

/** Options of copy2d(): an m x n block from rows ldx apart to rows ldy apart. */
export interface Copy2dOptions {
  m: number;
  n: number;
  x: number;
  /** Row stride of x; default n. */
  ldx?: number;
  /** Must not overlap x. */
  y: number;
  /** Row stride of y; default n. */
  ldy?: number;
}

/** Options of a reduction over n values (sum, sumsq, countNonFinite). */
export interface ReduceOptions {
  n: number;
  x: number;
}

/** Options of dot(). */
export interface DotOptions {
  n: number;
  x: number;
  y: number;
}

/** Options of argmaxRows(): the index of each row's largest value. */
export interface ArgmaxRowsOptions {
  /** Rows. */
  m: number;
  /** Columns (row stride). */
  n: number;
  x: number;
  /** m int32 indices. */
  out: number;
}

/** z = x + y. */
export function add(be: Backend, o: BinaryOptions): void {
  be.abi.f32_add(o.n, o.x, o.y, o.z);
}

/** z = x − y. */
export function sub(be: Backend, o: BinaryOptions): void {
  be.abi.f32_sub(o.n, o.x, o.y, o.z);
}

/** z = x · y elementwise (Hadamard). */
export function mul(be: Backend, o: BinaryOptions): void {
  be.abi.f32_mul(o.n, o.x, o.y, o.z);
}

/** y = alpha · x + y (BLAS axpy). */
export function axpy(be: Backend, o: AxpyOptions): void {
  be.abi.f32_axpy(o.n, o.x, o.y, o.alpha);
}

/** y = alpha · x + beta; with the defaults a copy (that turns −0 into +0). */
export function scale(be: Backend, o: ScaleOptions): void {
  be.abi.f32_scale(o.n, o.x, o.y, o.alpha ?? 1, o.beta ?? 0);
}

/** y = value. */
export function fill(be: Backend, o: FillOptions): void {
  be.abi.f32_fill(o.n, o.y, o.value);
}

/** y = min(max(x, lo), hi); NaN stays NaN. */
export function clip(be: Backend, o: ClipOptions): void {
  be.abi.f32_clip(o.n, o.x, o.y, o.lo, o.hi);
}

/** Adds a bias vector to every row. */
export function biasAdd(be: Backend, o: BiasAddOptions): void {
  be.abi.f32_bias_add(o.m, o.n, o.x, o.bias, o.y);
}

/** Column sums (the bias gradient), scaled-accumulated into out. */
export function colsum(be: Backend, o: ColsumOptions): void {
  be.abi.f32_colsum(o.m, o.n, o.x, o.ldx ?? o.n, o.out, o.beta ?? 0);
}

/** b = aᵀ. */
export function transpose(be: Backend, o: TransposeOptions): void {
  be.abi.f32_transpose(o.m, o.n, o.a, o.lda ?? o.n, o.b, o.ldb ?? o.m);
}

/** Σ x, accumulated in float64 in index order. */
export function sum(be: Backend, o: ReduceOptions): number {
  return be.abi.f32_sum(o.n, o.x);
}

/** Σ x², accumulated in float64 in index order. */
export function sumsq(be: Backend, o: ReduceOptions): number {
  return be.abi.f32_sumsq(o.n, o.x);
}

/** Σ x·y, accumulated in float64 in index order. */
export function dot(be: Backend, o: DotOptions): number {
  return be.abi.f32_dot(o.n, o.x, o.y);
}

/** How many values are NaN or infinite. */
export function countNonFinite(be: Backend, o: ReduceOptions): number {
  return be.abi.f32_count_nonfinite(o.n, o.x);
}

/** The index of each row's largest value (the first on ties). */
export function argmaxRows(be: Backend, o: ArgmaxRowsOptions): void {
  be.abi.f32_argmax_rows(o.m, o.n, o.x, o.out);
}

/** y = x for n floats, bit for bit (a memory copy; the regions may overlap). */
export function copy(be: Backend, n: number, x: number, y: number): void {
  if (x !== y) be.u8().copyWithin(y, x, x + n * 4);
}

/** Copies an m x n block between row strides, bit for bit (concatenating or splitting along an inner axis). */
export function copy2d(be: Backend, o: Copy2dOptions): void {
  be.abi.f32_copy_2d(o.m, o.n, o.x, o.ldx ?? o.n, o.y, o.ldy ?? o.n);
}
