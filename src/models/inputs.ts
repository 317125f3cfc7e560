import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf, type NestedArray, type Tensor } from '../tensor.js';
import { readValues, type Values } from '../util/rows.js';
import type { CanonicalLoss } from '../losses/index.js';

/** Model inputs: a Tensor, nested arrays, or a flat Float32Array of whole samples. */
export type ModelInput = Tensor | NestedArray | Float32Array | ArrayLike<number>;

/** Samples of one model input, as float32 rows. */
export interface Rows {
  data: Float32Array;
  n: number;
  /** Shape of one sample. */
  sample: readonly number[];
  /** Set when NaN / Inf are checked in wasm chunk by chunk as they are loaded (read-only calls): op and argument name. */
  deferred?: [string, string];
}

/** Targets of one model output, prepared for its loss. */
export interface Targets {
  /** Float values (dense targets), or null for integer labels. */
  rows: Float32Array | null;
  /** Integer class per row of the last axis: sparse labels, or argmax of one-hot rows (for accuracy). */
  labels: Int32Array | null;
  /** Samples. */
  n: number;
  /** Rows of the last axis per sample (1 unless the output has leading axes, e.g. one per time step). */
  steps: number;
}

/**
 * Reads the values given for `count` inputs (or outputs): one value when
 * count is 1, else an array with one entry each (`what` names the entries in
 * the message, `owner` the model).
 */
export function readEach(op: string, name: string, x: unknown, count: number, owner: string, what: string): Values[] {
  if (count === 1) return [readValues(op, name, x)];
  if (!Array.isArray(x) || x.length !== count) throw new ValueError(`${op}: ${owner} has ${count} ${what === 'inputs' ? 'inputs' : 'outputs'}, so ${name} must be an array of ${count} ${what}, got ${describe(x)}`);
  return x.map((xi, i) => readValues(op, `${name}[${i}]`, xi));
}

/** Rows of each input (samples of the matching shape), all with the same number of samples. */
export function inputRows(op: string, name: string, raws: readonly Values[], shapes: readonly (readonly number[])[], defer: boolean): Rows[] {
  const rows = raws.map((r, i) => toRows(op, raws.length === 1 ? name : `${name}[${i}]`, r, shapes[i], defer));
  const n = rows[0].n;
  rows.forEach((r, i) => {
    if (r.n !== n) throw new ShapeError(`${op}: ${name}[${i}] has ${r.n} samples but ${name}[0] has ${n}`);
  });
  return rows;
}

/** Index of the first value that is not finite, or -1. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * Checks raw values as whole samples of `sample` and counts them. With
 * `defer` (calls that change nothing and may stop half-way: predict,
 * evaluate) the NaN / Inf check is left to the wasm side, chunk by chunk.
 */
export function toRows(op: string, name: string, raw: Values, sample: readonly number[], defer: boolean): Rows {
  const { data, shape } = raw;
  const size = sizeOf(sample as number[]);
  let n: number;
  if (shape && shape.length >= 2) {
    n = shape[0];
    if (sizeOf(shape.slice(1)) !== size) {
      throw new ShapeError(`${op}: ${name} has shape ${fmt(shape)} but the model expects samples of shape ${fmt(sample)}`);
    }
  } else {
    if (data.length % size !== 0) {
      throw new ShapeError(`${op}: ${name} has ${data.length} values, not a whole number of samples of shape ${fmt(sample)} (${size} values each)`);
    }
    n = data.length / size;
  }
  if (n === 0) throw new ShapeError(`${op}: ${name} has no samples`);
  const rows: Rows = { data, n, sample: sample.slice() };
  if (defer) rows.deferred = [op, name];
  else checkFiniteRows(rows, 0, n, op, name);
  return rows;
}

/** Throws the ValueError for the first NaN / Inf among samples [from, to). */
export function checkFiniteRows(X: Rows, from: number, to: number, op: string, name: string): void {
  const size = X.data.length / X.n;
  const bad = firstNonFinite(X.data.subarray(from * size, to * size));
  if (bad < 0) return;
  const at = from * size + bad;
  throw new ValueError(`${op}: ${name} must be finite: sample ${Math.floor(at / size)}, feature ${at % size} is ${describe(X.data[at])}`);
}

/**
 * Prepares targets for an output of per-sample shape `out` and its loss,
 * acting on the last axis (Keras): an output [T, C] has T rows of C classes
 * per sample; sparse labels then have shape [n, T] (or [n, T, 1]).
 */
export function toTargets(op: string, name: string, raw: Values, n: number, out: readonly number[], loss: CanonicalLoss): Targets {
  const { data, shape } = raw;
  const bad = firstNonFinite(data);
  if (bad >= 0) throw new ValueError(`${op}: ${name} must be finite: value ${bad} is ${describe(data[bad])}`);
  const units = out[out.length - 1];
  const total = sizeOf(out as number[]);
  const steps = total / units;
  if (loss === 'sparseCategoricalCrossentropy') {
    const lead = out.slice(0, -1);
    const okShape = !shape || (shape[0] === n && (sizeOf(shape.slice(1)) === steps) &&
      (shape.length === 1 || shape.slice(1).every((d, i) => d === (i < lead.length ? lead[i] : 1))));
    if (data.length !== n * steps || !okShape) {
      const want = steps === 1 ? `one integer class per sample (${n})` : `one integer class per sample and step, shape ${fmt([n, ...lead])}`;
      throw new ShapeError(`${op}: ${name} must hold ${want}, got ${shape ? `shape ${fmt(shape)}` : `${data.length} values`}`);
    }
    const labels = new Int32Array(n * steps);
    for (let i = 0; i < labels.length; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < 0 || v >= units) throw new ValueError(`${op}: ${name}[${i}] must be an integer class in [0, ${units - 1}], got ${describe(v)}`);
      labels[i] = v;
    }
    return { rows: null, labels, n, steps };
  }
  if (data.length !== n * total || (shape && shape[0] !== n)) {
    const hint = loss === 'categoricalCrossentropy' && data.length === n * steps ? ' (integer labels need sparseCategoricalCrossentropy, or one-hot encode them)' : '';
    throw new ShapeError(`${op}: ${name} must have shape ${fmt([n, ...out])} to match ${n} samples and the model's ${fmt(out)} outputs, got ${shape ? fmt(shape) : `${data.length} values`}${hint}`);
  }
  let labels: Int32Array | null = null;
  if (units > 1) {
    labels = new Int32Array(n * steps);
    for (let r = 0; r < labels.length; r++) {
      let best = 0;
      for (let j = 1; j < units; j++) if (data[r * units + j] > data[r * units + best]) best = j;
      labels[r] = best;
    }
  }
  return { rows: data, labels, n, steps };
}

/** Splits rows at sample `nTrain` (validationSplit takes the end). */
export function splitRows(X: Rows, nTrain: number): [Rows, Rows] {
  const size = X.data.length / X.n;
  return [
    { data: X.data.subarray(0, nTrain * size), n: nTrain, sample: X.sample },
    { data: X.data.subarray(nTrain * size), n: X.n - nTrain, sample: X.sample },
  ];
}

/** Splits targets at sample `nTrain`. */
export function splitTargets(Y: Targets, nTrain: number): [Targets, Targets] {
  const per = Y.rows ? Y.rows.length / Y.n : 0;
  const lper = Y.labels ? Y.labels.length / Y.n : 0;
  const rows = (r: Float32Array | null, a: number, b: number) => (r ? r.subarray(a * per, b * per) : null);
  const labels = (l: Int32Array | null, a: number, b: number) => (l ? l.subarray(a * lper, b * lper) : null);
  return [
    { rows: rows(Y.rows, 0, nTrain), labels: labels(Y.labels, 0, nTrain), n: nTrain, steps: Y.steps },
    { rows: rows(Y.rows, nTrain, Y.n), labels: labels(Y.labels, nTrain, Y.n), n: Y.n - nTrain, steps: Y.steps },
  ];
}
