// Options objects: an unknown key is rejected with the closest known name
// suggested, as users of Keras and TensorFlow.js expect a misspelt option to
// be an error rather than silently ignored.
import { ValueError, describe } from '../errors.js';

/**
 * Checks that `value` is a plain options object whose keys are all in
 * `allowed` (a misspelt option is an error, not a silent default); returns
 * it. The ValueError names the first unknown key and the closest known one;
 * `what` names the object in messages ('config' for a layer's, 'options' for
 * a call's).
 */
export function checkOptions<T extends object>(op: string, value: T, allowed: readonly string[], what = 'config'): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValueError(`${op}: ${what} must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const near = closest(key, allowed);
    throw new ValueError(`${op}: unknown option ${describe(key)} in ${what}${near ? ` (did you mean ${describe(near)}?)` : ''}; known options: ${allowed.join(', ')}`);
  }
  return value;
}

/** An optional boolean option: its value, or `fallback` when undefined. */
export function checkBool(op: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ValueError(`${op}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** The known name nearest to `key` by edit distance (case-insensitive), if it is near enough to be a likely typo. */
export function closest(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
