import { Tensor, empty, fmt, type TensorLike } from '../tensor.js';
import { ACT, type ActivationName } from '../runtime/abi.js';
import type { Backend } from '../runtime/backend.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { checkBool, checkOptions } from '../util/options.js';
import { arg, release, requireRank } from './util.js';
import { gemm, gemmPacked, gemmSplit } from '../kernels/gemm.js';
import { packedRight } from './packed-cache.js';

/** Options of matmul(). */
export interface MatmulOptions {
  /** Use a's transpose (a is stored k x m). Default false. */
  transposeA?: boolean;
  /** Use b's transpose (b is stored n x k). Default false. */
  transposeB?: boolean;
  /** A length-n vector added to every row of the product (fused into the GEMM). */
  bias?: Tensor | TensorLike;
  /** An activation applied to the result (fused into the GEMM epilogue). Default 'linear'. */
  activation?: ActivationName;
  /** Slope for leakyRelu / scale for elu. Default 0.2 for leakyRelu, 1 for elu. */
  alpha?: number;
}

/** Default parameter of the parametrised activations (Keras defaults). */
export function defaultAlpha(activation: ActivationName): number {
  return activation === 'leakyRelu' ? 0.2 : activation === 'elu' ? 1 : 0;
}

/** Validates an activation name and returns its kernel id. */
export function activationId(op: string, activation: unknown): number {
  if (typeof activation !== 'string' || !Object.prototype.hasOwnProperty.call(ACT, activation)) {
    throw new ValueError(`${op}: activation must be one of ${Object.keys(ACT).join(', ')}, got ${describe(activation)}`);
  }
  return ACT[activation as ActivationName];
}

/**
 * Matrix product act(op(a) · op(b) + bias) of rank-2 tensors, as one fused
 * GEMM call. Returns a new m x n tensor (read it without a copy through
 * view()).
 *
 * From the second product with the same tensor `b` (and the same
 * transposeB), the copy of op(b) that the GEMM packs for its micro-kernel
 * is kept with `b` and reused: the results are bit-identical to packing
 * anew. The packed copy is freed with `b` (dispose(), tidy() or garbage
 * collection) and counted in memoryStats().liveBytes; a backend keeps at
 * most 64 MiB of them, least recently used dropped first. Nothing is kept
 * for a tensor whose values may change outside simdnn's ops: once view()
 * was called on it (or for a tensor wrapping a region its creator made);
 * code writing through `ptr` must call view() first.
 */
export function matmul(a: Tensor | TensorLike, b: Tensor | TensorLike, options: MatmulOptions = {}): Tensor {
  checkOptions('matmul', options, ['transposeA', 'transposeB', 'bias', 'activation', 'alpha'], 'options');
  const transposeA = checkBool('matmul', 'transposeA', options.transposeA, false);
  const transposeB = checkBool('matmul', 'transposeB', options.transposeB, false);
  const A = arg('matmul', 'a', a);
  let B: ReturnType<typeof arg> | undefined;
  let bias: ReturnType<typeof arg> | undefined;
  try {
    B = arg('matmul', 'b', b, A.t.backend);
    const { activation = 'linear' } = options;
    const act = activationId('matmul', activation);
    const alpha = options.alpha ?? defaultAlpha(activation);
    if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new ValueError(`matmul: alpha must be a finite number, got ${describe(alpha)}`);
    requireRank('matmul', 'a', A.t, 2);
    requireRank('matmul', 'b', B.t, 2);
    const [ar, ac] = A.t.shape;
    const [br, bc] = B.t.shape;
    const m = transposeA ? ac : ar;
    const k = transposeA ? ar : ac;
    const kb = transposeB ? bc : br;
    const n = transposeB ? br : bc;
    if (k !== kb) {
      throw new ShapeError(
        `matmul: inner dimensions differ: a ${fmt(A.t.shape)}${transposeA ? ' (transposed)' : ''} gives k=${k}, ` +
          `b ${fmt(B.t.shape)}${transposeB ? ' (transposed)' : ''} gives k=${kb}`,
      );
    }
    if (options.bias !== undefined) {
      bias = arg('matmul', 'bias', options.bias, A.t.backend);
      if (bias.t.rank !== 1 || bias.t.shape[0] !== n) {
        throw new ShapeError(`matmul: bias must have shape [${n}], got ${fmt(bias.t.shape)}`);
      }
    }
    const be = A.t.backend;
    // Scratch first: if growing it fails, no output tensor is left behind.
    const work = be.gemmWorkspace(m, n, k);
    const packed = B.owned || !rowSplit(be, m, n, k) ? 0 : packedRight(be, B.t, transposeB, n, k);
    const out = empty([m, n], be);
    const b0 = bias ? bias.t.ptr : 0;
    if (packed) {
      gemmPacked(be, { m, n, k, a: A.t.ptr, packed, c: out.ptr, transA: transposeA, bias: b0, act, actAlpha: alpha, work });
    } else {
      gemm(be, { m, n, k, a: A.t.ptr, b: B.t.ptr, c: out.ptr, transA: transposeA, transB: transposeB, bias: b0, act, actAlpha: alpha, work });
    }
    return out;
  } finally {
    release(A, B, bias);
  }
}

/** True unless worker threads would split this GEMM over columns (the packed GEMM splits over rows only). */
function rowSplit(be: Backend, m: number, n: number, k: number): boolean {
  const pool = be.threads;
  if (!pool) return true;
  const split = gemmSplit(m, n, k, pool.size);
  return split === null || split.rows;
}
