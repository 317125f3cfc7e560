// The weights part of a saved model: float32 little-endian, packed back to back
// in the order the model lists its weights, checked against what the model
// declares before anything is allocated.
import { describe } from '../errors.js';
import { fmt } from '../tensor.js';
import { firstNonFinite } from '../models/inputs.js';
import { formatError, isRecord, show } from './json.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** A weight the model declares: what the file must hold, in this order. */
export interface ExpectedWeight {
  name: string;
  shape: number[];
  size: number;
}

/** Checks weightSpecs against the weights the model declares and against weightData, and decodes every weight. */
export function readWeights(op: string, specs: unknown, data: Uint8Array, expected: ExpectedWeight[]): Float32Array[] {
  if (!Array.isArray(specs)) throw formatError(op, 'weightSpecs', `must be an array, got ${show(specs)}`);
  const listed = expected.map((e) => e.name).join(', ');
  const given = new Set<string>();
  specs.forEach((s: unknown, i) => {
    if (!isRecord(s)) throw formatError(op, `weightSpecs[${i}]`, `must be an object { name, shape, dtype, offset, byteLength }, got ${show(s)}`);
    if (typeof s.name !== 'string') throw formatError(op, `weightSpecs[${i}].name`, `must be a string, got ${show(s.name)}`);
    if (given.has(s.name)) throw formatError(op, `weightSpecs[${i}].name`, `weight ${show(s.name)} is listed twice`);
    given.add(s.name);
  });
  const missing = expected.find((e) => !given.has(e.name));
  if (missing) throw formatError(op, 'weightSpecs', `missing weight ${show(missing.name)}; the model has ${expected.length} weights: ${listed}`);
  const names = new Set(expected.map((e) => e.name));
  const extra = (specs as { name: string }[]).findIndex((s) => !names.has(s.name));
  if (extra >= 0) {
    throw formatError(op, `weightSpecs[${extra}].name`, `unexpected weight ${show(specs[extra].name)}; the model has ${expected.length} weights: ${listed}`);
  }
  const values: Float32Array[] = [];
  let offset = 0;
  expected.forEach((e, i) => {
    const s = specs[i] as Record<string, unknown>;
    const at = `weightSpecs[${i}]`;
    if (s.name !== e.name) throw formatError(op, `${at}.name`, `expected ${show(e.name)} (weights are listed in layer order, layers' own state last), got ${show(s.name)}`);
    const shape = s.shape;
    if (!Array.isArray(shape) || shape.length !== e.shape.length || !shape.every((d, j) => d === e.shape[j])) {
      throw formatError(op, `${at}.shape`, `${e.name} must have shape ${fmt(e.shape)}, got ${show(shape)}`);
    }
    if (s.dtype !== 'float32') throw formatError(op, `${at}.dtype`, `${e.name} must be "float32", got ${show(s.dtype)}`);
    const bytes = e.size * 4;
    if (s.byteLength !== bytes) throw formatError(op, `${at}.byteLength`, `${e.name} of shape ${fmt(e.shape)} in float32 takes ${bytes} bytes, got ${show(s.byteLength)}`);
    const o = s.offset;
    if (typeof o !== 'number' || !Number.isInteger(o) || o < 0) throw formatError(op, `${at}.offset`, `must be a non-negative integer, got ${show(o)}`);
    if (o + bytes > data.length) {
      throw formatError(op, `${at}.offset`, `${e.name} at bytes ${o} to ${o + bytes} lies outside weightData (${data.length} bytes)`);
    }
    if (o !== offset) throw formatError(op, `${at}.offset`, `expected ${offset} (weights are packed back to back in order), got ${o}`);
    const v = readF32LE(data, o, e.size);
    const bad = firstNonFinite(v);
    if (bad >= 0) throw formatError(op, 'weightData', `weight ${e.name}[${bad}] is ${describe(v[bad])} (at byte ${o + 4 * bad}); weights must be finite`);
    values.push(v);
    offset += bytes;
  });
  if (data.length !== offset) throw formatError(op, 'weightData', `is ${data.length} bytes but weightSpecs describe ${offset}`);
  return values;
}

/** Decodes `count` little-endian float32 values starting at byte `offset` (any alignment). */
export function readF32LE(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 4));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** Encodes float32 values little-endian into `bytes` at `offset`. */
export function writeF32LE(bytes: Uint8Array, offset: number, values: Float32Array): void {
  if (HOST_LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, values.byteLength);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  }
}
