// Seeds of every random stream in simdnn. The models' xoshiro128** streams in
// wasm memory take any finite number (seedState hashes the float64 bits of a
// non-integer); the TypeScript-side Mulberry32 stream holds 32 bits, so its
// seeds are the integers it can hold exactly, and nothing is silently truncated.
import { ValueError, checkInt, describe } from '../errors.js';

/** Throws a ValueError naming `op` and the value unless `value` is a finite number (a seed of a wasm stream); returns it. */
export function checkSeed(op: string, value: unknown, name = 'seed'): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueError(`${op}: ${name} must be a finite number, got ${describe(value)}`);
  return value;
}

/** Throws a ValueError naming `op` and the value unless `value` is an integer in [0, 2^32 - 1] (a Mulberry32 seed); returns it. */
export function checkSeed32(op: string, value: unknown, name = 'seed'): number {
  return checkInt(op, name, value, 0, 0xffffffff);
}

/** A fresh seed in [0, 2^32) from Math.random, for callers that gave none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}
