import { ValueError, describe } from '../errors.js';

/**
 * Checks that `value` is a plain options object whose keys are all in
 * `allowed` (a misspelt option is an error, not a silent default); returns it.
 */
export function checkOptions<T extends object>(op: string, value: unknown, allowed: readonly string[], what = 'config'): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValueError(`${op}: ${what} must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ValueError(`${op}: unknown option ${describe(key)} in ${what}; known options: ${allowed.join(', ')}`);
    }
  }
  return value as T;
}

/** An optional boolean option: its value, or `fallback` when undefined. */
export function checkBool(op: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ValueError(`${op}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}
