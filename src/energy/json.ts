import { ModelFormatError, describe } from '../errors.js';
import { checkFiniteF32Array } from '../util/finite.js';

/** Checks a saved array of exactly `length` numbers finite as float32 (a ModelFormatError names the field, index and value). */
export function jsonNumbers(op: string, name: string, v: unknown, length: number): number[] {
  if (!Array.isArray(v)) throw new ModelFormatError(`${op}: ${name} must be an array of ${length} numbers, got ${describe(v)}`);
  if (v.length !== length) throw new ModelFormatError(`${op}: ${name} must hold ${length} numbers, got ${v.length}`);
  checkFiniteF32Array(op, name, v, ModelFormatError);
  return v as number[];
}
