import { ShapeError, ValueError, describe } from '../errors.js';
import { Mulberry32 } from '../data/random.js';
import { input } from '../graph/input.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { dense } from '../layers/dense.js';
import { concatenate } from '../layers/merge.js';
import { Model, model, type CompileArgs, type FitArgs, type History } from '../models/model.js';
import type { Tensor } from '../tensor.js';
import { checkOptions } from '../util/options.js';
import { checkRecurrentActivation, type RecurrentActivation } from '../layers/recurrent/base.js';
import { checkSampleOptions, drawClass, type SampleOptions } from './sampling.js';

/** Options of a JordanNetwork. */
export interface JordanConfig {
  /** Steps per sequence. */
  steps: number;
  /** Input features per step. */
  features: number;
  /** Hidden units. */
  units: number;
  /** Output classes per step. */
  classes: number;
  /** Hidden activation. Default 'tanh'. */
  activation?: RecurrentActivation;
  /** Seed of the weights. Default 0. */
  seed?: number;
}

/** Options of JordanNetwork.generate(). */
export interface JordanGenerateOptions extends SampleOptions {
  /** The class fed back into the next step: drawn at the temperature ('sample', the default) or the most likely ('argmax'). */
  feedback?: 'sample' | 'argmax';
}

/**
 * The output-to-hidden recurrent network (Jordan 1986; Goodfellow et al.
 * 2016, section 10.2.1): h_t = act(W x_t + V y_{t-1} + b), y_t =
 * softmax(U h_t + c). Its only recurrence goes through the output, so with
 * teacher forcing (the previous step's target fed in place of the output)
 * training needs no backpropagation through time: `fit` trains every step at
 * once; `generate` runs step by step, feeding back the model's own outputs.
 * `model` takes [x [steps, features], y_{t-1} [steps, classes]] (one-hot).
 */
export class JordanNetwork {
  readonly steps: number;
  readonly features: number;
  readonly units: number;
  readonly classes: number;
  /** The training model: [x, previous outputs] -> per-step softmax [steps, classes]. */
  readonly model: Model;
  /** One step of the same layers (shared weights): [x_t [1, features], y_{t-1} [1, classes]] -> [1, classes]. */
  private readonly step: Model;

  constructor(config: JordanConfig) {
    checkOptions('jordanNetwork', config, ['steps', 'features', 'units', 'classes', 'activation', 'seed']);
    const int = (name: string, v: unknown) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`jordanNetwork: ${name} must be a positive integer, got ${describe(v)}`);
      return v;
    };
    this.steps = int('steps', config.steps);
    this.features = int('features', config.features);
    this.units = int('units', config.units);
    this.classes = int('classes', config.classes);
    if (this.classes < 2) throw new ValueError(`jordanNetwork: classes must be at least 2, got ${this.classes}`);
    const activation = checkRecurrentActivation('jordanNetwork', 'activation', config.activation ?? 'tanh');
    const join = concatenate();
    const hidden = dense({ units: this.units, activation });
    const out = dense({ units: this.classes, activation: 'softmax' });
    const net = (steps: number) => {
      const x = input({ shape: [steps, this.features] });
      const prev = input({ shape: [steps, this.classes] });
      const y = out.apply(hidden.apply(join.apply([x, prev]) as SymbolicTensor) as SymbolicTensor) as SymbolicTensor;
      return { inputs: [x, prev], outputs: y };
    };
    this.model = model({ ...net(this.steps), seed: config.seed ?? 0 });
    this.step = model(net(1));
  }

  /**
   * Teacher forcing: for class ids y [n, steps], the one-hot previous targets
   * [n, steps, classes] (zeros at the first step) that `model` takes.
   */
  previousTargets(y: ArrayLike<number>): Float32Array {
    const { steps: T, classes: K } = this;
    if (y.length % T !== 0) throw new ShapeError(`jordanNetwork: targets must be n x ${T} class ids, got ${y.length} values`);
    const n = y.length / T;
    const out = new Float32Array(n * T * K);
    for (let i = 0; i < n; i++) {
      for (let t = 1; t < T; t++) {
        const c = y[i * T + t - 1];
        if (!Number.isInteger(c) || c < 0 || c >= K) throw new ValueError(`jordanNetwork: targets must be class ids in [0, ${K}), got ${describe(c)} in sequence ${i} at step ${t - 1}`);
        out[(i * T + t) * K + c] = 1;
      }
    }
    return out;
  }

  /** Compiles the training model (sparseCategoricalCrossentropy is the per-step loss of the topology). */
  compile(args: CompileArgs): void {
    this.model.compile(args);
  }

  /** Trains with teacher forcing: x [n, steps, features], y [n, steps] class ids. */
  fit(x: Float32Array, y: Float32Array, args: FitArgs = {}): Promise<History> {
    return this.model.fit([x, this.previousTargets(y)], y, args);
  }

  /**
   * Runs the network step by step on x [n, steps, features], feeding each
   * step's chosen class back into the next: the classes [n, steps] and the
   * per-step probabilities [n, steps, classes].
   */
  generate(x: Float32Array, options: JordanGenerateOptions = {}): { classes: Float32Array; probabilities: Float32Array } {
    checkOptions('jordanNetwork.generate', options, ['temperature', 'seed', 'feedback'], 'options');
    const { temperature, seed } = checkSampleOptions('jordanNetwork.generate', options);
    const feedback = options.feedback ?? 'sample';
    if (feedback !== 'sample' && feedback !== 'argmax') throw new ValueError(`jordanNetwork.generate: feedback must be 'sample' or 'argmax', got ${describe(feedback)}`);
    const { steps: T, features: F, classes: K } = this;
    if (!(x instanceof Float32Array) || x.length === 0 || x.length % (T * F) !== 0) {
      throw new ShapeError(`jordanNetwork.generate: x must be a Float32Array of n x ${T} x ${F} values, got ${describe(x)}`);
    }
    const n = x.length / (T * F);
    const rng = new Mulberry32(seed);
    const classes = new Float32Array(n * T);
    const probabilities = new Float32Array(n * T * K);
    const xt = new Float32Array(n * F);
    const prev = new Float32Array(n * K);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < n; i++) xt.set(x.subarray((i * T + t) * F, (i * T + t + 1) * F), i * F);
      const p = this.step.predict([xt, prev]) as Tensor;
      const pv = p.toFloat32Array();
      p.dispose();
      prev.fill(0);
      for (let i = 0; i < n; i++) {
        probabilities.set(pv.subarray(i * K, (i + 1) * K), (i * T + t) * K);
        const c = drawClass(pv, i * K, K, feedback === 'argmax' ? 0 : temperature, rng);
        classes[i * T + t] = c;
        prev[i * K + c] = 1;
      }
    }
    return { classes, probabilities };
  }

  /** Frees both models (they share their weights). */
  dispose(): void {
    this.step.dispose();
    this.model.dispose();
  }
}

/** Creates an output-to-hidden (Jordan) recurrent network. */
export function jordanNetwork(config: JordanConfig): JordanNetwork {
  return new JordanNetwork(config);
}
