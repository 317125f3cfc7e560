/// <reference types="node" />
// Parsing of option values. Each parser throws commander's InvalidArgumentError,
// which commander turns into "error: option '--epochs <n>' argument '0' is
// invalid. <our reason>": the option and the value are named for us.
import { InvalidArgumentError } from 'commander';

/** A mistake in the command line (exit code 2, one line, no stack). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const INT = /^[+-]?\d+$/;
/** A decimal number as parseCsv accepts it: no hex, "Infinity" or empty string (all of which Number() takes). */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A parser for integers in [min, max]. */
export function intIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const v = Number(value);
    if (!INT.test(value.trim()) || v < min || v > max) throw new InvalidArgumentError(`Expected an integer in [${min}, ${max}].`);
    return v;
  };
}

/** A parser for decimal numbers between min and max; minOpen / maxOpen exclude the bound. */
export function floatIn(min: number, max: number, { minOpen = false, maxOpen = false } = {}): (value: string) => number {
  const range = `${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'}`;
  return (value) => {
    const v = Number(value);
    if (!DECIMAL.test(value.trim()) || v < min || v > max || (minOpen && v === min) || (maxOpen && v === max)) {
      throw new InvalidArgumentError(`Expected a number in ${range}.`);
    }
    return v;
  };
}

/** A parser for comma-separated layer widths, e.g. "256" or "256,128". */
export function widths(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const out = parts.map(Number);
  if (parts.some((s) => !INT.test(s)) || out.some((v) => v < 1 || v > 65536)) {
    throw new InvalidArgumentError('Expected one or more comma-separated integers in [1, 65536], e.g. 256 or 256,128.');
  }
  return out;
}

/** A label column given on the command line: a name, or a 0-based index (negative counts from the end). */
export function labelColumn(value: string): string | number {
  return INT.test(value.trim()) ? Number(value) : value;
}

/** A parser for --memory-limit: bytes, or a number with a K, M or G suffix (powers of 1024), e.g. 512M. */
export function byteSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(value);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m?.[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  const bytes = m ? Math.floor(Number(m[1]) * scale) : NaN;
  if (!(bytes >= 1 << 20) || bytes > 2 ** 32) throw new InvalidArgumentError('Expected a size from 1M to 4G, e.g. 512M or 2G.');
  return bytes;
}
