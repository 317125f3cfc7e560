// Plain TypeScript, not wasm: the perceptron rule is sequential (each update
// depends on the previous sample's weights) over vectors of a handful of
// values, so one wasm call per sample would cost more than the arithmetic.
import { ModelFormatError, ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { Mulberry32 } from '../data/random.js';
import { checkFiniteF32, checkFiniteF32Array } from '../util/finite.js';
import { rowsOf } from '../util/rows.js';
import { checkSeed32, randomSeed } from '../util/seed.js';

/** Output of a perceptron: 'step' gives 1 or 0, 'sign' gives 1 or -1. */
export type PerceptronActivation = 'step' | 'sign';

/** Options of new Perceptron(). */
export interface PerceptronOptions {
  /** Number of inputs n (weights w1..wn); a positive integer. */
  inputs: number;
  /** 'step' (1 / 0, targets 0 and 1) or 'sign' (1 / -1, targets -1 and 1); default 'step'. */
  activation?: PerceptronActivation;
  /** η of the learning rule, finite and > 0; default 0.1. */
  learningRate?: number;
  /** Initial w1..wn; default uniform in [-0.5, 0.5) from the seed. */
  weights?: ArrayLike<number>;
  /** Initial bias w0 (the negated threshold); default 0 when weights are given, else uniform in [-0.5, 0.5) from the seed. */
  bias?: number;
  /** Seed of the initial weights and of the training shuffles; default a random one. */
  seed?: number;
}

/** Options of Perceptron.train(). */
export interface PerceptronTrainOptions {
  /** Most passes over the data; default 100. */
  epochs?: number;
  /** Visit the samples in a new random order each epoch; default true. */
  shuffle?: boolean;
  /** Seed of the shuffles of this call; default the perceptron's own stream (seeded at construction). */
  seed?: number;
  /** Stop after the first epoch without a mistake; default true. */
  stopWhenPerfect?: boolean;
}

/** What Perceptron.train() did. */
export interface PerceptronTrainResult {
  /** Misclassified samples per epoch, counted as they were met (each one caused an update). */
  errorsPerEpoch: number[];
  /** True when the last epoch made no mistake: the weights then classify every sample correctly. */
  converged: boolean;
  /** Epochs run. */
  epochs: number;
}

/** The serialised form of a Perceptron. */
export interface PerceptronJSON {
  /** Always 'Perceptron'. */
  type: 'Perceptron';
  /** Number of inputs. */
  inputs: number;
  /** Output function. */
  activation: PerceptronActivation;
  /** η of the learning rule. */
  learningRate: number;
  /** w0, exactly (a float32 value). */
  bias: number;
  /** w1..wn, exactly (float32 values). */
  weights: number[];
}

const ACTIVATIONS: readonly PerceptronActivation[] = ['step', 'sign'];

/**
 * Rosenblatt's perceptron: o = 1 if w0 + Σ wi xi > 0 (strictly), else 0
 * ('step') or -1 ('sign'), trained online by the perceptron rule
 * wi ← wi + η (t − o) xi, w0 ← w0 + η (t − o). It separates only linearly
 * separable classes: it learns AND and OR, never XOR.
 */
export class Perceptron {
  /** Number of inputs. */
  readonly inputs: number;
  /** Output function. */
  readonly activation: PerceptronActivation;
  /** η of the learning rule. */
  readonly learningRate: number;
  // w[0] is the bias w0 and w[1..n] the input weights, as the notes index them.
  private readonly w: Float32Array;
  private readonly rng: Mulberry32;

  /** Builds a perceptron; weights are seeded-random unless given. */
  constructor(options: PerceptronOptions) {
    checkOptions('Perceptron', options, ['inputs', 'activation', 'learningRate', 'weights', 'bias', 'seed'], 'options');
    const op = 'Perceptron';
    if (options === null || typeof options !== 'object') {
      throw new ValueError(`${op}: options must be an object with inputs, got ${describe(options)}`);
    }
    const { inputs, activation = 'step', learningRate = 0.1, weights, bias, seed } = options;
    this.inputs = checkInt(op, 'inputs', inputs, 1, 2 ** 24);
    if (!ACTIVATIONS.includes(activation)) {
      throw new ValueError(`${op}: activation must be one of ${ACTIVATIONS.join(', ')}, got ${describe(activation)}`);
    }
    this.activation = activation;
    // η (t − o) x is added to float32 weights, so η itself must be finite as a float32.
    this.learningRate = checkFiniteF32(op, 'learningRate', learningRate, { min: 0, minExclusive: true });
    if (weights !== undefined) {
      if (weights === null || typeof weights !== 'object' || weights.length !== inputs) {
        throw new ShapeError(`${op}: weights must hold inputs = ${inputs} numbers, got ${describe(weights)}`);
      }
      checkFiniteF32Array(op, 'weights', weights);
    }
    if (bias !== undefined) checkFiniteF32(op, 'bias', bias);
    this.rng = new Mulberry32(seed === undefined ? randomSeed() : checkSeed32(op, seed));

    this.w = new Float32Array(inputs + 1);
    // Draw order w0, w1..wn, always from the same stream, so a seed fixes every initial weight.
    const w0 = this.rng.next() - 0.5;
    if (weights === undefined) {
      this.w[0] = bias ?? w0;
      for (let i = 1; i <= inputs; i++) this.w[i] = this.rng.next() - 0.5;
    } else {
      this.w[0] = bias ?? 0;
      this.w.set(Array.from(weights), 1);
    }
  }

  /** Rebuilds a perceptron from toJSON() output, validating every field. */
  static fromJSON(json: unknown): Perceptron {
    const op = 'Perceptron.fromJSON';
    // Like every other loader, anything wrong with the document is a ModelFormatError.
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ModelFormatError(`${op}: expected an object, got ${describe(json)}`);
    const j = json as Partial<PerceptronJSON>;
    if (j.type !== 'Perceptron') throw new ModelFormatError(`${op}: type must be "Perceptron", got ${describe(j.type)}`);
    // Every field must be present: a default filled in here would silently change a saved model.
    for (const key of ['inputs', 'activation', 'learningRate', 'bias', 'weights'] as const) {
      if (!Object.prototype.hasOwnProperty.call(j, key) || j[key] === undefined) throw new ModelFormatError(`${op}: ${key} is missing`);
    }
    if (!Array.isArray(j.weights)) throw new ModelFormatError(`${op}: weights must be an array, got ${describe(j.weights)}`);
    try {
      return new Perceptron({
        inputs: j.inputs as number,
        activation: j.activation,
        learningRate: j.learningRate,
        weights: j.weights,
        bias: j.bias,
      });
    } catch (err) {
      if (err instanceof ValueError || err instanceof ShapeError) throw new ModelFormatError(err.message.replace(/^Perceptron:/, `${op}:`));
      throw err;
    }
  }

  /** A copy of the current weights: bias w0 and w1..wn. */
  getWeights(): { bias: number; weights: Float32Array } {
    return { bias: this.w[0], weights: this.w.slice(1) };
  }

  /**
   * Classifies one sample (a number[] of length inputs) to a number, or a
   * batch (number[][], or a Float32Array of rows laid end to end) to number[].
   */
  predict(x: readonly number[]): number;
  predict(x: readonly (readonly number[])[] | Float32Array): number[];
  predict(x: readonly number[] | readonly (readonly number[])[] | Float32Array): number | number[] {
    const op = 'Perceptron.predict';
    if (Array.isArray(x) && (x.length === 0 || !Array.isArray(x[0]))) {
      const rows = this.rows(op, [x as readonly number[]]);
      return this.output(rows, 0);
    }
    const rows = this.rows(op, x as readonly (readonly number[])[] | Float32Array);
    const out: number[] = [];
    for (let r = 0; r * this.inputs < rows.length; r++) out.push(this.output(rows, r));
    return out;
  }

  /**
   * Trains online with the perceptron rule, one update per misclassified
   * sample. Everything is validated before the first update, so a rejected
   * call leaves the weights as they were.
   */
  train(
    x: readonly (readonly number[])[] | Float32Array,
    targets: ArrayLike<number>,
    options: PerceptronTrainOptions = {},
  ): PerceptronTrainResult {
    const op = 'Perceptron.train';
    checkOptions(op, options, ['epochs', 'shuffle', 'seed', 'stopWhenPerfect'], 'options');
    const rows = this.rows(op, x);
    const n = rows.length / this.inputs;
    if (targets === null || typeof targets !== 'object' || typeof targets.length !== 'number') {
      throw new ValueError(`${op}: targets must be an array of numbers, got ${describe(targets)}`);
    }
    if (targets.length !== n) throw new ShapeError(`${op}: targets has ${targets.length} values for ${n} rows of x`);
    const [lo, hi] = this.activation === 'step' ? [0, 1] : [-1, 1];
    for (let i = 0; i < n; i++) {
      if (targets[i] !== lo && targets[i] !== hi) {
        throw new ValueError(`${op}: targets[${i}] must be ${lo} or ${hi} for activation '${this.activation}', got ${describe(targets[i])}`);
      }
    }
    if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object, got ${describe(options)}`);
    const { epochs = 100, shuffle = true, seed, stopWhenPerfect = true } = options;
    checkInt(op, 'epochs', epochs, 1);
    if (typeof shuffle !== 'boolean') throw new ValueError(`${op}: shuffle must be a boolean, got ${describe(shuffle)}`);
    if (typeof stopWhenPerfect !== 'boolean') throw new ValueError(`${op}: stopWhenPerfect must be a boolean, got ${describe(stopWhenPerfect)}`);
    const rng = seed === undefined ? this.rng : new Mulberry32(checkSeed32(op, seed));

    const w = this.w;
    const k = this.inputs;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const errorsPerEpoch: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (shuffle) rng.shuffle(order);
      let errors = 0;
      for (const r of order) {
        const t = targets[r];
        const o = this.output(rows, r);
        if (o === t) continue;
        errors++;
        const delta = this.learningRate * (t - o);
        w[0] += delta;
        for (let i = 0; i < k; i++) w[i + 1] += delta * rows[r * k + i];
      }
      errorsPerEpoch.push(errors);
      if (errors === 0 && stopWhenPerfect) break;
    }
    return { errorsPerEpoch, converged: errorsPerEpoch[errorsPerEpoch.length - 1] === 0, epochs: errorsPerEpoch.length };
  }

  /** A plain object with everything needed to rebuild this perceptron (not the random stream). */
  toJSON(): PerceptronJSON {
    return {
      type: 'Perceptron',
      inputs: this.inputs,
      activation: this.activation,
      learningRate: this.learningRate,
      bias: this.w[0],
      weights: Array.from(this.w.subarray(1)),
    };
  }

  // o for row r of `rows`: the sum is taken in float64 over the float32 weights.
  private output(rows: Float32Array, r: number): number {
    const w = this.w;
    const k = this.inputs;
    let a = w[0];
    for (let i = 0; i < k; i++) a += w[i + 1] * rows[r * k + i];
    return a > 0 ? 1 : this.activation === 'step' ? 0 : -1;
  }

  // Checks x (rows of length inputs, all finite as float32) as one row-major Float32Array.
  private rows(op: string, x: readonly (readonly number[])[] | Float32Array): Float32Array {
    return rowsOf(op, 'x', x, this.inputs, { what: 'input', width: `inputs = ${this.inputs}` });
  }
}
