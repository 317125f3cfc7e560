import { Tensor, empty, fmt, type TensorLike } from '../tensor.js';
import type { ActivationName } from '../runtime/abi.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { arg, release, requireRank, requireSameShape } from './util.js';
import { activationId, defaultAlpha } from './matmul.js';
import { actForward, exp as expKernel, softmax as softmaxKernel } from '../kernels/activation.js';
import {
  add as addKernel, argmaxRows, biasAdd, clip, mul as mulKernel, scale, sub as subKernel, sum as sumKernel, transpose as transposeKernel,
} from '../kernels/elementwise.js';
import { log as logKernel } from '../kernels/loss.js';
import { addB, mulB, subB, transposeT } from './tfjs.js';

/** Applies an elementwise activation; returns a new tensor of the same shape. */
export function activation(x: Tensor | TensorLike, name: ActivationName, alpha?: number): Tensor {
  const id = activationId('activation', name);
  const a = alpha ?? defaultAlpha(name);
  if (typeof a !== 'number' || !Number.isFinite(Math.fround(a))) throw new ValueError(`${name}: alpha must be a finite number, got ${describe(a)}`);
  const X = arg(name, 'x', x);
  try {
    const out = empty(X.t.shape, X.t.backend);
    actForward(X.t.backend, { act: id, n: X.t.size, x: X.t.ptr, y: out.ptr, alpha: a });
    return out;
  } finally {
    release(X);
  }
}

/** max(x, 0). */
export const relu = (x: Tensor | TensorLike): Tensor => activation(x, 'relu');
/** 1 / (1 + exp(-x)). */
export const sigmoid = (x: Tensor | TensorLike): Tensor => activation(x, 'sigmoid');
/** Hyperbolic tangent. */
export const tanh = (x: Tensor | TensorLike): Tensor => activation(x, 'tanh');
/** x for x > 0, alpha * x otherwise (alpha defaults to 0.2 as in TensorFlow.js). */
export const leakyRelu = (x: Tensor | TensorLike, alpha = 0.2): Tensor => activation(x, 'leakyRelu', alpha);
/** x for x > 0, alpha * (exp(x) - 1) otherwise. */
export const elu = (x: Tensor | TensorLike, alpha = 1): Tensor => activation(x, 'elu', alpha);
/** GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export const gelu = (x: Tensor | TensorLike): Tensor => activation(x, 'gelu');
/** log(1 + exp(x)), without overflow. */
export const softplus = (x: Tensor | TensorLike): Tensor => activation(x, 'softplus');
/** x / (1 + |x|). */
export const softsign = (x: Tensor | TensorLike): Tensor => activation(x, 'softsign');
/** Scaled ELU of self-normalising networks (Klambauer et al., 2017): 1.0507 (x > 0 ? x : 1.6733 (exp(x) - 1)). */
export const selu = (x: Tensor | TensorLike): Tensor => activation(x, 'selu');
/** x sigmoid(x) (swish, also called SiLU). */
export const swish = (x: Tensor | TensorLike): Tensor => activation(x, 'swish');
/** x tanh(softplus(x)) (Misra, 2019). */
export const mish = (x: Tensor | TensorLike): Tensor => activation(x, 'mish');
/** clip(0.2 x + 0.5, 0, 1) (Courbariaux et al., 2015; the Keras and TensorFlow.js slope). */
export const hardSigmoid = (x: Tensor | TensorLike): Tensor => activation(x, 'hardSigmoid');
/** Heaviside step: 1 for x >= 0, else 0. */
export const step = (x: Tensor | TensorLike): Tensor => activation(x, 'step');
/** Sign with the Hopfield tie rule: +1 for x >= 0, else -1. */
export const sign = (x: Tensor | TensorLike): Tensor => activation(x, 'sign');

/** Row-wise softmax over the last axis (numerically stable). */
export function softmax(x: Tensor | TensorLike): Tensor {
  const X = arg('softmax', 'x', x);
  try {
    if (X.t.rank < 1) throw new ShapeError(`softmax: x must have rank >= 1, got shape ${fmt(X.t.shape)}`);
    const n = X.t.shape[X.t.rank - 1];
    const out = empty(X.t.shape, X.t.backend);
    if (n > 0) softmaxKernel(X.t.backend, { m: X.t.size / n, n, x: X.t.ptr, y: out.ptr });
    return out;
  } finally {
    release(X);
  }
}

/** exp(x), computed in wasm (bit-identical across engines). */
export function exp(x: Tensor | TensorLike): Tensor {
  const X = arg('exp', 'x', x);
  try {
    const out = empty(X.t.shape, X.t.backend);
    expKernel(X.t.backend, { n: X.t.size, x: X.t.ptr, y: out.ptr });
    return out;
  } finally {
    release(X);
  }
}

/** Natural log, computed in wasm. */
export function log(x: Tensor | TensorLike): Tensor {
  const X = arg('log', 'x', x);
  try {
    const out = empty(X.t.shape, X.t.backend);
    logKernel(X.t.backend, { n: X.t.size, x: X.t.ptr, y: out.ptr });
    return out;
  } finally {
    release(X);
  }
}

type Binary = 'add' | 'sub' | 'mul';

function binary(op: Binary, a: Tensor | TensorLike, b: Tensor | TensorLike | number): Tensor {
  const A = arg(op, 'a', a);
  const be = A.t.backend;
  try {
    if (typeof b === 'number') {
      if (Number.isNaN(b)) throw new ValueError(`${op}: b must be a number, got NaN`);
      const out = empty(A.t.shape, A.t.backend);
      if (op === 'mul') scale(be, { n: A.t.size, x: A.t.ptr, y: out.ptr, alpha: b });
      else scale(be, { n: A.t.size, x: A.t.ptr, y: out.ptr, beta: op === 'add' ? b : -b });
      return out;
    }
    const B = arg(op, 'b', b, A.t.backend);
    try {
      const last = A.t.shape[A.t.rank - 1];
      if (op === 'add' && B.t.rank === 1 && A.t.rank >= 2 && B.t.shape[0] === last) {
        // Row broadcast of a bias vector over the last axis.
        const out = empty(A.t.shape, A.t.backend);
        biasAdd(be, { m: A.t.size / last, n: last, x: A.t.ptr, bias: B.t.ptr, y: out.ptr });
        return out;
      }
      if (A.t.rank !== B.t.rank || A.t.shape.some((d, i) => d !== B.t.shape[i]) || B.t.dtype !== 'float32') {
        // Other shapes broadcast as in TensorFlow.js (a TypeScript loop).
        return (op === 'add' ? addB : op === 'sub' ? subB : mulB)(A.t, B.t);
      }
      requireSameShape(op, A.t, 'a', B.t, 'b');
      const out = empty(A.t.shape, A.t.backend);
      const fn = op === 'add' ? addKernel : op === 'sub' ? subKernel : mulKernel;
      fn(be, { n: A.t.size, x: A.t.ptr, y: B.t.ptr, z: out.ptr });
      return out;
    } finally {
      release(B);
    }
  } finally {
    release(A);
  }
}

/** a + b: same shapes on the wasm kernel, a scalar b, a rank-1 b over a's last axis, or any shapes that broadcast (TensorFlow.js rules). */
export const add = (a: Tensor | TensorLike, b: Tensor | TensorLike | number): Tensor => binary('add', a, b);
/** a - b: same shapes on the wasm kernel, a scalar b, or shapes that broadcast. */
export const sub = (a: Tensor | TensorLike, b: Tensor | TensorLike | number): Tensor => binary('sub', a, b);
/** a * b elementwise (Hadamard), a scaled by a number b, or shapes that broadcast. */
export const mul = (a: Tensor | TensorLike, b: Tensor | TensorLike | number): Tensor => binary('mul', a, b);

/** Clamps every value to [lo, hi]. */
export function clipByValue(x: Tensor | TensorLike, lo: number, hi: number): Tensor {
  if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
    throw new ValueError(`clipByValue: need numbers lo <= hi, got lo=${describe(lo)}, hi=${describe(hi)}`);
  }
  const X = arg('clipByValue', 'x', x);
  try {
    const out = empty(X.t.shape, X.t.backend);
    clip(X.t.backend, { n: X.t.size, x: X.t.ptr, y: out.ptr, lo, hi });
    return out;
  } finally {
    release(X);
  }
}

/** Transpose: a rank-2 tensor on the wasm kernel; other ranks or an explicit perm permute the axes (TensorFlow.js tf.transpose). */
export function transpose(x: Tensor | TensorLike, perm?: number[]): Tensor {
  if (perm !== undefined || (x instanceof Tensor && x.rank !== 2)) return transposeT(x, perm);
  const X = arg('transpose', 'x', x);
  try {
    requireRank('transpose', 'x', X.t, 2);
    const [m, n] = X.t.shape;
    const out = empty([n, m], X.t.backend);
    transposeKernel(X.t.backend, { m, n, a: X.t.ptr, b: out.ptr });
    return out;
  } finally {
    release(X);
  }
}

/** Sum of all elements (accumulated in float64, in index order) as a JS number. */
export function sum(x: Tensor | TensorLike): number {
  const X = arg('sum', 'x', x);
  try {
    return sumKernel(X.t.backend, { n: X.t.size, x: X.t.ptr });
  } finally {
    release(X);
  }
}

/** Index of the largest value along the last axis (first on ties), as an int32 tensor. */
export function argMax(x: Tensor | TensorLike): Tensor {
  const X = arg('argMax', 'x', x);
  try {
    if (X.t.rank < 1 || X.t.shape[X.t.rank - 1] === 0) throw new ShapeError(`argMax: x must have a non-empty last axis, got shape ${fmt(X.t.shape)}`);
    const n = X.t.shape[X.t.rank - 1];
    const out = empty(X.t.shape.slice(0, -1), X.t.backend, 'int32');
    argmaxRows(X.t.backend, { m: X.t.size / n, n, x: X.t.ptr, out: out.ptr });
    return out;
  } finally {
    release(X);
  }
}
