// Restricted Boltzmann machine: V visible and H hidden units, connections only
// between the layers, so each layer is conditionally independent given the
// other and block Gibbs sampling is two GEMMs per step:
//
//   p(h = 1 | v) = sigmoid((v W + c) / T)          GEMM with c/T as bias, alpha 1/T, sigmoid fused
//   p(v = 1 | h) = sigmoid((h Wᵀ + b) / T)         Bernoulli visible units
//   v | h ~ N(b + h Wᵀ, T)                         Gaussian visible units (unit variance at T = 1)
//
// with energies E(v, h) = −b·v − c·h − vᵀ W h (Bernoulli) or
// Σ (v_i − b_i)² / 2 − c·h − vᵀ W h (Gaussian), divided by T.
//
// Memory layout: W is V x H row-major (the Keras Dense kernel layout [in, out],
// so a deep belief net copies it straight into a Dense layer), b is V, c is H.
// fit() plans every buffer once for its batch size (batch, hidden
// probabilities and samples, chain states, gradients, velocities) and a
// training step then only runs kernels on them: it allocates nothing.
import { forget, reclaimOnCollect, release, type Holdings } from '../runtime/reclaim.js';
import type { Backend } from '../runtime/backend.js';
import { getBackend } from '../runtime/init.js';
import { ACT } from '../runtime/abi.js';
import { add, axpy, colsum, fill, scale } from '../kernels/elementwise.js';
import { gemm } from '../kernels/gemm.js';
import { mse } from '../kernels/loss.js';
import { momentum as momentumStep } from '../kernels/optim.js';
import { randBernoulli, randNormal, sampleBernoulli } from '../kernels/random.js';
import { DisposedError, ModelFormatError, ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor.js';
import { ModelRng } from '../models/rng.js';
import { checkFiniteF32 } from '../util/finite.js';
import { checkSeed, randomSeed } from '../util/seed.js';
import type { Callback, Logs, TrainableModel } from '../models/callbacks.js';
import type { History } from '../models/sequential.js';
import { checkTemperature } from './anneal.js';
import { jsonNumbers } from './json.js';
import { matrixOf, vectorOf } from './weights.js';
import { rowsOf } from '../util/rows.js';

/** Visible unit type: binary ('bernoulli', data in [0, 1]) or real-valued with unit variance ('gaussian', standardise the data). */
export type RBMVisibleType = 'bernoulli' | 'gaussian';

/** Rows of samples: nested arrays, a Float32Array of whole rows laid end to end, or a Tensor. */
export type RBMInput = readonly ArrayLike<number>[] | Float32Array | Tensor;

/** Options of new RBM(). */
export interface RBMOptions {
  /** Number of visible units V, an integer in [1, 2^20]. */
  visible: number;
  /** Number of hidden units H, an integer in [1, 2^20]. */
  hidden: number;
  /** Visible unit type; default 'bernoulli'. */
  visibleType?: RBMVisibleType;
  /** Seed of the initial weights and every random draw; default a random one. */
  seed?: number;
  /** Standard deviation of the initial weights (normal, mean 0); default 0.01. Biases start at 0. */
  initStd?: number;
  /** Backend to allocate in; default the one init() created. */
  backend?: Backend;
}

/** Options of RBM.fit(). */
export interface RBMFitOptions {
  /** Passes over the data; default 10. */
  epochs?: number;
  /** Rows per update (the last batch of an epoch may be smaller); default 64. */
  batchSize?: number;
  /** Gibbs steps of contrastive divergence (CD-k); default 1. */
  k?: number;
  /**
   * Persistent contrastive divergence (Tieleman 2008): the negative phase
   * continues batchSize fantasy chains across updates instead of restarting
   * them at the data. Default false.
   */
  persistent?: boolean;
  /** Step size; default 0.1 (Bernoulli) or 0.01 (Gaussian). */
  learningRate?: number;
  /** Momentum of the updates, in [0, 1); default 0. */
  momentum?: number;
  /** L2 weight decay on W (not the biases); default 0. */
  weightDecay?: number;
  /** Reshuffle the rows every epoch; default true. */
  shuffle?: boolean;
  /**
   * Before the first fit of a fresh RBM, set the visible biases from the
   * data: log(p / (1 − p)) of each unit's mean p (clipped to [0.01, 0.99])
   * for Bernoulli units (Hinton's practical guide), the mean for Gaussian
   * ones. Default true.
   */
  initVisibleBias?: boolean;
  /** Rows used for the per-epoch pseudo-likelihood (Bernoulli only; 0 turns it off); default min(rows, 1000). */
  monitorRows?: number;
  /** Reseeds the RBM's random stream before training. */
  seed?: number;
  /** Keras-style callbacks (onEpochEnd gets reconstructionError and pseudoLikelihood); EarlyStopping works. */
  callbacks?: Callback | Callback[];
  /** Shorthand for a callback with only onEpochEnd. */
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
}

/** Options of RBM.sample(). */
export interface RBMSampleOptions {
  /** Full Gibbs steps v → h → v; default 1. */
  steps?: number;
  /** Temperature T > 0: every energy is divided by T, so T < 1 samples sharper, T > 1 flatter. Default 1. */
  temperature?: number;
  /** Start of the chains: 'random' (uniform binary, or N(b, 1) for Gaussian units; default) or rows of visible values (one chain each). */
  init?: 'random' | RBMInput;
  /** Number of chains for init 'random'; default 1. */
  chains?: number;
  /** Reseeds the RBM's random stream first. */
  seed?: number;
}

/** What RBM.sample() returns: each field holds one row per chain, laid end to end. */
export interface RBMSample {
  /** Number of chains (rows). */
  chains: number;
  /** The last visible sample (binary for Bernoulli units), chains x V. */
  visible: Float32Array;
  /** The means p(v | h) the last visible sample was drawn from, chains x V. */
  visibleProbabilities: Float32Array;
  /** The last hidden sample, chains x H. */
  hidden: Float32Array;
  /** p(h | v) of the last visible sample, chains x H. */
  hiddenProbabilities: Float32Array;
}

/** Weights and biases of an RBM. */
export interface RBMWeights {
  /** V x H row-major. */
  weights: Float32Array;
  /** V visible biases b. */
  visibleBias: Float32Array;
  /** H hidden biases c. */
  hiddenBias: Float32Array;
}

/** The serialised form of an RBM. */
export interface RBMJSON {
  type: 'RBM';
  version: 1;
  visible: number;
  hidden: number;
  visibleType: RBMVisibleType;
  weights: number[];
  visibleBias: number[];
  hiddenBias: number[];
}

const MAX_UNITS = 1 << 20;
const CHUNK = 256;
const TYPES: readonly RBMVisibleType[] = ['bernoulli', 'gaussian'];

interface Plan {
  rows: number;
  persistent: boolean;
  x0: number;
  h0: number;
  hs: number;
  vk: number;
  hk: number;
  rec: number;
  gW: number;
  gb: number;
  gc: number;
  tV: number;
  tH: number;
  mW: number;
  mb: number;
  mc: number;
}

/**
 * A restricted Boltzmann machine with Bernoulli hidden units and Bernoulli or
 * Gaussian visible units, trained by contrastive divergence (CD-k) or
 * persistent CD on minibatches, with momentum and weight decay. Bulk work
 * (products, sigmoids, Bernoulli and normal draws, gradient sums, updates)
 * runs in the wasm kernels. Call dispose() to free its memory.
 */
export class RBM implements TrainableModel {
  /** Number of visible units V. */
  readonly visible: number;
  /** Number of hidden units H. */
  readonly hidden: number;
  /** Visible unit type. */
  readonly visibleType: RBMVisibleType;
  /** Set by a callback to end fit() after the current epoch. */
  stopTraining = false;
  private readonly backend: Backend;
  private readonly rng: ModelRng;
  private readonly wPtr: number;
  private readonly bPtr: number;
  private readonly cPtr: number;
  private fitted = false;
  private disposed = false;
  private readonly held: Holdings;

  /** Creates an RBM with N(0, initStd²) weights and zero biases. */
  constructor(options: RBMOptions) {
    checkOptions('RBM', options, ['visible', 'hidden', 'visibleType', 'seed', 'initStd', 'backend'], 'options');
    const op = 'RBM';
    if (options === null || typeof options !== 'object') {
      throw new ValueError(`${op}: options must be an object with visible and hidden, got ${describe(options)}`);
    }
    const { visible, hidden, visibleType = 'bernoulli', seed, initStd = 0.01, backend } = options;
    this.visible = checkInt(op, 'visible', visible, 1, MAX_UNITS);
    this.hidden = checkInt(op, 'hidden', hidden, 1, MAX_UNITS);
    if (this.visible * this.hidden > 1 << 28) throw new ValueError(`${op}: visible x hidden must be at most 2^28, got ${this.visible * this.hidden}`);
    if (!TYPES.includes(visibleType)) throw new ValueError(`${op}: visibleType must be one of ${TYPES.join(', ')}, got ${describe(visibleType)}`);
    this.visibleType = visibleType;
    if (seed !== undefined) checkSeed(op, seed);
    checkFiniteF32(op, 'initStd', initStd, { min: 0 });
    const be = backend ?? getBackend();
    this.backend = be;
    const ptrs: number[] = [];
    try {
      for (const n of [this.visible * this.hidden, this.visible, this.hidden]) ptrs.push(be.alloc(n * 4));
      this.rng = new ModelRng(be, seed ?? randomSeed());
    } catch (err) {
      for (const p of ptrs) be.free(p);
      throw err;
    }
    [this.wPtr, this.bPtr, this.cPtr] = ptrs;
    this.held = reclaimOnCollect(this, { backend: be, ptrs, parts: [this.rng] });
    randNormal(be, { state: this.rng.ptr, n: this.visible * this.hidden, out: this.wPtr, mean: 0, std: initStd });
    fill(be, { n: this.visible, y: this.bPtr, value: 0 });
    fill(be, { n: this.hidden, y: this.cPtr, value: 0 });
  }

  /** Rebuilds an RBM from toJSON() output; throws ModelFormatError on anything malformed. */
  static fromJSON(json: unknown, options: { seed?: number; backend?: Backend } = {}): RBM {
    const op = 'RBM.fromJSON';
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ModelFormatError(`${op}: expected an object, got ${describe(json)}`);
    const j = json as Partial<RBMJSON>;
    if (j.type !== 'RBM') throw new ModelFormatError(`${op}: type must be "RBM", got ${describe(j.type)}`);
    if (j.version !== 1) throw new ModelFormatError(`${op}: version must be 1, got ${describe(j.version)}`);
    for (const key of ['visible', 'hidden'] as const) {
      const v = j[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_UNITS) {
        throw new ModelFormatError(`${op}: ${key} must be an integer in [1, ${MAX_UNITS}], got ${describe(v)}`);
      }
    }
    if (!TYPES.includes(j.visibleType as RBMVisibleType)) {
      throw new ModelFormatError(`${op}: visibleType must be one of ${TYPES.join(', ')}, got ${describe(j.visibleType)}`);
    }
    const v = j.visible as number;
    const h = j.hidden as number;
    if (v * h > 1 << 28) throw new ModelFormatError(`${op}: visible x hidden must be at most 2^28, got ${v * h}`);
    const weights = jsonNumbers(op, 'weights', j.weights, v * h);
    const visibleBias = jsonNumbers(op, 'visibleBias', j.visibleBias, v);
    const hiddenBias = jsonNumbers(op, 'hiddenBias', j.hiddenBias, h);
    const rbm = new RBM({ visible: v, hidden: h, visibleType: j.visibleType, seed: options.seed, backend: options.backend });
    rbm.setWeights({ weights, visibleBias, hiddenBias });
    rbm.fitted = true;
    return rbm;
  }

  /** The backend holding the weights. */
  getBackend(): Backend {
    return this.backend;
  }

  /** Copies of W (V x H), b and c. */
  getWeights(): RBMWeights {
    this.check('RBM.getWeights');
    const be = this.backend;
    return {
      weights: be.readF32(this.wPtr, this.visible * this.hidden),
      visibleBias: be.readF32(this.bPtr, this.visible),
      hiddenBias: be.readF32(this.cPtr, this.hidden),
    };
  }

  /** Replaces any of W (V x H, flat or nested), b and c; values must be finite. Nothing changes on error. */
  setWeights(values: { weights?: ArrayLike<number> | readonly ArrayLike<number>[]; visibleBias?: ArrayLike<number>; hiddenBias?: ArrayLike<number> }): void {
    const op = 'RBM.setWeights';
    this.check(op);
    if (values === null || typeof values !== 'object') throw new ValueError(`${op}: expected { weights, visibleBias, hiddenBias }, got ${describe(values)}`);
    const v = this.visible;
    const h = this.hidden;
    const w = values.weights === undefined ? null : matrixOf(op, 'weights', values.weights, v, h);
    const b = values.visibleBias === undefined ? null : vectorOf(op, 'visibleBias', values.visibleBias, v);
    const c = values.hiddenBias === undefined ? null : vectorOf(op, 'hiddenBias', values.hiddenBias, h);
    if (w) this.backend.writeF32(this.wPtr, w);
    if (b) this.backend.writeF32(this.bPtr, b);
    if (c) this.backend.writeF32(this.cPtr, c);
  }

  /** Every parameter flat: W, then b, then c (for callbacks such as EarlyStopping). */
  getWeightsFlat(): Float32Array {
    this.check('RBM.getWeightsFlat');
    const { weights, visibleBias, hiddenBias } = this.getWeights();
    const out = new Float32Array(weights.length + visibleBias.length + hiddenBias.length);
    out.set(weights, 0);
    out.set(visibleBias, weights.length);
    out.set(hiddenBias, weights.length + visibleBias.length);
    return out;
  }

  /** Restores getWeightsFlat() output. */
  setWeightsFlat(values: Float32Array): void {
    this.check('RBM.setWeightsFlat');
    const vh = this.visible * this.hidden;
    const total = vh + this.visible + this.hidden;
    if (!(values instanceof Float32Array) || values.length !== total) {
      throw new ShapeError(`RBM.setWeightsFlat: expected a Float32Array of ${total} values, got ${describe(values)}`);
    }
    this.setWeights({
      weights: values.subarray(0, vh),
      visibleBias: values.subarray(vh, vh + this.visible),
      hiddenBias: values.subarray(vh + this.visible),
    });
  }

  /**
   * Trains on rows of visible values with CD-k (Hinton 2002) or persistent
   * CD (Tieleman 2008), minibatch gradient steps with momentum and weight
   * decay. The per-epoch logs hold
   * reconstructionError (mean squared error per visible unit between each
   * batch and its one-step reconstruction, before that batch's update) and,
   * for Bernoulli units, pseudoLikelihood (mean log pseudo-likelihood per
   * row, estimated by flipping one random unit, as scikit-learn does).
   * Disposing the RBM from a callback ends training: fit rejects with
   * DisposedError and runs no further kernel.
   */
  async fit(data: RBMInput, options: RBMFitOptions = {}): Promise<History> {
    checkOptions('RBM.fit', options, ['epochs', 'batchSize', 'k', 'persistent', 'learningRate', 'momentum', 'weightDecay', 'shuffle', 'initVisibleBias', 'monitorRows', 'seed', 'callbacks', 'onEpochEnd'], 'options');
    const op = 'RBM.fit';
    this.check(op);
    if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object, got ${describe(options)}`);
    const x = this.rows(op, 'data', data);
    const n = x.length / this.visible;
    const epochs = checkInt(op, 'epochs', options.epochs ?? 10, 0);
    const batch = Math.min(n, checkInt(op, 'batchSize', options.batchSize ?? 64, 1, 1 << 16));
    const k = checkInt(op, 'k', options.k ?? 1, 1, 10000);
    const persistent = options.persistent ?? false;
    if (typeof persistent !== 'boolean') throw new ValueError(`${op}: persistent must be a boolean, got ${describe(persistent)}`);
    const lr = checkFiniteF32(op, 'learningRate', options.learningRate ?? (this.visibleType === 'gaussian' ? 0.01 : 0.1), { min: 0, minExclusive: true });
    const momentum = checkFiniteF32(op, 'momentum', options.momentum ?? 0, { min: 0, max: 1, maxExclusive: true });
    const wd = checkFiniteF32(op, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
    const shuffle = options.shuffle ?? true;
    if (typeof shuffle !== 'boolean') throw new ValueError(`${op}: shuffle must be a boolean, got ${describe(shuffle)}`);
    const initBias = options.initVisibleBias ?? true;
    if (typeof initBias !== 'boolean') throw new ValueError(`${op}: initVisibleBias must be a boolean, got ${describe(initBias)}`);
    const bernoulli = this.visibleType === 'bernoulli';
    const monitorRows = bernoulli ? checkInt(op, 'monitorRows', options.monitorRows ?? Math.min(n, 1000), 0) : 0;
    const cbs: Callback[] = options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks.slice() : [options.callbacks];
    for (const cb of cbs) if (cb === null || typeof cb !== 'object') throw new ValueError(`${op}: callbacks must be objects, got ${describe(cb)}`);
    if (options.onEpochEnd !== undefined) {
      if (typeof options.onEpochEnd !== 'function') throw new ValueError(`${op}: onEpochEnd must be a function, got ${describe(options.onEpochEnd)}`);
      cbs.push({ onEpochEnd: options.onEpochEnd });
    }
    if (options.seed !== undefined) this.rng.reseed(checkSeed(op, options.seed));

    if (!this.fitted && initBias) this.initVisibleBias(x, n);
    this.fitted = true;
    const plan = this.plan(batch, persistent);
    const history: History = { epoch: [], history: {} };
    const order = Int32Array.from({ length: n }, (_, i) => i);
    // A callback may dispose the RBM (or its backend) and allocate: the RBM's
    // freed memory can then belong to a new tensor. Each callback is followed
    // by a check, so no kernel runs on the weights after that.
    const notify = async (call: (cb: Callback) => void | Promise<void>): Promise<void> => {
      for (const cb of cbs) {
        await call(cb);
        this.check(op);
      }
    };
    try {
      if (persistent) this.initChains(plan, x, n);
      this.stopTraining = false;
      await notify((cb) => cb.setModel?.(this));
      await notify((cb) => cb.onTrainBegin?.());
      for (let epoch = 0; epoch < epochs && !this.stopTraining; epoch++) {
        await notify((cb) => cb.onEpochBegin?.(epoch));
        if (shuffle) this.rng.shuffle(order);
        let errSum = 0;
        for (let start = 0, bi = 0; start < n; start += batch, bi++) {
          const m = Math.min(batch, n - start);
          this.loadRows(plan.x0, x, order, start, m);
          const err = this.trainStep(plan, m, k, lr, momentum, wd);
          errSum += err;
          const batchLogs = { batch: bi, size: m, reconstructionError: err / (m * this.visible) };
          await notify((cb) => cb.onBatchEnd?.(bi, batchLogs));
        }
        const logs: Logs = { reconstructionError: errSum / (n * this.visible) };
        if (monitorRows > 0) logs.pseudoLikelihood = this.pseudoLikelihoodRows(plan, x, Math.min(monitorRows, n));
        history.epoch.push(epoch);
        for (const [key, value] of Object.entries(logs)) (history.history[key] ??= []).push(value);
        await notify((cb) => cb.onEpochEnd?.(epoch, logs));
      }
      await notify((cb) => cb.onTrainEnd?.());
    } finally {
      this.unplan(plan);
    }
    return history;
  }

  /** p(h = 1 | v) for each row: a new Float32Array of rows x H. */
  transform(v: RBMInput): Float32Array {
    const op = 'RBM.transform';
    this.check(op);
    const x = this.rows(op, 'v', v);
    const n = x.length / this.visible;
    const out = new Float32Array(n * this.hidden);
    this.chunked(x, n, (vp, hp, m, start) => {
      this.hiddenProbs(vp, hp, m, 1, 0);
      out.set(this.backend.f32().subarray(hp >>> 2, (hp >>> 2) + m * this.hidden), start * this.hidden);
    });
    return out;
  }

  /**
   * The mean-field reconstruction of each row: E[v | h] at h = p(h | v), i.e.
   * sigmoid(p(h|v) Wᵀ + b) (Bernoulli) or b + p(h|v) Wᵀ (Gaussian). Rows x V.
   */
  reconstruct(v: RBMInput): Float32Array {
    const op = 'RBM.reconstruct';
    this.check(op);
    const x = this.rows(op, 'v', v);
    const n = x.length / this.visible;
    const out = new Float32Array(n * this.visible);
    this.chunked(x, n, (vp, hp, m, start) => {
      this.hiddenProbs(vp, hp, m, 1, 0);
      this.visibleMeans(hp, vp, m, 1, 0);
      out.set(this.backend.f32().subarray(vp >>> 2, (vp >>> 2) + m * this.visible), start * this.visible);
    });
    return out;
  }

  /** E[v | h] for rows of hidden values (probabilities or 0/1): rows x V. The way down a deep belief net. */
  decode(h: RBMInput): Float32Array {
    const op = 'RBM.decode';
    this.check(op);
    const x = rowsOf(op, 'h', h, this.hidden, { what: 'unit' });
    const n = x.length / this.hidden;
    const be = this.backend;
    const m0 = Math.min(n, CHUNK);
    const hp = be.alloc(m0 * this.hidden * 4);
    let vp = 0;
    const out = new Float32Array(n * this.visible);
    try {
      vp = be.alloc(m0 * this.visible * 4);
      for (let start = 0; start < n; start += m0) {
        const m = Math.min(m0, n - start);
        be.writeF32(hp, x.subarray(start * this.hidden, (start + m) * this.hidden));
        this.visibleMeans(hp, vp, m, 1, 0);
        out.set(be.f32().subarray(vp >>> 2, (vp >>> 2) + m * this.visible), start * this.visible);
      }
    } finally {
      be.free(hp);
      if (vp) be.free(vp);
    }
    return out;
  }

  /** Mean squared error per visible unit between the rows and reconstruct(rows). */
  reconstructionError(v: RBMInput): number {
    const op = 'RBM.reconstructionError';
    this.check(op);
    const x = this.rows(op, 'v', v);
    const n = x.length / this.visible;
    const be = this.backend;
    const tp = be.alloc(Math.min(n, CHUNK) * this.visible * 4);
    let sum = 0;
    try {
      this.chunked(x, n, (vp, hp, m, start) => {
        be.writeF32(tp, x.subarray(start * this.visible, (start + m) * this.visible));
        this.hiddenProbs(vp, hp, m, 1, 0);
        this.visibleMeans(hp, vp, m, 1, 0);
        sum += mse(be, { n: m * this.visible, y: vp, t: tp });
      });
    } finally {
      be.free(tp);
    }
    return sum / (n * this.visible);
  }

  /**
   * Free energy F(v) = −log Σ_h exp(−E(v, h)) of each row, in float64:
   * −b·v − Σ_j softplus(c_j + v·W_j) (Bernoulli), or Σ (v_i − b_i)² / 2 − Σ_j softplus(...) (Gaussian).
   */
  freeEnergy(v: RBMInput): Float64Array {
    const op = 'RBM.freeEnergy';
    this.check(op);
    const x = this.rows(op, 'v', v);
    const n = x.length / this.visible;
    const out = new Float64Array(n);
    this.chunked(x, n, (vp, hp, m, start) => {
      this.preActivation(vp, hp, m);
      const f = this.backend.f32();
      for (let r = 0; r < m; r++) out[start + r] = this.freeEnergyRow(f, (vp >>> 2) + r * this.visible, (hp >>> 2) + r * this.hidden);
    });
    return out;
  }

  /**
   * Mean log pseudo-likelihood per row, Σ_i log p(v_i | v_−i) estimated as
   * V log sigmoid(F(ṽ) − F(v)) with ṽ = v with one random unit flipped
   * (scikit-learn's score). Bernoulli units; values are rounded to 0/1 first.
   */
  pseudoLikelihood(v: RBMInput, options: { seed?: number } = {}): number {
    const op = 'RBM.pseudoLikelihood';
    this.check(op);
    if (this.visibleType !== 'bernoulli') throw new ValueError(`${op}: pseudo-likelihood needs Bernoulli visible units, this RBM has ${this.visibleType} ones`);
    const x = this.rows(op, 'v', v);
    if (options.seed !== undefined) this.rng.reseed(checkSeed(op, options.seed));
    const n = x.length / this.visible;
    let sum = 0;
    this.chunked(x, n, (vp, hp, m) => {
      sum += this.pseudoLikelihoodBatch(vp, hp, m);
    });
    return sum / n;
  }

  /**
   * Block Gibbs sampling with every energy divided by T: each step draws
   * h ~ p(h | v) then v ~ p(v | h). T < 1 sharpens the distribution (towards
   * the modes), T > 1 flattens it.
   */
  sample(options: RBMSampleOptions = {}): RBMSample {
    checkOptions('RBM.sample', options, ['steps', 'temperature', 'init', 'chains', 'seed'], 'options');
    const op = 'RBM.sample';
    this.check(op);
    if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object, got ${describe(options)}`);
    const steps = checkInt(op, 'steps', options.steps ?? 1, 1, 1 << 24);
    const t = checkTemperature(op, options.temperature ?? 1);
    const init = options.init ?? 'random';
    let start: Float32Array | null = null;
    let chains: number;
    if (init === 'random') {
      chains = checkInt(op, 'chains', options.chains ?? 1, 1, 1 << 16);
    } else {
      start = this.rows(op, 'init', init);
      chains = start.length / this.visible;
      if (options.chains !== undefined && options.chains !== chains) {
        throw new ShapeError(`${op}: chains (${describe(options.chains)}) must equal the number of init rows (${chains})`);
      }
    }
    if (options.seed !== undefined) this.rng.reseed(checkSeed(op, options.seed));
    const be = this.backend;
    const V = this.visible;
    const H = this.hidden;
    const ptrs: number[] = [];
    try {
      // v (sample), vp (means), h (sample), hp (probabilities), b/T, c/T.
      for (const size of [chains * V, chains * V, chains * H, chains * H, V, H]) ptrs.push(be.alloc(size * 4));
      const [v, vp, h, hp, bT, cT] = ptrs;
      scale(be, { n: V, x: this.bPtr, y: bT, alpha: 1 / t });
      scale(be, { n: H, x: this.cPtr, y: cT, alpha: 1 / t });
      if (start) be.writeF32(v, start);
      else if (this.visibleType === 'bernoulli') randBernoulli(be, { state: this.rng.ptr, n: chains * V, out: v, p: 0.5 });
      else {
        randNormal(be, { state: this.rng.ptr, n: chains * V, out: v, mean: 0, std: 1 });
        for (let r = 0; r < chains; r++) add(be, { n: V, x: v + r * V * 4, y: this.bPtr, z: v + r * V * 4 });
      }
      for (let s = 0; s < steps; s++) {
        this.hiddenProbs(v, hp, chains, t, cT);
        sampleBernoulli(be, { state: this.rng.ptr, n: chains * H, probs: hp, out: h });
        this.visibleMeans(h, vp, chains, t, bT);
        this.sampleVisible(vp, v, chains * V, t);
      }
      this.hiddenProbs(v, hp, chains, t, cT);
      return {
        chains,
        visible: be.readF32(v, chains * V),
        visibleProbabilities: be.readF32(vp, chains * V),
        hidden: be.readF32(h, chains * H),
        hiddenProbabilities: be.readF32(hp, chains * H),
      };
    } finally {
      for (const p of ptrs) be.free(p);
    }
  }

  /** A plain object with the configuration and every parameter (exact float32 values). */
  toJSON(): RBMJSON {
    this.check('RBM.toJSON');
    const { weights, visibleBias, hiddenBias } = this.getWeights();
    return {
      type: 'RBM',
      version: 1,
      visible: this.visible,
      hidden: this.hidden,
      visibleType: this.visibleType,
      weights: Array.from(weights),
      visibleBias: Array.from(visibleBias),
      hiddenBias: Array.from(hiddenBias),
    };
  }

  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the RBM's wasm memory; later use throws DisposedError. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    forget(this);
    release(this.held);
  }

  // ---- training ----

  // One CD-k / PCD update on the m rows at plan.x0; returns the summed squared reconstruction error.
  private trainStep(p: Plan, m: number, k: number, lr: number, momentum: number, wd: number): number {
    const be = this.backend;
    const V = this.visible;
    const H = this.hidden;
    const rng = this.rng.ptr;
    // Positive phase: h0 = p(h | x0), hs ~ h0.
    this.hiddenProbs(p.x0, p.h0, m, 1, 0);
    sampleBernoulli(be, { state: rng, n: m * H, probs: p.h0, out: p.hs });
    let err: number;
    if (p.persistent) {
      // Monitor only: the one-step reconstruction of the data, from hs.
      this.visibleMeans(p.hs, p.rec, m, 1, 0);
      err = mse(be, { n: m * V, y: p.rec, t: p.x0 });
      // The fantasy chains continue from their own state: hs ~ p(h | vk).
      this.hiddenProbs(p.vk, p.hk, m, 1, 0);
      sampleBernoulli(be, { state: rng, n: m * H, probs: p.hk, out: p.hs });
    } else {
      err = 0;
    }
    for (let step = 1; step <= k; step++) {
      this.visibleMeans(p.hs, p.vk, m, 1, 0);
      if (step === 1 && !p.persistent) err = mse(be, { n: m * V, y: p.vk, t: p.x0 });
      // Intermediate visible states, and every state of a persistent chain, are samples;
      // the last CD state stays a mean (Hinton's practical guide: less sampling noise).
      if (step < k || p.persistent) this.sampleVisible(p.vk, p.vk, m * V, 1);
      this.hiddenProbs(p.vk, p.hk, m, 1, 0);
      if (step < k) sampleBernoulli(be, { state: rng, n: m * H, probs: p.hk, out: p.hs });
    }
    // Gradient of the negative log-likelihood: (<v h>model − <v h>data) / m.
    gemm(be, { m: V, n: H, k: m, a: p.vk, b: p.hk, c: p.gW, transA: true, alpha: 1 / m });
    gemm(be, { m: V, n: H, k: m, a: p.x0, b: p.h0, c: p.gW, transA: true, alpha: -1 / m, beta: 1 });
    colsum(be, { m, n: V, x: p.vk, out: p.gb });
    colsum(be, { m, n: V, x: p.x0, out: p.tV });
    axpy(be, { n: V, x: p.tV, y: p.gb, alpha: -1 });
    scale(be, { n: V, x: p.gb, y: p.gb, alpha: 1 / m });
    colsum(be, { m, n: H, x: p.hk, out: p.gc });
    colsum(be, { m, n: H, x: p.h0, out: p.tH });
    axpy(be, { n: H, x: p.tH, y: p.gc, alpha: -1 });
    scale(be, { n: H, x: p.gc, y: p.gc, alpha: 1 / m });
    momentumStep(be, { n: V * H, w: this.wPtr, g: p.gW, v: p.mW, lr, mu: momentum, wd });
    momentumStep(be, { n: V, w: this.bPtr, g: p.gb, v: p.mb, lr, mu: momentum });
    momentumStep(be, { n: H, w: this.cPtr, g: p.gc, v: p.mc, lr, mu: momentum });
    return err;
  }

  // Every buffer a training step touches, allocated at once (freed by unplan).
  private plan(rows: number, persistent: boolean): Plan {
    const be = this.backend;
    const V = this.visible;
    const H = this.hidden;
    const sizes: [keyof Plan, number][] = [
      ['x0', rows * V], ['h0', rows * H], ['hs', rows * H], ['vk', rows * V], ['hk', rows * H],
      ['rec', persistent ? rows * V : 0], ['gW', V * H], ['gb', V], ['gc', H], ['tV', V], ['tH', H],
      ['mW', V * H], ['mb', V], ['mc', H],
    ];
    const p = { rows, persistent } as Plan;
    const got: number[] = [];
    try {
      for (const [key, size] of sizes) {
        const ptr = size > 0 ? be.alloc(size * 4) : 0;
        if (ptr) got.push(ptr);
        (p as unknown as Record<string, number>)[key] = ptr;
      }
      // Reserve the GEMM workspace now so the first step does not grow memory.
      be.gemmWorkspace(Math.max(rows, V), Math.max(V, H), Math.max(rows, V, H));
    } catch (err) {
      for (const ptr of got) be.free(ptr);
      throw err;
    }
    fill(be, { n: V * H, y: p.mW, value: 0 });
    fill(be, { n: V, y: p.mb, value: 0 });
    fill(be, { n: H, y: p.mc, value: 0 });
    return p;
  }

  private unplan(p: Plan): void {
    const be = this.backend;
    for (const key of ['x0', 'h0', 'hs', 'vk', 'hk', 'rec', 'gW', 'gb', 'gc', 'tV', 'tH', 'mW', 'mb', 'mc'] as const) {
      const ptr = p[key];
      if (ptr && be.isLive(ptr)) be.free(ptr);
    }
  }

  // PCD fantasy chains start from random data rows.
  private initChains(p: Plan, x: Float32Array, n: number): void {
    const f = this.backend.f32();
    const V = this.visible;
    for (let r = 0; r < p.rows; r++) {
      const src = this.rng.int(n);
      f.set(x.subarray(src * V, (src + 1) * V), (p.vk >>> 2) + r * V);
    }
    if (this.visibleType === 'bernoulli') sampleBernoulli(this.backend, { state: this.rng.ptr, n: p.rows * V, probs: p.vk, out: p.vk });
  }

  private initVisibleBias(x: Float32Array, n: number): void {
    const V = this.visible;
    const mean = new Float64Array(V);
    for (let r = 0; r < n; r++) for (let i = 0; i < V; i++) mean[i] += x[r * V + i];
    const b = new Float32Array(V);
    for (let i = 0; i < V; i++) {
      const m = mean[i] / n;
      if (this.visibleType === 'gaussian') b[i] = m;
      else {
        const q = Math.min(0.99, Math.max(0.01, m));
        b[i] = Math.log(q / (1 - q));
      }
    }
    this.backend.writeF32(this.bPtr, b);
  }

  private loadRows(dst: number, x: Float32Array, order: Int32Array, start: number, m: number): void {
    const f = this.backend.f32();
    const V = this.visible;
    const base = dst >>> 2;
    for (let r = 0; r < m; r++) {
      const src = order[start + r];
      f.set(x.subarray(src * V, (src + 1) * V), base + r * V);
    }
  }

  // Mean log pseudo-likelihood of the first `rows` rows of x, through the plan's buffers.
  private pseudoLikelihoodRows(p: Plan, x: Float32Array, rows: number): number {
    const V = this.visible;
    let sum = 0;
    for (let start = 0; start < rows; start += p.rows) {
      const m = Math.min(p.rows, rows - start);
      this.backend.writeF32(p.x0, x.subarray(start * V, (start + m) * V));
      sum += this.pseudoLikelihoodBatch(p.x0, p.h0, m);
    }
    return sum / rows;
  }

  // Σ over m rows at vp (rounded to 0/1 in place) of V log sigmoid(F(ṽ) − F(v)); hp is m x H scratch.
  private pseudoLikelihoodBatch(vp: number, hp: number, m: number): number {
    const V = this.visible;
    const H = this.hidden;
    const be = this.backend;
    const f0 = be.f32();
    for (let i = vp >>> 2, end = i + m * V; i < end; i++) f0[i] = f0[i] >= 0.5 ? 1 : 0;
    this.preActivation(vp, hp, m);
    const f = be.f32();
    const w = this.wPtr >>> 2;
    const b = this.bPtr >>> 2;
    let sum = 0;
    for (let r = 0; r < m; r++) {
      const vr = (vp >>> 2) + r * V;
      const hr = (hp >>> 2) + r * H;
      const i = this.rng.int(V);
      const vi = f[vr + i];
      const d = 1 - 2 * vi; // +1 when the flip turns the unit on
      let fv = -f[b + i] * vi;
      let ff = -f[b + i] * (vi + d);
      for (let j = 0; j < H; j++) {
        const a = f[hr + j];
        fv -= softplus(a);
        ff -= softplus(a + d * f[w + i * H + j]);
      }
      // The other visible terms are common to F(v) and F(ṽ) and cancel.
      sum += V * -softplus(-(ff - fv));
    }
    return sum;
  }

  // ---- conditionals (each one GEMM with the bias and activation fused) ----

  // hp (m x H) = sigmoid((v W + c) / T); cT holds c / T when T != 1.
  private hiddenProbs(v: number, hp: number, m: number, t: number, cT: number): void {
    gemm(this.backend, { m, n: this.hidden, k: this.visible, a: v, b: this.wPtr, c: hp, alpha: 1 / t, bias: t === 1 ? this.cPtr : cT, act: ACT.sigmoid });
  }

  // vp (m x V) = sigmoid((h Wᵀ + b) / T) (bT holds b / T when T != 1); for Gaussian units the mean b + h Wᵀ does not depend on T.
  private visibleMeans(h: number, vp: number, m: number, t: number, bT: number): void {
    if (this.visibleType === 'bernoulli') {
      gemm(this.backend, { m, n: this.visible, k: this.hidden, a: h, b: this.wPtr, c: vp, transB: true, alpha: 1 / t, bias: t === 1 ? this.bPtr : bT, act: ACT.sigmoid });
    } else {
      gemm(this.backend, { m, n: this.visible, k: this.hidden, a: h, b: this.wPtr, c: vp, transB: true, bias: this.bPtr });
    }
  }

  // v = a sample of the visible units given their means vp (may alias): Bernoulli draws, or vp + N(0, T).
  private sampleVisible(vp: number, v: number, count: number, t: number): void {
    const be = this.backend;
    if (this.visibleType === 'bernoulli') {
      sampleBernoulli(be, { state: this.rng.ptr, n: count, probs: vp, out: v });
    } else {
      // The noise goes to v first (v may alias vp only when the caller wants the sample in place).
      if (v === vp) {
        for (let o = 0; o < count; o += CHUNK * 4) {
          const c = Math.min(CHUNK * 4, count - o);
          const noise = be.scratch(c * 4);
          randNormal(be, { state: this.rng.ptr, n: c, out: noise, mean: 0, std: Math.sqrt(t) });
          add(be, { n: c, x: vp + o * 4, y: noise, z: v + o * 4 });
        }
      } else {
        randNormal(be, { state: this.rng.ptr, n: count, out: v, mean: 0, std: Math.sqrt(t) });
        add(be, { n: count, x: v, y: vp, z: v });
      }
    }
  }

  // hp (m x H) = v W + c.
  private preActivation(v: number, hp: number, m: number): void {
    gemm(this.backend, { m, n: this.hidden, k: this.visible, a: v, b: this.wPtr, c: hp, bias: this.cPtr });
  }

  private freeEnergyRow(f: Float32Array, vr: number, hr: number): number {
    const V = this.visible;
    const b = this.bPtr >>> 2;
    let e = 0;
    if (this.visibleType === 'bernoulli') {
      for (let i = 0; i < V; i++) e -= f[b + i] * f[vr + i];
    } else {
      for (let i = 0; i < V; i++) e += 0.5 * (f[vr + i] - f[b + i]) ** 2;
    }
    for (let j = 0; j < this.hidden; j++) e -= softplus(f[hr + j]);
    return e;
  }

  // Runs fn over chunks of up to CHUNK rows copied into temporary visible and hidden buffers.
  private chunked(x: Float32Array, n: number, fn: (vp: number, hp: number, m: number, start: number) => void): void {
    const be = this.backend;
    const m0 = Math.min(n, CHUNK);
    const vp = be.alloc(m0 * this.visible * 4);
    let hp = 0;
    try {
      hp = be.alloc(m0 * this.hidden * 4);
      for (let start = 0; start < n; start += m0) {
        const m = Math.min(m0, n - start);
        be.writeF32(vp, x.subarray(start * this.visible, (start + m) * this.visible));
        fn(vp, hp, m, start);
      }
    } finally {
      be.free(vp);
      if (hp) be.free(hp);
    }
  }

  private rows(op: string, name: string, x: RBMInput): Float32Array {
    const out = rowsOf(op, name, x, this.visible, { what: 'unit' });
    if (this.visibleType === 'bernoulli') {
      for (let i = 0; i < out.length; i++) {
        const v = out[i];
        if (!(v >= 0 && v <= 1)) {
          throw new ValueError(`${op}: ${name} row ${Math.floor(i / this.visible)}, unit ${i % this.visible} must be in [0, 1] for Bernoulli visible units, got ${describe(v)}`);
        }
      }
    }
    return out;
  }

  private check(op: string): void {
    if (this.disposed) throw new DisposedError(`${op}: this RBM was disposed`);
    this.backend.check();
  }
}

/** log(1 + exp(x)) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
