// Derivatives of a class score with respect to the input, and the saliency
// maps built from them: the gradient (Simonyan, Vedaldi & Zisserman 2014),
// gradient times input, SmoothGrad (Smilkov et al. 2017) and integrated
// gradients (Sundararajan, Taly & Yan 2017). Every loop runs through one
// InputGradientProbe over the model's planned executor and buffers allocated
// before it starts.
import { ShapeError, ValueError, checkFinite, checkInt, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import type { Model } from '../models/model.js';
import type { Engine } from '../models/engine.js';
import type { ModelInput, Rows } from '../models/inputs.js';
import { InputGradientProbe } from '../models/probe.js';
import { ModelRng } from '../models/rng.js';
import { add, axpy, copy, fill, mul, randNormal, scale } from '../kernels/index.js';
import { readValues } from '../util/rows.js';
import { checkBool, checkOptions } from '../util/options.js';
import {
  Buffers, chunkRows, classScore, gradientEngineOf, inputShape, loadRows, outputIndex, predictedClasses, readClasses, readRows, reducedShape,
  scoreFromLogits, seedClasses, unitThreshold, type Score,
} from './common.js';
import { integrationRule, type IntegrationRule } from './quadrature.js';

/** Options of inputGradients(). */
export interface InputGradientsOptions {
  /** The class whose score is differentiated: one for every sample or one per sample. Default: each sample's predicted class. */
  classIndex?: number | ArrayLike<number>;
  /** Or any gradient on the output, [n, ...outputShape]: differentiates sum(seed · output). */
  seed?: ModelInput;
  /** Which model output (several-output models). Default 0. */
  output?: number;
  /** 'output' (default): the output value, e.g. a softmax probability; 'logit': its pre-activation (the unnormalised class score). */
  score?: Score;
  /** Rows per pass. Default: the model's planned batch size, else 128. */
  batchSize?: number;
}

/** The saliency methods. */
export type SaliencyMethod = 'gradient' | 'gradientTimesInput' | 'smoothGrad' | 'integratedGradients';

/** Options of saliency(). */
export interface SaliencyOptions {
  /** Default 'gradient'. */
  method?: SaliencyMethod;
  /** As in inputGradients(). Default: each sample's predicted class. */
  classIndex?: number | ArrayLike<number>;
  output?: number;
  score?: Score;
  batchSize?: number;
  /**
   * Reduce image maps ([h, w, c] inputs) over channels: the maximum for
   * 'gradient' and 'smoothGrad' (magnitudes), the sum for the attributions
   * 'gradientTimesInput' and 'integratedGradients' (so they still add up).
   * Default true.
   */
  reduceChannels?: boolean;
  /** SmoothGrad: noisy copies per sample. Default 25. */
  samples?: number;
  /** SmoothGrad: noise standard deviation as a fraction of each sample's value range (max − min). Default 0.15. */
  noise?: number;
  /** SmoothGrad: seed of the noise. Default 0. */
  seed?: number;
  /** Integrated gradients: the baseline, a number (every value) or one sample or one per sample. Default 0. */
  baseline?: number | ModelInput;
  /** Integrated gradients: gradient evaluations along the path. Default 50. */
  steps?: number;
  /** Integrated gradients: how the path integral is summed. Default 'gaussLegendre'. */
  rule?: IntegrationRule;
}

/** What saliency() returns. */
export interface SaliencyResult {
  /** [n, ...shape]: the input shape, or [n, h, w] for images reduced over channels. */
  map: Tensor;
  /** The class each sample's map explains. */
  classIndex: Int32Array;
  /**
   * Integrated gradients only: per sample, the attributions' sum, f(x) −
   * f(baseline), and |sum − (f(x) − f(baseline))| / |f(x) − f(baseline)|
   * (the completeness axiom of Sundararajan et al. says the two are equal).
   */
  completeness?: { sum: Float64Array; delta: Float64Array; relativeError: Float64Array; maxRelativeError: number };
}

const GRADIENT_KEYS = ['classIndex', 'seed', 'output', 'score', 'batchSize'];
const SALIENCY_KEYS = ['method', 'classIndex', 'output', 'score', 'batchSize', 'reduceChannels', 'samples', 'noise', 'seed', 'baseline', 'steps', 'rule'];
const METHODS: SaliencyMethod[] = ['gradient', 'gradientTimesInput', 'smoothGrad', 'integratedGradients'];

/**
 * d score / d x for every sample, shaped like x: the score is output[:, c]
 * (classIndex; default the predicted class), its logit, or sum(seed ·
 * output). The weights do not change.
 */
export function inputGradients(model: Model, x: ModelInput, options: InputGradientsOptions = {}): Tensor {
  const op = 'explain.inputGradients';
  const o = checkOptions(op, options, GRADIENT_KEYS, 'options');
  const engine = gradientEngineOf(op, model);
  const k = outputIndex(op, engine, o.output);
  const X = readRows(op, engine, x);
  const n = X.n;
  if (o.seed !== undefined && o.classIndex !== undefined) throw new ValueError(`${op}: give classIndex or seed, not both`);
  const probe = new InputGradientProbe(engine, chunkRows(op, engine, o.batchSize, n), k);
  const fromLogits = scoreFromLogits(op, engine, probe, k, o.score);
  let seed: Float32Array | null = null;
  if (o.seed !== undefined) {
    seed = readValues(op, 'seed', o.seed).data;
    if (seed.length !== n * probe.outputSize) {
      throw new ShapeError(`${op}: seed must hold ${n} samples of the output's ${probe.outputSize} values, got ${seed.length} values`);
    }
  }
  const classes = seed ? null : readClasses(op, 'classIndex', o.classIndex, n, probe.units);
  const bufs = new Buffers(probe.backend);
  try {
    const out = bufs.floats(n * probe.inputSize);
    gradientPasses(probe, X, { classes, seed, fromLogits, threshold: unitThreshold(engine, k) }, (start, rows) => {
      copy(probe.backend, rows * probe.inputSize, probe.inputGrad, out + start * probe.inputSize * 4);
    });
    return bufs.tensor(out, [n, ...inputShape(engine)]);
  } finally {
    bufs.free();
  }
}

/**
 * A saliency map per sample: which input values the class score depends on.
 * 'gradient' is |d score / d x| (Simonyan et al. 2014), 'gradientTimesInput'
 * x · d score / d x, 'smoothGrad' the gradient averaged over noisy copies of
 * the sample, then |·| (Smilkov et al. 2017), 'integratedGradients' the
 * path integral (x − x') · ∫ d score(x' + α (x − x')) / dx dα from a
 * baseline x' (Sundararajan et al. 2017), whose sum is score(x) −
 * score(x') up to the integration error reported in `completeness`.
 */
export function saliency(model: Model, x: ModelInput, options: SaliencyOptions = {}): SaliencyResult {
  const op = 'explain.saliency';
  const o = checkOptions(op, options, SALIENCY_KEYS, 'options');
  const method = o.method ?? 'gradient';
  if (!METHODS.includes(method)) throw new ValueError(`${op}: method must be one of ${METHODS.join(', ')}, got ${describe(method)}`);
  const engine = gradientEngineOf(op, model);
  const k = outputIndex(op, engine, o.output);
  const X = readRows(op, engine, x);
  const n = X.n;
  const shape = inputShape(engine);
  const reduce = checkBool(op, 'reduceChannels', o.reduceChannels, true) && shape.length === 3;
  const unused = (keys: (keyof SaliencyOptions)[], methods: string) => {
    for (const key of keys) if (o[key] !== undefined) throw new ValueError(`${op}: ${key} applies to ${methods} only, not to method ${describe(method)}`);
  };
  if (method !== 'smoothGrad') unused(['samples', 'noise', 'seed'], "'smoothGrad'");
  if (method !== 'integratedGradients') unused(['baseline', 'steps', 'rule'], "'integratedGradients'");
  const probe = new InputGradientProbe(engine, chunkRows(op, engine, o.batchSize, method === 'integratedGradients' ? n * (o.steps ?? 50) : n), k);
  const fromLogits = scoreFromLogits(op, engine, probe, k, o.score);
  const given = readClasses(op, 'classIndex', o.classIndex, n, probe.units);
  const classes = given ?? new Int32Array(n);
  const threshold = unitThreshold(engine, k);
  const be = probe.backend;
  const size = probe.inputSize;
  const bufs = new Buffers(be);
  try {
    const raw = bufs.floats(n * size);
    let completeness: SaliencyResult['completeness'];
    if (method === 'gradient' || method === 'gradientTimesInput') {
      gradientPasses(probe, X, { classes: given, seed: null, fromLogits, threshold, picked: classes }, (start, rows) => {
        copy(be, rows * size, probe.inputGrad, raw + start * size * 4);
      });
      if (method === 'gradientTimesInput') {
        const xs = bufs.floats(n * size);
        loadRows(be, X, 0, n, xs);
        mul(be, { n: n * size, x: raw, y: xs, z: raw });
      }
    } else if (method === 'smoothGrad') {
      smoothGrad(op, probe, X, { classes, given, fromLogits, threshold, samples: o.samples, noise: o.noise, seed: o.seed }, bufs, raw);
    } else {
      completeness = integratedGradients(op, engine, probe, X, { classes, given, fromLogits, threshold, baseline: o.baseline, steps: o.steps, rule: o.rule }, bufs, raw);
    }
    const magnitude = method === 'gradient' || method === 'smoothGrad';
    const map = reduceMap(bufs, raw, n, shape, reduce, magnitude);
    return { map: bufs.tensor(map, [n, ...reducedShape(shape, reduce)]), classIndex: classes, ...(completeness ? { completeness } : {}) };
  } finally {
    bufs.free();
  }
}

/** What one run of gradient passes differentiates. */
interface PassTarget {
  /** Given classes, or null for the predicted ones (written to `picked` when given). */
  classes: Int32Array | null;
  /** Or a gradient on the output for every row of X. */
  seed: Float32Array | null;
  fromLogits: boolean;
  threshold: number;
  picked?: Int32Array;
}

/** Forward and backward over every chunk of X, calling `each` while the input gradient of the chunk is in probe.inputGrad. */
function gradientPasses(probe: InputGradientProbe, X: Rows, target: PassTarget, each: (start: number, rows: number) => void): void {
  const be = probe.backend;
  const cap = probe.capacity;
  const picked = target.picked ?? new Int32Array(X.n);
  for (let start = 0; start < X.n; start += cap) {
    const rows = Math.min(cap, X.n - start);
    loadRows(be, X, start, rows, probe.input);
    probe.forward(rows);
    if (target.seed) {
      const size = probe.outputSize;
      be.f32().set(target.seed.subarray(start * size, (start + rows) * size), probe.outputGrad >>> 2);
    } else {
      const given = target.classes;
      if (given) picked.set(given.subarray(start, start + rows), start);
      else predictedClasses(be, probe.output, rows, probe.outputSize, probe.units, target.threshold, picked, start);
      seedClasses(probe, rows, (r) => picked[start + r]);
    }
    probe.backward(rows, target.fromLogits);
    each(start, rows);
  }
}

/** Options of one SmoothGrad run, checked here. */
interface SmoothGradArgs {
  classes: Int32Array;
  given: Int32Array | null;
  fromLogits: boolean;
  threshold: number;
  samples?: number;
  noise?: number;
  seed?: number;
}

/**
 * SmoothGrad: for each chunk, the predicted classes at the clean samples,
 * then `samples` passes over noisy copies x + N(0, σ²), σ = noise · (max −
 * min of the sample), whose input gradients are summed and averaged.
 */
function smoothGrad(op: string, probe: InputGradientProbe, X: Rows, a: SmoothGradArgs, bufs: Buffers, out: number): void {
  const samples = a.samples === undefined ? 25 : checkInt(op, 'samples', a.samples, 1, 1 << 16);
  const noise = a.noise === undefined ? 0.15 : checkFinite(op, 'noise', a.noise, 0, 100);
  const seed = a.seed === undefined ? 0 : checkFinite(op, 'seed', a.seed);
  const be = probe.backend;
  const size = probe.inputSize;
  const cap = probe.capacity;
  const clean = bufs.floats(cap * size);
  const sigma = new Float64Array(cap);
  const rng = new ModelRng(be, seed);
  try {
    for (let start = 0; start < X.n; start += cap) {
      const rows = Math.min(cap, X.n - start);
      loadRows(be, X, start, rows, clean);
      const data = X.data;
      for (let r = 0; r < rows; r++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = (start + r) * size; i < (start + r + 1) * size; i++) {
          lo = Math.min(lo, data[i]);
          hi = Math.max(hi, data[i]);
        }
        sigma[r] = noise * (hi - lo);
      }
      if (!a.given) {
        copy(be, rows * size, clean, probe.input);
        probe.predict(rows);
        predictedClasses(be, probe.output, rows, probe.outputSize, probe.units, a.threshold, a.classes, start);
      }
      const acc = out + start * size * 4;
      fill(be, { n: rows * size, y: acc, value: 0 });
      for (let s = 0; s < samples; s++) {
        for (let r = 0; r < rows; r++) randNormal(be, { n: size, out: probe.input + r * size * 4, mean: 0, std: sigma[r], state: rng.ptr });
        add(be, { n: rows * size, x: probe.input, y: clean, z: probe.input });
        probe.forward(rows);
        seedClasses(probe, rows, (r) => a.classes[start + r]);
        probe.backward(rows, a.fromLogits);
        add(be, { n: rows * size, x: acc, y: probe.inputGrad, z: acc });
      }
      scale(be, { n: rows * size, x: acc, y: acc, alpha: 1 / samples });
    }
  } finally {
    rng.dispose();
  }
}

/** Options of one integrated-gradients run, checked here. */
interface IntegratedArgs {
  classes: Int32Array;
  given: Int32Array | null;
  fromLogits: boolean;
  threshold: number;
  baseline?: number | ModelInput;
  steps?: number;
  rule?: IntegrationRule;
}

/**
 * Integrated gradients. The path points of every sample are rows of one
 * stream of passes (sample i, point j at row i·steps + j), so a pass is
 * always full. Each row is baseline + α_j (x − baseline); its input gradient
 * is added, weighted by the rule's w_j, to the sample's sum; the attribution
 * is (x − baseline) times that sum. f(x) and f(baseline) are evaluated apart
 * for the completeness check.
 */
function integratedGradients(op: string, engine: Engine, probe: InputGradientProbe, X: Rows, a: IntegratedArgs, bufs: Buffers, out: number): SaliencyResult['completeness'] {
  const steps = a.steps === undefined ? 50 : checkInt(op, 'steps', a.steps, 1, 1 << 16);
  const { alpha, weight } = integrationRule(op, a.rule ?? 'gaussLegendre', steps);
  const be = probe.backend;
  const n = X.n;
  const size = probe.inputSize;
  const cap = probe.capacity;
  const base = readBaseline(op, engine, a.baseline, n);
  const diff = bufs.floats(n * size);
  const baseRows = bufs.floats(n * size);
  const fx = new Float64Array(n);
  const fb = new Float64Array(n);
  // Endpoints: the class (predicted at x unless given) and its score at x and at the baseline.
  loadRows(be, X, 0, n, diff);
  loadRows(be, base, 0, n, baseRows);
  for (const [src, f] of [[diff, fx], [baseRows, fb]] as const) {
    for (let start = 0; start < n; start += cap) {
      const rows = Math.min(cap, n - start);
      copy(be, rows * size, src + start * size * 4, probe.input);
      probe.forward(rows);
      if (f === fx && !a.given) predictedClasses(be, probe.output, rows, probe.outputSize, probe.units, a.threshold, a.classes, start);
      for (let r = 0; r < rows; r++) f[start + r] = classScore(probe, a.fromLogits, r, a.classes[start + r]);
    }
  }
  // diff = x − baseline; out accumulates Σ_j w_j ∂f/∂x at the path points.
  axpy(be, { n: n * size, x: baseRows, y: diff, alpha: -1 });
  fill(be, { n: n * size, y: out, value: 0 });
  const total = n * steps;
  for (let p0 = 0; p0 < total; p0 += cap) {
    const rows = Math.min(cap, total - p0);
    for (let r = 0; r < rows; r++) {
      const i = Math.floor((p0 + r) / steps);
      const row = probe.input + r * size * 4;
      copy(be, size, baseRows + i * size * 4, row);
      axpy(be, { n: size, x: diff + i * size * 4, y: row, alpha: alpha[(p0 + r) % steps] });
    }
    probe.forward(rows);
    seedClasses(probe, rows, (r) => a.classes[Math.floor((p0 + r) / steps)]);
    probe.backward(rows, a.fromLogits);
    for (let r = 0; r < rows; r++) {
      const i = Math.floor((p0 + r) / steps);
      axpy(be, { n: size, x: probe.inputGrad + r * size * 4, y: out + i * size * 4, alpha: weight[(p0 + r) % steps] });
    }
  }
  mul(be, { n: n * size, x: out, y: diff, z: out });
  const f32 = be.f32();
  const sum = new Float64Array(n);
  const delta = new Float64Array(n);
  const relativeError = new Float64Array(n);
  let maxRelativeError = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = (out >>> 2) + i * size, e = j + size; j < e; j++) s += f32[j];
    sum[i] = s;
    delta[i] = fx[i] - fb[i];
    relativeError[i] = Math.abs(s - delta[i]) / Math.max(Math.abs(delta[i]), 1e-12);
    maxRelativeError = Math.max(maxRelativeError, relativeError[i]);
  }
  return { sum, delta, relativeError, maxRelativeError };
}

/** The baseline as n samples: a number fills every value; one sample is used for all; else one per sample. */
function readBaseline(op: string, engine: Engine, value: number | ModelInput | undefined, n: number): Rows {
  const shape = inputShape(engine);
  const size = sizeOf(shape);
  if (value === undefined || typeof value === 'number') {
    const v = value === undefined ? 0 : checkFinite(op, 'baseline', value);
    return { data: new Float32Array(n * size).fill(v), n, sample: shape };
  }
  const rows = readRows(op, engine, value, 'baseline');
  if (rows.n === n) return rows;
  if (rows.n !== 1) throw new ShapeError(`${op}: baseline must be one sample or one per sample (${n}), got ${rows.n} samples`);
  const data = new Float32Array(n * size);
  for (let i = 0; i < n; i++) data.set(rows.data, i * size);
  return { data, n, sample: shape };
}

/**
 * The map as returned: raw values reduced over the channels of image inputs
 * (max of |·| for magnitudes, sum for attributions), or |·| of every value
 * for magnitudes without reduction. Returns the buffer holding it.
 */
function reduceMap(bufs: Buffers, raw: number, n: number, shape: readonly number[], reduce: boolean, magnitude: boolean): number {
  const be = bufs.backend;
  const size = sizeOf(shape);
  if (!reduce) {
    if (magnitude) {
      const f32 = be.f32();
      for (let i = raw >>> 2, e = i + n * size; i < e; i++) f32[i] = Math.abs(f32[i]);
    }
    return raw;
  }
  const c = shape[2];
  const pixels = size / c;
  const out = bufs.floats(n * pixels);
  const f32 = be.f32();
  const src = raw >>> 2;
  const dst = out >>> 2;
  for (let p = 0; p < n * pixels; p++) {
    let v = 0;
    for (let j = 0; j < c; j++) {
      const g = f32[src + p * c + j];
      v = magnitude ? Math.max(v, Math.abs(g)) : v + g;
    }
    f32[dst + p] = v;
  }
  return out;
}
