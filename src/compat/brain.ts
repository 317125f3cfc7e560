import { ValueError, checkFinite, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { Sequential } from '../models/sequential.js';
import { layers } from '../layers/index.js';
import { initializers } from '../params/initializers.js';
import { Optimizer, optimizers } from '../optimizers/index.js';
import { identity, type Engine } from '../models/engine.js';
import type { Rows, Targets } from '../models/inputs.js';
import type { Tensor } from '../tensor.js';

/** One value vector: an array, or an object of named values (brain.js keyed data). */
export type BrainValues = readonly number[] | Float32Array | Record<string, number>;

/** A training example as brain.js takes it. */
export interface BrainExample {
  input: BrainValues;
  output: BrainValues;
}

/** brain.js activations. */
export type BrainActivation = 'sigmoid' | 'relu' | 'leaky-relu' | 'tanh';

/** Options of new NeuralNetwork() (brain.js names). */
export interface NeuralNetworkOptions {
  /** Units per hidden layer. Default: one layer of max(3, floor(inputs / 2)), as brain.js. */
  hiddenLayers?: number[];
  /** Every layer's activation. Default 'sigmoid'. */
  activation?: BrainActivation;
  /** Default 0.3. */
  learningRate?: number;
  /** Default 0.1. */
  momentum?: number;
  /** Output above which run() counts as 1 (kept for brain.js compatibility; run returns the raw values). Default 0.5. */
  binaryThresh?: number;
  /** Seed of the initial weights; default random. */
  seed?: number;
}

/** Options of train() (brain.js names). */
export interface BrainTrainOptions {
  /** Passes over the data at most. Default 20000. */
  iterations?: number;
  /** Stop once the mean squared error of a pass falls below this. Default 0.005. */
  errorThresh?: number;
  /** true: a console line every logPeriod passes; a function: called with { iterations, error }. */
  log?: boolean | ((status: { iterations: number; error: number }) => void);
  /** Default 10. */
  logPeriod?: number;
  learningRate?: number;
  momentum?: number;
  /** Called every callbackPeriod passes with { iterations, error }. */
  callback?: (status: { iterations: number; error: number }) => void;
  /** Default 10. */
  callbackPeriod?: number;
  /** Milliseconds after which training stops. Default Infinity. */
  timeout?: number;
}

/** What toJSON() writes and fromJSON() reads. */
export interface NeuralNetworkJSON {
  type: 'NeuralNetwork';
  sizes: number[];
  activation: BrainActivation;
  learningRate: number;
  momentum: number;
  inputLookup: string[] | null;
  outputLookup: string[] | null;
  /** Every weight, flat, in the model's getWeightsFlat() order (Dense kernels [in, out], then biases). */
  weights: number[];
}

class BrainModel extends Sequential {
  rows(x: Float32Array, n: number): Rows[] {
    return this.prepareInputs('train', reshape(x, n), false);
  }
  targets(y: Float32Array, n: number): Targets[] {
    return this.prepareTargets('train', 'output', reshape(y, n), n, this.requireCompiled('train'));
  }
  get eng(): Engine {
    return this.requireEngine('train');
  }
}

function reshape(x: Float32Array, n: number): number[][] {
  const w = x.length / n;
  return Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * w, (i + 1) * w)));
}

const ACTIVATIONS: Record<BrainActivation, 'sigmoid' | 'relu' | 'leakyRelu' | 'tanh'> = { sigmoid: 'sigmoid', relu: 'relu', 'leaky-relu': 'leakyRelu', tanh: 'tanh' };

/**
 * brain.js's NeuralNetwork on simdnn's models: `new NeuralNetwork({
 * hiddenLayers })`, `train(data)` with `{ input, output }` examples (arrays,
 * or objects of named values), `run(input)`, `toJSON()` / `fromJSON()`.
 * Training is brain.js's: one pass over the examples per iteration, one
 * gradient step per example (SGD with momentum, learning rate 0.3, momentum
 * 0.1), weights drawn uniformly in ±0.2, every layer with the same
 * activation, until the pass's mean squared error is below errorThresh.
 */
export class NeuralNetwork {
  private readonly opts: Required<Omit<NeuralNetworkOptions, 'hiddenLayers' | 'seed'>> & { hiddenLayers: number[] | null; seed: number | undefined };
  private model: BrainModel | null = null;
  private sizes: number[] = [];
  private inputLookup: string[] | null = null;
  private outputLookup: string[] | null = null;

  constructor(options: NeuralNetworkOptions = {}) {
    checkOptions('NeuralNetwork', options, ['hiddenLayers', 'activation', 'learningRate', 'momentum', 'binaryThresh', 'seed'], 'options');
    const h = options.hiddenLayers;
    if (h !== undefined && (!Array.isArray(h) || !h.every((u) => Number.isInteger(u) && u >= 1))) {
      throw new ValueError(`NeuralNetwork: hiddenLayers must be an array of positive integers, got ${describe(h)}`);
    }
    const activation = options.activation ?? 'sigmoid';
    if (!(activation in ACTIVATIONS)) throw new ValueError(`NeuralNetwork: activation must be one of ${Object.keys(ACTIVATIONS).join(', ')}, got ${describe(activation)}`);
    this.opts = {
      hiddenLayers: h ? h.slice() : null,
      activation,
      learningRate: checkFinite('NeuralNetwork', 'learningRate', options.learningRate ?? 0.3, 0),
      momentum: checkFinite('NeuralNetwork', 'momentum', options.momentum ?? 0.1, 0, 1),
      binaryThresh: checkFinite('NeuralNetwork', 'binaryThresh', options.binaryThresh ?? 0.5),
      seed: options.seed,
    };
  }

  /** The simdnn model underneath (after train or fromJSON), for evaluate, explain, saving... */
  get sequential(): Sequential {
    if (!this.model) throw new ValueError(`NeuralNetwork: not trained yet; call train(data) or fromJSON(json) first`);
    return this.model;
  }

  private build(sizes: number[], seed?: number): void {
    this.model?.dispose();
    const act = ACTIVATIONS[this.opts.activation];
    const init = initializers.randomUniform({ minval: -0.2, maxval: 0.2 });
    const ls = sizes.slice(1).map((units, i) => layers.dense({
      units, activation: act, kernelInitializer: init, biasInitializer: init, ...(act === 'leakyRelu' ? { alpha: 0.01 } : {}), ...(i === 0 ? { inputShape: [sizes[0]] } : {}),
    }));
    const m = new BrainModel({ layers: ls, ...(seed === undefined ? {} : { seed }) });
    this.model = m;
    this.sizes = sizes.slice();
    this.compile(this.opts.learningRate, this.opts.momentum);
  }

  private compile(learningRate: number, momentum: number): void {
    // brain.js descends on half the summed squared error; Keras's mse is the mean over outputs, whose gradient is 2 / outputs times larger per output.
    const outputs = this.sizes[this.sizes.length - 1];
    (this.model as BrainModel).compile({ optimizer: optimizers.momentum({ learningRate: (learningRate * outputs) / 2, momentum }), loss: 'meanSquaredError' });
  }

  private vectors(data: readonly BrainExample[], which: 'input' | 'output', lookup: string[] | null): { values: Float32Array; width: number; lookup: string[] | null } {
    const first = data[0][which];
    const keyed = !Array.isArray(first) && !(first instanceof Float32Array);
    if (keyed) {
      const keys = lookup ?? [];
      if (!lookup) for (const ex of data) for (const k of Object.keys(ex[which] as Record<string, number>)) if (!keys.includes(k)) keys.push(k);
      const out = new Float32Array(data.length * keys.length);
      data.forEach((ex, i) => {
        const v = ex[which];
        if (Array.isArray(v) || v instanceof Float32Array) throw new ValueError(`train: data[${i}].${which} is an array but data[0].${which} is an object of named values`);
        for (const [k, x] of Object.entries(v)) {
          const j = keys.indexOf(k);
          if (j < 0) throw new ValueError(`train: data[${i}].${which} has key ${describe(k)}, unknown to the network (it knows ${keys.join(', ')})`);
          if (typeof x !== 'number' || !Number.isFinite(x)) throw new ValueError(`train: data[${i}].${which}.${k} must be a finite number, got ${describe(x)}`);
          out[i * keys.length + j] = x;
        }
      });
      return { values: out, width: keys.length, lookup: keys };
    }
    const width = (first as readonly number[]).length;
    const out = new Float32Array(data.length * width);
    data.forEach((ex, i) => {
      const v = ex[which];
      if (!(Array.isArray(v) || v instanceof Float32Array) || v.length !== width) {
        throw new ValueError(`train: data[${i}].${which} must be an array of ${width} numbers like data[0].${which}, got ${describe(v)}`);
      }
      out.set(v as ArrayLike<number>, i * width);
    });
    return { values: out, width, lookup: null };
  }

  /**
   * Trains on `{ input, output }` examples (brain.js train): one pass per
   * iteration, one step per example in order, until the pass's mean squared
   * error is below errorThresh or `iterations` passes ran. Returns the last
   * pass's error and the passes run.
   */
  train(data: readonly BrainExample[], options: BrainTrainOptions = {}): { error: number; iterations: number } {
    checkOptions('train', options, ['iterations', 'errorThresh', 'log', 'logPeriod', 'learningRate', 'momentum', 'callback', 'callbackPeriod', 'timeout'], 'options');
    if (!Array.isArray(data) || data.length === 0) throw new ValueError(`train: data must be a non-empty array of { input, output }, got ${describe(data)}`);
    data.forEach((ex, i) => {
      if (!ex || typeof ex !== 'object' || ex.input === undefined || ex.output === undefined) throw new ValueError(`train: data[${i}] must be { input, output }, got ${describe(ex)}`);
    });
    const iterations = checkInt('train', 'iterations', options.iterations ?? 20000, 1);
    const errorThresh = checkFinite('train', 'errorThresh', options.errorThresh ?? 0.005, 0);
    const logPeriod = checkInt('train', 'logPeriod', options.logPeriod ?? 10, 1);
    const callbackPeriod = checkInt('train', 'callbackPeriod', options.callbackPeriod ?? 10, 1);
    const timeout = options.timeout === undefined ? Infinity : checkFinite('train', 'timeout', options.timeout, 0);
    const log = options.log ?? false;
    if (typeof log !== 'boolean' && typeof log !== 'function') throw new ValueError(`train: log must be a boolean or a function, got ${describe(log)}`);
    if (options.callback !== undefined && typeof options.callback !== 'function') throw new ValueError(`train: callback must be a function, got ${describe(options.callback)}`);
    const fresh = !this.model;
    const ins = this.vectors(data, 'input', fresh ? null : this.inputLookup);
    const outs = this.vectors(data, 'output', fresh ? null : this.outputLookup);
    if (fresh) {
      const hidden = this.opts.hiddenLayers ?? [Math.max(3, Math.floor(ins.width / 2))];
      this.inputLookup = ins.lookup;
      this.outputLookup = outs.lookup;
      this.build([ins.width, ...hidden, outs.width], this.opts.seed);
    } else if (ins.width !== this.sizes[0] || outs.width !== this.sizes[this.sizes.length - 1]) {
      throw new ValueError(`train: the network takes ${this.sizes[0]} inputs and gives ${this.sizes[this.sizes.length - 1]} outputs; the data has ${ins.width} and ${outs.width}`);
    }
    if (options.learningRate !== undefined || options.momentum !== undefined) {
      this.compile(checkFinite('train', 'learningRate', options.learningRate ?? this.opts.learningRate, 0), checkFinite('train', 'momentum', options.momentum ?? this.opts.momentum, 0, 1));
    }
    const model = this.model as BrainModel;
    const n = data.length;
    const X = model.rows(ins.values, n);
    const Y = model.targets(outs.values, n);
    const engine = model.eng;
    engine.ensurePlan(1, true);
    const opt = engine.compiled?.optimizer;
    if (opt instanceof Optimizer) opt.bind(engine.store);
    const order = identity(n);
    const start = Date.now();
    let error = Infinity;
    let it = 0;
    while (it < iterations && error > errorThresh && Date.now() - start < timeout) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        engine.loadBatch(X, Y, order, i, 1);
        sum += engine.trainStep(1, false);
      }
      error = sum / n;
      it++;
      if (!Number.isFinite(error)) throw new ValueError(`train: the error became ${error} at iteration ${it}; lower the learning rate`);
      if (log && it % logPeriod === 0) {
        if (typeof log === 'function') log({ iterations: it, error });
        else console.log(`iterations: ${it}, training error: ${error}`);
      }
      if (options.callback && it % callbackPeriod === 0) options.callback({ iterations: it, error });
    }
    return { error, iterations: it };
  }

  /** The outputs for one input: a Float32Array, or an object of named outputs when trained on named outputs. */
  run(input: BrainValues): Float32Array | Record<string, number> {
    const model = this.sequential as BrainModel;
    let x: Float32Array;
    if (this.inputLookup) {
      if (Array.isArray(input) || input instanceof Float32Array) throw new ValueError(`run: the network was trained on named inputs (${this.inputLookup.join(', ')}); give an object`);
      x = new Float32Array(this.inputLookup.length);
      for (const [k, v] of Object.entries(input)) {
        const j = this.inputLookup.indexOf(k);
        if (j >= 0) x[j] = v;
      }
    } else {
      if (!(Array.isArray(input) || input instanceof Float32Array) || input.length !== this.sizes[0]) {
        throw new ValueError(`run: input must be an array of ${this.sizes[0]} numbers, got ${describe(input)}`);
      }
      x = Float32Array.from(input as ArrayLike<number>);
    }
    const t = model.predict([Array.from(x)]) as Tensor;
    const y = t.toFloat32Array();
    t.dispose();
    if (!this.outputLookup) return y;
    const out: Record<string, number> = {};
    this.outputLookup.forEach((k, j) => (out[k] = y[j]));
    return out;
  }

  /** The network as JSON (sizes, activation, key lookups, weights). */
  toJSON(): NeuralNetworkJSON {
    const m = this.sequential;
    return {
      type: 'NeuralNetwork', sizes: this.sizes.slice(), activation: this.opts.activation, learningRate: this.opts.learningRate, momentum: this.opts.momentum,
      inputLookup: this.inputLookup?.slice() ?? null, outputLookup: this.outputLookup?.slice() ?? null, weights: Array.from(m.getWeightsFlat()),
    };
  }

  /** Restores a network from toJSON() output (brain.js net.fromJSON); returns this. */
  fromJSON(json: NeuralNetworkJSON): this {
    const j = json as Partial<NeuralNetworkJSON>;
    if (!j || j.type !== 'NeuralNetwork' || !Array.isArray(j.sizes) || j.sizes.length < 2 || !Array.isArray(j.weights)) {
      throw new ValueError(`fromJSON: expected NeuralNetwork.toJSON() output ({ type: 'NeuralNetwork', sizes, weights, ... }), got ${describe(json)}`);
    }
    if (j.activation && !(j.activation in ACTIVATIONS)) throw new ValueError(`fromJSON: unknown activation ${describe(j.activation)}`);
    (this.opts as { activation: BrainActivation }).activation = j.activation ?? 'sigmoid';
    this.inputLookup = j.inputLookup ?? null;
    this.outputLookup = j.outputLookup ?? null;
    this.build(j.sizes.slice(), 0);
    (this.model as BrainModel).setWeightsFlat(Float32Array.from(j.weights));
    return this;
  }

  /** Frees the model's memory. */
  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
