// Representations of 2-D data: a model's decision regions over the plane with
// the data points on them, and the hidden layer's representation of the same
// points, which training makes linearly separable (Rumelhart, Hinton &
// Williams 1986, on XOR): the output layer draws a straight line there.
import { ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { Tensor } from '../tensor.js';
import { Model, model as graphModel } from '../models/model.js';
import type { Engine } from '../models/engine.js';
import type { ModelInput } from '../models/inputs.js';
import { input } from '../graph/input.js';
import { layerFromJSON, type Layer } from '../layers/layer.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { Perceptron } from '../linear/perceptron.js';
import { Canvas, CLASS_COLORS, mix, type RGB } from '../viz/canvas.js';
import { checkOptions } from '../util/options.js';
import { readValues } from '../util/rows.js';
import { engineOf, readRows } from './common.js';

/** Options of decisionBoundary(). */
export interface DecisionBoundaryOptions {
  /** The plane shown: [min, max] of the first and second input. Default: the points' extent plus 10%, else [-1, 1]. */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Grid cells per side. Default 100. */
  resolution?: number;
  /** Points to draw over the regions (n x 2) and their classes. */
  points?: ModelInput;
  labels?: ArrayLike<number>;
  /** Pixels per grid cell. Default 3. */
  scale?: number;
}

/** What decisionBoundary() returns. */
export interface DecisionBoundary {
  /** The picture: regions coloured by class (lighter where the model is less sure), boundaries dark, points as discs. */
  png: Uint8Array;
  /** The predicted class of each grid cell, row-major from the top-left (the highest y). */
  classes: Int32Array;
  resolution: number;
  xRange: [number, number];
  yRange: [number, number];
}

/** Options of representation(). */
export interface RepresentationOptions {
  /** The hidden layer (by name). Required. */
  layer: string;
  /** The classes of the samples (colours, and the separability check for two classes). */
  labels?: ArrayLike<number>;
  resolution?: number;
  scale?: number;
}

/** What representation() returns. */
export interface Representation {
  /** n x 2 coordinates: the layer's two units, or its first two principal components. */
  points: Float32Array;
  /** Units of the layer. */
  dims: number;
  projection: 'units' | 'pca';
  /** With two classes: whether a perceptron separates the layer's activations (all dims), else null. */
  linearlySeparable: boolean | null;
  /** The points in that plane; with two units, over the decision regions of the layers after it. */
  png: Uint8Array;
}

/**
 * The model's predicted class over a grid of the plane (a model with two
 * inputs), drawn with the given points on it.
 */
export function decisionBoundary(model: Model, options: DecisionBoundaryOptions = {}): DecisionBoundary {
  const op = 'explain.decisionBoundary';
  const o = checkOptions(op, options, ['xRange', 'yRange', 'resolution', 'points', 'labels', 'scale'], 'options');
  const engine = engineOf(op, model);
  const shape = engine.topo.inputs[0].shape;
  if (shape.length !== 1 || shape[0] !== 2) throw new ShapeError(`${op}: the model must take 2 inputs per sample (points of the plane), got per-sample shape [${shape.join(',')}]`);
  const points = o.points === undefined ? null : readRows(op, engine, o.points, 'points').data;
  return drawRegions(op, model, points, o);
}

/**
 * A hidden layer's representation of samples: its activations (projected on
 * their first two principal components when the layer is wider than two),
 * drawn by class; with two units, over the decision regions of the rest of
 * the network (a chain of layers after the hidden one), where a single
 * output unit's boundary is a straight line.
 */
export function representation(model: Model, x: ModelInput, options: RepresentationOptions): Representation {
  const op = 'explain.representation';
  const o = checkOptions(op, options, ['layer', 'labels', 'resolution', 'scale'], 'options');
  const engine = engineOf(op, model);
  if (typeof o.layer !== 'string') throw new ValueError(`${op}: layer must be a layer name, got ${describe(o.layer)}`);
  const [acts] = model.activations(x, [o.layer]);
  const h = acts.toFloat32Array();
  const n = acts.shape[0];
  const dims = h.length / n;
  acts.dispose();
  if (acts.shape.length !== 2) throw new ShapeError(`${op}: layer ${o.layer} has per-sample shape [${acts.shape.slice(1).join(',')}]; a representation needs a flat layer`);
  const labels = o.labels === undefined ? null : readLabels(op, o.labels, n);
  let linearlySeparable: boolean | null = null;
  const classes = labels ? new Set(labels).size : 0;
  if (labels && classes === 2) {
    const lo = Math.min(...labels);
    const p = new Perceptron({ inputs: dims, seed: 0, learningRate: 0.1 });
    linearlySeparable = p.train(h, Array.from(labels, (v) => (v === lo ? 0 : 1)), { epochs: 1000, seed: 0 }).converged;
  }
  let points: Float32Array;
  let projection: 'units' | 'pca';
  if (dims === 2) {
    points = h;
    projection = 'units';
  } else {
    points = principalPlane(h, n, dims);
    projection = 'pca';
  }
  const base = { resolution: o.resolution, scale: o.scale, labels: labels ?? undefined };
  let png: Uint8Array;
  const head = dims === 2 ? headModel(model, engine, o.layer) : null;
  if (head) {
    try {
      png = drawRegions(op, head, points, base).png;
    } finally {
      head.dispose();
    }
  } else {
    png = drawRegions(op, null, points, base).png;
  }
  return { points, dims, projection, linearlySeparable, png };
}

/** Class indices from an array. */
function readLabels(op: string, labels: ArrayLike<number>, n: number): Int32Array {
  const { data } = readValues(op, 'labels', labels);
  if (data.length !== n) throw new ShapeError(`${op}: labels has ${data.length} values for ${n} points`);
  return Int32Array.from(data, (v, i) => {
    if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: labels[${i}] must be a non-negative integer class, got ${describe(v)}`);
    return v;
  });
}

/** The regions of `model` (or none), the points, on one canvas. */
function drawRegions(op: string, model: Model | null, points: Float32Array | null, o: DecisionBoundaryOptions): DecisionBoundary {
  const res = checkInt(op, 'resolution', o.resolution ?? 100, 2, 1000);
  const scale = checkInt(op, 'scale', o.scale ?? 3, 1, 32);
  const xRange = range(op, 'xRange', o.xRange, points, 0);
  const yRange = range(op, 'yRange', o.yRange, points, 1);
  const labels = o.labels === undefined ? null : readLabels(op, o.labels, points ? points.length / 2 : 0);
  if (labels && !points) throw new ValueError(`${op}: labels need points`);
  const c = new Canvas(res * scale, res * scale, [255, 255, 255]);
  const classes = new Int32Array(res * res);
  if (model) {
    const grid = new Float32Array(res * res * 2);
    for (let i = 0; i < res; i++) {
      for (let j = 0; j < res; j++) {
        grid[(i * res + j) * 2] = xRange[0] + ((j + 0.5) / res) * (xRange[1] - xRange[0]);
        grid[(i * res + j) * 2 + 1] = yRange[1] - ((i + 0.5) / res) * (yRange[1] - yRange[0]);
      }
    }
    const out = model.predict(grid) as Tensor;
    const p = out.toFloat32Array();
    out.dispose();
    const units = p.length / (res * res);
    const act = (model.outputs[0].node.layer as { activation?: string }).activation ?? 'linear';
    const sure = new Float32Array(res * res);
    for (let q = 0; q < res * res; q++) {
      if (units === 1) {
        const v = act === 'sigmoid' ? p[q] : 1 / (1 + Math.exp(-p[q]));
        classes[q] = v > 0.5 ? 1 : 0;
        sure[q] = Math.abs(v - 0.5) * 2;
      } else {
        let best = 0;
        for (let k = 1; k < units; k++) if (p[q * units + k] > p[q * units + best]) best = k;
        classes[q] = best;
        sure[q] = act === 'softmax' ? (p[q * units + best] - 1 / units) / (1 - 1 / units) : 1;
      }
    }
    for (let q = 0; q < res * res; q++) {
      const i = Math.floor(q / res);
      const j = q % res;
      const edge = (j + 1 < res && classes[q + 1] !== classes[q]) || (i + 1 < res && classes[q + res] !== classes[q]);
      const color: RGB = edge ? [60, 60, 60] : mix([255, 255, 255], CLASS_COLORS[classes[q] % 10], 0.2 + 0.35 * sure[q]);
      c.fillRect(j * scale, i * scale, scale, scale, color);
    }
  }
  if (points) {
    const r = Math.max(2, scale + 1);
    for (let k = 0; k < points.length / 2; k++) {
      const px = ((points[2 * k] - xRange[0]) / (xRange[1] - xRange[0])) * res * scale;
      const py = ((yRange[1] - points[2 * k + 1]) / (yRange[1] - yRange[0])) * res * scale;
      c.disc(px, py, r, labels ? CLASS_COLORS[labels[k] % 10] : [40, 40, 40], [20, 20, 20]);
    }
  }
  return { png: c.toPng(), classes, resolution: res, xRange, yRange };
}

/** A range option, or the points' extent along an axis padded by 10%, or [-1, 1]. */
function range(op: string, name: string, v: unknown, points: Float32Array | null, axis: number): [number, number] {
  if (v !== undefined) {
    if (!Array.isArray(v) || v.length !== 2 || !v.every((a) => typeof a === 'number' && Number.isFinite(a)) || !(v[0] < v[1])) {
      throw new ValueError(`${op}: ${name} must be [min, max] with finite min < max, got ${describe(v)}`);
    }
    return [v[0], v[1]];
  }
  if (!points || points.length === 0) return [-1, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = axis; k < points.length; k += 2) {
    lo = Math.min(lo, points[k]);
    hi = Math.max(hi, points[k]);
  }
  const pad = hi > lo ? 0.1 * (hi - lo) : 1;
  return [lo - pad, hi + pad];
}

/**
 * The layers after `name`, as a new model on a 2-value input with copies of
 * their weights (nothing is added to the original layers), when they form a
 * chain to the model's only output; else null.
 */
function headModel(model: Model, engine: Engine, name: string): Model | null {
  const topo = engine.topo;
  if (topo.outputs.length !== 1) return null;
  const at = topo.nodes.findIndex((nd) => nd.layer.name === name);
  if (at < 0 || topo.nodes.filter((nd) => nd.layer.name === name).length !== 1) return null;
  const chain = topo.nodes.slice(at + 1);
  let prev = topo.nodes[at].outputs[0];
  for (const nd of chain) {
    if (nd.inputs.length !== 1 || nd.inputs[0] !== prev || nd.outputs.length !== 1) return null;
    prev = nd.outputs[0];
  }
  if (prev !== topo.outputs[0] || chain.length === 0) return null;
  let clones: Layer[];
  try {
    clones = chain.map((nd) => layerFromJSON(nd.layer.toJSON()));
  } catch {
    return null;
  }
  const inp = input({ shape: [2] });
  let t: SymbolicTensor = inp;
  for (const l of clones) t = l.apply(t) as SymbolicTensor;
  const head = graphModel({ inputs: inp, outputs: t, seed: 0, backend: engine.backend, name: `${model.name}_head` });
  chain.forEach((nd, i) => {
    const w = nd.layer.getWeights();
    clones[i].setWeights(w);
    for (const tw of w) tw.dispose();
  });
  return head;
}

/**
 * Coordinates of n points of `d` dims on their first two principal
 * components (power iteration with deflation on the covariance, in float64).
 */
function principalPlane(h: Float32Array, n: number, d: number): Float32Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += h[i * d + j] / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const va = h[i * d + a] - mean[a];
      for (let b = 0; b < d; b++) cov[a * d + b] += (va * (h[i * d + b] - mean[b])) / n;
    }
  }
  const axes: Float64Array[] = [];
  for (let k = 0; k < 2; k++) {
    let v = Float64Array.from({ length: d }, (_, j) => 1 + j / d);
    for (let iter = 0; iter < 200; iter++) {
      const next = new Float64Array(d);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) next[a] += cov[a * d + b] * v[b];
      for (const u of axes) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += next[j] * u[j];
        for (let j = 0; j < d; j++) next[j] -= dot * u[j];
      }
      const norm = Math.hypot(...next) || 1;
      v = next.map((x) => x / norm);
    }
    axes.push(v);
  }
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (h[i * d + j] - mean[j]) * axes[k][j];
      out[i * 2 + k] = s;
    }
  }
  return out;
}
