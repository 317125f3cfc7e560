import type { Backend } from './runtime/backend.js';
import { getBackend } from './runtime/init.js';
import { DisposedError, ShapeError, ValueError, describe } from './errors.js';
import { fill as fillKernel } from './kernels/elementwise.js';
import * as ops from './ops/chain.js';

/** Element types a tensor can hold. Everything computes in float32; int32 holds labels and indices. */
export type DType = 'float32' | 'int32';

/** A nested array of numbers of any depth, as accepted by tensor(). */
export type NestedArray = number | readonly NestedArray[];

/** Anything tensor() accepts as values. */
export type TensorLike = NestedArray | Float32Array | Int32Array | ArrayLike<number>;

/**
 * Memory derived from a tensor's values and owned by it (matmul's packed copy
 * of a reused right operand): release() frees it, and runs when the tensor is
 * disposed or collected and when view() hands its values out for writing.
 */
export interface Derived {
  release(): void;
}

interface Held {
  backend: Backend;
  ptr: number;
  derived: Derived | null;
}

function dropDerived(held: Held): void {
  const d = held.derived;
  held.derived = null;
  d?.release();
}

// The safety net for tensors that were never disposed: when one is collected,
// its region (and anything derived from it) goes back to the allocator.
// dispose() unregisters, so a region is never freed twice.
const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Held>((held) => {
        dropDerived(held);
        if (held.backend.isLive(held.ptr)) held.backend.free(held.ptr);
      })
    : null;

const scopes: Tensor[][] = [];

/**
 * An n-dimensional array stored in wasm linear memory: a shape and a region.
 * Values are copied in at creation and copied out by toFloat32Array() /
 * array(); view() gives a zero-copy window that is only valid until the next
 * allocation. Free the memory with dispose() (or tidy()); a
 * FinalizationRegistry reclaims tensors that were dropped without it.
 */
export class Tensor {
  /** Dimensions, outermost first (row-major). */
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** Element type. */
  readonly dtype: DType;
  /** The backend whose memory holds the values. */
  readonly backend: Backend;
  private _ptr: number;
  private _disposed = false;
  private readonly _held: Held;
  // True while no writer outside simdnn's ops is known to hold the values:
  // set for tensors that tensor(), empty() and the copies make, cleared for
  // good by view().
  private _sealed = false;

  /**
   * Wraps a region the caller allocated on `backend` for `size(shape)`
   * elements; the tensor takes ownership. The caller still knows the
   * region, so matmul never caches a packed copy of such a tensor.
   */
  constructor(backend: Backend, shape: readonly number[], ptr: number, dtype: DType = 'float32') {
    this.backend = backend;
    this.shape = Object.freeze(shape.slice());
    this.size = sizeOf(shape);
    this.dtype = dtype;
    this._ptr = ptr;
    this._held = { backend, ptr, derived: null };
    registry?.register(this, this._held, this);
    const scope = scopes[scopes.length - 1];
    if (scope) scope.push(this);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /**
   * Byte offset of the values in the backend's memory (throws once disposed).
   * simdnn's ops only read a tensor's values once it is made; code that
   * writes there itself (raw kernels, backend.f32()) must call view() first,
   * which marks the values as changeable (matmul then caches nothing
   * derived from them).
   */
  get ptr(): number {
    if (this._disposed) throw new DisposedError(`tensor of shape ${fmt(this.shape)} was disposed`);
    this.backend.check();
    return this._ptr;
  }

  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** A copy of the values as float32 (int32 tensors are converted). */
  toFloat32Array(): Float32Array {
    const p = this.ptr >>> 2;
    if (this.dtype === 'int32') return Float32Array.from(this.backend.i32().subarray(p, p + this.size));
    return this.backend.f32().slice(p, p + this.size);
  }

  /** A copy of the values as int32 (float32 values are truncated toward zero). */
  toInt32Array(): Int32Array {
    const p = this.ptr >>> 2;
    if (this.dtype === 'int32') return this.backend.i32().slice(p, p + this.size);
    return Int32Array.from(this.backend.f32().subarray(p, p + this.size), (v) => Math.trunc(v));
  }

  /** A copy of the values in the tensor's own element type (TensorFlow.js name). */
  dataSync(): Float32Array | Int32Array {
    return this.dtype === 'int32' ? this.toInt32Array() : this.toFloat32Array();
  }

  /** The values as nested arrays shaped like the tensor (a number for rank 0). */
  array(): NestedArray {
    const flat = Array.from(this.dataSync());
    if (this.shape.length === 0) return flat[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      if (dim === this.shape.length - 1) return flat.slice(offset, offset + n);
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /**
   * A zero-copy Float32Array over the values. It is invalidated by any later
   * allocation on this backend (memory may grow and move): use it at once.
   * Writing through it changes the tensor; from then on matmul never caches
   * a packed copy of this tensor.
   */
  view(): Float32Array {
    if (this.dtype !== 'float32') throw new ValueError(`view: tensor dtype must be 'float32', got '${this.dtype}'`);
    const p = this.ptr >>> 2;
    this._sealed = false;
    dropDerived(this._held);
    return this.backend.f32().subarray(p, p + this.size);
  }

  /** A new tensor with the same values and another shape of the same size. */
  reshape(shape: readonly number[]): Tensor {
    checkShape('reshape', 'shape', shape);
    if (sizeOf(shape) !== this.size) {
      throw new ShapeError(`reshape: cannot reshape tensor of shape ${fmt(this.shape)} (size ${this.size}) to ${fmt(shape)} (size ${sizeOf(shape)})`);
    }
    return this.copyAs(shape);
  }

  /** A new tensor with the same shape and values. */
  clone(): Tensor {
    return this.copyAs(this.shape);
  }

  /** Frees the tensor's memory; later use throws DisposedError. Idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    registry?.unregister(this);
    dropDerived(this._held);
    if (this.backend.isLive(this._ptr)) this.backend.free(this._ptr);
  }

  toString(): string {
    return `Tensor(${this.dtype}, shape ${fmt(this.shape)})`;
  }

  // ---- TensorFlow.js chainable methods: each returns a new tensor (src/ops/tfjs.ts) ----

  /** The values, as a promise (TensorFlow.js data()). */
  async data(): Promise<Float32Array | Int32Array> {
    return this.dataSync();
  }
  /** The values as nested arrays (TensorFlow.js arraySync()). */
  arraySync(): NestedArray {
    return this.array();
  }
  /** Prints the values as TensorFlow.js does. */
  print(): void {
    console.log(ops.formatTensor(this));
  }
  /** this + b, broadcasting. */
  add(b: Tensor | TensorLike): Tensor { return ops.addB(this, b); }
  /** this - b, broadcasting. */
  sub(b: Tensor | TensorLike): Tensor { return ops.subB(this, b); }
  /** this * b elementwise, broadcasting. */
  mul(b: Tensor | TensorLike): Tensor { return ops.mulB(this, b); }
  /** this / b elementwise, broadcasting. */
  div(b: Tensor | TensorLike): Tensor { return ops.div(this, b); }
  /** this ** b elementwise, broadcasting. */
  pow(b: Tensor | TensorLike): Tensor { return ops.pow(this, b); }
  /** Elementwise maximum with b, broadcasting. */
  maximum(b: Tensor | TensorLike): Tensor { return ops.maximum(this, b); }
  /** Elementwise minimum with b, broadcasting. */
  minimum(b: Tensor | TensorLike): Tensor { return ops.minimum(this, b); }
  /** (this - b)², broadcasting. */
  squaredDifference(b: Tensor | TensorLike): Tensor { return ops.squaredDifference(this, b); }
  /** Matrix product (rank 2). */
  matMul(b: Tensor | TensorLike, transposeA = false, transposeB = false): Tensor { return ops.matmul(this, b, { transposeA, transposeB }); }
  /** Square root. */
  sqrt(): Tensor { return ops.sqrt(this); }
  /** Square. */
  square(): Tensor { return ops.square(this); }
  /** exp. */
  exp(): Tensor { return ops.expT(this); }
  /** Natural log. */
  log(): Tensor { return ops.logT(this); }
  /** Absolute value. */
  abs(): Tensor { return ops.abs(this); }
  /** Negation. */
  neg(): Tensor { return ops.neg(this); }
  /** 1 / x. */
  reciprocal(): Tensor { return ops.reciprocal(this); }
  /** Round half to even. */
  round(): Tensor { return ops.round(this); }
  /** Floor. */
  floor(): Tensor { return ops.floor(this); }
  /** Ceiling. */
  ceil(): Tensor { return ops.ceil(this); }
  /** max(x, 0). */
  relu(): Tensor { return ops.relu(this); }
  /** Logistic sigmoid. */
  sigmoid(): Tensor { return ops.sigmoid(this); }
  /** tanh. */
  tanh(): Tensor { return ops.tanh(this); }
  /** Softmax over the last axis. */
  softmax(): Tensor { return ops.softmax(this); }
  /** Values clamped to [lo, hi]. */
  clipByValue(lo: number, hi: number): Tensor { return ops.clipByValue(this, lo, hi); }
  /** Sum along axes (all by default), as a tensor. */
  sum(axis?: number | number[], keepDims = false): Tensor { return ops.sumT(this, axis, keepDims); }
  /** Mean along axes (all by default). */
  mean(axis?: number | number[], keepDims = false): Tensor { return ops.mean(this, axis, keepDims); }
  /** Maximum along axes (all by default). */
  max(axis?: number | number[], keepDims = false): Tensor { return ops.max(this, axis, keepDims); }
  /** Minimum along axes (all by default). */
  min(axis?: number | number[], keepDims = false): Tensor { return ops.min(this, axis, keepDims); }
  /** Product along axes (all by default). */
  prod(axis?: number | number[], keepDims = false): Tensor { return ops.prod(this, axis, keepDims); }
  /** Index of the largest value along an axis (default 0, as TensorFlow.js). */
  argMax(axis = 0): Tensor { return ops.argMaxT(this, axis); }
  /** Index of the smallest value along an axis (default 0). */
  argMin(axis = 0): Tensor { return ops.argMin(this, axis); }
  /** Axes permuted (default reversed). */
  transpose(perm?: number[]): Tensor { return ops.transposeT(this, perm); }
  /** A new axis of length 1. */
  expandDims(axis = 0): Tensor { return ops.expandDims(this, axis); }
  /** Without axes of length 1. */
  squeeze(axis?: number[]): Tensor { return ops.squeeze(this, axis); }
  /** As a rank-1 tensor. */
  flatten(): Tensor { return this.reshape([this.size]); }
  /** A block starting at begin of the given size (-1: to the end). */
  slice(begin: number | number[], size?: number | number[]): Tensor { return ops.slice(this, begin, size); }
  /** Entries along an axis picked by indices. */
  gather(indices: Tensor | TensorLike, axis = 0): Tensor { return ops.gather(this, indices, axis); }
  /** Joined with others along an axis. */
  concat(others: Tensor | (Tensor | TensorLike)[], axis = 0): Tensor { return ops.concat([this, ...(Array.isArray(others) ? others : [others])], axis); }
  /** A copy converted to another dtype (float32 to int32 truncates). */
  cast(dtype: DType): Tensor { return tensor(dtype === 'int32' ? this.toInt32Array() : this.toFloat32Array(), this.shape, dtype, this.backend); }

  private copyAs(shape: readonly number[]): Tensor {
    const src = this.ptr;
    const dst = this.backend.alloc(this.size * 4);
    this.backend.u8().copyWithin(dst, src, src + this.size * 4);
    return sealed(new Tensor(this.backend, shape, dst, this.dtype));
  }
}

/** Marks a tensor whose region only simdnn knows (made by tensor(), empty() or a copy). */
function sealed(t: Tensor): Tensor {
  t['_sealed'] = true;
  return t;
}

/**
 * The memory derived from `t`'s values, or null when there is none or the
 * values may have been changed outside simdnn's ops (then nothing may be
 * derived: see view()).
 */
export function derivedOf(t: Tensor): Derived | null {
  return t['_sealed'] ? t['_held'].derived : null;
}

/**
 * Attaches memory derived from `t`'s values (replacing and releasing any
 * earlier one); false, attaching nothing, when the values may change
 * outside simdnn's ops.
 */
export function setDerived(t: Tensor, d: Derived): boolean {
  if (!t['_sealed'] || t.isDisposed) return false;
  const held = t['_held'];
  if (held.derived !== d) dropDerived(held);
  held.derived = d;
  return true;
}

/** Formats a shape for messages: [2,3]. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Product of the dimensions (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new ValueError(`sizeOf: shape must be an array of non-negative integers, got ${describe(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') throw new ValueError(`sizeOf: shape must be an array of numbers, got ${describe(shape)}`);
    n *= d;
  }
  return n;
}

/** Throws a ShapeError unless `shape` is an array of non-negative integers. */
export function checkShape(op: string, name: string, shape: unknown): readonly number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${op}: ${name} must be an array of non-negative integers, got ${describe(shape)}`);
  }
  if (sizeOf(shape) > 2 ** 30) {
    throw new ShapeError(`${op}: ${name} ${fmt(shape)} has more than 2^30 elements`);
  }
  return shape;
}

/** Flattens nested arrays (checking they are rectangular) into values and a shape. */
export function flattenNested(op: string, values: NestedArray): { flat: number[]; shape: number[] } {
  let shape: number[] = [];
  const flat: number[] = [];
  try {
    shape = inferShape(values);
    flatten(values, shape, 0, flat);
  } catch (err) {
    if (err instanceof ShapeError) throw new ShapeError(err.message.replace(/^tensor:/, `${op}:`));
    throw err;
  }
  return { flat, shape };
}

/** Most axes of a tensor built from nested arrays. */
const MAX_NESTING = 32;

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    if (shape.length === MAX_NESTING) throw new ShapeError(`tensor: values are nested more than ${MAX_NESTING} deep`);
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

function flatten(values: NestedArray, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof values !== 'number') {
      throw new ShapeError(`tensor: values are ragged or not numbers: expected a number at depth ${dim}, got ${describe(values)}`);
    }
    out.push(values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[dim]) {
    throw new ShapeError(
      `tensor: values are ragged: expected an array of length ${shape[dim]} at depth ${dim} (shape ${fmt(shape)}), got ${describe(values)}`,
    );
  }
  for (const v of values) flatten(v, shape, dim + 1, out);
}

/**
 * Creates a tensor from a number, nested arrays, or a flat typed array with a
 * shape. The values are copied into wasm memory.
 */
export function tensor(values: TensorLike, shape?: readonly number[], dtype: DType = 'float32', backend?: Backend): Tensor {
  if (dtype !== 'float32' && dtype !== 'int32') throw new ValueError(`tensor: dtype must be 'float32' or 'int32', got ${describe(dtype)}`);
  const be = backend ?? getBackend();
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (ArrayBuffer.isView(values) || isArrayLikeObject(values)) {
    flat = checkArrayLike('tensor', 'values', values);
    inferred = [flat.length];
  } else if (Array.isArray(values)) {
    inferred = inferShape(values as NestedArray);
    const out: number[] = [];
    flatten(values as NestedArray, inferred, 0, out);
    flat = out;
  } else {
    throw new ValueError(`tensor: values must be a number, nested arrays or a typed array, got ${describe(values)}`);
  }
  const finalShape = shape === undefined ? inferred : checkShape('tensor', 'shape', shape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new ShapeError(`tensor: shape ${fmt(finalShape)} needs ${sizeOf(finalShape)} values, got ${flat.length}`);
  }
  const ptr = be.alloc(flat.length * 4);
  if (dtype === 'int32') be.i32().set(flat, ptr >>> 2);
  else be.f32().set(flat, ptr >>> 2);
  return sealed(new Tensor(be, finalShape, ptr, dtype));
}

function isArrayLikeObject(values: unknown): boolean {
  return values !== null && typeof values === 'object' && !Array.isArray(values) && 'length' in values;
}

/**
 * Checks a typed array or array-like of numbers before anything is
 * allocated: number element types only (no BigInt64Array, DataView or
 * strings), an integer length, and numbers as elements.
 */
export function checkArrayLike(op: string, name: string, values: unknown): ArrayLike<number> {
  if (ArrayBuffer.isView(values)) {
    if (values instanceof DataView || values instanceof BigInt64Array || values instanceof BigUint64Array) {
      throw new ValueError(`${op}: ${name} must hold numbers, got ${describe(values)}`);
    }
    return values as unknown as ArrayLike<number>;
  }
  const n = (values as { length?: unknown }).length;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 30) {
    throw new ValueError(`${op}: ${name}.length must be an integer in [0, 2^30], got ${describe(n)}`);
  }
  const v = values as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) {
    if (typeof v[i] !== 'number') throw new ValueError(`${op}: ${name}[${i}] must be a number, got ${describe(v[i])}`);
  }
  return v as ArrayLike<number>;
}

/**
 * Allocates an uninitialised float32 tensor (for ops that write every
 * element). Fill it through view() (see Tensor.ptr for raw writes).
 */
export function empty(shape: readonly number[], backend?: Backend, dtype: DType = 'float32'): Tensor {
  const be = backend ?? getBackend();
  checkShape('empty', 'shape', shape);
  return sealed(new Tensor(be, shape, be.alloc(sizeOf(shape) * 4), dtype));
}

/** A tensor filled with `value`. */
export function fill(shape: readonly number[], value: number, backend?: Backend): Tensor {
  if (typeof value !== 'number') throw new ValueError(`fill: value must be a number, got ${describe(value)}`);
  const t = empty(shape, backend);
  fillKernel(t.backend, { n: t.size, y: t.ptr, value });
  return t;
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], backend?: Backend): Tensor {
  return fill(shape, 0, backend);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], backend?: Backend): Tensor {
  return fill(shape, 1, backend);
}

/**
 * Runs `fn`, then disposes every tensor created inside it except those it
 * returns (a tensor, an array of tensors, or an object whose values are
 * tensors). Scopes nest.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ValueError(`tidy: fn must be a function, got ${describe(fn)}`);
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  scopes.pop();
  const kept = new Set<Tensor>();
  const collect = (v: unknown) => {
    if (v instanceof Tensor) kept.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(collect);
  };
  collect(result);
  const outer = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) outer?.push(t);
    else t.dispose();
  }
  return result;
}

/** Keeps a tensor created inside tidy() alive after the scope ends. */
export function keep(t: Tensor): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`keep: t must be a Tensor, got ${describe(t)}`);
  for (const scope of scopes) {
    const i = scope.indexOf(t);
    if (i >= 0) scope.splice(i, 1);
  }
  return t;
}
