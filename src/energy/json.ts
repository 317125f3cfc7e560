import { ModelFormatError, describe } from '../errors.js';

/** Checks a saved array of exactly `length` finite numbers (a ModelFormatError names the field and index). */
export function jsonNumbers(op: string, name: string, v: unknown, length: number): number[] {
  if (!Array.isArray(v)) throw new ModelFormatError(`${op}: ${name} must be an array of ${length} numbers, got ${describe(v)}`);
  if (v.length !== length) throw new ModelFormatError(`${op}: ${name} must hold ${length} numbers, got ${v.length}`);
  for (let i = 0; i < length; i++) {
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw new ModelFormatError(`${op}: ${name}[${i}] must be a finite number, got ${describe(v[i])}`);
  }
  return v as number[];
}
