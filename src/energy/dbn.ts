// Deep belief net (Hinton, Osindero and Teh 2006) as a stack of RBMs trained
// greedily: RBM 1 on the data, RBM 2 on RBM 1's hidden probabilities, and so
// on. The stack then serves as a feature extractor (transform), as a
// generative model (generate: Gibbs sampling in the top RBM, then one
// top-down pass of means), or as the initialisation of a feed-forward
// classifier (toSequential) that is fine-tuned with backpropagation.
import type { Backend } from '../runtime/backend.js';
import { getBackend } from '../runtime/init.js';
import { DisposedError, ModelFormatError, ValueError, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../layers/dense.js';
import type { LayerActivation } from '../layers/activations.js';
import type { History } from '../models/sequential.js';
import { checkSeed, randomSeed } from '../util/seed.js';
import { rowsOf } from '../util/rows.js';
import { RBM, type RBMFitOptions, type RBMInput, type RBMJSON, type RBMVisibleType } from './rbm.js';

/** Options of new DBN(). */
export interface DBNOptions {
  /** Layer sizes, input first: [784, 128, 64] stacks RBMs 784-128 and 128-64. At least two sizes. */
  layers: readonly number[];
  /** Visible type of the first RBM ('gaussian' for standardised real-valued inputs); default 'bernoulli'. */
  visibleType?: RBMVisibleType;
  /** Seed of every RBM (RBM i gets seed + i); default a random one. */
  seed?: number;
  /** Backend to allocate in; default the one init() created. */
  backend?: Backend;
}

/** Options of DBN.pretrain(): RBM.fit() options for every layer, or one object per RBM. */
export type DBNPretrainOptions = RBMFitOptions | readonly RBMFitOptions[];

/** Options of DBN.toSequential(). */
export interface DBNSequentialOptions {
  /** Units of a new output layer on top of the stack (e.g. 10 classes); omit for the stack alone. */
  outputUnits?: number;
  /** Activation of the output layer; default 'softmax'. */
  outputActivation?: LayerActivation;
  /** Seed of the output layer's initial weights; default the DBN's seed. */
  seed?: number;
  /** Name of the model; default 'dbn'. */
  name?: string;
}

/** The serialised form of a DBN. */
export interface DBNJSON {
  type: 'DBN';
  version: 1;
  layers: number[];
  rbms: RBMJSON[];
}

/**
 * A stack of RBMs, layers[i] visible and layers[i + 1] hidden units each,
 * pretrained greedily layer by layer. Call dispose() to free its memory.
 */
export class DBN {
  /** Layer sizes, input first. */
  readonly layers: readonly number[];
  /** The RBMs, bottom first (rbms[i] maps layers[i] to layers[i + 1]). */
  readonly rbms: readonly RBM[];
  private readonly backend: Backend;
  private readonly seed: number;
  private disposed = false;

  /** Creates the stack of untrained RBMs (`trained` is for fromJSON: RBMs that match `layers`). */
  constructor(options: DBNOptions, trained?: readonly RBM[]) {
    checkOptions('DBN', options, ['layers', 'visibleType', 'seed', 'backend'], 'options');
    const op = 'DBN';
    if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object with layers, got ${describe(options)}`);
    const { layers, visibleType = 'bernoulli', seed, backend } = options;
    if (!Array.isArray(layers) || layers.length < 2) throw new ValueError(`${op}: layers must list at least two sizes (input and one hidden layer), got ${describe(layers)}`);
    layers.forEach((n, i) => checkInt(op, `layers[${i}]`, n, 1, 1 << 20));
    if (seed !== undefined) checkDbnSeed(op, seed);
    this.layers = Object.freeze(layers.slice());
    this.seed = seed ?? randomSeed();
    this.backend = backend ?? getBackend();
    if (trained) {
      this.rbms = Object.freeze(trained.slice());
      return;
    }
    const rbms: RBM[] = [];
    try {
      for (let i = 0; i + 1 < layers.length; i++) {
        rbms.push(new RBM({
          visible: layers[i], hidden: layers[i + 1], visibleType: i === 0 ? visibleType : 'bernoulli', seed: this.seed + i, backend: this.backend,
        }));
      }
    } catch (err) {
      for (const r of rbms) r.dispose();
      throw err;
    }
    this.rbms = Object.freeze(rbms);
  }

  /** Rebuilds a DBN from toJSON() output; throws ModelFormatError on anything malformed. */
  static fromJSON(json: unknown, options: { seed?: number; backend?: Backend } = {}): DBN {
    const op = 'DBN.fromJSON';
    if (options.seed !== undefined) checkDbnSeed(op, options.seed);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ModelFormatError(`${op}: expected an object, got ${describe(json)}`);
    const j = json as Partial<DBNJSON>;
    if (j.type !== 'DBN') throw new ModelFormatError(`${op}: type must be "DBN", got ${describe(j.type)}`);
    if (j.version !== 1) throw new ModelFormatError(`${op}: version must be 1, got ${describe(j.version)}`);
    const layers = j.layers;
    if (!Array.isArray(layers) || layers.length < 2 || !layers.every((n) => Number.isInteger(n) && n >= 1 && n <= 1 << 20)) {
      throw new ModelFormatError(`${op}: layers must list at least two positive integer sizes, got ${describe(layers)}`);
    }
    if (!Array.isArray(j.rbms) || j.rbms.length !== layers.length - 1) {
      throw new ModelFormatError(`${op}: rbms must hold ${layers.length - 1} RBMs, got ${describe(j.rbms)}`);
    }
    const rbms: RBM[] = [];
    try {
      j.rbms.forEach((r, i) => {
        let rbm: RBM;
        try {
          rbm = RBM.fromJSON(r, { seed: options.seed === undefined ? undefined : options.seed + i, backend: options.backend });
        } catch (err) {
          if (err instanceof ModelFormatError) throw new ModelFormatError(err.message.replace(/^RBM\.fromJSON/, `${op}: rbms[${i}]`));
          throw err;
        }
        rbms.push(rbm);
        if (rbm.visible !== layers[i] || rbm.hidden !== layers[i + 1]) {
          throw new ModelFormatError(`${op}: rbms[${i}] must be ${layers[i]}x${layers[i + 1]} to match layers, got ${rbm.visible}x${rbm.hidden}`);
        }
        if (i > 0 && rbm.visibleType !== 'bernoulli') throw new ModelFormatError(`${op}: rbms[${i}] must have Bernoulli visible units (only the first may be Gaussian)`);
      });
    } catch (err) {
      for (const r of rbms) r.dispose();
      throw err;
    }
    return new DBN({ layers, visibleType: rbms[0].visibleType, seed: options.seed, backend: options.backend }, rbms);
  }

  /**
   * Greedy layer-wise pretraining: fits RBM 1 on the data, then each next RBM
   * on the hidden probabilities of the one below. Returns each RBM's history.
   * Disposing the DBN from a callback ends pretraining: pretrain rejects with
   * DisposedError and runs no further kernel.
   */
  async pretrain(data: RBMInput, options: DBNPretrainOptions = {}): Promise<History[]> {
    const op = 'DBN.pretrain';
    this.check(op);
    const per = Array.isArray(options) ? options : this.rbms.map(() => options as RBMFitOptions);
    if (per.length !== this.rbms.length) throw new ValueError(`${op}: options must be one object or one per RBM (${this.rbms.length}), got ${per.length}`);
    let x: RBMInput = data;
    const histories: History[] = [];
    for (let i = 0; i < this.rbms.length; i++) {
      // Disposing the DBN inside an RBM's callback disposes that RBM, whose fit
      // then rejects: report it as this DBN's disposal.
      const h = await this.rbms[i].fit(x, per[i]).catch((err: unknown) => {
        this.check(op);
        throw err;
      });
      this.check(op);
      histories.push(h);
      if (i + 1 < this.rbms.length) x = this.rbms[i].transform(x);
    }
    return histories;
  }

  /**
   * Hidden probabilities of the top layer (or of layer `upTo`, 1-based over
   * the hidden layers) for each row: an up pass of means.
   */
  transform(data: RBMInput, options: { upTo?: number } = {}): Float32Array {
    const op = 'DBN.transform';
    this.check(op);
    const upTo = checkInt(op, 'upTo', options.upTo ?? this.rbms.length, 1, this.rbms.length);
    let x: RBMInput = data;
    for (let i = 0; i < upTo; i++) x = this.rbms[i].transform(x);
    return x as Float32Array;
  }

  /**
   * Generates inputs: Gibbs sampling in the top RBM (from random states, at
   * temperature T), then one top-down pass of means through the RBMs below.
   * Returns rows of layers[0] values.
   */
  generate(options: { samples?: number; steps?: number; temperature?: number; seed?: number } = {}): Float32Array {
    const op = 'DBN.generate';
    this.check(op);
    const top = this.rbms[this.rbms.length - 1];
    const s = top.sample({ chains: options.samples ?? 1, steps: options.steps ?? 200, temperature: options.temperature, seed: options.seed });
    let x = s.visibleProbabilities;
    for (let i = this.rbms.length - 2; i >= 0; i--) x = this.rbms[i].decode(rowsOf(op, 'x', x, this.layers[i + 1]));
    return x;
  }

  /**
   * A Sequential model with one sigmoid Dense layer per RBM, its kernel the
   * RBM's W (layers[i] x layers[i + 1]) and its bias the RBM's hidden bias,
   * plus an optional new output layer: compile it and fit it to fine-tune the
   * whole stack with backpropagation. The model is built and independent of
   * the DBN (its weights are copies).
   */
  toSequential(options: DBNSequentialOptions = {}): Sequential {
    checkOptions('DBN.toSequential', options, ['outputUnits', 'outputActivation', 'seed', 'name'], 'options');
    const op = 'DBN.toSequential';
    this.check(op);
    if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object, got ${describe(options)}`);
    const layers = this.rbms.map((r, i) => new Dense({
      units: r.hidden, activation: 'sigmoid', name: `rbm_${i + 1}`, ...(i === 0 ? { inputShape: [r.visible] } : {}),
    }));
    if (options.outputUnits !== undefined) {
      checkInt(op, 'outputUnits', options.outputUnits, 1, 1 << 20);
      layers.push(new Dense({ units: options.outputUnits, activation: options.outputActivation ?? 'softmax', name: 'output' }));
    }
    const model = new Sequential({ name: options.name ?? 'dbn', seed: options.seed ?? this.seed, backend: this.backend, layers });
    try {
      model.build([this.layers[0]]);
      this.rbms.forEach((r, i) => {
        const { weights, hiddenBias } = r.getWeights();
        layers[i].setWeights([weights, hiddenBias]);
      });
    } catch (err) {
      model.dispose();
      throw err;
    }
    return model;
  }

  /** The configuration and every RBM's parameters. */
  toJSON(): DBNJSON {
    this.check('DBN.toJSON');
    return { type: 'DBN', version: 1, layers: this.layers.slice(), rbms: this.rbms.map((r) => r.toJSON()) };
  }

  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees every RBM; later use throws DisposedError. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.rbms) r.dispose();
  }

  private check(op: string): void {
    if (this.disposed) throw new DisposedError(`${op}: this DBN was disposed`);
    this.backend.check();
  }
}

/** Checks a DBN seed: RBM i gets seed + i, which stays exact and distinct for integers up to 2^52. */
function checkDbnSeed(op: string, seed: unknown): number {
  const s = checkSeed(op, seed);
  if (!Number.isInteger(s) || s < 0 || s > 2 ** 52) throw new ValueError(`${op}: seed must be an integer in [0, 2^52] (RBM i gets seed + i), got ${describe(s)}`);
  return s;
}
