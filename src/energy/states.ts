// Validation of the two-valued unit states of Hopfield networks (−1 / +1 or
// 0 / 1) and Boltzmann machines (0 / 1): every value must be exactly the low
// state or 1, since the energy and the update rules are defined only there.
import { ShapeError, ValueError, describe } from '../errors.js';

/** Checks one state of `width` units, each `lo` or 1, and returns a copy; `dim` says width in messages, `coding` the states. */
export function stateRow(op: string, name: string, row: unknown, width: number, dim: string, lo: number, coding: string): Float32Array {
  if (row === null || typeof row !== 'object' || typeof (row as ArrayLike<unknown>).length !== 'number') {
    throw new ShapeError(`${op}: ${name} must be an array of ${dim} values (${lo} or 1), got ${describe(row)}`);
  }
  const a = row as ArrayLike<unknown>;
  if (a.length !== width) throw new ShapeError(`${op}: ${name} must have ${dim} values, got ${a.length}`);
  const out = new Float32Array(width);
  for (let i = 0; i < width; i++) {
    const v = a[i];
    if (v !== lo && v !== 1) throw new ValueError(`${op}: ${name}[${i}] must be ${lo} or 1 (${coding}), got ${describe(v)}`);
    out[i] = v;
  }
  return out;
}

/** Checks rows of states (nested rows, or whole rows laid end to end in a Float32Array) and returns them flat. */
export function stateRows(op: string, name: string, rows: unknown, width: number, dim: string, lo: number, coding: string): Float32Array {
  if (rows instanceof Float32Array) {
    if (rows.length === 0 || rows.length % width !== 0) {
      throw new ShapeError(`${op}: ${name} as a Float32Array must hold whole rows of ${dim} values, got ${rows.length} values`);
    }
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i];
      if (v !== lo && v !== 1) throw new ValueError(`${op}: ${name}[${Math.floor(i / width)}][${i % width}] must be ${lo} or 1 (${coding}), got ${describe(v)}`);
    }
    return rows;
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new ShapeError(`${op}: ${name} must be a non-empty array of rows or a Float32Array, got ${describe(rows)}`);
  const out = new Float32Array(rows.length * width);
  rows.forEach((row: unknown, r) => out.set(stateRow(op, `${name}[${r}]`, row, width, dim, lo, coding), r * width));
  return out;
}
