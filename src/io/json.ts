// JSON handling for untrusted model files: parsing that reports the byte
// where the text stops being JSON (engines word their JSON.parse errors
// differently and V8 often gives no position), a structural walk that bounds
// nesting and bans prototype-shaped keys before any library code sees the
// values, and a describe() that cannot be tricked by the values it describes.
import { ModelFormatError, describe } from '../errors.js';

/** Deepest nesting accepted anywhere in a model's JSON; real models need about 6 levels. */
export const MAX_JSON_DEPTH = 64;

// `describe()` reads `value.constructor.name`, and layer constructors pass
// hostile values to it: a JSON key "constructor" could make that an object
// whose conversion to a string throws a TypeError. Nothing in a simdnn model
// uses these keys, so they are refused outright.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A ModelFormatError whose message starts with the operation and the location. */
export function formatError(op: string, where: string, what: string): ModelFormatError {
  return new ModelFormatError(where ? `${op}: ${where}: ${what}` : `${op}: ${what}`);
}

/** Describes a value from an untrusted document: short, and never throws. */
export function show(value: unknown): string {
  if (typeof value === 'string') return value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}...` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return describe(value);
  if (Array.isArray(value)) {
    return value.length <= 8 && value.every((v) => typeof v === 'number') ? describe(value) : `an array of ${value.length}`;
  }
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that `value` is plain JSON data (null, booleans, numbers, strings,
 * arrays, plain objects) nested at most MAX_JSON_DEPTH deep, without
 * prototype-shaped keys. Cycles are caught by the depth bound.
 */
export function checkPlainJSON(op: string, where: string, value: unknown): void {
  const problem = findProblem(value, 0);
  if (problem) throw formatError(op, `${where}${problem.path.reverse().join('')}`, problem.what);
}

/** The first problem found, with its path collected on the way back up (so valid data builds no strings). */
function findProblem(value: unknown, depth: number): { path: string[]; what: string } | null {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return null;
  if (depth >= MAX_JSON_DEPTH) return { path: [], what: `nested deeper than ${MAX_JSON_DEPTH} levels (or cyclic)` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findProblem(value[i], depth + 1);
      if (p) {
        p.path.push(`[${i}]`);
        return p;
      }
    }
    return null;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return { path: [], what: `must be plain JSON data, got ${show(value)}` };
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return { path: [], what: `the key ${JSON.stringify(key)} is not allowed` };
      const p = findProblem((value as Record<string, unknown>)[key], depth + 1);
      if (p) {
        p.path.push(`.${key}`);
        return p;
      }
    }
    return null;
  }
  return { path: [], what: `must be plain JSON data, got ${show(value)}` };
}

/**
 * Parses UTF-8 JSON bytes. `base` is the file offset of bytes[0], so a syntax
 * error is reported at its byte in the file.
 */
export function parseJSONBytes(op: string, what: string, bytes: Uint8Array, base: number): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw formatError(op, what, `is not valid UTF-8 (bytes ${base} to ${base + bytes.length})`);
  }
  return parseJSONText(op, what, text, base);
}

/** Parses JSON text; a syntax error becomes a ModelFormatError naming the byte (UTF-8 offset + base). */
export function parseJSONText(op: string, what: string, text: string, base: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const found = locateSyntaxError(text);
    const index = found ? found.index : text.length;
    const reason = found ? found.reason : err instanceof Error ? err.message : String(err);
    const byte = base + new TextEncoder().encode(text.slice(0, index)).length;
    throw formatError(op, what, `invalid JSON at byte ${byte}: ${reason}`);
  }
}

class SyntaxAt {
  constructor(readonly index: number, readonly reason: string) {}
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Finds the first JSON syntax error in `s` (RFC 8259), or null when there is
 * none. Iterative with an explicit stack, so deep nesting cannot overflow the
 * call stack; only run after JSON.parse has failed.
 */
export function locateSyntaxError(s: string): { index: number; reason: string } | null {
  const n = s.length;
  let i = 0;
  const stack: string[] = [];
  const ws = () => {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  const here = () => (i < n ? JSON.stringify(s[i]) : 'end of input');
  const str = () => {
    if (s[i] !== '"') throw new SyntaxAt(i, `expected a string, found ${here()}`);
    i++;
    for (;;) {
      if (i >= n) throw new SyntaxAt(i, 'unterminated string');
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new SyntaxAt(i, 'control character in a string');
      if (c === 0x5c) {
        const e = s[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) throw new SyntaxAt(i, 'bad \\u escape');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          throw new SyntaxAt(i, 'bad escape in a string');
        }
      } else {
        i++;
      }
    }
  };
  const key = () => {
    ws();
    str();
    ws();
    if (s[i] !== ':') throw new SyntaxAt(i, `expected ':' after an object key, found ${here()}`);
    i++;
  };
  try {
    for (;;) {
      // A value is expected here.
      ws();
      const c = s[i];
      if (c === '{' || c === '[') {
        i++;
        ws();
        if (s[i] === (c === '{' ? '}' : ']')) {
          i++;
        } else {
          stack.push(c);
          if (c === '{') key();
          continue;
        }
      } else if (c === '"') {
        str();
      } else if (c === '-' || (c >= '0' && c <= '9')) {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(s);
        if (!m) throw new SyntaxAt(i, 'invalid number');
        i += m[0].length;
      } else if (s.startsWith('true', i) || s.startsWith('null', i)) {
        i += 4;
      } else if (s.startsWith('false', i)) {
        i += 5;
      } else {
        throw new SyntaxAt(i, `expected a value, found ${here()}`);
      }
      // After a value: close containers until a ',' asks for another value.
      for (;;) {
        ws();
        const top = stack[stack.length - 1];
        if (top === undefined) {
          if (i < n) throw new SyntaxAt(i, `unexpected ${here()} after the JSON value`);
          return null;
        }
        const close = top === '{' ? '}' : ']';
        if (s[i] === ',') {
          i++;
          if (top === '{') key();
          break;
        }
        if (s[i] === close) {
          i++;
          stack.pop();
          continue;
        }
        throw new SyntaxAt(i, `expected ',' or '${close}', found ${here()}`);
      }
    }
  } catch (err) {
    if (err instanceof SyntaxAt) return { index: err.index, reason: err.reason };
    throw err;
  }
}
