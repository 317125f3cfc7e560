// The layer tester (after tinygrad's helper_test_op and XNNPACK's
// GemmMicrokernelTester): one helper runs a layer through everything a layer
// must do, for any layer that a case can describe.
//  - forward against a float64 reference on the same inputs and weights;
//  - the gradient of a loss with respect to every input and every weight
//    against centered finite differences (a sample of components for large
//    arrays);
//  - serialisation: the model's JSON recreates the layer, which computes the
//    same bits with the same weights;
//  - the layer applied twice in one graph: each application gives what it
//    gives alone, and the gradients of both uses (which add into the same
//    weights) match finite differences, which catches any per-call state left
//    in the layer;
//  - memory: everything it allocated is freed.
import { expect } from 'vitest';
import {
  input, model, memoryStats, Model, Layer, layerFromJSON, type SymbolicTensor, type Tensor,
} from '../src/index.js';
import { randArray } from './helpers.js';

/** What the tester needs to know about one configuration of a layer. */
export interface LayerCase {
  /** Shown in failures. */
  label: string;
  /** A fresh layer to test and how to apply it (the default: layer.apply(inputs)); a case may build helper layers around it. */
  make: () => { layer: Layer; apply?: (xs: SymbolicTensor[]) => SymbolicTensor[] };
  /** Per-sample input shapes. */
  inputs: number[][];
  /** Samples per call. Default 3. */
  batch?: number;
  /** Input values (input i, n values); default uniform in [-1, 1). */
  data?: (i: number, n: number) => Float32Array;
  /** Float64 forward of the model (inputs and weights as float64, in model.weights order); one array per output. */
  reference?: (xs: Float64Array[], weights: Float64Array[], batch: number) => Float64Array[];
  /** Forward tolerance against the reference. Default atol 1e-5, rtol 1e-4. */
  tol?: { atol: number; rtol: number };
  /** Check gradients with training-only behaviour on (dropout), its randomness fixed by a seed. */
  training?: boolean;
  /** Finite-difference step. Default 1e-2. */
  step?: number;
  /** Inputs holding integer ids: not perturbed; their gradient must be zero. */
  discrete?: number[];
  /** Input components not perturbed (where the output jumps, e.g. a padded step that a perturbation would unpad). */
  fdSkip?: (input: number, index: number, x: Float32Array) => boolean;
}

const MAX_CHECKED = 48;

/** Indices to perturb: all of them, or an even sample of MAX_CHECKED. */
function sample(n: number): number[] {
  if (n <= MAX_CHECKED) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: MAX_CHECKED }, (_, i) => Math.floor((i * n) / MAX_CHECKED));
}

function closeGrad(a: number, numeric: number): boolean {
  return Math.abs(a - numeric) <= 2e-2 * (Math.abs(a) + Math.abs(numeric)) + 2e-4;
}

const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/** Builds a model applying the case's layer to `uses` sets of inputs; returns it with the layer. */
function build(c: LayerCase, uses: number, seed: number): { m: Model; layer: Layer } {
  const { layer, apply } = c.make();
  const run = apply ?? ((xs: SymbolicTensor[]) => {
    const out = layer.apply(xs.length === 1 ? xs[0] : xs);
    return Array.isArray(out) ? out : [out];
  });
  const inputs: SymbolicTensor[] = [];
  const outputs: SymbolicTensor[] = [];
  for (let u = 0; u < uses; u++) {
    const xs = c.inputs.map((s) => input({ shape: s }));
    inputs.push(...xs);
    outputs.push(...run(xs));
  }
  const m = model({ inputs, outputs, seed });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return { m, layer };
}

/** Runs the whole check on one case. */
export function testLayer(c: LayerCase): void {
  const before = memoryStats();
  const batch = c.batch ?? 3;
  const h = c.step ?? 1e-2;
  const xs = c.inputs.map((s, i) => (c.data ? c.data(i, batch * size(s)) : randArray(batch * size(s), 11 + i)));
  const { m, layer } = build(c, 1, 5);
  const outShapes = m.outputs.map((t) => t.shape);
  const targets = outShapes.map((s, k) => randArray(batch * size(s), 21 + k));
  const X = xs.length === 1 ? xs[0] : xs;
  const Y = targets.length === 1 ? targets[0] : targets;
  const predict = (mm: Model, x: Float32Array | Float32Array[]) => {
    const out = mm.predict(x);
    const list = Array.isArray(out) ? out : [out as Tensor];
    const values = list.map((t) => t.toFloat32Array());
    for (const t of list) t.dispose();
    return values;
  };

  // Forward against the float64 reference.
  const y = predict(m, X);
  if (c.reference) {
    const weights = m.getWeights().map((t) => {
      const v = Float64Array.from(t.toFloat32Array());
      t.dispose();
      return v;
    });
    const ref = c.reference(xs.map((x) => Float64Array.from(x)), weights, batch);
    const tol = c.tol ?? { atol: 1e-5, rtol: 1e-4 };
    ref.forEach((r, k) => {
      expect(y[k].length, `${c.label}: output ${k} size`).toBe(r.length);
      for (let i = 0; i < r.length; i++) {
        if (!(Math.abs(y[k][i] - r[i]) <= tol.atol + tol.rtol * Math.abs(r[i]))) {
          throw new Error(`${c.label}: forward output ${k}[${i}] is ${y[k][i]}, the float64 reference gives ${r[i]}`);
        }
      }
    });
  }

  // Gradients of the loss with respect to every input and weight.
  const checkGradients = (mm: Model, x: Float32Array[], t: Float32Array[], what: string) => {
    const xArg = x.length === 1 ? x[0] : x;
    const tArg = t.length === 1 ? t[0] : t;
    const opts = c.training ? { training: true, rngSeed: 7 } : {};
    const loss = (xi: Float32Array[]) => mm.gradientsFlat(xi.length === 1 ? xi[0] : xi, tArg, c.training ? { training: true, seed: 7 } : {}).loss;
    const g = mm.gradients(xArg, { y: tArg, wrt: ['input', 'params'], ...opts });
    const dxs = (Array.isArray(g.input) ? g.input : [g.input as Tensor]).map((d) => d.toFloat32Array());
    x.forEach((xi, i) => {
      if (c.discrete?.includes(i % c.inputs.length)) {
        if (dxs[i].some((v) => v !== 0)) throw new Error(`${c.label}${what}: the gradient of integer input ${i} must be zero`);
        return;
      }
      for (const j of sample(xi.length)) {
        if (c.fdSkip?.(i % c.inputs.length, j, xi)) continue;
        const xp = x.map((v) => v.slice());
        xp[i][j] += h;
        const xm = x.map((v) => v.slice());
        xm[i][j] -= h;
        const numeric = (loss(xp) - loss(xm)) / (2 * h);
        if (!closeGrad(dxs[i][j], numeric)) throw new Error(`${c.label}${what}: d loss / d input ${i}[${j}]: analytic ${dxs[i][j]}, numeric ${numeric}`);
      }
    });
    const flat = mm.gradientsFlat(xArg, tArg, c.training ? { training: true, seed: 7 } : {}).gradients;
    const w = mm.getWeightsFlat();
    for (const j of sample(w.length)) {
      const wp = w.slice();
      wp[j] += h;
      mm.setWeightsFlat(wp);
      const lp = loss(x);
      const wm = w.slice();
      wm[j] -= h;
      mm.setWeightsFlat(wm);
      const lm = loss(x);
      mm.setWeightsFlat(w);
      const numeric = (lp - lm) / (2 * h);
      if (!closeGrad(flat[j], numeric)) throw new Error(`${c.label}${what}: d loss / d weight ${j} (${describeWeight(mm, j)}): analytic ${flat[j]}, numeric ${numeric}`);
    }
    if (g.input) for (const d of Array.isArray(g.input) ? g.input : [g.input]) d.dispose();
    for (const p of g.params ?? []) p.dispose();
  };
  checkGradients(m, xs, targets, '');

  // Serialisation: the model's JSON recreates the layer, which computes the same bits with the same weights.
  const json = JSON.parse(JSON.stringify(m.toJSON()));
  const again = Model.fromJSON(json);
  const twin = again.getLayer(layer.name);
  expect(twin.className, c.label).toBe(layer.className);
  expect(twin.getConfig(), c.label).toEqual(layer.getConfig());
  if (!json.config.layers.some((l: { config: Record<string, unknown> }) => 'tiedTo' in l.config)) {
    expect(layerFromJSON(layer.toJSON()).getConfig(), c.label).toEqual(layer.getConfig());
  }
  again.setWeightsFlat(m.getWeightsFlat());
  // Against the model's outputs now: training passes update a layer's own state (batch normalization's moving statistics).
  const yNow = predict(m, X);
  predict(again, X).forEach((o, k) => expect(new Uint32Array(o.buffer), `${c.label}: output ${k} after a JSON round trip`).toEqual(new Uint32Array(yNow[k].buffer)));
  again.dispose();

  // Applied twice in one graph: each use as alone, and gradients of both uses together.
  const { m: twice } = build(c, 2, 5);
  twice.setWeightsFlat(m.getWeightsFlat());
  const xs2 = c.inputs.map((s, i) => (c.data ? c.data(i + 7, batch * size(s)) : randArray(batch * size(s), 31 + i)));
  const both = predict(twice, [...xs, ...xs2]);
  const alone2 = predict(m, xs2.length === 1 ? xs2[0] : xs2);
  const nOut = y.length;
  for (let k = 0; k < nOut; k++) {
    expect(new Uint32Array(both[k].buffer), `${c.label}: first use`).toEqual(new Uint32Array(yNow[k].buffer));
    expect(new Uint32Array(both[nOut + k].buffer), `${c.label}: second use`).toEqual(new Uint32Array(alone2[k].buffer));
  }
  checkGradients(twice, [...xs, ...xs2], [...targets, ...outShapes.map((s, k) => randArray(batch * size(s), 41 + k))], ' (applied twice)');
  twice.dispose();
  m.dispose();

  const after = memoryStats();
  expect(after.liveBytes, `${c.label}: live bytes after dispose`).toBe(before.liveBytes);
  expect(after.liveAllocations, `${c.label}: live allocations after dispose`).toBe(before.liveAllocations);
}

function describeWeight(m: Model, j: number): string {
  let at = 0;
  for (const v of m.weights) {
    if (j < at + v.size) return `${v.path}[${j - at}]`;
    at += v.size;
  }
  return '?';
}
