// Per-layer gradient norms, to see vanishing and exploding gradients: in a
// deep stack of sigmoid layers each layer multiplies the backpropagated
// gradient by σ'(z) ≤ 1/4 and by its weights, so the layers near the input
// learn orders of magnitude more slowly: |w| < 1 vanishing, |w| > 1
// exploding (Hochreiter 1991; Bengio, Simard & Frasconi 1994; Glorot &
// Bengio 2010). Greedy layer-wise pretraining (Hinton, Osindero & Teh 2006),
// ReLUs and careful initialisation are the known remedies.
import { ValueError, checkInt, describe } from '../errors.js';
import { Model } from '../models/model.js';
import type { ModelInput } from '../models/inputs.js';
import type { Callback, Logs, TrainableModel } from '../models/callbacks.js';
import { checkOptions } from '../util/options.js';
import { engineOf } from './common.js';

/** The gradient of one layer's trainable weights. */
export interface LayerGradientStats {
  layer: string;
  /** L2 norm of the gradient of all the layer's trainable weights together. */
  norm: number;
  /** Root mean square of those gradient values (norm / √count). */
  rms: number;
  /** Each weight's gradient norm, by its path (layer/name). */
  weights: { name: string; norm: number }[];
}

/** Options of gradientStats(). */
export interface GradientStatsOptions {
  /** Rows per pass. Default: the model's planned batch size (nothing is planned again), else 128. */
  batchSize?: number;
}

/**
 * The gradient of the compiled loss (mean over the samples of x, y) with
 * respect to each layer's trainable weights, as norms per layer in the order
 * the layers run. A weight two layers share counts for the first one.
 */
export function gradientStats(model: Model, x: ModelInput, y: ModelInput, options: GradientStatsOptions = {}): LayerGradientStats[] {
  const op = 'explain.gradientStats';
  const o = checkOptions(op, options, ['batchSize'], 'options');
  const engine = engineOf(op, model);
  const batchSize = o.batchSize === undefined ? engine.capacity || 128 : checkInt(op, 'batchSize', o.batchSize, 1, 1 << 20);
  const trainable = model.trainableWeights;
  if (trainable.length === 0) throw new ValueError(`${op}: model ${model.name} has no trainable weights`);
  const g = model.gradients(x, { y, wrt: ['params'], batchSize });
  const params = g.params ?? [];
  try {
    const owner = new Map(trainable.map((v) => [v, model.layers.find((l) => l.weights.includes(v))?.name ?? '']));
    const out: LayerGradientStats[] = [];
    trainable.forEach((v, i) => {
      const values = params[i].toFloat32Array();
      let ss = 0;
      for (let j = 0; j < values.length; j++) ss += values[j] * values[j];
      const layer = owner.get(v) as string;
      let entry = out.find((e) => e.layer === layer);
      if (!entry) {
        entry = { layer, norm: 0, rms: 0, weights: [] };
        out.push(entry);
      }
      entry.weights.push({ name: v.path, norm: Math.sqrt(ss) });
      // Sums of squares for now; norms below.
      entry.norm += ss;
      entry.rms += values.length;
    });
    for (const e of out) {
      const count = e.rms;
      e.rms = Math.sqrt(e.norm / count);
      e.norm = Math.sqrt(e.norm);
    }
    return out;
  } finally {
    for (const t of params) t.dispose();
  }
}

/** Options of gradientStatsCallback(). */
export interface GradientStatsCallbackOptions extends GradientStatsOptions {
  /** Record after every this many epochs. Default 1. */
  every?: number;
}

/** A fit() callback recording gradientStats() on fixed samples after epochs; read `history`. */
export interface GradientStatsCallback extends Callback {
  /** One entry per recorded epoch (0-based). */
  readonly history: { epoch: number; layers: LayerGradientStats[] }[];
}

/** Records the per-layer gradient norms on (x, y) at the end of every `every`-th epoch of fit(). */
export function gradientStatsCallback(x: ModelInput, y: ModelInput, options: GradientStatsCallbackOptions = {}): GradientStatsCallback {
  const op = 'explain.gradientStatsCallback';
  const o = checkOptions(op, options, ['batchSize', 'every'], 'options');
  const every = o.every === undefined ? 1 : checkInt(op, 'every', o.every, 1, 1 << 20);
  let model: Model | null = null;
  const history: { epoch: number; layers: LayerGradientStats[] }[] = [];
  return {
    history,
    setModel(m: TrainableModel) {
      if (!(m instanceof Model)) throw new ValueError(`${op}: the callback needs a Model, got ${describe(m)}`);
      model = m;
    },
    onEpochEnd(epoch: number, _logs: Logs) {
      if (!model || model.isDisposed || (epoch + 1) % every !== 0) return;
      history.push({ epoch, layers: gradientStats(model, x, y, o.batchSize === undefined ? {} : { batchSize: o.batchSize }) });
    },
  };
}
