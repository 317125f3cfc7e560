// The model-parameter randomisation test of Adebayo et al. (2018), "Sanity
// checks for saliency maps": a saliency method that explains the model must
// give different maps when the model's weights are replaced by random ones.
// The layers are randomised from the top down (cascading), and each model's
// maps are compared with the trained model's by Spearman rank correlation.
import { ValueError, checkFinite, describe } from '../errors.js';
import { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import type { ModelInput } from '../models/inputs.js';
import { checkBool, checkOptions } from '../util/options.js';
import { engineOf } from './common.js';
import { saliency, type SaliencyOptions } from './saliency.js';

/** Options of sanityCheck(): those of saliency(), plus the seed of the random weights and whether to cascade. */
export interface SanityCheckOptions extends SaliencyOptions {
  /**
   * Seed of the random weights. Default 0x9e3779b9; it must differ from the
   * seed the model was created with, which would give back its initial weights.
   */
  randomSeed?: number;
  /** Randomise the layers one more at a time from the output down (default true), or only all of them at once. */
  cascade?: boolean;
}

/** One randomised model of the check. */
export interface SanityStep {
  /** The layers whose weights are random (from the output down). */
  randomized: string[];
  /** Mean over the samples of the rank correlation of |map| with the trained model's. */
  correlation: number;
  /** Per sample. */
  perSample: Float64Array;
}

/** What sanityCheck() returns. */
export interface SanityCheck {
  /** The class each map explains (the trained model's prediction unless given), used for every model. */
  classIndex: Int32Array;
  steps: SanityStep[];
}

/**
 * Saliency maps of the trained model against those of copies whose top 1,
 * 2, ... layers (cascade) or all layers have freshly initialised weights
 * (same architecture and initialisers, seed `randomSeed`): a method that
 * depends on the weights gives a correlation near 0 once they are random.
 */
export function sanityCheck(model: Model, x: ModelInput, options: SanityCheckOptions = {}): SanityCheck {
  const op = 'explain.sanityCheck';
  const { randomSeed, cascade, ...rest } = checkOptions(op, options, [
    'method', 'classIndex', 'output', 'score', 'batchSize', 'reduceChannels', 'samples', 'noise', 'seed', 'baseline', 'steps', 'rule', 'randomSeed', 'cascade',
  ], 'options');
  const engine = engineOf(op, model);
  const seed = randomSeed === undefined ? 0x9e3779b9 : checkFinite(op, 'randomSeed', randomSeed);
  const cascaded = checkBool(op, 'cascade', cascade, true);
  const trained = saliency(model, x, rest);
  const ref = trained.map.toFloat32Array();
  const n = trained.map.shape[0];
  trained.map.dispose();
  const withWeights = model.layers.filter((l) => l.weights.length > 0).map((l) => l.name).reverse();
  if (withWeights.length === 0) throw new ValueError(`${op}: model ${model.name} has no weights to randomise`);
  const counts = cascaded ? withWeights.map((_, i) => i + 1) : [withWeights.length];
  const steps: SanityStep[] = [];
  for (const k of counts) {
    const copy = randomCopy(model, engine.topo.inputs[0].shape, seed);
    try {
      const random = new Set(withWeights.slice(0, k));
      for (const l of model.layers) {
        if (random.has(l.name) || l.weights.length === 0) continue;
        const w = l.getWeights();
        copy.getLayer(l.name).setWeights(w);
        for (const t of w) t.dispose();
      }
      const r = saliency(copy, x, { ...rest, classIndex: trained.classIndex });
      const maps = r.map.toFloat32Array();
      r.map.dispose();
      const size = maps.length / n;
      const perSample = new Float64Array(n);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        perSample[i] = rankCorrelation(absOf(ref.subarray(i * size, (i + 1) * size)), absOf(maps.subarray(i * size, (i + 1) * size)));
        sum += perSample[i];
      }
      steps.push({ randomized: withWeights.slice(0, k), correlation: sum / n, perSample });
    } finally {
      copy.dispose();
    }
  }
  return { classIndex: trained.classIndex, steps };
}

/** A model of the same architecture with freshly initialised weights (seed), in the same backend. */
function randomCopy(model: Model, inputShape: readonly number[], seed: number): Model {
  const backend = model.getBackend();
  if (model instanceof Sequential) {
    const s = Sequential.fromJSON(model.toJSON(), { seed, backend });
    s.build(inputShape);
    return s;
  }
  return Model.fromJSON(model.toJSON(), { seed, backend });
}

function absOf(v: Float32Array): Float64Array {
  return Float64Array.from(v, Math.abs);
}

/**
 * Spearman's rank correlation of two equally long arrays: the Pearson
 * correlation of their ranks, ties sharing their mean rank (NaN when either
 * is constant).
 */
export function rankCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (const [name, v] of [['a', a], ['b', b]] as const) {
    if (v === null || typeof v !== 'object' || typeof v.length !== 'number') throw new ValueError(`rankCorrelation: ${name} must be an array of numbers, got ${describe(v)}`);
  }
  if (a.length !== b.length) throw new ValueError(`rankCorrelation: the arrays differ in length (${a.length} and ${b.length})`);
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += ra[i] / n;
    mb += rb[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) ** 2;
    sbb += (rb[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function ranks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => v[i] - v[j]);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]] === v[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}
