import { ACT } from '../runtime/abi.js';
import { SCRATCH, type Backend } from '../runtime/backend.js';

/** Options of gemm(): C = act(alpha · op(A) · op(B) + beta · C + bias), row-major, sizes in elements, pointers as byte offsets. */
export interface GemmOptions {
  /** Rows of op(A) and of C. */
  m: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** Columns of op(A), rows of op(B). */
  k: number;
  /** A: m x k, or k x m with transA. */
  a: number;
  /** B: k x n, or n x k with transB. */
  b: number;
  /** C: m x n; must not alias A or B. */
  c: number;
  /** op(A) = Aᵀ. Default false. */
  transA?: boolean;
  /** op(B) = Bᵀ. Default false. */
  transB?: boolean;
  /** Row stride of A; default its row length (k, or m with transA). */
  lda?: number;
  /** Row stride of B; default its row length (n, or k with transB). */
  ldb?: number;
  /** Row stride of C; default n. */
  ldc?: number;
  /** Default 1. */
  alpha?: number;
  /** Default 0 (C is then never read). */
  beta?: number;
  /** A length-n vector added to every row, or 0 (the default). */
  bias?: number;
  /** Activation id (ACT); default linear. */
  act?: number;
  /** Slope of leakyRelu, scale of elu. Default 0. */
  actAlpha?: number;
  /** gemmWorkspaceBytes(m, n, k) bytes, 16-byte aligned; default the backend's shared GEMM scratch. */
  work?: number;
}

/** C = act(alpha · op(A) · op(B) + beta · C + bias) by the packed, register-blocked GEMM. */
export function gemm(be: Backend, o: GemmOptions): void {
  const { m, n, k, transA = false, transB = false } = o;
  be.abi.f32_gemm(
    transA ? 1 : 0, transB ? 1 : 0, o.act ?? ACT.linear, m, n, k,
    o.a, o.lda ?? (transA ? m : k), o.b, o.ldb ?? (transB ? k : n), o.bias ?? 0, o.c, o.ldc ?? n,
    o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, o.work ?? be.gemmWorkspace(m, n, k),
  );
}

/** Bytes of workspace gemm() needs for these sizes. */
export function gemmWorkspaceBytes(be: Backend, m: number, n: number, k: number): number {
  return be.abi.f32_gemm_workspace(m, n, k);
}

/** Grows the shared kernel workspace (what gemm() and the convolutions use by default) to at least `bytes`, so later calls allocate nothing. */
export function reserveGemmWorkspace(be: Backend, bytes: number): void {
  be.scratch(bytes, SCRATCH.gemm);
}

/** Options of gemmPackB(): the whole of op(B) (k x n) packed once for many gemmPacked() calls. */
export interface GemmPackBOptions {
  n: number;
  k: number;
  /** B: k x n, or n x k with transB. */
  b: number;
  /** Row stride of B; default its row length. */
  ldb?: number;
  transB?: boolean;
  /** gemmPackedBBytes(n, k) bytes, 16-byte aligned. */
  packed: number;
}

/** Options of gemmPacked(): gemm() with op(B) packed by gemmPackB() for the same n and k. */
export interface GemmPackedOptions extends Omit<GemmOptions, 'b' | 'ldb' | 'transB'> {
  packed: number;
}

/** Bytes the whole of a k x n op(B) takes packed. */
export function gemmPackedBBytes(be: Backend, n: number, k: number): number {
  return be.abi.f32_gemm_packed_b_bytes(n, k);
}

/** Packs op(B) once, for a B multiplied many times (a recurrent kernel at every time step). */
export function gemmPackB(be: Backend, o: GemmPackBOptions): void {
  const transB = o.transB ?? false;
  be.abi.f32_gemm_pack_b(transB ? 1 : 0, o.n, o.k, o.b, o.ldb ?? (transB ? o.k : o.n), o.packed);
}

/** C = act(alpha · op(A) · op(B) + beta · C + bias) with op(B) packed by gemmPackB(): the same bits as gemm(). */
export function gemmPacked(be: Backend, o: GemmPackedOptions): void {
  const { m, n, k, transA = false } = o;
  be.abi.f32_gemm_packed(
    transA ? 1 : 0, o.act ?? ACT.linear, m, n, k, o.a, o.lda ?? (transA ? m : k), o.packed, o.bias ?? 0, o.c, o.ldc ?? n,
    o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, o.work ?? be.gemmWorkspace(m, n, k),
  );
}
