// The one reader of sample rows: every model, network and unit that takes
// data turns what it is given (a Tensor, a typed array, nested arrays) into
// float32 values here, and the row readers below check the values are whole
// rows and finite as float32.
import { DisposedError, ShapeError, ValueError, describe } from '../errors.js';
import { Tensor, flattenNested, type NestedArray } from '../tensor.js';
import { checkFiniteF32Array } from './finite.js';

/** Values as float32 with the shape they came with (null for a flat typed array). */
export interface Values {
  data: Float32Array;
  shape: number[] | null;
}

/**
 * Reads a Tensor, a typed array or nested arrays into float32 values and the
 * shape they had (a Float32Array is used as it is unless `copy`). Anything
 * else is a ValueError naming the argument; a disposed tensor a DisposedError.
 */
export function readValues(op: string, name: string, x: unknown, copy = false): Values {
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new DisposedError(`${op}: ${name} is a disposed tensor`);
    return { data: x.toFloat32Array(), shape: x.shape.slice() };
  }
  if (x instanceof Float32Array) return { data: copy ? x.slice() : x, shape: null };
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    if (x instanceof BigInt64Array || x instanceof BigUint64Array) throw new ValueError(`${op}: ${name} must hold numbers, got ${describe(x)}`);
    return { data: Float32Array.from(x as unknown as ArrayLike<number>), shape: null };
  }
  if (Array.isArray(x)) {
    const f = flattenNested(op, x as NestedArray);
    return { data: Float32Array.from(f.flat), shape: f.shape };
  }
  throw new ValueError(`${op}: ${name} must be a Tensor, nested arrays or a typed array, got ${describe(x)}`);
}

/** How rowsOf() words its messages. */
export interface RowWords {
  /** What one value is called: 'unit', 'input'. Default 'value'. */
  what?: string;
  /** How the row width reads: '4' (the default) or 'inputs = 4'. */
  width?: string;
}

/**
 * Checks rows of `width` values, finite as float32 (nested arrays of rows, a
 * flat Float32Array of whole rows, or a Tensor whose last axis is width) and
 * returns them as one flat Float32Array (the input itself when it already is
 * one): the row reader of the energy networks and the perceptron.
 */
export function rowsOf(op: string, name: string, x: unknown, width: number, words: RowWords = {}): Float32Array {
  const what = words.what ?? 'value';
  const size = words.width ?? String(width);
  if (Array.isArray(x) && x.length > 0) {
    const out = new Float32Array(x.length * width);
    x.forEach((row: unknown, r) => {
      if (row === null || typeof row !== 'object' || (row as ArrayLike<number>).length !== width) {
        throw new ShapeError(`${op}: ${name} row ${r} must have ${size} values, got ${describe(row)}`);
      }
      // Checked before the copy, so the message shows the value given (1e39), not the Infinity it would become.
      checkFiniteF32Array(op, name, row as ArrayLike<unknown>, ValueError, (i) => `${name} row ${r}, ${what} ${i}`);
      out.set(row as ArrayLike<number>, r * width);
    });
    return out;
  }
  let flat: Float32Array;
  if (x instanceof Tensor) {
    if (x.size === 0 || x.size % width !== 0 || x.shape[x.shape.length - 1] !== width) {
      throw new ShapeError(`${op}: ${name} must have rows of ${size} values, got a tensor of shape [${x.shape.join(',')}]`);
    }
    flat = readValues(op, name, x).data;
  } else if (x instanceof Float32Array) {
    if (x.length === 0 || x.length % width !== 0) {
      throw new ShapeError(`${op}: ${name} as a Float32Array must hold whole rows of ${size} values, got ${x.length} values`);
    }
    flat = x;
  } else {
    throw new ShapeError(`${op}: ${name} must be a non-empty array of rows, a Float32Array or a Tensor, got ${describe(x)}`);
  }
  checkFiniteF32Array(op, name, flat, ValueError, (i) => `${name} row ${Math.floor(i / width)}, ${what} ${i % width}`);
  return flat;
}
