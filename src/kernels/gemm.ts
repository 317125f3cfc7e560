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

/**
 * Multiply-adds below which a GEMM stays on one thread (about 25 us of work):
 * handing a call to an awake worker and waiting for it costs a few
 * microseconds.
 */
export const THREAD_MIN_MACS = 1 << 20;
/** Row and column granularity of a split: the SIMD micro-tile (MR = 5 rows, NR = 8 columns). */
const SPLIT_ROWS = 5;
const SPLIT_COLS = 8;

/**
 * Where a GEMM of this shape is cut between `parts` threads: over rows of C
 * (each thread reads all of B and its rows of A) when there are rows enough,
 * else over columns (each reads all of A and its columns of B). Every element
 * of C is computed by exactly the same operations as on one thread, so the
 * result is bit-identical whatever the split. Returns the cut points, or null
 * to stay on one thread.
 */
export function gemmSplit(m: number, n: number, k: number, parts: number): { rows: boolean; cuts: number[] } | null {
  if (parts < 2 || m * n * k < THREAD_MIN_MACS) return null;
  const rows = m >= parts * 4 * SPLIT_ROWS || m >= n;
  const len = rows ? m : n;
  const unit = rows ? SPLIT_ROWS : SPLIT_COLS;
  const cuts = [0];
  const step = Math.ceil(len / parts / unit) * unit;
  for (let i = 1; i < parts && i * step < len; i++) cuts.push(i * step);
  if (cuts.length < 2) return null;
  cuts.push(len);
  return { rows, cuts };
}

/** C = act(alpha · op(A) · op(B) + beta · C + bias) by the packed, register-blocked GEMM. */
export function gemm(be: Backend, o: GemmOptions): void {
  const { m, n, k, transA = false, transB = false } = o;
  const lda = o.lda ?? (transA ? m : k);
  const ldb = o.ldb ?? (transB ? k : n);
  const ldc = o.ldc ?? n;
  const act = o.act ?? ACT.linear;
  const bias = o.bias ?? 0;
  const pool = be.threads;
  const split = pool ? gemmSplit(m, n, k, pool.size) : null;
  if (!pool || !split) {
    be.abi.f32_gemm(
      transA ? 1 : 0, transB ? 1 : 0, act, m, n, k, o.a, lda, o.b, ldb, bias, o.c, ldc,
      o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, o.work ?? be.gemmWorkspace(m, n, k),
    );
    return;
  }
  const calls: number[][] = [];
  for (let i = 0; i + 1 < split.cuts.length; i++) {
    const lo = split.cuts[i];
    const len = split.cuts[i + 1] - lo;
    const pm = split.rows ? len : m;
    const pn = split.rows ? n : len;
    // Thread 0 is the caller: its workspace is the caller's (sized for the whole call).
    const work = i === 0 ? (o.work ?? be.gemmWorkspace(pm, pn, k)) : be.threadScratch(i - 1, be.abi.f32_gemm_workspace(pm, pn, k));
    const a = split.rows ? o.a + 4 * lo * (transA ? 1 : lda) : o.a;
    const b = split.rows ? o.b : o.b + 4 * lo * (transB ? ldb : 1);
    const c = o.c + 4 * (split.rows ? lo * ldc : lo);
    const pb = split.rows || !bias ? bias : bias + 4 * lo;
    calls.push([transA ? 1 : 0, transB ? 1 : 0, act, pm, pn, k, a, lda, b, ldb, pb, c, ldc, o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, work]);
  }
  pool.run('f32_gemm', calls);
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

/**
 * C = act(alpha · op(A) · op(B) + beta · C + bias) with op(B) packed by
 * gemmPackB(): the same bits as gemm(). With threads, split over rows only
 * (the packed panels are shared).
 */
export function gemmPacked(be: Backend, o: GemmPackedOptions): void {
  const { m, n, k, transA = false } = o;
  const lda = o.lda ?? (transA ? m : k);
  const ldc = o.ldc ?? n;
  const act = o.act ?? ACT.linear;
  const pool = be.threads;
  const split = pool ? gemmSplit(m, n, k, pool.size) : null;
  if (!pool || !split || !split.rows) {
    be.abi.f32_gemm_packed(
      transA ? 1 : 0, act, m, n, k, o.a, lda, o.packed, o.bias ?? 0, o.c, ldc,
      o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, o.work ?? be.gemmWorkspace(m, n, k),
    );
    return;
  }
  const calls: number[][] = [];
  for (let i = 0; i + 1 < split.cuts.length; i++) {
    const lo = split.cuts[i];
    const pm = split.cuts[i + 1] - lo;
    const work = i === 0 ? (o.work ?? be.gemmWorkspace(pm, n, k)) : be.threadScratch(i - 1, be.abi.f32_gemm_workspace(pm, n, k));
    const a = o.a + 4 * lo * (transA ? 1 : lda);
    calls.push([transA ? 1 : 0, act, pm, n, k, a, lda, o.packed, o.bias ?? 0, o.c + 4 * lo * ldc, ldc, o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, work]);
  }
  pool.run('f32_gemm_packed', calls);
}
