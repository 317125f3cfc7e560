import { ACT } from '../runtime/abi.js';
import { SCRATCH, type Backend } from '../runtime/backend.js';
import { MAX_BLOCKS } from '../runtime/threads.js';

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
/** Smallest block of a split job, in multiply-adds (about 5 us of work, several times a block's dispatch). */
const MIN_BLOCK_MACS = 1 << 18;
/**
 * Blocks per thread of a split job. One: each block of a GEMM packs the
 * panels of B it reads, so smaller blocks pack B more times over (and B
 * packed once ahead of the blocks costs a serial pass and a second barrier);
 * on 2 cores, 4 blocks per thread (B packed ahead) measured 15-20% slower
 * than one (best of 11 rounds, n = 64-256). A late worker still holds
 * nothing up: the caller takes every block left when it is done with its own.
 */
const BLOCKS_PER_THREAD = 1;
/** Row and column granularity of a split: the SIMD micro-tile (MR = 5 rows, NR = 8 columns). */
const SPLIT_ROWS = 5;
const SPLIT_COLS = 8;

/**
 * Cut points [0, ..., len] of `len` units (rows, columns or images, `unit`
 * at a time) into the blocks `parts` threads take in turn, or null when the
 * work (`macs` multiply-adds in all) is too small to share. The cuts depend
 * on the sizes and the thread count only, never on timing, so a reduction
 * over blocks in block order is deterministic.
 */
export function blockCuts(len: number, unit: number, parts: number, macs: number): number[] | null {
  if (parts < 2 || macs < THREAD_MIN_MACS) return null;
  const units = Math.ceil(len / unit);
  const blocks = Math.min(MAX_BLOCKS, parts * BLOCKS_PER_THREAD, Math.floor(macs / MIN_BLOCK_MACS), units);
  if (blocks < 2) return null;
  const step = Math.ceil(units / blocks) * unit;
  const cuts = [0];
  for (let at = step; at < len; at += step) cuts.push(at);
  cuts.push(len);
  return cuts;
}

/**
 * Where a GEMM of this shape is cut into blocks for `parts` threads: over
 * rows of C (each block reads all of B and its rows of A) when there are rows
 * enough, else over columns (each reads all of A and its columns of B).
 * Every element of C is computed by exactly the same operations as on one
 * thread, so the result is bit-identical whatever the split and whichever
 * thread runs a block. Returns the cut points, or null to stay on one thread.
 */
export function gemmSplit(m: number, n: number, k: number, parts: number): { rows: boolean; cuts: number[] } | null {
  const rows = m >= parts * 4 * SPLIT_ROWS || m >= n;
  const cuts = blockCuts(rows ? m : n, rows ? SPLIT_ROWS : SPLIT_COLS, parts, m * n * k);
  return cuts ? { rows, cuts } : null;
}

/** The longest block of a split. */
function longest(cuts: number[]): number {
  let most = 0;
  for (let i = 0; i + 1 < cuts.length; i++) most = Math.max(most, cuts[i + 1] - cuts[i]);
  return most;
}

/** The blocks between `cuts`: `block(lo, len, i)` for each. */
export function eachBlock<T>(cuts: readonly number[], block: (lo: number, len: number, i: number) => T): T[] {
  return cuts.slice(1).map((hi, i) => block(cuts[i], hi - cuts[i], i));
}

/** Each worker's own workspace of `bytes`, after the caller's: the `works` of a ThreadJob. */
export function threadWorks(be: Backend, caller: number, bytes: number): number[] {
  const works = [caller];
  for (let i = 1; i < be.threads!.size; i++) works.push(be.threadScratch(i - 1, bytes));
  return works;
}

/** gemm() in one call on this thread. */
function gemmWhole(be: Backend, o: GemmOptions): void {
  const { m, n, k, transA = false, transB = false } = o;
  be.abi.f32_gemm(
    transA ? 1 : 0, transB ? 1 : 0, o.act ?? ACT.linear, m, n, k, o.a, o.lda ?? (transA ? m : k), o.b, o.ldb ?? (transB ? k : n), o.bias ?? 0,
    o.c, o.ldc ?? n, o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, o.work ?? be.gemmWorkspace(m, n, k),
  );
}

/** C = act(alpha · op(A) · op(B) + beta · C + bias) by the packed, register-blocked GEMM. */
export function gemm(be: Backend, o: GemmOptions): void {
  const { m, n, k, transA = false, transB = false } = o;
  const pool = be.threads;
  const split = pool ? gemmSplit(m, n, k, pool.size) : null;
  if (!pool || !split) {
    gemmWhole(be, o);
    return;
  }
  const lda = o.lda ?? (transA ? m : k);
  const ldb = o.ldb ?? (transB ? k : n);
  const ldc = o.ldc ?? n;
  const act = o.act ?? ACT.linear;
  const bias = o.bias ?? 0;
  const { cuts } = split;
  const width = split.rows ? n : longest(cuts);
  const rows = split.rows ? longest(cuts) : m;
  pool.run({
    kernel: 'f32_gemm', macs: m * n * k, workArg: 16, alone: () => gemmWhole(be, o),
    blocks: () => eachBlock(cuts, (lo, len) => {
      // A block is a range of rows of A and C, or of columns of B, C and the bias.
      const a = split.rows ? o.a + 4 * lo * (transA ? 1 : lda) : o.a;
      const b = split.rows ? o.b : o.b + 4 * lo * (transB ? ldb : 1);
      const c = o.c + 4 * (split.rows ? lo * ldc : lo);
      const pb = split.rows || !bias ? bias : bias + 4 * lo;
      return [transA ? 1 : 0, transB ? 1 : 0, act, split.rows ? len : m, split.rows ? n : len, k, a, lda, b, ldb, pb, c, ldc, o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, 0];
    }),
    works: () => threadWorks(be, o.work ?? be.gemmWorkspace(rows, width, k), be.abi.f32_gemm_workspace(rows, width, k)),
  });
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
      transA ? 1 : 0, act, m, n, k, o.a, lda, o.packed, o.bias ?? 0, o.c, ldc, o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, o.work ?? be.gemmWorkspace(m, n, k),
    );
    return;
  }
  const args = (rows: number, a: number, c: number, work: number) => [
    transA ? 1 : 0, act, rows, n, k, a, lda, o.packed, o.bias ?? 0, c, ldc, o.alpha ?? 1, o.beta ?? 0, o.actAlpha ?? 0, work,
  ] as Parameters<Backend['abi']['f32_gemm_packed']>;
  const whole = () => be.abi.f32_gemm_packed(...args(m, o.a, o.c, o.work ?? be.gemmWorkspace(m, n, k)));
  const { cuts } = split;
  const rows = longest(cuts);
  pool.run({
    kernel: 'f32_gemm_packed', macs: m * n * k, workArg: 14, alone: whole,
    blocks: () => eachBlock(cuts, (lo, len) => args(len, o.a + 4 * lo * (transA ? 1 : lda), o.c + 4 * lo * ldc, 0)),
    works: () => threadWorks(be, o.work ?? be.gemmWorkspace(rows, n, k), be.abi.f32_gemm_workspace(rows, n, k)),
  });
}
