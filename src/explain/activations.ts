// Inner activations and their statistics over a population of samples:
// activation maps as images (Zeiler & Fergus 2014) and per-unit distributions
// over a population, dead ReLUs included. Statistics run chunk by chunk through a
// sub-model whose outputs are the layers asked for (sharing the weights), so
// a population of any size needs one chunk of activations in memory.
import { ValueError, checkInt, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import { Model, model as graphModel } from '../models/model.js';
import type { ModelInput } from '../models/inputs.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { checkOptions } from '../util/options.js';
import { engineOf, readRows } from './common.js';

/** Options of activations(). */
export interface ActivationsOptions {
  /** Layer names. Required. */
  layers: string[];
  /** Rows per pass. Default 256. */
  batchSize?: number;
}

/** Options of activationStats(). */
export interface ActivationStatsOptions extends ActivationsOptions {
  /** Histogram bins. Default 40. */
  bins?: number;
  /** Histogram range [lo, hi] (one pass over the data); default each layer's min and max (a second pass). */
  range?: [number, number];
}

/** Statistics of one layer's activations over a population, per unit (the last axis; a convolution's channels, pooled over positions). */
export interface LayerActivationStats {
  layer: string;
  /** Per-sample output shape. */
  shape: number[];
  units: number;
  /** Samples, and positions per sample (1 for a dense layer, h·w for a 2-D convolution). */
  samples: number;
  positions: number;
  mean: Float32Array;
  std: Float32Array;
  min: Float32Array;
  max: Float32Array;
  /** Share of the unit's values that are > 0. */
  fractionActive: Float32Array;
  /** Units never > 0 on any sample (dead ReLUs). */
  deadUnits: number[];
  /** Every value of the layer (all units) binned: bins + 1 edges, bins counts. */
  histogram: { edges: Float64Array; counts: Float64Array };
}

/** The outputs of inner layers for every sample, by layer name ([n, ...shape] each; computed in inference mode). */
export function activations(model: Model, x: ModelInput, options: ActivationsOptions): Record<string, Tensor> {
  const op = 'explain.activations';
  const o = checkOptions(op, options, ['layers', 'batchSize'], 'options');
  const names = layerNames(op, o.layers);
  engineOf(op, model);
  const list = model.activations(x, names, o.batchSize === undefined ? {} : { batchSize: o.batchSize });
  const out: Record<string, Tensor> = {};
  names.forEach((name, i) => {
    out[name] = list[i];
  });
  return out;
}

/**
 * Per-unit mean, standard deviation, minimum, maximum and share of
 * activations above 0, the dead units, and a histogram of each layer's
 * values, over every sample of x. The samples run in chunks of batchSize
 * through a sub-model sharing the weights: one chunk of activations is in
 * memory at a time.
 */
export function activationStats(model: Model, x: ModelInput, options: ActivationStatsOptions): LayerActivationStats[] {
  const op = 'explain.activationStats';
  const o = checkOptions(op, options, ['layers', 'batchSize', 'bins', 'range'], 'options');
  const names = layerNames(op, o.layers);
  const engine = engineOf(op, model);
  const X = readRows(op, engine, x);
  const batch = o.batchSize === undefined ? 256 : checkInt(op, 'batchSize', o.batchSize, 1, 1 << 16);
  const bins = o.bins === undefined ? 40 : checkInt(op, 'bins', o.bins, 1, 1 << 16);
  let fixed: [number, number] | null = null;
  if (o.range !== undefined) {
    const r = o.range;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1])) {
      throw new ValueError(`${op}: range must be [lo, hi] with finite lo < hi, got ${describe(r)}`);
    }
    fixed = [r[0], r[1]];
  }
  const outputs: SymbolicTensor[] = names.map((name) => {
    const layer = model.getLayer(name);
    const nodes = engine.topo.nodes.filter((nd) => nd.layer === layer);
    if (nodes.length !== 1 || nodes[0].outputs.length !== 1) {
      throw new ValueError(`${op}: layer ${describe(name)} runs ${nodes.length} times in model ${model.name} (or has several outputs); build a sub-model with model({ inputs, outputs }) for the one you want`);
    }
    return nodes[0].outputs[0];
  });
  const sub = graphModel({ inputs: engine.topo.inputs.slice(), outputs: [...new Set(outputs)], seed: 0, name: `${model.name}_activations` });
  try {
    const subEngine = sub.engineFor(op);
    const be = subEngine.backend;
    const acc = outputs.map((t) => new Accumulator(t.shape, bins));
    const slot = outputs.map((t) => subEngine.topo.outputs.indexOf(t));
    subEngine.forEachChunk([X], Math.min(batch, X.n), (_, rows) => {
      const f32 = be.f32();
      acc.forEach((a, j) => a.moments(f32, subEngine.outputPtr(slot[j]) >>> 2, rows));
    });
    acc.forEach((a) => a.setRange(fixed));
    subEngine.forEachChunk([X], Math.min(batch, X.n), (_, rows) => {
      const f32 = be.f32();
      acc.forEach((a, j) => a.bin(f32, subEngine.outputPtr(slot[j]) >>> 2, rows));
    });
    return acc.map((a, j) => a.result(names[j], X.n));
  } finally {
    sub.dispose();
  }
}

function layerNames(op: string, layers: unknown): string[] {
  if (!Array.isArray(layers) || layers.length === 0 || !layers.every((l) => typeof l === 'string')) {
    throw new ValueError(`${op}: layers must be a non-empty array of layer names, got ${describe(layers)}`);
  }
  return layers as string[];
}

/** Sums in float64 per unit, then a histogram of every value. */
class Accumulator {
  readonly shape: number[];
  readonly units: number;
  readonly size: number;
  readonly sum: Float64Array;
  readonly sumsq: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly active: Float64Array;
  readonly counts: Float64Array;
  lo = 0;
  hi = 1;

  constructor(shape: readonly number[], bins: number) {
    this.shape = shape.slice();
    this.units = shape[shape.length - 1];
    this.size = sizeOf(shape as number[]);
    this.sum = new Float64Array(this.units);
    this.sumsq = new Float64Array(this.units);
    this.min = new Float64Array(this.units).fill(Infinity);
    this.max = new Float64Array(this.units).fill(-Infinity);
    this.active = new Float64Array(this.units);
    this.counts = new Float64Array(bins);
  }

  /** Adds `rows` samples starting at float index `at`. */
  moments(f32: Float32Array, at: number, rows: number): void {
    const u = this.units;
    for (let i = 0, e = rows * this.size; i < e; i++) {
      const v = f32[at + i];
      const j = i % u;
      this.sum[j] += v;
      this.sumsq[j] += v * v;
      if (v < this.min[j]) this.min[j] = v;
      if (v > this.max[j]) this.max[j] = v;
      if (v > 0) this.active[j]++;
    }
  }

  /** The histogram range: given, or the layer's min and max (a constant layer gets a unit-wide range). */
  setRange(fixed: [number, number] | null): void {
    if (fixed) {
      [this.lo, this.hi] = fixed;
      return;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < this.units; j++) {
      lo = Math.min(lo, this.min[j]);
      hi = Math.max(hi, this.max[j]);
    }
    if (!(hi > lo)) {
      lo -= 0.5;
      hi = lo + 1;
    }
    this.lo = lo;
    this.hi = hi;
  }

  /** Bins `rows` samples (values outside the range go to the end bins). */
  bin(f32: Float32Array, at: number, rows: number): void {
    const bins = this.counts.length;
    const w = (this.hi - this.lo) / bins;
    for (let i = 0, e = rows * this.size; i < e; i++) {
      const b = Math.floor((f32[at + i] - this.lo) / w);
      this.counts[b < 0 ? 0 : b >= bins ? bins - 1 : b]++;
    }
  }

  result(layer: string, samples: number): LayerActivationStats {
    const u = this.units;
    const positions = this.size / u;
    const count = samples * positions;
    const mean = new Float32Array(u);
    const std = new Float32Array(u);
    const fractionActive = new Float32Array(u);
    const deadUnits: number[] = [];
    for (let j = 0; j < u; j++) {
      const m = this.sum[j] / count;
      mean[j] = m;
      std[j] = Math.sqrt(Math.max(0, this.sumsq[j] / count - m * m));
      fractionActive[j] = this.active[j] / count;
      if (this.active[j] === 0) deadUnits.push(j);
    }
    const bins = this.counts.length;
    const edges = Float64Array.from({ length: bins + 1 }, (_, i) => this.lo + ((this.hi - this.lo) * i) / bins);
    return {
      layer, shape: this.shape, units: u, samples, positions, mean, std,
      min: Float32Array.from(this.min), max: Float32Array.from(this.max), fractionActive, deadUnits,
      histogram: { edges, counts: this.counts },
    };
  }
}
