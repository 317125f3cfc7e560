// Adversarial samples: the fast gradient sign method (Goodfellow, Shlens &
// Szegedy 2015) and projected gradient descent on the L∞ ball (Madry et al.
// 2018), with the cross-entropy of the true class or the margin loss of
// Carlini & Wagner (2017) on the logits. Each chunk of samples stays in wasm
// memory for every step; the steps run through one InputGradientProbe and
// allocate nothing.
import { checkFiniteF32 } from '../util/finite.js';
import { ShapeError, ValueError, checkFinite, checkInt, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Model } from '../models/model.js';
import type { Engine } from '../models/engine.js';
import type { ModelInput, Rows } from '../models/inputs.js';
import { InputGradientProbe } from '../models/probe.js';
import { ModelRng } from '../models/rng.js';
import { add, axpy, bceLogits, clip, copy, fill, randUniform, scale, softmaxCrossEntropy, sub } from '../kernels/index.js';
import { readValues } from '../util/rows.js';
import { checkBool, checkOptions } from '../util/options.js';
import { Buffers, chunkRows, gradientEngineOf, inputShape, loadRows, outputIndex, predictedClasses, readRows, unitThreshold } from './common.js';

/** Losses an attack ascends. */
export type AttackLoss = 'crossEntropy' | 'margin';

/** Options of fgsm(). */
export interface FgsmOptions {
  /** Size of the step on every input value (L∞ radius), > 0. Required. */
  epsilon: number;
  /** Lowest and highest valid input value (e.g. 0 and 1 for pixels). Default: unbounded. */
  clipMin?: number;
  clipMax?: number;
  /** Default 'crossEntropy'. */
  loss?: AttackLoss;
  /** Which model output (several-output models). Default 0. */
  output?: number;
  /** Rows per pass. Default: the model's planned batch size, else 128. */
  batchSize?: number;
}

/** Options of pgd(). */
export interface PgdOptions extends FgsmOptions {
  /** Size of each step. Default 2.5 · epsilon / steps. */
  stepSize?: number;
  /** Steps. Default 40. */
  steps?: number;
  /** Start from a uniform random point of the ε-ball (Madry et al.). Default true. */
  randomStart?: boolean;
  /** Seed of the random start. Default 0. */
  seed?: number;
  /** The ball: only 'linf' (every value within ε of the original). */
  norm?: 'linf';
}

/** What an attack did to the model's predictions. */
export interface FlipReport {
  /** Samples. */
  n: number;
  /** Predictions that changed. */
  changed: number;
  /** Samples predicted correctly before and wrongly after. */
  flipped: number;
  correctBefore: number;
  correctAfter: number;
  accuracyBefore: number;
  accuracyAfter: number;
  /** Predicted classes before and after, and the labels. */
  before: Int32Array;
  after: Int32Array;
  labels: Int32Array;
  /** Largest |x_adv − x| over every value (at most epsilon). */
  maxPerturbation: number;
}

/** What fgsm() and pgd() return. */
export interface AttackResult {
  /** The adversarial inputs, shaped like x. */
  adversarial: Tensor;
  report: FlipReport;
}

const FGSM_KEYS = ['epsilon', 'clipMin', 'clipMax', 'loss', 'output', 'batchSize'];
const PGD_KEYS = [...FGSM_KEYS, 'stepSize', 'steps', 'randomStart', 'seed', 'norm'];

/**
 * The fast gradient sign method (Goodfellow et al. 2015): x_adv = clip(x +
 * ε · sign(∇ₓ loss(x, label)), clipMin, clipMax) with sign(0) = 0, in one
 * gradient pass per chunk. Returns the adversarial inputs and how the
 * predictions changed.
 */
export function fgsm(model: Model, x: ModelInput, labels: ModelInput, options: FgsmOptions): AttackResult {
  const op = 'explain.fgsm';
  if (options === undefined) throw new ValueError(`${op}: options must give epsilon`);
  const o = checkOptions(op, options, FGSM_KEYS, 'options');
  const epsilon = checkFiniteF32(op, 'epsilon', o.epsilon, { min: 0 });
  return attack(op, model, x, labels, o, { epsilon, stepSize: epsilon, steps: 1, randomStart: false, seed: 0, project: false });
}

/**
 * Projected gradient descent (Madry et al. 2018), the iterated FGSM: from x
 * (or a uniform random point of the ε-ball around it) take `steps` steps
 * x ← clip(Π_ε(x + α · sign(∇ₓ loss)), clipMin, clipMax), Π_ε projecting
 * every value back to within ε of the original. With loss 'margin' it
 * ascends max_{j≠y} z_j − z_y on the logits (Carlini & Wagner 2017), which
 * keeps pushing once the softmax saturates.
 */
export function pgd(model: Model, x: ModelInput, labels: ModelInput, options: PgdOptions): AttackResult {
  const op = 'explain.pgd';
  if (options === undefined) throw new ValueError(`${op}: options must give epsilon`);
  const o = checkOptions(op, options, PGD_KEYS, 'options');
  const epsilon = checkFiniteF32(op, 'epsilon', o.epsilon, { min: 0 });
  if (o.norm !== undefined && o.norm !== 'linf') throw new ValueError(`${op}: norm must be 'linf' (the only ball implemented), got ${describe(o.norm)}`);
  const steps = o.steps === undefined ? 40 : checkInt(op, 'steps', o.steps, 1, 1 << 20);
  const stepSize = o.stepSize === undefined ? (2.5 * epsilon) / steps : checkFinite(op, 'stepSize', o.stepSize, 0);
  const randomStart = checkBool(op, 'randomStart', o.randomStart, true);
  const seed = o.seed === undefined ? 0 : checkFinite(op, 'seed', o.seed);
  return attack(op, model, x, labels, o, { epsilon, stepSize, steps, randomStart, seed, project: true });
}

/** The schedule of an attack. */
interface Schedule {
  epsilon: number;
  stepSize: number;
  steps: number;
  randomStart: boolean;
  seed: number;
  /** Project onto the ε-ball after each step (PGD; FGSM's single step cannot leave it). */
  project: boolean;
}

/** Where the loss reads the scores and how its gradient enters backward. */
interface LossSite {
  kind: 'softmax' | 'sigmoid';
  /** The scores are the probe's logits (else its linear output). */
  logits: boolean;
}

// sign(g) with sign(0) = 0 from the scale and clip kernels: 2^126 · 2^126 takes
// even the smallest subnormal float32 (2^-149) past 1, so the clip leaves
// exactly −1, 0 or 1 (larger values overflow to ±Infinity first, which the
// clip also maps to ±1).
const SIGN_SCALE = 2 ** 126;

function attack(op: string, model: Model, x: ModelInput, labelsIn: ModelInput, o: FgsmOptions, s: Schedule): AttackResult {
  const engine = gradientEngineOf(op, model);
  const k = outputIndex(op, engine, o.output);
  const X = readRows(op, engine, x);
  const n = X.n;
  const lo = o.clipMin === undefined ? -Infinity : checkFinite(op, 'clipMin', o.clipMin);
  const hi = o.clipMax === undefined ? Infinity : checkFinite(op, 'clipMax', o.clipMax);
  if (!(lo < hi)) throw new ValueError(`${op}: clipMin must be below clipMax, got ${lo} and ${hi}`);
  const loss = o.loss ?? 'crossEntropy';
  if (loss !== 'crossEntropy' && loss !== 'margin') throw new ValueError(`${op}: loss must be 'crossEntropy' or 'margin', got ${describe(loss)}`);
  const probe = new InputGradientProbe(engine, chunkRows(op, engine, o.batchSize, n), k);
  const site = lossSite(op, engine, probe, k);
  const units = probe.units;
  const labels = readLabels(op, labelsIn, n, units);
  const be = probe.backend;
  const size = probe.inputSize;
  const cap = probe.capacity;
  const threshold = unitThreshold(engine, k);
  const bufs = new Buffers(be);
  const rng = new ModelRng(be, s.seed);
  try {
    const out = bufs.floats(n * size);
    const x0 = bufs.floats(cap * size);
    const lab = bufs.floats(cap);
    const targets = bufs.floats(cap * units);
    const before = new Int32Array(n);
    const after = new Int32Array(n);
    for (let start = 0; start < n; start += cap) {
      const rows = Math.min(cap, n - start);
      const adv = out + start * size * 4;
      loadRows(be, X, start, rows, x0);
      writeLabels(be, labels, start, rows, units, lab, targets);
      copy(be, rows * size, x0, adv);
      if (s.randomStart) {
        copy(be, rows * size, x0, probe.input);
        probe.predict(rows);
        predictedClasses(be, probe.output, rows, probe.outputSize, units, threshold, before, start);
        randUniform(be, { n: rows * size, out: probe.inputGrad, lo: -s.epsilon, hi: s.epsilon, state: rng.ptr });
        add(be, { n: rows * size, x: adv, y: probe.inputGrad, z: adv });
        clip(be, { n: rows * size, x: adv, y: adv, lo, hi });
      }
      for (let step = 0; step < s.steps; step++) {
        copy(be, rows * size, adv, probe.input);
        probe.forward(rows);
        // Without a random start the first step's forward pass is the one on the original samples.
        if (step === 0 && !s.randomStart) predictedClasses(be, probe.output, rows, probe.outputSize, units, threshold, before, start);
        lossGradient(probe, site, loss, rows, labels, start, lab, targets);
        probe.backward(rows, site.logits);
        const g = probe.inputGrad;
        scale(be, { n: rows * size, x: g, y: g, alpha: SIGN_SCALE });
        scale(be, { n: rows * size, x: g, y: g, alpha: SIGN_SCALE });
        clip(be, { n: rows * size, x: g, y: g, lo: -1, hi: 1 });
        axpy(be, { n: rows * size, x: g, y: adv, alpha: s.stepSize });
        if (s.project) {
          sub(be, { n: rows * size, x: adv, y: x0, z: g });
          clip(be, { n: rows * size, x: g, y: g, lo: -s.epsilon, hi: s.epsilon });
          add(be, { n: rows * size, x: x0, y: g, z: adv });
        }
        clip(be, { n: rows * size, x: adv, y: adv, lo, hi });
      }
      copy(be, rows * size, adv, probe.input);
      probe.predict(rows);
      predictedClasses(be, probe.output, rows, probe.outputSize, units, threshold, after, start);
    }
    const report = flipReport(labels, before, after, maxDistance(be, X, out));
    return { adversarial: bufs.tensor(out, [n, ...inputShape(engine)]), report };
  } finally {
    rng.dispose();
    bufs.free();
  }
}

/** How the loss reaches the scores of output k: a softmax or sigmoid on kept logits, or a linear output taken as logits. */
function lossSite(op: string, engine: Engine, probe: InputGradientProbe, k: number): LossSite {
  if (probe.outputSize !== probe.units) {
    throw new ShapeError(`${op}: output ${k} has per-sample shape [${engine.topo.outputs[k].shape.join(',')}]; attacks take a classifier with one row of class scores per sample`);
  }
  if (probe.logitActivation) return { kind: probe.logitActivation, logits: true };
  const act = (engine.topo.outputs[k].node.layer as { activation?: string }).activation;
  if (act === undefined || act === 'linear') return { kind: probe.units === 1 ? 'sigmoid' : 'softmax', logits: false };
  throw new ValueError(`${op}: output ${k} must be a softmax or sigmoid layer that no other layer reads, or a linear layer of logits; its activation is ${describe(act)}`);
}

/**
 * Integer labels, one per sample, from integers or one-hot rows; a one-unit
 * (binary) output takes 0 / 1.
 */
function readLabels(op: string, value: ModelInput, n: number, units: number): Int32Array {
  const { data } = readValues(op, 'labels', value);
  const classes = Math.max(units, 2);
  const out = new Int32Array(n);
  if (data.length === n) {
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < 0 || v >= classes) throw new ValueError(`${op}: labels[${i}] must be an integer class in [0, ${classes - 1}], got ${describe(v)}`);
      out[i] = v;
    }
    return out;
  }
  if (units > 1 && data.length === n * units) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < units; c++) if (data[i * units + c] > data[i * units + best]) best = c;
      out[i] = best;
    }
    return out;
  }
  throw new ShapeError(`${op}: labels must hold one integer class per sample (${n}) or one-hot rows (${n} x ${units}), got ${data.length} values`);
}

/** The chunk's labels as int32 (softmax cross-entropy) and as 0/1 targets (sigmoid cross-entropy). */
function writeLabels(be: InputGradientProbe['backend'], labels: Int32Array, start: number, rows: number, units: number, lab: number, targets: number): void {
  be.i32().set(labels.subarray(start, start + rows), lab >>> 2);
  fill(be, { n: rows * units, y: targets, value: 0 });
  const f32 = be.f32();
  for (let r = 0; r < rows; r++) {
    const c = labels[start + r];
    if (units === 1) f32[(targets >>> 2) + r] = c;
    else f32[(targets >>> 2) + r * units + c] = 1;
  }
}

/**
 * Writes the gradient of each row's loss with respect to its scores into the
 * probe's output gradient. Cross-entropy comes from the fused kernels
 * (p − t from the logits, finite however confident the model is); the
 * margin max_{j≠y} z_j − z_y has gradient +1 at the best other class and −1
 * at the label (for one sigmoid unit, −(2t − 1) z).
 */
function lossGradient(probe: InputGradientProbe, site: LossSite, loss: AttackLoss, rows: number, labels: Int32Array, start: number, lab: number, targets: number): void {
  const be = probe.backend;
  const units = probe.units;
  const z = site.logits ? probe.logits : probe.output;
  const dz = probe.outputGrad;
  if (loss === 'crossEntropy') {
    if (site.kind === 'softmax') softmaxCrossEntropy(be, { m: rows, n: units, z, labels: lab, dz });
    else bceLogits(be, { n: rows * units, z, t: targets, dz });
    return;
  }
  fill(be, { n: rows * units, y: dz, value: 0 });
  const f32 = be.f32();
  const zb = z >>> 2;
  const gb = dz >>> 2;
  for (let r = 0; r < rows; r++) {
    const y = labels[start + r];
    if (units === 1) {
      f32[gb + r] = -(2 * y - 1);
      continue;
    }
    let best = -1;
    for (let c = 0; c < units; c++) if (c !== y && (best < 0 || f32[zb + r * units + c] > f32[zb + r * units + best])) best = c;
    f32[gb + r * units + best] = 1;
    f32[gb + r * units + y] = -1;
  }
}

/** Largest |adversarial − original| over every value. */
function maxDistance(be: InputGradientProbe['backend'], X: Rows, out: number): number {
  const f32 = be.f32();
  const base = out >>> 2;
  let m = 0;
  for (let i = 0; i < X.data.length; i++) m = Math.max(m, Math.abs(f32[base + i] - X.data[i]));
  return m;
}

/** Counts of the report from the predictions before and after. */
function flipReport(labels: Int32Array, before: Int32Array, after: Int32Array, maxPerturbation: number): FlipReport {
  const n = labels.length;
  let changed = 0;
  let flipped = 0;
  let correctBefore = 0;
  let correctAfter = 0;
  for (let i = 0; i < n; i++) {
    if (before[i] !== after[i]) changed++;
    if (before[i] === labels[i]) correctBefore++;
    if (after[i] === labels[i]) correctAfter++;
    if (before[i] === labels[i] && after[i] !== labels[i]) flipped++;
  }
  return {
    n, changed, flipped, correctBefore, correctAfter,
    accuracyBefore: correctBefore / n, accuracyAfter: correctAfter / n,
    before, after, labels, maxPerturbation,
  };
}
