import { ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import type { LabeledRows } from './dataset.js';
import { Mulberry32 } from './random.js';
import { checkSeed32 } from '../util/seed.js';
import { Tensor } from '../tensor.js';
import { oneHotTensor } from '../ops/tfjs.js';

/** Options of trainTestSplit(). */
export interface SplitOptions {
  /** Share of rows that go to the test set, in (0, 1); the count is rounded and must leave both sets non-empty. */
  testFraction: number;
  /** Seed of the shuffle; default 0. */
  seed?: number;
  /** Keep each class's share equal in both sets (needs Int32Array class labels); default false. */
  stratify?: boolean;
}

/** The result of standardize(): the scaled copy and the statistics to apply to other data. */
export interface Standardized {
  /** (x - mean) / std per feature, a new array. */
  x: Float32Array;
  /** Per-feature mean. */
  mean: Float32Array;
  /** Per-feature population standard deviation (divided by n), with 0 replaced by 1. */
  std: Float32Array;
}

/** A seeded random permutation of 0..n-1 (Fisher-Yates over mulberry32). */
export function shuffleIndices(n: number, seed = 0): Int32Array {
  checkInt('shuffleIndices', 'n', n, 0);
  checkSeed32('shuffleIndices', seed);
  return new Mulberry32(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
}

/** 1-of-K rows for integer labels: a Float32Array of labels.length x numClasses. */
export function oneHot(labels: Int32Array | readonly number[], numClasses: number): Float32Array;
/** A tensor of indices gives a one-hot tensor [...indices.shape, depth] (TensorFlow.js tf.oneHot; out-of-range indices give zero rows). */
export function oneHot(indices: Tensor, depth: number, onValue?: number, offValue?: number): Tensor;
export function oneHot(labels: Int32Array | readonly number[] | Tensor, numClasses: number, onValue = 1, offValue = 0): Float32Array | Tensor {
  if (labels instanceof Tensor) return oneHotTensor(labels, numClasses, onValue, offValue);
  // Bounded so the n x numClasses result stays a possible allocation.
  checkInt('oneHot', 'numClasses', numClasses, 1, 2 ** 24);
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new ValueError(`oneHot: labels must be an array or Int32Array of class indices, got ${describe(labels)}`);
  }
  const n = labels.length;
  if (n * numClasses > 2 ** 30) throw new ValueError(`oneHot: labels.length x numClasses must be at most 2^30, got ${n} x ${numClasses}`);
  const out = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= numClasses) {
      throw new ValueError(`oneHot: labels[${i}] must be an integer in [0, ${numClasses - 1}], got ${describe(l)}`);
    }
    out[i * numClasses + l] = 1;
  }
  return out;
}

/**
 * Splits rows into a training and a test set after a seeded shuffle. Other
 * fields of `data` (classes, shape, names) are copied to both. With stratify,
 * each class contributes round-to-total shares of its rows to the test set
 * (largest remainders), so class proportions match up to one row per class.
 */
export function trainTestSplit<T extends LabeledRows>(data: T, options: SplitOptions): { train: T; test: T } {
  const op = 'trainTestSplit';
  checkRows(op, data);
  checkOptions(op, options, ['testFraction', 'seed', 'stratify'], 'options');
  if (options === null || typeof options !== 'object') {
    throw new ValueError(`${op}: options must be an object with a testFraction, got ${describe(options)}`);
  }
  const { testFraction, seed = 0, stratify = false } = options;
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) {
    throw new ValueError(`${op}: testFraction must be a number in (0, 1), got ${describe(testFraction)}`);
  }
  checkSeed32(op, seed);
  if (typeof stratify !== 'boolean') throw new ValueError(`${op}: stratify must be a boolean, got ${describe(stratify)}`);
  const { n } = data;
  const nTest = Math.round(n * testFraction);
  if (nTest < 1 || nTest > n - 1) {
    throw new ValueError(`${op}: testFraction ${testFraction} of ${n} rows gives ${nTest} test rows; both sets must be non-empty`);
  }
  const rng = new Mulberry32(seed);
  let testRows: Int32Array;
  let trainRows: Int32Array;
  if (!stratify) {
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    testRows = order.slice(0, nTest);
    trainRows = order.slice(nTest);
  } else {
    if (!(data.y instanceof Int32Array)) {
      throw new ValueError(`${op}: stratify needs class labels (y as Int32Array), got y as ${describe(data.y)}`);
    }
    [trainRows, testRows] = stratifiedRows(data.y, nTest, rng);
  }
  return { train: take(data, trainRows), test: take(data, testRows) };
}

// Class c gets quota_c = floor(count_c * nTest / n) test rows, and the rows still
// missing go to the classes with the largest remainders (lower class first on
// ties), so the quotas add up to exactly nTest.
function stratifiedRows(y: Int32Array, nTest: number, rng: Mulberry32): [Int32Array, Int32Array] {
  const n = y.length;
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = byClass.get(y[i]);
    if (list) list.push(i);
    else byClass.set(y[i], [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const exact = classes.map((c) => (byClass.get(c)!.length * nTest) / n);
  const quota = exact.map(Math.floor);
  let missing = nTest - quota.reduce((a, b) => a + b, 0);
  const byRemainder = classes.map((_, k) => k).sort((a, b) => exact[b] - quota[b] - (exact[a] - quota[a]) || a - b);
  for (const k of byRemainder) {
    if (missing === 0) break;
    quota[k]++;
    missing--;
  }
  const train: number[] = [];
  const test: number[] = [];
  classes.forEach((c, k) => {
    const rows = rng.shuffle(byClass.get(c)!);
    for (let i = 0; i < rows.length; i++) (i < quota[k] ? test : train).push(rows[i]);
  });
  // Without this final shuffle each set would list its rows class by class.
  return [rng.shuffle(Int32Array.from(train)), rng.shuffle(Int32Array.from(test))];
}

function take<T extends LabeledRows>(data: T, rows: Int32Array): T {
  const f = data.features;
  const n = rows.length;
  const x = new Float32Array(n * f);
  const y = data.y instanceof Int32Array ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    x.set(data.x.subarray(r * f, (r + 1) * f), i * f);
    y[i] = data.y[r];
  }
  return { ...data, x, y, n };
}

function checkRows(op: string, data: LabeledRows): void {
  if (data === null || typeof data !== 'object') throw new ValueError(`${op}: data must be an object { x, y, n, features }, got ${describe(data)}`);
  checkInt(op, 'data.n', data.n, 1);
  checkInt(op, 'data.features', data.features, 1);
  if (!(data.x instanceof Float32Array) || data.x.length !== data.n * data.features) {
    throw new ShapeError(`${op}: data.x must be a Float32Array of n x features = ${data.n} x ${data.features} = ${data.n * data.features} values, got ${describe(data.x)}`);
  }
  if (!(data.y instanceof Int32Array || data.y instanceof Float32Array) || data.y.length !== data.n) {
    throw new ShapeError(`${op}: data.y must be an Int32Array or Float32Array of n = ${data.n} labels, got ${describe(data.y)}`);
  }
}

/**
 * Scales each feature to mean 0 and standard deviation 1 (population std,
 * divided by n; a constant feature has std 0, stored as 1, so it becomes 0).
 * Statistics are accumulated in float64. Returns new arrays.
 */
export function standardize(x: Float32Array, features: number): Standardized {
  const op = 'standardize';
  const n = checkMatrix(op, x, features);
  if (n === 0) throw new ShapeError(`${op}: x must have at least one row, got 0 values`);
  const sum = new Float64Array(features);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < features; c++) {
      const v = x[r * features + c];
      if (!Number.isFinite(v)) throw new ValueError(`${op}: x row ${r}, feature ${c} must be finite, got ${describe(v)}`);
      sum[c] += v;
    }
  }
  const mean = sum.map((s) => s / n);
  // Two passes (mean first, then squared deviations) avoid the cancellation of E[x^2] - E[x]^2.
  const sq = new Float64Array(features);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < features; c++) {
      const d = x[r * features + c] - mean[c];
      sq[c] += d * d;
    }
  }
  const std = Float32Array.from(sq, (s) => {
    const v = Math.fround(Math.sqrt(s / n));
    return v > 0 ? v : 1;
  });
  // Scaling with the float32 mean that is returned makes applyStandardize(x, features, mean, std)
  // reproduce the returned x bit for bit.
  const mean32 = Float32Array.from(mean);
  return { x: scale(x, features, mean32, std), mean: mean32, std };
}

/** Scales x with statistics from standardize() (a std of 0 is taken as 1); returns a new array. */
export function applyStandardize(x: Float32Array, features: number, mean: ArrayLike<number>, std: ArrayLike<number>): Float32Array {
  const op = 'applyStandardize';
  checkMatrix(op, x, features);
  for (const [name, v] of [['mean', mean], ['std', std]] as const) {
    if (v === null || typeof v !== 'object' || typeof v.length !== 'number') throw new ValueError(`${op}: ${name} must be an array of ${features} numbers, got ${describe(v)}`);
  }
  if (mean.length !== features) throw new ShapeError(`${op}: mean must have features = ${features} values, got ${mean.length}`);
  if (std.length !== features) throw new ShapeError(`${op}: std must have features = ${features} values, got ${std.length}`);
  for (let c = 0; c < features; c++) {
    if (!Number.isFinite(mean[c])) throw new ValueError(`${op}: mean[${c}] must be finite, got ${describe(mean[c])}`);
    if (!Number.isFinite(std[c]) || std[c] < 0) throw new ValueError(`${op}: std[${c}] must be finite and >= 0, got ${describe(std[c])}`);
  }
  return scale(x, features, mean, Array.from(std, (s) => (s > 0 ? s : 1)));
}

function scale(x: Float32Array, features: number, mean: ArrayLike<number>, std: ArrayLike<number>): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % features;
    out[i] = (x[i] - mean[c]) / std[c];
  }
  return out;
}

function checkMatrix(op: string, x: Float32Array, features: number): number {
  checkInt(op, 'features', features, 1);
  if (!(x instanceof Float32Array)) throw new ValueError(`${op}: x must be a Float32Array, got ${describe(x)}`);
  if (x.length % features !== 0) {
    throw new ShapeError(`${op}: x has ${x.length} values, not a multiple of features = ${features}`);
  }
  return x.length / features;
}
