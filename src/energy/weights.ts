// Readers for the parameters users hand the energy-based networks (weights,
// biases, thresholds): nested rows or flat row-major values, checked for shape
// and finiteness as float32 (the precision they are stored in) and copied
// into a new Float32Array before anything is written, so a rejected call
// changes nothing.
import { ShapeError, ValueError, describe } from '../errors.js';
import { checkFiniteF32Array } from '../util/finite.js';

/** Names of a matrix's sizes in messages, e.g. { rows: 'N = 3', cols: 'N = 3', shape: 'N x N = 3x3' }. */
export interface MatrixDims {
  /** The number of rows as messages say it. */
  rows: string;
  /** The number of columns as messages say it. */
  cols: string;
  /** The whole shape as messages say it. */
  shape: string;
}

/** Reads `n` values finite as float32 into a new Float32Array; a ShapeError or ValueError names op, name, index and value. */
export function vectorOf(op: string, name: string, v: unknown, n: number, dim = `${n}`): Float32Array {
  if (v === null || typeof v !== 'object' || (v as ArrayLike<unknown>).length !== n) throw new ShapeError(`${op}: ${name} must hold ${dim} values, got ${describe(v)}`);
  checkFiniteF32Array(op, name, v as ArrayLike<unknown>);
  return Float32Array.from(v as ArrayLike<number>);
}

/** Reads a rows x cols matrix given as nested rows or flat row-major values into a new row-major Float32Array. */
export function matrixOf(
  op: string, name: string, w: unknown, rows: number, cols: number,
  dims: MatrixDims = { rows: `${rows}`, cols: `${cols}`, shape: `${rows}x${cols}` },
): Float32Array {
  const out = new Float32Array(rows * cols);
  if (Array.isArray(w) && w.length > 0 && typeof w[0] === 'object' && w[0] !== null) {
    if (w.length !== rows) throw new ShapeError(`${op}: ${name} must have ${dims.rows} rows, got ${w.length}`);
    for (let i = 0; i < rows; i++) {
      const row = w[i] as ArrayLike<unknown>;
      if (row === null || typeof row !== 'object' || row.length !== cols) throw new ShapeError(`${op}: ${name} row ${i} must have ${dims.cols} values, got ${describe(row)}`);
      checkFiniteF32Array(op, name, row, ValueError, (j) => `${name}[${i}][${j}]`);
      out.set(row as ArrayLike<number>, i * cols);
    }
    return out;
  }
  const flat = w as ArrayLike<unknown>;
  if (flat === null || typeof flat !== 'object' || flat.length !== rows * cols) {
    throw new ShapeError(`${op}: ${name} must be ${dims.shape} (${rows * cols} values), got ${describe(w)}`);
  }
  checkFiniteF32Array(op, name, flat, ValueError, (i) => `${name}[${Math.floor(i / cols)}][${i % cols}]`);
  out.set(flat as ArrayLike<number>);
  return out;
}

// Hopfield networks (Hopfield 1982) and Boltzmann machines (Ackley, Hinton &
// Sejnowski 1985) have symmetric connections and none from a unit to itself;
// their energy descent depends on both, so both are checked on the float32
// values that will be stored.
/** Reads n x n weights that must be symmetric with a zero diagonal; `size` names n in messages ('N' gives "N = 3 rows"). */
export function symmetricOf(op: string, w: unknown, n: number, size?: string): Float32Array {
  const dim = size === undefined ? `${n}` : `${size} = ${n}`;
  const shape = size === undefined ? `${n}x${n}` : `${size} x ${size} = ${n}x${n}`;
  const out = matrixOf(op, 'weights', w, n, n, { rows: dim, cols: dim, shape });
  for (let i = 0; i < n; i++) {
    if (out[i * n + i] !== 0) {
      throw new ValueError(`${op}: the diagonal must be zero (no self-connections), got weights[${i}][${i}] = ${describe(out[i * n + i])}`);
    }
    for (let j = i + 1; j < n; j++) {
      if (out[i * n + j] !== out[j * n + i]) {
        throw new ValueError(`${op}: weights must be symmetric, got weights[${i}][${j}] = ${describe(out[i * n + j])} but weights[${j}][${i}] = ${describe(out[j * n + i])}`);
      }
    }
  }
  return out;
}

// A learning rule computed by GEMMs rounds the two triangles differently, so
// the lower one is copied from the upper one afterwards.
/** Makes the n x n block at f[base] (row stride ld) exactly symmetric from its upper triangle, with a zero diagonal, in place. */
export function symmetrizeUpper(f: Float32Array, base: number, n: number, ld: number): void {
  for (let i = 0; i < n; i++) {
    f[base + i * ld + i] = 0;
    for (let j = i + 1; j < n; j++) f[base + j * ld + i] = f[base + i * ld + j];
  }
}
