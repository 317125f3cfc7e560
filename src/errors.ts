/** Base class of every error simdnn throws on purpose. */
export class SimdnnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor or array has the wrong shape for an operation; the message names both. */
export class ShapeError extends SimdnnError {}

/** An argument has an invalid value (NaN, out of range, wrong type); the message names it. */
export class ValueError extends SimdnnError {}

/** Wasm linear memory could not grow to satisfy an allocation; nothing was changed. */
export class OutOfMemoryError extends SimdnnError {
  /** Bytes that were requested. */
  readonly requestedBytes: number;
  constructor(message: string, requestedBytes: number) {
    super(message);
    this.requestedBytes = requestedBytes;
  }
}

/** A tensor, model or backend was used after `dispose()`. */
export class DisposedError extends SimdnnError {}

/** A kernel precondition failed in the debug build of the wasm (a bug in the caller of the raw ABI). */
export class KernelAssertionError extends SimdnnError {}

/** The library was used before `await init()`, or initialisation failed. */
export class InitError extends SimdnnError {}

/** Renders a value for an error message: short, and exact for numbers. */
export function describe(value: unknown, depth = 0): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) {
    // Nesting is shown to a fixed depth: a hostile argument may be nested deeper than the stack.
    if (depth >= 4) return value.length === 0 ? '[]' : '[...]';
    const inner = value.slice(0, 8).map((v) => describe(v, depth + 1)).join(',');
    return `[${inner}${value.length > 8 ? ',...' : ''}]`;
  }
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (typeof value === 'object') {
    // Hostile input (a parsed file) may carry its own "constructor" property.
    const name = Object.prototype.hasOwnProperty.call(value, 'constructor') ? undefined : (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' ? name : 'object';
  }
  return String(value);
}

/** Throws a ValueError unless `value` is an integer in [min, max]. */
export function checkInt(op: string, name: string, value: unknown, min = 0, max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValueError(`${op}: ${name} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

/** Throws a ValueError unless `value` is a finite number (optionally within [min, max]). */
export function checkFinite(op: string, name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? 'a finite number' : `a finite number in [${min}, ${max}]`;
    throw new ValueError(`${op}: ${name} must be ${range}, got ${describe(value)}`);
  }
  return value;
}

/** Training produced a non-finite loss; the weights were restored to the start of that epoch. */
export class NonFiniteLossError extends SimdnnError {
  /** 1-based epoch and batch where the loss stopped being finite. */
  readonly epoch: number;
  readonly batch: number;
  constructor(message: string, epoch: number, batch: number) {
    super(message);
    this.epoch = epoch;
    this.batch = batch;
  }
}

/** A saved model is corrupt, hostile or of an unknown version; the message says what and where. */
export class ModelFormatError extends SimdnnError {}
