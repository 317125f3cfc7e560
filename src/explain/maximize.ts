// Maximum-response synthetic inputs (activation maximisation; Erhan, Bengio,
// Courville & Vincent 2009; Simonyan et al. 2014 for class models; Olah,
// Mordvintsev & Schubert 2017): gradient ascent on the input, weights fixed,
// for a class of the output or a unit (a channel, for a convolution) of an
// inner layer. Every image is a row of one batch; each step is one forward
// and backward pass through an InputGradientProbe, allocating nothing.
import { ValueError, checkFinite, checkInt, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Model, model as graphModel } from '../models/model.js';
import type { Engine } from '../models/engine.js';
import type { ModelInput } from '../models/inputs.js';
import { InputGradientProbe } from '../models/probe.js';
import { input as symbolicInput } from '../graph/input.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { layerFromJSON, type Layer } from '../layers/layer.js';
import { Recurrent } from '../layers/recurrent/base.js';
import { ModelRng } from '../models/rng.js';
import { axpy, bceLogits, clip, copy, fill, randNormal, scale, softmaxCrossEntropy, sumsq } from '../kernels/index.js';
import { checkBool, checkOptions } from '../util/options.js';
import { Buffers, classScore, gradientEngineOf, inputShape, outputIndex, readRows, seedClasses } from './common.js';

/** Options of activationMaximization(). */
export interface ActivationMaximizationOptions {
  /** An inner layer (by name) whose unit to maximise; default the model's output. */
  layer?: string;
  /** With layer: the unit (the channel of a convolution, averaged over positions), or a list (one image each). */
  unit?: number | number[];
  /**
   * With layer: maximise the unit before its activation function (default
   * true for a layer with one), as feature visualisation usually does (Olah
   * et al. 2017): a ReLU unit that starts inactive has no gradient after it.
   * A recurrent layer applies its activations inside the recurrence, at every
   * step, so its output (the hidden state) is what is maximised.
   */
  preActivation?: boolean;
  /** Without layer: the class of the output to maximise, or a list (one image each). */
  classIndex?: number | number[];
  /**
   * For a class: 'logProbability' (default for softmax and sigmoid outputs:
   * drives the class probability up), 'logit' (the unnormalised score,
   * Simonyan et al. 2014) or 'output'.
   */
  score?: 'logProbability' | 'logit' | 'output';
  /** Gradient-ascent steps. Default 100. */
  steps?: number;
  /** Step size; with normalize, the root-mean-square change of the input per step. Default 0.05. */
  learningRate?: number;
  /** L2 penalty λ: maximises response − λ/2 ‖x‖². Default 0. */
  l2?: number;
  /** Divide each image's gradient by its root mean square, so the step size does not depend on the response's scale. Default true. */
  normalize?: boolean;
  /** 'random' (default: seeded noise around the middle of [clipMin, clipMax], std 10% of it), 'zeros', or start images (one, or one per image). */
  init?: 'random' | 'zeros' | ModelInput;
  /** Seed of the random start. Default 0. */
  seed?: number;
  /** Bounds of the input values (e.g. 0 and 1 for pixels). Default: unbounded. */
  clipMin?: number;
  clipMax?: number;
  /** Which model output (several-output models, without layer). Default 0. */
  output?: number;
}

/** What activationMaximization() returns. */
export interface ActivationMaximizationResult {
  /** The synthetic inputs, one per unit or class: [count, ...inputShape]. */
  input: Tensor;
  /**
   * The response of each at the end: the class's output value (its
   * probability for a softmax) or the unit's value (its pre-activation with
   * preActivation; the mean over positions for a convolution).
   */
  response: Float32Array;
  /** The response at the start, for comparison. */
  initialResponse: Float32Array;
}

const KEYS = ['layer', 'unit', 'preActivation', 'classIndex', 'score', 'steps', 'learningRate', 'l2', 'normalize', 'init', 'seed', 'clipMin', 'clipMax', 'output'];

/**
 * Gradient ascent on the input of `model` (weights fixed) for each class or
 * unit asked for: x ← clip((1 − η λ) x + η g, clipMin, clipMax), g the
 * gradient of the response (divided by its root mean square with normalize).
 */
export function activationMaximization(model: Model, options: ActivationMaximizationOptions): ActivationMaximizationResult {
  const op = 'explain.activationMaximization';
  if (options === undefined) throw new ValueError(`${op}: options must give classIndex, or layer and unit`);
  const o = checkOptions(op, options, KEYS, 'options');
  const engine = gradientEngineOf(op, model);
  const steps = o.steps === undefined ? 100 : checkInt(op, 'steps', o.steps, 0, 1 << 20);
  const lr = o.learningRate === undefined ? 0.05 : checkFinite(op, 'learningRate', o.learningRate, 0);
  const l2 = o.l2 === undefined ? 0 : checkFinite(op, 'l2', o.l2, 0);
  const normalize = checkBool(op, 'normalize', o.normalize, true);
  const lo = o.clipMin === undefined ? -Infinity : checkFinite(op, 'clipMin', o.clipMin);
  const hi = o.clipMax === undefined ? Infinity : checkFinite(op, 'clipMax', o.clipMax);
  if (!(lo < hi)) throw new ValueError(`${op}: clipMin must be below clipMax, got ${lo} and ${hi}`);
  const seed = o.seed === undefined ? 0 : checkFinite(op, 'seed', o.seed);

  let target: Target;
  const owned: Model[] = [];
  if (o.layer !== undefined) {
    if (o.classIndex !== undefined || o.score !== undefined || o.output !== undefined) throw new ValueError(`${op}: with layer give unit (classIndex, score and output are for the model's output)`);
    if (o.unit === undefined) throw new ValueError(`${op}: layer needs unit (a unit or channel index, or a list of them)`);
    const preActivation = checkBool(op, 'preActivation', o.preActivation, true);
    try {
      const path = layerPath(op, model, engine, o.layer, preActivation, owned, (units) => unitList(op, o.unit as number | number[], units));
      target = unitTarget(path.path, path.units);
    } catch (err) {
      for (const m of owned) m.dispose();
      throw err;
    }
  } else {
    if (o.unit !== undefined || o.preActivation !== undefined) throw new ValueError(`${op}: unit and preActivation need layer (the layer whose unit to maximise); for the output give classIndex`);
    if (o.classIndex === undefined) throw new ValueError(`${op}: give classIndex, or layer and unit`);
    target = classTarget(op, engine, o.classIndex, o.score, outputIndex(op, engine, o.output));
  }
  const probe = target.probe;
  const be = probe.backend;
  const count = target.count;
  const size = probe.inputSize;
  const bufs = new Buffers(be);
  const rng = new ModelRng(be, seed);
  try {
    const x = bufs.floats(count * size);
    const seedRows = bufs.floats(count * probe.outputSize);
    initialise(op, engine, o.init, x, count, size, lo, hi, rng);
    target.seeds(seedRows);
    const initialResponse = new Float32Array(count);
    const response = new Float32Array(count);
    copy(be, count * size, x, probe.input);
    probe.forward(count);
    target.read(initialResponse);
    for (let step = 0; step < steps; step++) {
      if (step > 0) {
        copy(be, count * size, x, probe.input);
        probe.forward(count);
      }
      target.gradient(seedRows);
      probe.backward(count, target.fromLogits);
      if (l2 > 0) scale(be, { n: count * size, x, y: x, alpha: 1 - lr * l2 });
      for (let r = 0; r < count; r++) {
        const g = probe.inputGrad + r * size * 4;
        const rms = normalize ? Math.sqrt(sumsq(be, { n: size, x: g }) / size) : 1;
        if (rms > 0) axpy(be, { n: size, x: g, y: x + r * size * 4, alpha: lr / rms });
      }
      clip(be, { n: count * size, x, y: x, lo, hi });
    }
    copy(be, count * size, x, probe.input);
    probe.forward(count);
    target.read(response);
    return { input: bufs.tensor(x, [count, ...inputShape(engine)]), response, initialResponse };
  } finally {
    rng.dispose();
    bufs.free();
    for (const m of owned) m.dispose();
  }
}

/** What activation maximisation runs: an input-gradient probe, or two chained (PreActivationPath). */
interface GradientPath {
  readonly backend: InputGradientProbe['backend'];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly units: number;
  readonly input: number;
  readonly output: number;
  readonly outputGrad: number;
  readonly inputGrad: number;
  forward(rows: number): void;
  backward(rows: number, fromLogits?: boolean): void;
}

/** What is maximised, on which probe. */
interface Target {
  probe: GradientPath;
  /** Images (one per unit or class). */
  count: number;
  fromLogits: boolean;
  /** Writes the constant part of the output gradient (the unit seeds) once. */
  seeds(ptr: number): void;
  /** Writes the gradient of each image's objective into probe.outputGrad after forward(). */
  gradient(seeds: number): void;
  /** Each image's response after forward(). */
  read(out: Float32Array): void;
}

/**
 * The path from the model's input to a layer's output (which must run
 * once): a sub-model sharing the weights; with preActivation and a layer
 * that has an activation function, a sub-model to the layer's input chained
 * with a copy of the layer whose activation is linear (its own copy of the
 * weights, so nothing is added to the model's layers or weights). Models it
 * makes are pushed to `owned` for the caller to dispose.
 */
function layerPath(
  op: string, model: Model, engine: Engine, name: unknown, preActivation: boolean, owned: Model[], pick: (units: number) => number[],
): { path: GradientPath; units: number[] } {
  if (typeof name !== 'string') throw new ValueError(`${op}: layer must be a layer name, got ${describe(name)}`);
  const layer = model.getLayer(name);
  const nodes = engine.topo.nodes.filter((nd) => nd.layer === layer);
  if (nodes.length !== 1 || nodes[0].outputs.length !== 1) {
    throw new ValueError(`${op}: layer ${describe(name)} runs ${nodes.length} times in model ${model.name} (or has several outputs); build a sub-model with model({ inputs, outputs }) for the one you want`);
  }
  const node = nodes[0];
  const shape = node.outputs[0].shape;
  const units = pick(shape[shape.length - 1]);
  const rows = units.length;
  const inputs = engine.topo.inputs.slice();
  const head = preActivation && node.inputs.length === 1 ? linearCopy(layer, node.inputs[0].shape, engine) : null;
  if (!head) {
    const sub = graphModel({ inputs, outputs: node.outputs[0], seed: 0, name: `${model.name}_${name}` });
    owned.push(sub);
    return { path: new InputGradientProbe(sub.engineFor(op), rows), units };
  }
  owned.push(head);
  const from = node.inputs[0];
  let body: Model | null = null;
  if (!inputs.includes(from)) {
    body = graphModel({ inputs, outputs: from, seed: 0, name: `${model.name}_${name}_input` });
    owned.push(body);
  }
  return { path: new PreActivationPath(body ? body.engineFor(op) : null, head.engineFor(op), rows), units };
}

/**
 * A model of one layer: a copy of `layer` with a linear activation and the
 * same weights, on an input of `shape`; null when the layer has no activation
 * function applied to its output (none, linear, or a recurrent layer's, which
 * acts inside the recurrence: a linear copy would be another network) or
 * cannot be copied alone.
 */
function linearCopy(layer: Layer, shape: readonly number[], engine: Engine): Model | null {
  const config = layer.getConfig() as Record<string, unknown>;
  if (config.activation === undefined || config.activation === 'linear' || layer instanceof Recurrent) return null;
  let copy: Layer;
  try {
    const { alpha: _alpha, ...rest } = config;
    copy = layerFromJSON({ className: layer.className, config: { ...rest, activation: 'linear', name: `${layer.name}_pre_activation` } });
  } catch {
    return null;
  }
  const x = symbolicInput({ shape: shape.slice() });
  const y = copy.apply(x) as SymbolicTensor;
  const m = graphModel({ inputs: x, outputs: y, seed: 0, backend: engine.backend, name: `${layer.name}_pre_activation` });
  const w = layer.getWeights();
  try {
    copy.setWeights(w);
  } catch (err) {
    m.dispose();
    throw err;
  } finally {
    for (const t of w) t.dispose();
  }
  return m;
}

/**
 * Two probes in a row: the body from the model's input to a layer's input,
 * then the head (the layer without its activation). Forward runs both,
 * backward copies the head's input gradient into the body's output gradient.
 */
class PreActivationPath implements GradientPath {
  private readonly body: InputGradientProbe | null;
  private readonly head: InputGradientProbe;

  constructor(body: Engine | null, head: Engine, rows: number) {
    this.head = new InputGradientProbe(head, rows);
    this.body = body ? new InputGradientProbe(body, rows) : null;
  }

  get backend() {
    return this.head.backend;
  }

  get inputSize(): number {
    return (this.body ?? this.head).inputSize;
  }

  get outputSize(): number {
    return this.head.outputSize;
  }

  get units(): number {
    return this.head.units;
  }

  get input(): number {
    return (this.body ?? this.head).input;
  }

  get output(): number {
    return this.head.output;
  }

  get outputGrad(): number {
    return this.head.outputGrad;
  }

  get inputGrad(): number {
    return (this.body ?? this.head).inputGrad;
  }

  forward(rows: number): void {
    const body = this.body;
    if (body) {
      body.forward(rows);
      copy(this.backend, rows * this.head.inputSize, body.output, this.head.input);
    }
    this.head.forward(rows);
  }

  backward(rows: number): void {
    this.head.backward(rows);
    const body = this.body;
    if (body) {
      copy(this.backend, rows * this.head.inputSize, this.head.inputGrad, body.outputGrad);
      body.backward(rows);
    }
  }
}

/** Unit indices from one index or a list, each below `units`. */
function unitList(op: string, unit: number | number[], units: number): number[] {
  const list = (Array.isArray(unit) ? unit : [unit]).map((u, i) => checkInt(op, Array.isArray(unit) ? `unit[${i}]` : 'unit', u, 0, units - 1));
  if (list.length === 0) throw new ValueError(`${op}: unit must list at least one unit`);
  return list;
}

/** Units of an inner layer's output (the last axis), each averaged over any positions before it. */
function unitTarget(probe: GradientPath, list: number[]): Target {
  const units = probe.units;
  const size = probe.outputSize;
  const positions = size / units;
  return {
    probe,
    count: list.length,
    fromLogits: false,
    seeds(ptr) {
      const be = probe.backend;
      fill(be, { n: list.length * size, y: ptr, value: 0 });
      const f32 = be.f32();
      list.forEach((u, r) => {
        for (let p = 0; p < positions; p++) f32[(ptr >>> 2) + r * size + p * units + u] = 1 / positions;
      });
    },
    gradient(seeds) {
      copy(probe.backend, list.length * size, seeds, probe.outputGrad);
    },
    read(out) {
      const f32 = probe.backend.f32();
      const base = probe.output >>> 2;
      list.forEach((u, r) => {
        let s = 0;
        for (let p = 0; p < positions; p++) s += f32[base + r * size + p * units + u];
        out[r] = s / positions;
      });
    },
  };
}

/** Classes of output k, with the objective the score option names. */
function classTarget(op: string, engine: Engine, classIndex: number | number[], score: unknown, k: number): Target {
  const units = engine.outputUnits(k);
  const classes = Math.max(units, 2);
  const list = (Array.isArray(classIndex) ? classIndex : [classIndex]).map((c, i) =>
    checkInt(op, Array.isArray(classIndex) ? `classIndex[${i}]` : 'classIndex', c, 0, classes - 1));
  if (list.length === 0) throw new ValueError(`${op}: classIndex must list at least one class`);
  const probe = new InputGradientProbe(engine, list.length, k);
  const act = probe.logitActivation;
  const s = score ?? (act ? 'logProbability' : 'output');
  if (s !== 'logProbability' && s !== 'logit' && s !== 'output') throw new ValueError(`${op}: score must be 'logProbability', 'logit' or 'output', got ${describe(s)}`);
  const linear = ((engine.topo.outputs[k].node.layer as { activation?: string }).activation ?? 'linear') === 'linear';
  if (s !== 'output' && !act && !linear) {
    throw new ValueError(`${op}: score ${describe(s)} needs a softmax, sigmoid or linear output layer that no other layer reads`);
  }
  const count = list.length;
  const be = probe.backend;
  // A linear output is its own logit: its log-probability is that of a softmax (or, for one unit, a sigmoid) over it.
  const logits = act !== null;
  const kind: 'softmax' | 'sigmoid' = act ?? (units === 1 ? 'sigmoid' : 'softmax');
  return {
    probe,
    count,
    fromLogits: s !== 'output' && logits,
    seeds(ptr) {
      // Labels (int32) for the softmax kernel, 0/1 targets for the sigmoid one.
      const i32 = be.i32();
      const f32 = be.f32();
      list.forEach((c, r) => {
        if (kind === 'softmax') i32[(ptr >>> 2) + r] = c;
        else f32[(ptr >>> 2) + r] = c;
      });
    },
    gradient(seeds) {
      if (s === 'logProbability') {
        // ∇ log p_c = −(cross-entropy gradient) = t − p, from the fused kernels.
        const z = logits ? probe.logits : probe.output;
        if (kind === 'softmax') softmaxCrossEntropy(be, { m: count, n: units, z, labels: seeds, dz: probe.outputGrad, gradScale: -1 });
        else bceLogits(be, { n: count, z, t: seeds, dz: probe.outputGrad, gradScale: -1 });
      } else {
        seedClasses(probe, count, (r) => list[r]);
      }
    },
    read(out) {
      list.forEach((c, r) => {
        const v = classScore(probe, false, r, c);
        out[r] = units === 1 && c === 0 ? 1 + v : v;
      });
    },
  };
}

/** Writes the start images. */
function initialise(op: string, engine: Engine, init: ActivationMaximizationOptions['init'], x: number, count: number, size: number, lo: number, hi: number, rng: ModelRng): void {
  const be = engine.backend;
  const bounded = Number.isFinite(lo) && Number.isFinite(hi);
  if (init === undefined || init === 'random') {
    randNormal(be, { n: count * size, out: x, mean: bounded ? (lo + hi) / 2 : 0, std: bounded ? 0.1 * (hi - lo) : 0.1, state: rng.ptr });
  } else if (init === 'zeros') {
    fill(be, { n: count * size, y: x, value: 0 });
  } else if (typeof init === 'string') {
    throw new ValueError(`${op}: init must be 'random', 'zeros' or start images, got ${describe(init)}`);
  } else {
    const rows = readRows(op, engine, init, 'init');
    if (rows.n !== 1 && rows.n !== count) throw new ValueError(`${op}: init must hold one image or one per image (${count}), got ${rows.n}`);
    for (let r = 0; r < count; r++) be.f32().set(rows.data.subarray((rows.n === 1 ? 0 : r) * size, ((rows.n === 1 ? 0 : r) + 1) * size), (x >>> 2) + r * size);
  }
  clip(be, { n: count * size, x, y: x, lo, hi });
}
