// One finiteness check for every number simdnn stores as float32 (weights,
// biases, thresholds, and the rates and scales handed to the kernels). A
// float64 check is not enough: 1e39 is a finite double but becomes Infinity
// once written into a Float32Array or wasm memory, so values are rounded to
// float32 before they are judged.
import { ValueError, describe, type SimdnnError } from '../errors.js';

/** The error a check throws: ValueError for arguments, ModelFormatError for what a file holds. */
export type ErrorClass = new (message: string) => SimdnnError;

/** Bounds of checkFiniteF32: min and max are inclusive unless minExclusive / maxExclusive say otherwise. */
export interface FiniteRange {
  /** Smallest allowed value; default none. */
  min?: number;
  /** Largest allowed value; default none. */
  max?: number;
  /** Require value > min instead of >= min. */
  minExclusive?: boolean;
  /** Require value < max instead of <= max. */
  maxExclusive?: boolean;
}

/** True when `value` is a number that is still finite after rounding to float32. */
export function isFiniteF32(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(Math.fround(value));
}

/** Returns `value` when it is a number finite as float32 and within `range`; else throws `error` naming op, name and value. */
export function checkFiniteF32(op: string, name: string, value: unknown, range: FiniteRange = {}, error: ErrorClass = ValueError): number {
  const { min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = range;
  if (isFiniteF32(value) && (minExclusive ? value > min : value >= min) && (maxExclusive ? value < max : value <= max)) return value;
  const lo = min === -Infinity ? '' : `${minExclusive ? '>' : '>='} ${min}`;
  const hi = max === Infinity ? '' : `${maxExclusive ? '<' : '<='} ${max}`;
  const bounds = [lo, hi].filter(Boolean).join(' and ');
  throw new error(`${op}: ${name} must be a finite number${bounds ? ` ${bounds}` : ''}, got ${shown(value)}`);
}

/** Index of the first entry of `values` that is not a number finite as float32, or -1 when every entry is. */
export function firstNonFiniteF32(values: ArrayLike<unknown>): number {
  for (let i = 0; i < values.length; i++) if (!isFiniteF32(values[i])) return i;
  return -1;
}

/** Throws `error` naming op, the first entry not finite as float32 (`name[i]`, or `at(i)`) and its value. */
export function checkFiniteF32Array(
  op: string, name: string, values: ArrayLike<unknown>, error: ErrorClass = ValueError, at: (i: number) => string = (i) => `${name}[${i}]`,
): void {
  const i = firstNonFiniteF32(values);
  if (i >= 0) throw new error(`${op}: ${at(i)} must be a finite number, got ${shown(values[i])}`);
}

// describe(), plus the reason when a finite double only overflows as float32.
function shown(value: unknown): string {
  const s = describe(value);
  return typeof value === 'number' && Number.isFinite(value) && !Number.isFinite(Math.fround(value)) ? `${s} (Infinity as float32)` : s;
}
