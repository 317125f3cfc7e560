import { Tensor, tensor, fmt, sizeOf, type DType, type NestedArray, type TensorLike } from '../tensor.js';
import { DisposedError, ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { checkFiniteF32 } from '../util/finite.js';
import { add as addKernel, mul as mulKernel, sub as subKernel } from '../kernels/elementwise.js';
import { exp as expWasm, log as logWasm } from './elementwise.js';

// TensorFlow.js-shaped data preparation: creation, broadcasting arithmetic,
// reductions along axes and shape ops. Same-shape add / sub / mul and exp /
// log run on the wasm kernels; the rest are TypeScript loops (these ops
// prepare data, they are not the training loop's hot path).

/** A tensor, or anything tensor() takes (a number is a scalar). */
export type TensorInput = Tensor | TensorLike;

function asTensor(op: string, name: string, x: TensorInput): { t: Tensor; owned: boolean } {
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new DisposedError(`${op}: ${name} is a disposed tensor of shape ${fmt(x.shape)}`);
    return { t: x, owned: false };
  }
  if (x === null || x === undefined) throw new ValueError(`${op}: ${name} is required, got ${describe(x)}`);
  try {
    return { t: tensor(x), owned: true };
  } catch (err) {
    // tensor()'s message names its own argument; the caller knows this one as `name`.
    if (err instanceof ValueError) throw new ValueError(err.message.replace(/^tensor: values/, `${op}: ${name}`));
    if (err instanceof ShapeError) throw new ShapeError(err.message.replace(/^tensor: values/, `${op}: ${name}`));
    throw err;
  }
}

function values(op: string, name: string, x: TensorInput): { data: Float32Array | Int32Array; shape: readonly number[]; dtype: DType } {
  const a = asTensor(op, name, x);
  try {
    return { data: a.t.dataSync(), shape: a.t.shape, dtype: a.t.dtype };
  } finally {
    if (a.owned) a.t.dispose();
  }
}

function make(data: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return tensor(data, shape, dtype);
}

// ---- creation ----

function checkRank(op: string, values: TensorLike, shape: readonly number[] | undefined, rank: number, dtype: DType): Tensor {
  const t = tensor(values, shape, dtype);
  if (t.rank !== rank) {
    const s = t.shape;
    t.dispose();
    throw new ShapeError(`${op}: expected rank ${rank}, got shape ${fmt(s)}${shape ? '' : ' (give a shape for flat values)'}`);
  }
  return t;
}

/** A rank-0 tensor. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  if (typeof value !== 'number') throw new ValueError(`scalar: value must be a number, got ${describe(value)}`);
  return tensor(value, [], dtype);
}
/** A rank-1 tensor. */
export const tensor1d = (values: TensorLike, dtype: DType = 'float32'): Tensor => checkRank('tensor1d', values, undefined, 1, dtype);
/** A rank-2 tensor from nested arrays, or flat values with a shape. */
export const tensor2d = (values: TensorLike, shape?: [number, number], dtype: DType = 'float32'): Tensor => checkRank('tensor2d', values, shape, 2, dtype);
/** A rank-3 tensor. */
export const tensor3d = (values: TensorLike, shape?: [number, number, number], dtype: DType = 'float32'): Tensor => checkRank('tensor3d', values, shape, 3, dtype);
/** A rank-4 tensor. */
export const tensor4d = (values: TensorLike, shape?: [number, number, number, number], dtype: DType = 'float32'): Tensor => checkRank('tensor4d', values, shape, 4, dtype);

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number): Tensor {
  checkFiniteF32('linspace', 'start', start);
  checkFiniteF32('linspace', 'stop', stop);
  checkInt('linspace', 'num', num, 1, MAX_GENERATED);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  return make(Float64Array.from({ length: num }, (_, i) => start + i * step), [num]);
}

/** start, start + step, ... below stop (above it for a negative step). */
export function range(start: number, stop: number, step = 1, dtype: DType = 'float32'): Tensor {
  checkFiniteF32('range', 'start', start);
  checkFiniteF32('range', 'stop', stop);
  checkFiniteF32('range', 'step', step);
  if (step === 0) throw new ValueError('range: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (n > MAX_GENERATED) throw new ValueError(`range: ${start} to ${stop} by ${step} makes ${n} values, more than ${MAX_GENERATED}`);
  return make(Float64Array.from({ length: n }, (_, i) => start + i * step), [n], dtype);
}

/** A tensor of zeros shaped like x (a tensor, or anything tensor() takes). */
export const zerosLike = (x: TensorInput): Tensor => filledLike('zerosLike', x, 0);
/** A tensor of ones shaped like x (a tensor, or anything tensor() takes). */
export const onesLike = (x: TensorInput): Tensor => filledLike('onesLike', x, 1);

function filledLike(op: string, x: TensorInput, value: number): Tensor {
  const a = asTensor(op, 'x', x);
  try {
    return make(new Float32Array(a.t.size).fill(value), a.t.shape, a.t.dtype);
  } finally {
    if (a.owned) a.t.dispose();
  }
}

/** The most values linspace() and range() make (their values are computed in JavaScript first). */
const MAX_GENERATED = 2 ** 28;

/** x itself when it is a live tensor; else a ValueError (DisposedError when disposed) naming it. */
function liveTensor(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor, got ${describe(x)}`);
  if (x.isDisposed) throw new DisposedError(`${op}: x is a disposed tensor of shape ${fmt(x.shape)}`);
  return x;
}

/** One-hot rows [...indices.shape, depth] with onValue at each index (TensorFlow.js tf.oneHot: int32 for integer values). */
export function oneHotTensor(indices: TensorInput, depth: number, onValue = 1, offValue = 0): Tensor {
  checkInt('oneHot', 'depth', depth, 1);
  const { data, shape } = values('oneHot', 'indices', indices);
  const out = new Float32Array(data.length * depth).fill(offValue);
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (!Number.isInteger(c)) throw new ValueError(`oneHot: indices[${i}] must be an integer, got ${describe(c)}`);
    if (c >= 0 && c < depth) out[i * depth + c] = onValue;
  }
  return make(out, [...shape, depth], Number.isInteger(onValue) && Number.isInteger(offValue) ? 'int32' : 'float32');
}

// ---- broadcasting arithmetic ----

/** The shape two shapes broadcast to (NumPy / TensorFlow.js rules). */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  for (const [name, shape] of [['a', a], ['b', b]] as const) {
    if (!Array.isArray(shape)) throw new ValueError(`${op}: shape ${name} must be an array of sizes, got ${describe(shape)}`);
    shape.forEach((d, i) => checkInt(op, `shape ${name}, dimension ${i}`, d, 0));
  }
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ShapeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Strides of `shape` read as broadcast to `out` (0 along broadcast axes). */
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const strides = new Array<number>(out.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = out.length - shape.length + i;
    strides[j] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

type Binary = (x: number, y: number) => number;
const KERNELS = { add: addKernel, sub: subKernel, mul: mulKernel } as const;

function binary(op: string, a: TensorInput, b: TensorInput, f: Binary, intResult: boolean): Tensor {
  const A = asTensor(op, 'a', a);
  let B: typeof A;
  try {
    B = asTensor(op, 'b', b);
  } catch (err) {
    // a was converted (and is owned here) before b was refused.
    if (A.owned) A.t.dispose();
    throw err;
  }
  try {
    const sa = A.t.shape;
    const sb = B.t.shape;
    const dtype: DType = intResult && A.t.dtype === 'int32' && B.t.dtype === 'int32' ? 'int32' : 'float32';
    const same = sa.length === sb.length && sa.every((d, i) => d === sb[i]);
    const kernel = KERNELS[op as keyof typeof KERNELS];
    if (same && kernel && A.t.dtype === 'float32' && B.t.dtype === 'float32' && A.t.backend === B.t.backend) {
      const be = A.t.backend;
      const out = new Tensor(be, sa, be.alloc(Math.max(1, A.t.size) * 4));
      kernel(be, { n: A.t.size, x: A.t.ptr, y: B.t.ptr, z: out.ptr });
      return out;
    }
    const shape = broadcastShapes(op, sa, sb);
    const x = A.t.dataSync();
    const y = B.t.dataSync();
    const n = sizeOf(shape);
    const out = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    if (same) for (let i = 0; i < n; i++) out[i] = f(x[i], y[i]);
    else if (y.length === 1) for (let i = 0; i < n; i++) out[i] = f(x[i], y[0]);
    else if (x.length === 1) for (let i = 0; i < n; i++) out[i] = f(x[0], y[i]);
    else {
      const ta = broadcastStrides(sa, shape);
      const tb = broadcastStrides(sb, shape);
      const idx = new Array<number>(shape.length).fill(0);
      let ia = 0;
      let ib = 0;
      for (let i = 0; i < n; i++) {
        out[i] = f(x[ia], y[ib]);
        for (let d = shape.length - 1; d >= 0; d--) {
          idx[d]++;
          ia += ta[d];
          ib += tb[d];
          if (idx[d] < shape[d]) break;
          ia -= ta[d] * shape[d];
          ib -= tb[d] * shape[d];
          idx[d] = 0;
        }
      }
    }
    return make(out, shape, dtype);
  } finally {
    if (A.owned) A.t.dispose();
    if (B.owned) B.t.dispose();
  }
}

/** a + b with broadcasting (TensorFlow.js tf.add). */
export const addB = (a: TensorInput, b: TensorInput): Tensor => binary('add', a, b, (x, y) => x + y, true);
/** a - b with broadcasting. */
export const subB = (a: TensorInput, b: TensorInput): Tensor => binary('sub', a, b, (x, y) => x - y, true);
/** a * b elementwise with broadcasting. */
export const mulB = (a: TensorInput, b: TensorInput): Tensor => binary('mul', a, b, (x, y) => x * y, true);
/** a / b elementwise with broadcasting (float division). */
export const div = (a: TensorInput, b: TensorInput): Tensor => binary('div', a, b, (x, y) => x / y, false);
/** a ** b elementwise with broadcasting. */
export const pow = (a: TensorInput, b: TensorInput): Tensor => binary('pow', a, b, (x, y) => x ** y, false);
/** The larger of a and b elementwise, with broadcasting. */
export const maximum = (a: TensorInput, b: TensorInput): Tensor => binary('maximum', a, b, (x, y) => (x > y || Number.isNaN(x) ? x : y), true);
/** The smaller of a and b elementwise, with broadcasting. */
export const minimum = (a: TensorInput, b: TensorInput): Tensor => binary('minimum', a, b, (x, y) => (x < y || Number.isNaN(x) ? x : y), true);
/** (a - b)² elementwise, with broadcasting. */
export const squaredDifference = (a: TensorInput, b: TensorInput): Tensor => binary('squaredDifference', a, b, (x, y) => (x - y) * (x - y), false);

function unary(op: string, x: TensorInput, f: (v: number) => number, keepInt = false): Tensor {
  const { data, shape, dtype } = values(op, 'x', x);
  const out = keepInt && dtype === 'int32' ? new Int32Array(data.length) : new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = f(data[i]);
  return make(out, shape, keepInt ? dtype : 'float32');
}

/** Square root. */
export const sqrt = (x: TensorInput): Tensor => unary('sqrt', x, Math.sqrt);
/** x². */
export const square = (x: TensorInput): Tensor => unary('square', x, (v) => v * v, true);
/** |x|. */
export const abs = (x: TensorInput): Tensor => unary('abs', x, Math.abs, true);
/** -x. */
export const neg = (x: TensorInput): Tensor => unary('neg', x, (v) => -v, true);
/** 1 / x. */
export const reciprocal = (x: TensorInput): Tensor => unary('reciprocal', x, (v) => 1 / v);
/** Rounds half to even, as TensorFlow.js does. */
export const round = (x: TensorInput): Tensor => unary('round', x, (v) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
});
/** Floor. */
export const floor = (x: TensorInput): Tensor => unary('floor', x, Math.floor);
/** Ceiling. */
export const ceil = (x: TensorInput): Tensor => unary('ceil', x, Math.ceil);
/** exp on the wasm kernel (float32 input). */
export const expT = (x: TensorInput): Tensor => (x instanceof Tensor && x.dtype === 'float32' ? expWasm(x) : unary('exp', x, Math.exp));
/** log on the wasm kernel (float32 input). */
export const logT = (x: TensorInput): Tensor => (x instanceof Tensor && x.dtype === 'float32' ? logWasm(x) : unary('log', x, Math.log));

// ---- reductions ----

function axesOf(op: string, rank: number, axis: number | number[] | undefined | null): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= Math.max(rank, 1)) throw new ValueError(`${op}: axis must be an integer in [${-rank}, ${rank - 1}], got ${describe(a)}`);
    return a < 0 ? a + rank : a;
  });
  return [...new Set(out)].sort((p, q) => p - q);
}

type Reducer = { init: number; step: (acc: number, v: number, index: number) => number; finish?: (acc: number, count: number) => number };

function reduce(op: string, x: TensorInput, axis: number | number[] | undefined, keepDims: boolean, r: Reducer, dtype?: DType): Tensor {
  const { data, shape, dtype: inType } = values(op, 'x', x);
  const axes = axesOf(op, shape.length, axis);
  const outShape: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) outShape.push(d);
    else if (keepDims) outShape.push(1);
  });
  const kept = shape.map((_, i) => !axes.includes(i));
  const keptShape = shape.filter((_, i) => kept[i]);
  const outSize = sizeOf(keptShape);
  const count = axes.reduce((s, a) => s * shape[a], 1);
  if (count === 0) throw new ValueError(`${op}: cannot reduce over an empty axis of shape ${fmt(shape)}`);
  const acc = new Float64Array(outSize).fill(r.init);
  const seen = new Int32Array(outSize);
  const idx = new Array<number>(shape.length).fill(0);
  const keptStrides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) if (kept[i]) {
    keptStrides[i] = s;
    s *= shape[i];
  }
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    acc[o] = r.step(acc[o], data[i], seen[o]++);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      o += keptStrides[d];
      if (idx[d] < shape[d]) break;
      o -= keptStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
  const out = r.finish ? acc.map((v) => (r.finish as (a: number, c: number) => number)(v, count)) : acc;
  const t = dtype ?? (inType === 'int32' && op !== 'mean' ? 'int32' : 'float32');
  return make(out, outShape, t);
}

/** Sum along axes (all by default) as a tensor (TensorFlow.js tf.sum; the top-level sum() returns a number). */
export const sumT = (x: TensorInput, axis?: number | number[], keepDims = false): Tensor => reduce('sum', x, axis, keepDims, { init: 0, step: (a, v) => a + v });
/** Mean along axes (all by default). */
export const mean = (x: TensorInput, axis?: number | number[], keepDims = false): Tensor => reduce('mean', x, axis, keepDims, { init: 0, step: (a, v) => a + v, finish: (a, c) => a / c });
/** Maximum along axes (all by default). */
export const max = (x: TensorInput, axis?: number | number[], keepDims = false): Tensor => reduce('max', x, axis, keepDims, { init: -Infinity, step: (a, v) => (v > a || Number.isNaN(v) ? v : a) });
/** Minimum along axes (all by default). */
export const min = (x: TensorInput, axis?: number | number[], keepDims = false): Tensor => reduce('min', x, axis, keepDims, { init: Infinity, step: (a, v) => (v < a || Number.isNaN(v) ? v : a) });
/** Product along axes (all by default). */
export const prod = (x: TensorInput, axis?: number | number[], keepDims = false): Tensor => reduce('prod', x, axis, keepDims, { init: 1, step: (a, v) => a * v });

function argReduce(op: string, x: TensorInput, axis: number, better: (v: number, best: number) => boolean): Tensor {
  const { data, shape } = values(op, 'x', x);
  const [a] = axesOf(op, shape.length, axis);
  const outer = sizeOf(shape.slice(0, a));
  const n = shape[a];
  const inner = sizeOf(shape.slice(a + 1));
  if (n === 0) throw new ValueError(`${op}: axis ${a} of shape ${fmt(shape)} is empty`);
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let best = 0;
    for (let k = 1; k < n; k++) if (better(data[(o * n + k) * inner + i], data[(o * n + best) * inner + i])) best = k;
    out[o * inner + i] = best;
  }
  return make(out, [...shape.slice(0, a), ...shape.slice(a + 1)], 'int32');
}

/** Index of the largest value along an axis (TensorFlow.js default axis 0; first on ties). */
export const argMaxT = (x: TensorInput, axis = 0): Tensor => argReduce('argMax', x, axis, (v, b) => v > b);
/** Index of the smallest value along an axis (default 0). */
export const argMin = (x: TensorInput, axis = 0): Tensor => argReduce('argMin', x, axis, (v, b) => v < b);

// ---- shape ----

/** Joins tensors along an existing axis (default 0). */
export function concat(tensors: readonly TensorInput[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError(`concat: tensors must be a non-empty array, got ${describe(tensors)}`);
  const parts = tensors.map((t, i) => values('concat', `tensors[${i}]`, t));
  const rank = parts[0].shape.length;
  if (rank === 0) throw new ShapeError(`concat: tensors must have rank >= 1 (use stack for scalars)`);
  const [a] = axesOf('concat', rank, axis);
  parts.forEach((p, i) => {
    if (p.shape.length !== rank || p.shape.some((d, j) => j !== a && d !== parts[0].shape[j])) {
      throw new ShapeError(`concat: tensors[${i}] has shape ${fmt(p.shape)}, which does not match ${fmt(parts[0].shape)} outside axis ${a}`);
    }
  });
  const outer = sizeOf(parts[0].shape.slice(0, a));
  const inner = sizeOf(parts[0].shape.slice(a + 1));
  const total = parts.reduce((s, p) => s + p.shape[a], 0);
  const out = new Float32Array(outer * total * inner);
  let at = 0;
  for (let o = 0; o < outer; o++) for (const p of parts) {
    const len = p.shape[a] * inner;
    out.set(p.data.subarray(o * len, (o + 1) * len), at);
    at += len;
  }
  const shape = parts[0].shape.slice();
  shape[a] = total;
  return make(out, shape, parts.every((p) => p.dtype === 'int32') ? 'int32' : 'float32');
}

/** Stacks same-shaped tensors along a new axis (default 0). */
export function stack(tensors: readonly TensorInput[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError(`stack: tensors must be a non-empty array, got ${describe(tensors)}`);
  const parts = tensors.map((t, i) => asTensor('stack', `tensors[${i}]`, t));
  try {
    const shape = parts[0].t.shape;
    parts.forEach((p, i) => {
      if (p.t.shape.length !== shape.length || p.t.shape.some((d, j) => d !== shape[j])) throw new ShapeError(`stack: tensors[${i}] has shape ${fmt(p.t.shape)}, expected ${fmt(shape)}`);
    });
    const [a] = axesOf('stack', shape.length + 1, axis);
    const expanded = parts.map((p) => p.t.reshape([...shape.slice(0, a), 1, ...shape.slice(a)]));
    try {
      return concat(expanded, a);
    } finally {
      for (const e of expanded) e.dispose();
    }
  } finally {
    for (const p of parts) if (p.owned) p.t.dispose();
  }
}

/** A block of x starting at `begin` of `size` (-1: to the end), as tf.slice. */
export function slice(x: TensorInput, begin: number | number[], size?: number | number[]): Tensor {
  const { data, shape, dtype } = values('slice', 'x', x);
  const rank = shape.length;
  const b = Array.isArray(begin) ? begin.slice() : [begin];
  while (b.length < rank) b.push(0);
  const s = size === undefined ? [] : Array.isArray(size) ? size.slice() : [size];
  while (s.length < rank) s.push(-1);
  const outShape = shape.map((d, i) => {
    if (!Number.isInteger(b[i]) || b[i] < 0 || b[i] > d) throw new ValueError(`slice: begin[${i}] must be an integer in [0, ${d}], got ${describe(b[i])}`);
    const len = s[i] === -1 ? d - b[i] : s[i];
    if (!Number.isInteger(len) || len < 0 || b[i] + len > d) throw new ValueError(`slice: size[${i}] ${describe(s[i])} from ${b[i]} runs past axis ${i} of length ${d}`);
    return len;
  });
  const n = sizeOf(outShape);
  const out = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  const strides = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += (b[d] + idx[d]) * strides[d];
    out[i] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return make(out, outShape, dtype);
}

/** Rows of x (along `axis`, default 0) picked by integer indices, as tf.gather. */
export function gather(x: TensorInput, indices: TensorInput, axis = 0): Tensor {
  const { data, shape, dtype } = values('gather', 'x', x);
  const ind = values('gather', 'indices', indices);
  const [a] = axesOf('gather', shape.length, axis);
  const outer = sizeOf(shape.slice(0, a));
  const n = shape[a];
  const inner = sizeOf(shape.slice(a + 1));
  const m = ind.data.length;
  const out = dtype === 'int32' ? new Int32Array(outer * m * inner) : new Float32Array(outer * m * inner);
  for (let j = 0; j < m; j++) {
    const k = ind.data[j];
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new ValueError(`gather: indices[${j}] must be an integer in [0, ${n - 1}], got ${describe(k)}`);
  }
  for (let o = 0; o < outer; o++) for (let j = 0; j < m; j++) {
    const from = (o * n + ind.data[j]) * inner;
    out.set(data.subarray(from, from + inner), (o * m + j) * inner);
  }
  return make(out, [...shape.slice(0, a), ...ind.shape, ...shape.slice(a + 1)], dtype);
}

/** x with a new axis of length 1 at `axis` (default 0). */
export function expandDims(x: Tensor, axis = 0): Tensor {
  const r = liveTensor('expandDims', x).rank;
  if (!Number.isInteger(axis) || axis < -(r + 1) || axis > r) throw new ValueError(`expandDims: axis must be an integer in [${-(r + 1)}, ${r}], got ${describe(axis)}`);
  const a = axis < 0 ? axis + r + 1 : axis;
  return x.reshape([...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** x without its axes of length 1 (or only those listed). */
export function squeeze(x: Tensor, axis?: number[]): Tensor {
  liveTensor('squeeze', x);
  if (axis !== undefined && !Array.isArray(axis)) throw new ValueError(`squeeze: axis must be an array of axes, got ${describe(axis)}`);
  const drop = axis === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : axesOf('squeeze', x.rank, axis);
  for (const a of drop) if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of shape ${fmt(x.shape)} has length ${x.shape[a]}, not 1`);
  return x.reshape(x.shape.filter((_, i) => !drop.includes(i)));
}

/** Axes permuted (default: reversed), as tf.transpose. */
export function transposeT(x: TensorInput, perm?: number[]): Tensor {
  const { data, shape, dtype } = values('transpose', 'x', x);
  const rank = shape.length;
  const p = perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (p.length !== rank || [...p].sort((u, v) => u - v).some((v, i) => v !== i)) throw new ValueError(`transpose: perm must be a permutation of 0..${rank - 1}, got ${describe(perm)}`);
  const outShape = p.map((a) => shape[a]);
  const strides = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  const n = data.length;
  const out = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d] * strides[p[d]];
    out[i] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return make(out, outShape, dtype);
}

/** The values printed as TensorFlow.js prints them ("Tensor" then the nested values). */
export function formatTensor(x: Tensor): string {
  const v = x.array() as NestedArray;
  const body = (a: NestedArray, indent: number): string => {
    if (!Array.isArray(a)) return String(a);
    if (a.length === 0 || !Array.isArray(a[0])) return `[${(a as number[]).join(', ')}]`;
    return `[${a.map((r, i) => (i ? ' '.repeat(indent + 1) : '') + body(r, indent + 1)).join(',\n')}]`;
  };
  return `Tensor\n    ${body(v, 4)}`;
}

/** Helpers TensorFlow.js keeps under tf.util. */
export const util = {
  /** Shuffles an array in place (Fisher-Yates, Math.random as tf.util.shuffle). */
  shuffle<T>(array: T[] | Float32Array | Int32Array | Uint32Array): void {
    shuffleable('util.shuffle', 'array', array);
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
  },
  /** Shuffles two arrays of the same length in place with the same permutation. */
  shuffleCombo<T, U>(a: T[] | Float32Array | Int32Array, b: U[] | Float32Array | Int32Array): void {
    shuffleable('util.shuffleCombo', 'a', a);
    shuffleable('util.shuffleCombo', 'b', b);
    if (a.length !== b.length) throw new ValueError(`util.shuffleCombo: the arrays have lengths ${a.length} and ${b.length}`);
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
      [b[i], b[j]] = [b[j], b[i]];
    }
  },
  /** Number of elements of a shape. */
  sizeFromShape: (shape: readonly number[]): number => sizeOf(shape),
};

/** An array or typed array to shuffle in place; else a ValueError naming it. */
function shuffleable(op: string, name: string, a: unknown): void {
  if (!Array.isArray(a) && !(ArrayBuffer.isView(a) && !(a instanceof DataView))) {
    throw new ValueError(`${op}: ${name} must be an array or a typed array, got ${describe(a)}`);
  }
}

