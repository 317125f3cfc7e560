// What every explain function shares: the model checks, reading samples and
// class indices, the wasm buffers a call allocates once (so its loops
// allocate nothing), and the class-score seeds and values on a probe.
import type { Backend } from '../runtime/backend.js';
import { ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { Tensor, fmt, sizeOf } from '../tensor.js';
import { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import type { Engine } from '../models/engine.js';
import { InputGradientProbe } from '../models/probe.js';
import { inputRows, readEach, type ModelInput, type Rows } from '../models/inputs.js';
import { fill } from '../kernels/elementwise.js';
import { Embedding } from '../layers/embedding.js';

/** Which value of a class a gradient or attribution explains. */
export type Score = 'output' | 'logit';

/** The engine of a model with one input (a Sequential whose first layer declares its input shape is built first). */
export function engineOf(op: string, model: unknown): Engine {
  if (!(model instanceof Model)) throw new ValueError(`${op}: model must be a Model (from sequential() or model()), got ${describe(model)}`);
  if (model instanceof Sequential && !model.isDisposed && !model.built) model.build();
  const engine = model.engineFor(op);
  if (engine.topo.inputs.length !== 1) {
    throw new ValueError(`${op}: model ${model.name} has ${engine.topo.inputs.length} inputs; explain takes models with one input`);
  }
  return engine;
}

/**
 * engineOf() for the functions that differentiate with respect to the input:
 * an input read by an embedding holds integer ids, through which no gradient
 * flows (the map would be all zeros and an attack would change nothing).
 */
export function gradientEngineOf(op: string, model: unknown): Engine {
  const engine = engineOf(op, model);
  const x = engine.topo.inputs[0];
  const reader = engine.topo.nodes.find((nd) => nd.layer instanceof Embedding && nd.inputs.includes(x));
  if (reader) {
    throw new ValueError(`${op}: model ${(model as Model).name} reads its input through embedding layer ${reader.layer.name} (integer ids), which passes no gradient to it; input gradients need a real-valued input`);
  }
  return engine;
}

/** The `output` option: which model output to explain (default 0). */
export function outputIndex(op: string, engine: Engine, output: unknown): number {
  if (output === undefined) return 0;
  return checkInt(op, 'output', output, 0, engine.topo.outputs.length - 1);
}

/** Samples of the model's input, checked (whole samples, finite). */
export function readRows(op: string, engine: Engine, x: ModelInput, name = 'x'): Rows {
  const shape = engine.topo.inputs[0].shape;
  return inputRows(op, name, readEach(op, name, x, 1, 'model', 'inputs'), [shape], false)[0];
}

/** The per-sample input shape. */
export function inputShape(engine: Engine): number[] {
  return engine.topo.inputs[0].shape.slice();
}

/**
 * Class indices from a number (every sample) or one per sample; null when
 * absent (the caller then takes the predicted class).
 */
export function readClasses(op: string, name: string, value: unknown, n: number, units: number): Int32Array | null {
  if (value === undefined) return null;
  const check = (v: unknown, where: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= units) {
      throw new ValueError(`${op}: ${where} must be an integer class in [0, ${units - 1}], got ${describe(v)}`);
    }
    return v;
  };
  if (typeof value === 'number') return new Int32Array(n).fill(check(value, name));
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw new ValueError(`${op}: ${name} must be a class index or an array of them (one per sample), got ${describe(value)}`);
  }
  const list = value as ArrayLike<unknown>;
  if (list.length !== n) throw new ShapeError(`${op}: ${name} has ${list.length} class indices for ${n} samples`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = check(list[i], `${name}[${i}]`);
  return out;
}

/** Rows per chunk: the option, else the model's planned capacity (so nothing is planned again), else 128. */
export function chunkRows(op: string, engine: Engine, batchSize: unknown, rows: number): number {
  if (batchSize !== undefined) return Math.min(rows, checkInt(op, 'batchSize', batchSize, 1, 1 << 16));
  return Math.max(1, Math.min(rows, engine.capacity || 128));
}

/**
 * Whether a class score is read from the output itself or from the
 * pre-activation of a softmax / sigmoid output ('logit', the unnormalised
 * class score of Simonyan et al. 2014). A linear output is its own logit.
 */
export function scoreFromLogits(op: string, engine: Engine, probe: InputGradientProbe, k: number, score: unknown): boolean {
  const s = score ?? 'output';
  if (s !== 'output' && s !== 'logit') throw new ValueError(`${op}: score must be 'output' or 'logit', got ${describe(s)}`);
  if (s === 'output') return false;
  if (probe.logitActivation) return true;
  const act = (engine.topo.outputs[k].node.layer as { activation?: string }).activation;
  if (act === undefined || act === 'linear') return false;
  throw new ValueError(`${op}: score 'logit' needs an output layer with a softmax, sigmoid or linear activation that no other layer reads; output ${k} is ${describe(act)}`);
}

/**
 * The wasm buffers one call allocates before its loops, freed together (on
 * error too): the loops themselves then allocate nothing.
 */
export class Buffers {
  readonly backend: Backend;
  private readonly ptrs: number[] = [];

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /** `count` floats (or int32s). */
  floats(count: number): number {
    const p = this.backend.alloc(Math.max(1, count) * 4);
    this.ptrs.push(p);
    return p;
  }

  /** Hands a buffer over to a tensor the caller returns: it is no longer freed here. */
  tensor(ptr: number, shape: readonly number[]): Tensor {
    const i = this.ptrs.indexOf(ptr);
    if (i >= 0) this.ptrs.splice(i, 1);
    return new Tensor(this.backend, shape, ptr);
  }

  /** Frees what is left. */
  free(): void {
    const be = this.backend;
    if (!be.isDisposed) for (const p of this.ptrs) if (be.isLive(p)) be.free(p);
    this.ptrs.length = 0;
  }
}

/**
 * The predicted class of rows [0, rows) of an output buffer: the argmax of
 * the last axis summed over any leading axes, or for a single unit whether it
 * exceeds `threshold` (0.5 for a sigmoid, 0 for a logit). Written to
 * out[at + r].
 */
export function predictedClasses(be: Backend, ptr: number, rows: number, outSize: number, units: number, threshold: number, out: Int32Array, at: number): void {
  const f32 = be.f32();
  const base = ptr >>> 2;
  const steps = outSize / units;
  for (let r = 0; r < rows; r++) {
    const row = base + r * outSize;
    if (units === 1) {
      let s = 0;
      for (let t = 0; t < steps; t++) s += f32[row + t];
      out[at + r] = s / steps > threshold ? 1 : 0;
      continue;
    }
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < units; c++) {
      let s = 0;
      for (let t = 0; t < steps; t++) s += f32[row + t * units + c];
      if (s > bestV) {
        bestV = s;
        best = c;
      }
    }
    out[at + r] = best;
  }
}

/** The threshold predictedClasses() applies to a one-unit output: 0.5 for a sigmoid, else 0. */
export function unitThreshold(engine: Engine, k: number): number {
  return (engine.topo.outputs[k].node.layer as { activation?: string }).activation === 'sigmoid' ? 0.5 : 0;
}

/**
 * Writes the gradient of the class score for `rows` rows into the probe's
 * output gradient: 1 at class cls(r) in every row of the last axis (a sum
 * over leading axes), 0 elsewhere. A one-unit output takes class 1 as its
 * value and class 0 as its negation, so the gradient points towards the class.
 */
export function seedClasses(probe: InputGradientProbe, rows: number, cls: (r: number) => number): void {
  const be = probe.backend;
  const g = probe.outputGrad;
  const size = probe.outputSize;
  const units = probe.units;
  fill(be, { n: rows * size, y: g, value: 0 });
  const f32 = be.f32();
  const base = g >>> 2;
  for (let r = 0; r < rows; r++) {
    const c = cls(r);
    for (let t = 0; t < size / units; t++) {
      if (units === 1) f32[base + r * size + t] = c === 1 ? 1 : -1;
      else f32[base + r * size + t * units + c] = 1;
    }
  }
}

/** The class score of row r (summed over leading axes) from the output or its pre-activation, after forward(). */
export function classScore(probe: InputGradientProbe, fromLogits: boolean, r: number, c: number): number {
  const f32 = probe.backend.f32();
  const base = (fromLogits ? probe.logits : probe.output) >>> 2;
  const size = probe.outputSize;
  const units = probe.units;
  let s = 0;
  for (let t = 0; t < size / units; t++) {
    const v = f32[base + r * size + (units === 1 ? t : t * units + c)];
    s += units === 1 && c === 0 ? -v : v;
  }
  return s;
}

/** Copies rows [start, start + rows) of host samples into wasm at `ptr`. */
export function loadRows(be: Backend, X: Rows, start: number, rows: number, ptr: number): void {
  const size = X.data.length / X.n;
  be.f32().set(X.data.subarray(start * size, (start + rows) * size), ptr >>> 2);
}

/** The per-sample shape of a map reduced over channels (rank-3 image inputs [h, w, c] give [h, w]). */
export function reducedShape(shape: readonly number[], reduce: boolean): number[] {
  return reduce && shape.length === 3 ? shape.slice(0, 2) : shape.slice();
}

/** Throws a ShapeError naming the model's input shape when a value array does not hold n samples of it. */
export function checkSamples(op: string, name: string, data: Float32Array, n: number, shape: readonly number[]): void {
  if (data.length !== n * sizeOf(shape as number[])) {
    throw new ShapeError(`${op}: ${name} must hold ${n} samples of shape ${fmt(shape)} (${n * sizeOf(shape as number[])} values), got ${data.length} values`);
  }
}
