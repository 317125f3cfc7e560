import type { Backend } from '../runtime/backend.js';
import { getBackend } from '../runtime/init.js';
import {
  DisposedError, NonFiniteLossError, ShapeError, ValueError, checkFinite, checkInt, describe,
} from '../errors.js';
import { Tensor, flattenNested, fmt, sizeOf, type NestedArray } from '../tensor.js';
import { Layer, layerFromJSON, type LayerJSON, type Param, type StepContext } from '../layers/layer.js';
import { initialize } from '../layers/initializers.js';
import { Conv } from '../layers/conv.js';
import { checkLoss, computeLoss, type CanonicalLoss, type LossName } from '../losses/index.js';
import { LBFGS, Optimizer, getOptimizer, type OptimizerName } from '../optimizers/index.js';
import { ModelRng, randomSeed } from './rng.js';
import type { Callback, Logs, TrainableModel } from './callbacks.js';
import { argmaxRows, countNonFinite, fill } from '../kernels/elementwise.js';
import { mse } from '../kernels/loss.js';

/** Model inputs: a Tensor, nested arrays, or a flat Float32Array of whole samples. */
export type ModelInput = Tensor | NestedArray | Float32Array | ArrayLike<number>;

/** Options of sequential(). */
export interface SequentialConfig {
  layers?: Layer[];
  name?: string;
  /** Seed for weight initialisation, shuffling and dropout; same seed, same numbers bit for bit. */
  seed?: number;
  /** Backend to allocate in; default: the one init() created. */
  backend?: Backend;
}

/** Options of compile(). */
export interface CompileArgs {
  optimizer: OptimizerName | Optimizer | LBFGS;
  loss: LossName;
  /** 'accuracy' (alias 'acc') and 'mse' are available. */
  metrics?: string[];
  /**
   * The last layer is linear and its outputs are logits: cross-entropy losses
   * apply softmax / sigmoid themselves. Default false.
   */
  fromLogits?: boolean;
}

/** Options of fit(). */
export interface FitArgs {
  epochs?: number;
  /** Rows per gradient step: 1 is per-sample SGD, the dataset size is full-batch gradient descent. Default 32. */
  batchSize?: number;
  /** Reshuffle the training rows every epoch. Default true. */
  shuffle?: boolean;
  /** Fraction of rows, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** Explicit validation set [x, y]; takes precedence over validationSplit. */
  validationData?: [ModelInput, ModelInput];
  callbacks?: Callback[] | Callback;
  /** Reseeds the model's generator (shuffling, dropout) before training. */
  seed?: number;
  /** Epoch to start counting from (for resumed training). Default 0. */
  initialEpoch?: number;
}

/** What fit() returns (TensorFlow.js History). */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

/** Rows of samples as a flat float32 array. */
interface Rows {
  data: Float32Array;
  n: number;
  /** Shape of one sample. */
  sample: number[];
  /** Set when the values are checked for NaN / Inf chunk by chunk in wasm, as they are loaded (read-only calls): op and argument name. */
  deferred?: [string, string];
}

/** Targets prepared for a loss. */
interface Targets {
  /** Float rows (dense targets), or null for integer labels. */
  rows: Float32Array | null;
  /** Integer class per sample: sparse labels, or argmax of one-hot rows (for accuracy). */
  labels: Int32Array | null;
  n: number;
}

interface Plan {
  capacity: number;
  /** Planned for training: gradient buffers, the backup arena and the layers' backward scratch exist. */
  training: boolean;
  /** Parameters as they were before the latest update (restored when training goes non-finite); 0 for inference. */
  backup: number;
  x: number;
  outs: number[];
  /** Gradients with respect to each layer's output (empty for inference). */
  grads: number[];
  targets: number;
  labels: number;
  argmax: number;
}

interface Compiled {
  loss: CanonicalLoss;
  optimizer: Optimizer | LBFGS;
  metrics: ('accuracy' | 'mse')[];
  fromLogits: boolean;
}

// Every parameter starts on a 16-byte boundary inside the arenas.
const pad4 = (n: number) => (n + 3) & ~3;

/**
 * A linear stack of layers (Keras / TensorFlow.js Sequential). Parameters,
 * gradients and optimizer state each live in one contiguous arena in wasm
 * memory, laid out alike, so zeroing gradients, clipping and the optimizer
 * update are single kernel calls. Activations are planned once per batch
 * capacity: a training step allocates nothing.
 */
export class Sequential implements TrainableModel {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set by a callback to end fit() after the current epoch. */
  stopTraining = false;
  private backend: Backend | null;
  private readonly seed: number;
  private rng: ModelRng | null = null;
  private inputShape: number[] | null = null;
  private paramArena = 0;
  private gradArena = 0;
  private arenaSize = 0;
  private compiled: Compiled | null = null;
  private plan: Plan | null = null;
  private disposed = false;

  constructor(config: SequentialConfig = {}) {
    if (config === null || typeof config !== 'object') throw new ValueError(`sequential: config must be an object, got ${describe(config)}`);
    this.name = config.name ?? 'sequential';
    this.seed = config.seed === undefined ? randomSeed() : checkFinite('sequential', 'seed', config.seed);
    this.backend = config.backend ?? null;
    for (const layer of config.layers ?? []) this.add(layer);
  }

  /** Appends a layer (before the model is built). */
  add(layer: Layer): void {
    this.checkLive();
    if (!(layer instanceof Layer)) throw new ValueError(`add: expected a layer, got ${describe(layer)}`);
    if (this.inputShape) throw new ValueError(`add: the model is already built; create a new model to change its layers`);
    if (this.layers.includes(layer)) throw new ValueError(`add: layer ${layer.name} is already in the model`);
    if (this.layers.some((l) => l.name === layer.name)) throw new ValueError(`add: a layer named ${describe(layer.name)} is already in the model`);
    this.layers.push(layer);
  }

  /** True once weights exist. */
  get built(): boolean {
    return this.inputShape !== null;
  }

  /** Per-sample output shape (after build). */
  get outputShape(): number[] {
    const last = this.layers[this.layers.length - 1];
    if (!this.built || !last.outputShape) throw new ValueError(`outputShape: the model is not built yet`);
    return last.outputShape.slice();
  }

  /**
   * Builds every layer for a per-sample input shape and initialises the
   * weights from the model's seed. Called by compile() when the first layer
   * declares inputShape, else by the first fit / predict.
   */
  build(inputShape?: readonly number[]): void {
    this.checkLive();
    if (this.built) return;
    if (this.layers.length === 0) throw new ValueError(`build: the model has no layers`);
    const shape = inputShape ?? this.layers[0].declaredInputShape;
    if (!shape) throw new ShapeError(`build: the first layer needs inputShape (e.g. dense({ units, inputShape: [784] })), or pass data to fit() first`);
    const be = this.backend ?? getBackend();
    this.backend = be;
    let s: readonly number[] = shape;
    for (const layer of this.layers) {
      layer.build(s);
      s = layer.outputShape as number[];
    }
    // Place every declared weight in the arenas.
    const places: { layer: Layer; specs: { name: string; shape: number[]; offset: number; size: number }[] }[] = [];
    let offset = 0;
    for (const layer of this.layers) {
      const specs = layer.specs().map((w) => {
        const size = sizeOf(w.shape);
        const place = { name: w.name, shape: w.shape.slice(), offset, size };
        offset += pad4(size);
        return place;
      });
      places.push({ layer, specs });
    }
    this.arenaSize = offset;
    const total = Math.max(4, offset);
    const rng = new ModelRng(be, this.seed);
    let paramArena = 0;
    try {
      paramArena = be.alloc(total * 4);
      this.gradArena = be.alloc(total * 4);
    } catch (err) {
      if (paramArena) be.free(paramArena);
      rng.dispose();
      throw err;
    }
    this.paramArena = paramArena;
    this.rng = rng;
    fill(be, { n: total, y: this.paramArena, value: 0 });
    fill(be, { n: total, y: this.gradArena, value: 0 });
    for (const { layer, specs } of places) {
      const params: Param[] = specs.map((p) => ({
        name: p.name, shape: p.shape, size: p.size, value: this.paramArena + p.offset * 4, grad: this.gradArena + p.offset * 4,
      }));
      layer.bind(be, params);
      layer.specs().forEach((w, i) => initialize(be, w.initializer, params[i].value, params[i].size, w.fanIn, w.fanOut, rng.ptr));
    }
    this.inputShape = shape.slice();
  }

  /** Sets the loss, optimizer and metrics. */
  compile(args: CompileArgs): void {
    this.checkLive();
    if (!args || typeof args !== 'object') throw new ValueError(`compile: expected { optimizer, loss, metrics }, got ${describe(args)}`);
    const loss = checkLoss('compile', args.loss);
    const optimizer = getOptimizer('compile', args.optimizer);
    const metrics = (args.metrics ?? []).map((m) => {
      if (m === 'accuracy' || m === 'acc') return 'accuracy' as const;
      if (m === 'mse' || m === 'meanSquaredError') return 'mse' as const;
      throw new ValueError(`compile: metrics may contain 'accuracy' and 'mse', got ${describe(m)}`);
    });
    if (args.fromLogits !== undefined && typeof args.fromLogits !== 'boolean') {
      throw new ValueError(`compile: fromLogits must be a boolean, got ${describe(args.fromLogits)}`);
    }
    const fromLogits = args.fromLogits ?? false;
    const last = this.layers[this.layers.length - 1] as Layer & { activation?: string };
    if (!last) throw new ValueError(`compile: the model has no layers`);
    const act = last.activation ?? 'linear';
    if ((loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') && act !== 'softmax' && !(fromLogits && act === 'linear')) {
      throw new ValueError(`compile: ${loss} needs a softmax output layer (or a linear one with fromLogits: true); the last layer's activation is ${describe(act)}`);
    }
    if (loss === 'binaryCrossentropy' && fromLogits && act !== 'linear') {
      throw new ValueError(`compile: fromLogits needs a linear output layer; the last layer's activation is ${describe(act)}`);
    }
    if (this.compiled && this.compiled.optimizer !== optimizer) this.compiled.optimizer.dispose();
    this.compiled = { loss, optimizer, metrics, fromLogits };
    if (this.layers[0].declaredInputShape) this.build();
    if (this.built && optimizer instanceof Optimizer) optimizer.bind(this.backend as Backend, this.arenaSize);
  }

  /**
   * Trains for a number of epochs over (x, y) in mini-batches and returns the
   * per-epoch metrics. With the L-BFGS optimizer each epoch is one full-batch
   * L-BFGS iteration. A non-finite loss stops training with a
   * NonFiniteLossError naming the epoch and batch, after restoring the
   * weights from the start of that epoch.
   */
  async fit(x: ModelInput, y: ModelInput, args: FitArgs = {}): Promise<History> {
    this.checkLive();
    const compiled = this.requireCompiled('fit');
    if (args === null || typeof args !== 'object') throw new ValueError(`fit: options must be an object, got ${describe(args)}`);
    const epochs = checkInt('fit', 'epochs', args.epochs ?? 1, 1, 1e7);
    const initialEpoch = checkInt('fit', 'initialEpoch', args.initialEpoch ?? 0, 0, 1e7);
    const shuffle = args.shuffle ?? true;
    if (typeof shuffle !== 'boolean') throw new ValueError(`fit: shuffle must be a boolean, got ${describe(shuffle)}`);
    const split = checkFinite('fit', 'validationSplit', args.validationSplit ?? 0, 0, 0.99);
    const cbs = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
    let X = this.rows('fit', 'x', x);
    let Y = this.targets('fit', 'y', y, X.n);
    let valX: Rows | null = null;
    let valY: Targets | null = null;
    if (args.validationData) {
      if (!Array.isArray(args.validationData) || args.validationData.length !== 2) {
        throw new ValueError(`fit: validationData must be [x, y], got ${describe(args.validationData)}`);
      }
      valX = this.rows('fit', 'validationData[0]', args.validationData[0]);
      valY = this.targets('fit', 'validationData[1]', args.validationData[1], valX.n);
    } else if (split > 0) {
      const nVal = Math.floor(X.n * split);
      if (nVal < 1 || nVal >= X.n) throw new ValueError(`fit: validationSplit ${split} leaves ${X.n - nVal} training and ${nVal} validation rows of ${X.n}`);
      [X, valX] = splitRows(X, X.n - nVal);
      [Y, valY] = splitTargets(Y, X.n, this.outputSize());
    }
    const lbfgs = compiled.optimizer instanceof LBFGS;
    const batchSize = lbfgs ? Math.min(X.n, 1024) : checkInt('fit', 'batchSize', args.batchSize ?? 32, 1, 1 << 20);
    const be = this.backend as Backend;
    if (args.seed !== undefined) (this.rng as ModelRng).reseed(checkFinite('fit', 'seed', args.seed));
    this.ensurePlan(Math.min(batchSize, X.n), true);
    if (compiled.optimizer instanceof Optimizer) this.ensureOptimizer(compiled.optimizer);

    const history: History = { epoch: [], history: {} };
    const record = (logs: Logs) => {
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
    };
    this.stopTraining = false;
    for (const cb of cbs) cb.setModel?.(this);
    for (const cb of cbs) await cb.onTrainBegin?.();
    const order = new Int32Array(X.n);
    for (let i = 0; i < X.n; i++) order[i] = i;
    let lbfgsState: { w: Float64Array; loss: number; grad: Float64Array } | null = null;

    for (let epoch = initialEpoch; epoch < initialEpoch + epochs && !this.stopTraining; epoch++) {
      for (const cb of cbs) await cb.onEpochBegin?.(epoch);
      // Weights to fall back to if this epoch diverges: the last finite weights
      // of a diverging run are finite but useless.
      const snapshot = this.getWeightsFlat();
      let logs: Logs;
      if (lbfgs) {
        const opt = compiled.optimizer as LBFGS;
        const evaluate = (w: Float64Array) => this.fullBatchLossAndGrad(w, X, Y);
        if (!lbfgsState) {
          const w0 = this.weights64();
          lbfgsState = { w: w0, ...evaluate(w0) };
        }
        const r = opt.iterate(lbfgsState.w, lbfgsState.loss, lbfgsState.grad, evaluate);
        lbfgsState = r;
        this.setWeights64(r.w);
        if (!Number.isFinite(r.loss)) this.abortNonFinite(epoch, 1, snapshot);
        logs = { loss: r.loss };
        if (compiled.metrics.length) Object.assign(logs, this.evaluateRows(X, Y, false));
        if (r.converged) this.stopTraining = true;
      } else {
        if (shuffle) (this.rng as ModelRng).shuffle(order);
        let lossSum = 0;
        let correct = 0;
        let counted = 0;
        let mseSum = 0;
        let batchIndex = 0;
        for (let start = 0; start < X.n; start += batchSize, batchIndex++) {
          const rows = Math.min(batchSize, X.n - start);
          for (const cb of cbs) await cb.onBatchBegin?.(batchIndex, { batch: batchIndex, size: rows });
          this.loadBatch(X, Y, order, start, rows);
          const loss = this.trainStep(rows, false);
          if (!Number.isFinite(loss)) this.abortNonFinite(epoch, batchIndex + 1, snapshot);
          lossSum += loss * rows;
          const batchLogs: Logs = { batch: batchIndex, size: rows, loss };
          if (compiled.metrics.includes('accuracy')) {
            const [c, total] = this.countCorrect(rows, Y, order, start);
            correct += c;
            counted += total;
            batchLogs.accuracy = c / total;
          }
          if (compiled.metrics.includes('mse')) {
            const m = this.batchMse(rows);
            mseSum += m * rows;
            batchLogs.mse = m;
          }
          for (const cb of cbs) await cb.onBatchEnd?.(batchIndex, batchLogs);
        }
        logs = { loss: lossSum / X.n };
        if (compiled.metrics.includes('accuracy')) logs.accuracy = correct / counted;
        if (compiled.metrics.includes('mse')) logs.mse = mseSum / X.n;
      }
      if (valX && valY) {
        const v = this.evaluateRows(valX, valY, true);
        for (const [k, val] of Object.entries(v)) logs[`val_${k}`] = val;
      }
      history.epoch.push(epoch);
      record(logs);
      for (const cb of cbs) await cb.onEpochEnd?.(epoch, logs);
      // Let timers, I/O and rendering run between epochs.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    for (const cb of cbs) await cb.onTrainEnd?.();
    return history;
  }

  /**
   * One gradient step on one batch (its size is the batch). Returns the loss,
   * or [loss, ...metrics] when metrics were compiled (TensorFlow.js order).
   */
  trainOnBatch(x: ModelInput, y: ModelInput): number | number[] {
    this.checkLive();
    const compiled = this.requireCompiled('trainOnBatch');
    if (compiled.optimizer instanceof LBFGS) throw new ValueError(`trainOnBatch: L-BFGS works on the full batch; use fit()`);
    const X = this.rows('trainOnBatch', 'x', x);
    const Y = this.targets('trainOnBatch', 'y', y, X.n);
    this.ensurePlan(X.n, true);
    this.ensureOptimizer(compiled.optimizer);
    const order = identity(X.n);
    this.loadBatch(X, Y, order, 0, X.n);
    const loss = this.trainStep(X.n, true);
    if (!Number.isFinite(loss)) this.abortNonFinite(0, 1);
    if (!compiled.metrics.length) return loss;
    const out = [loss];
    for (const m of compiled.metrics) {
      if (m === 'accuracy') {
        const [c, t] = this.countCorrect(X.n, Y, order, 0);
        out.push(c / t);
      } else out.push(this.batchMse(X.n));
    }
    return out;
  }

  /** Loss and metrics over a dataset, without training (dropout off). */
  evaluate(x: ModelInput, y: ModelInput, args: { batchSize?: number } = {}): Logs {
    this.checkLive();
    this.requireCompiled('evaluate');
    const X = this.rows('evaluate', 'x', x, true);
    const Y = this.targets('evaluate', 'y', y, X.n);
    if (args.batchSize !== undefined) checkInt('evaluate', 'batchSize', args.batchSize, 1, 1 << 20);
    return this.evaluateRows(X, Y, true, args.batchSize);
  }

  /** Outputs for every sample, as a new tensor [n, ...outputShape] (dropout off). */
  predict(x: ModelInput, args: { batchSize?: number } = {}): Tensor {
    this.checkLive();
    const X = this.rows('predict', 'x', x, true);
    const batch = args.batchSize === undefined ? undefined : checkInt('predict', 'batchSize', args.batchSize, 1, 1 << 20);
    const be = this.backend as Backend;
    const outSize = this.outputSize();
    const outPtr = be.alloc(Math.max(1, X.n * outSize) * 4);
    try {
      this.forEachChunk(X, batch, (start, rows, yPtr) => {
        be.u8().copyWithin(outPtr + start * outSize * 4, yPtr, yPtr + rows * outSize * 4);
      });
    } catch (err) {
      be.free(outPtr);
      throw err;
    }
    return new Tensor(be, [X.n, ...this.outputShape], outPtr);
  }

  /**
   * Mean loss over (x, y) and its gradient with respect to every parameter,
   * flat in getWeightsFlat() order, without changing the weights. With
   * training: true, dropout is active (reseed with `seed` to fix its mask).
   */
  gradientsFlat(x: ModelInput, y: ModelInput, args: { training?: boolean; seed?: number } = {}): { loss: number; gradients: Float32Array } {
    this.checkLive();
    this.requireCompiled('gradientsFlat');
    const X = this.rows('gradientsFlat', 'x', x);
    const Y = this.targets('gradientsFlat', 'y', y, X.n);
    if (args.seed !== undefined) (this.rng as ModelRng).reseed(checkFinite('gradientsFlat', 'seed', args.seed));
    this.ensurePlan(Math.min(X.n, 1024), true);
    return this.accumulateGradients(X, Y, args.training ?? false);
  }

  /** Every layer's weights, in order (copies). */
  getWeights(): Tensor[] {
    this.checkLive();
    this.requireBuilt('getWeights');
    return this.layers.flatMap((l) => l.getWeights());
  }

  /** Replaces every layer's weights (same order and shapes as getWeights()). Nothing changes on error. */
  setWeights(weights: readonly Tensor[]): void {
    this.checkLive();
    this.requireBuilt('setWeights');
    const counts = this.layers.map((l) => l.params().length);
    const total = counts.reduce((a, b) => a + b, 0);
    if (!Array.isArray(weights) || weights.length !== total) throw new ValueError(`setWeights: expected ${total} arrays, got ${describe(weights)}`);
    const before = this.getWeightsFlat();
    let i = 0;
    try {
      this.layers.forEach((l, li) => {
        l.setWeights(weights.slice(i, i + counts[li]));
        i += counts[li];
      });
    } catch (err) {
      this.setWeightsFlat(before);
      throw err;
    }
  }

  /** A copy of every parameter, flat, in arena order. */
  getWeightsFlat(): Float32Array {
    this.requireBuilt('getWeightsFlat');
    return (this.backend as Backend).readF32(this.paramArena, this.arenaSize);
  }

  /** Restores parameters from getWeightsFlat() output. */
  setWeightsFlat(values: Float32Array): void {
    this.requireBuilt('setWeightsFlat');
    if (!(values instanceof Float32Array) || values.length !== this.arenaSize) {
      throw new ShapeError(`setWeightsFlat: expected a Float32Array of ${this.arenaSize} values, got ${describe(values)}`);
    }
    (this.backend as Backend).writeF32(this.paramArena, values);
  }

  /** Number of trainable scalars. */
  countParams(): number {
    return this.layers.reduce((s, l) => s + (l.inputShape ? l.countParams() : 0), 0);
  }

  /** A Keras-style table of layers, output shapes and parameter counts. */
  summary(print: (line: string) => void = console.log): string {
    this.checkLive();
    const rows = this.layers.map((l) => [
      `${l.name} (${l.className})`,
      l.outputShape ? `[null,${l.outputShape.join(',')}]` : '?',
      l.inputShape ? String(l.countParams()) : '?',
    ]);
    const head = ['Layer (type)', 'Output shape', 'Param #'];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
    const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('');
    const rule = '_'.repeat(w.reduce((a, b) => a + b, 0));
    const out = [rule, line(head), '='.repeat(rule.length), ...rows.map(line), '='.repeat(rule.length), `Total params: ${this.countParams()}`, rule];
    const text = out.join('\n');
    for (const l of out) print(l);
    return text;
  }

  /** The architecture as JSON (no weights). */
  toJSON(): { className: 'Sequential'; config: { name: string; layers: LayerJSON[] } } {
    return { className: 'Sequential', config: { name: this.name, layers: this.layers.map((l) => l.toJSON()) } };
  }

  /** Recreates an unbuilt model from toJSON() output. */
  static fromJSON(json: unknown, config: Omit<SequentialConfig, 'layers'> = {}): Sequential {
    const j = json as { className?: unknown; config?: { name?: unknown; layers?: unknown } };
    if (!j || typeof j !== 'object' || j.className !== 'Sequential' || !j.config || !Array.isArray(j.config.layers)) {
      throw new ValueError(`Sequential.fromJSON: expected { className: 'Sequential', config: { layers: [...] } }`);
    }
    const layers = (j.config.layers as LayerJSON[]).map((l) => layerFromJSON(l));
    return new Sequential({ ...config, name: typeof j.config.name === 'string' ? j.config.name : undefined, layers });
  }

  /** The backend the model allocates in (after build). */
  getBackend(): Backend {
    this.requireBuilt('getBackend');
    return this.backend as Backend;
  }

  /** The arguments compile() was given, in serialisable form (optimizer as its config), or null. */
  compileConfig(): { loss: string; metrics: string[]; fromLogits: boolean; optimizer: Record<string, unknown> } | null {
    if (!this.compiled) return null;
    const c = this.compiled;
    return { loss: c.loss, metrics: c.metrics.slice(), fromLogits: c.fromLogits, optimizer: c.optimizer.getConfig() };
  }

  /** The compiled optimizer, if any. */
  get optimizer(): Optimizer | LBFGS | null {
    return this.compiled?.optimizer ?? null;
  }

  /** Frees every buffer the model owns; later use throws DisposedError. */
  dispose(): void {
    if (this.disposed) return;
    const be = this.backend;
    if (be && !be.isDisposed) {
      this.unplan();
      for (const l of this.layers) l.unplan(be);
      for (const p of [this.paramArena, this.gradArena]) if (p && be.isLive(p)) be.free(p);
      this.rng?.dispose();
      this.compiled?.optimizer.dispose();
    }
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // ---- internals ----

  private checkLive(): void {
    if (this.disposed) throw new DisposedError(`model ${this.name} was disposed`);
  }

  private requireCompiled(op: string): Compiled {
    if (!this.compiled) throw new ValueError(`${op}: call compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  private requireBuilt(op: string): void {
    if (!this.built) throw new ValueError(`${op}: the model is not built yet (give the first layer an inputShape, or fit / predict first)`);
  }

  private inputSize(): number {
    return sizeOf(this.inputShape as number[]);
  }

  private outputSize(): number {
    return sizeOf(this.outputShape);
  }

  /**
   * Normalises model inputs to float rows, building the model from their
   * shape if needed, and validates them. With `defer` (calls that change nothing
   * and may stop half-way: predict, evaluate) the NaN / Inf check runs in wasm
   * on each chunk as it is loaded instead of over the whole input up front.
   */
  private rows(op: string, name: string, x: ModelInput, defer = false): Rows {
    let data: Float32Array;
    let shape: number[] | null;
    if (x instanceof Tensor) {
      if (x.isDisposed) throw new ValueError(`${op}: ${name} is a disposed tensor`);
      data = x.toFloat32Array();
      shape = x.shape.slice();
    } else if (x instanceof Float32Array || (ArrayBuffer.isView(x) && !(x instanceof DataView))) {
      data = x instanceof Float32Array ? x : Float32Array.from(x as unknown as ArrayLike<number>);
      shape = null;
    } else if (Array.isArray(x)) {
      const f = flattenNested(op, x as NestedArray);
      data = Float32Array.from(f.flat);
      shape = f.shape;
    } else {
      throw new ValueError(`${op}: ${name} must be a Tensor, nested arrays or a Float32Array, got ${describe(x)}`);
    }
    if (!this.built) {
      if (this.layers[0]?.declaredInputShape) this.build();
      else if (shape && shape.length >= 2) this.build(shape.slice(1));
      else if (shape && shape.length === 1) this.build([1]);
      else throw new ShapeError(`${op}: cannot infer the input shape from a flat ${name}; give the first layer an inputShape`);
    }
    const size = this.inputSize();
    let n: number;
    if (shape && shape.length >= 2) {
      n = shape[0];
      if (sizeOf(shape.slice(1)) !== size) {
        throw new ShapeError(`${op}: ${name} has shape ${fmt(shape)} but the model expects samples of shape ${fmt(this.inputShape as number[])}`);
      }
    } else {
      if (data.length % size !== 0) {
        throw new ShapeError(`${op}: ${name} has ${data.length} values, not a whole number of samples of shape ${fmt(this.inputShape as number[])} (${size} values each)`);
      }
      n = data.length / size;
    }
    if (n === 0) throw new ShapeError(`${op}: ${name} has no samples`);
    const rows: Rows = { data, n, sample: (this.inputShape as number[]).slice() };
    if (defer) rows.deferred = [op, name];
    else checkFiniteRows(rows, 0, n, op, name);
    return rows;
  }

  /** Normalises targets for the compiled loss. */
  private targets(op: string, name: string, y: ModelInput, n: number): Targets {
    const loss = (this.compiled as Compiled).loss;
    const units = this.outputSize();
    let data: Float32Array;
    let shape: number[] | null;
    if (y instanceof Tensor) {
      data = y.toFloat32Array();
      shape = y.shape.slice();
    } else if (ArrayBuffer.isView(y) && !(y instanceof DataView)) {
      data = Float32Array.from(y as unknown as ArrayLike<number>);
      shape = null;
    } else if (Array.isArray(y)) {
      const f = flattenNested(op, y as NestedArray);
      data = Float32Array.from(f.flat);
      shape = f.shape;
    } else {
      throw new ValueError(`${op}: ${name} must be a Tensor, nested arrays or a typed array, got ${describe(y)}`);
    }
    const bad = firstNonFinite(data);
    if (bad >= 0) throw new ValueError(`${op}: ${name} must be finite: value ${bad} is ${describe(data[bad])}`);
    if (loss === 'sparseCategoricalCrossentropy') {
      if (data.length !== n || (shape && !(shape.length === 1 || (shape.length === 2 && shape[1] === 1)))) {
        throw new ShapeError(`${op}: ${name} must hold one integer class per sample (${n}), got ${shape ? `shape ${fmt(shape)}` : `${data.length} values`}`);
      }
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = data[i];
        if (!Number.isInteger(v) || v < 0 || v >= units) throw new ValueError(`${op}: ${name}[${i}] must be an integer class in [0, ${units - 1}], got ${describe(v)}`);
        labels[i] = v;
      }
      return { rows: null, labels, n };
    }
    if (data.length !== n * units || (shape && shape[0] !== n)) {
      const hint = loss === 'categoricalCrossentropy' && data.length === n ? ' (integer labels need sparseCategoricalCrossentropy, or one-hot encode them)' : '';
      throw new ShapeError(`${op}: ${name} must have shape [${n},${units}] to match ${n} samples and the model's ${units} outputs, got ${shape ? fmt(shape) : `${data.length} values`}${hint}`);
    }
    let labels: Int32Array | null = null;
    if (units > 1) {
      labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < units; j++) if (data[i * units + j] > data[i * units + best]) best = j;
        labels[i] = best;
      }
    }
    return { rows: data, labels, n };
  }

  /**
   * Allocates input and activation buffers for `capacity` rows, and with
   * `training` the gradient buffers, the backup arena and the layers'
   * backward scratch too (inference needs none of those). Plans again only
   * when the capacity grows or training first needs them.
   */
  private ensurePlan(capacity: number, training: boolean): void {
    const old = this.plan;
    if (old && old.capacity >= capacity && (old.training || !training)) return;
    if (old) {
      capacity = Math.max(capacity, old.capacity);
      training ||= old.training;
    }
    const be = this.backend as Backend;
    this.unplan();
    const inSize = this.inputSize();
    const sizes = this.layers.map((l) => sizeOf(l.outputShape as number[]));
    const allocated: number[] = [];
    const alloc = (floats: number) => {
      const p = be.alloc(Math.max(1, floats) * 4);
      allocated.push(p);
      return p;
    };
    try {
      const plan: Plan = {
        capacity,
        training,
        backup: training ? alloc(Math.max(4, this.arenaSize)) : 0,
        x: alloc(capacity * inSize),
        outs: sizes.map((s) => alloc(capacity * s)),
        grads: training ? sizes.map((s) => alloc(capacity * s)) : [],
        targets: alloc(capacity * this.outputSize()),
        labels: alloc(capacity),
        argmax: alloc(capacity),
      };
      for (const l of this.layers) l.plan(be, capacity, training);
      if (training) be.u8().copyWithin(plan.backup, this.paramArena, this.paramArena + this.arenaSize * 4);
      this.plan = plan;
    } catch (err) {
      for (const p of allocated) be.free(p);
      for (const l of this.layers) l.unplan(be);
      throw err;
    }
  }

  private unplan(): void {
    const be = this.backend;
    if (!this.plan || !be) return;
    const p = this.plan;
    for (const ptr of [p.backup, p.x, ...p.outs, ...p.grads, p.targets, p.labels, p.argmax]) if (ptr && be.isLive(ptr)) be.free(ptr);
    this.plan = null;
  }

  private ensureOptimizer(opt: Optimizer | LBFGS): void {
    if (opt instanceof Optimizer && opt.boundSize !== this.arenaSize) {
      opt.bind(this.backend as Backend, this.arenaSize);
    }
  }

  /** Copies rows order[start .. start + rows) of x (and targets) into the planned buffers. */
  private loadBatch(X: Rows, Y: Targets | null, order: Int32Array, start: number, rows: number): void {
    const be = this.backend as Backend;
    const plan = this.plan as Plan;
    const f32 = be.f32();
    const inSize = this.inputSize();
    const xb = plan.x >>> 2;
    let inOrder = true;
    for (let r = 0; r < rows && inOrder; r++) inOrder = order[start + r] === start + r;
    if (inOrder) {
      // In order (predict, evaluate, fit without shuffling): one copy.
      f32.set(X.data.subarray(start * inSize, (start + rows) * inSize), xb);
    } else {
      for (let r = 0; r < rows; r++) {
        const i = order[start + r];
        f32.set(X.data.subarray(i * inSize, (i + 1) * inSize), xb + r * inSize);
      }
    }
    if (!Y) return;
    if (Y.rows) {
      const units = this.outputSize();
      const tb = plan.targets >>> 2;
      for (let r = 0; r < rows; r++) {
        const i = order[start + r];
        f32.set(Y.rows.subarray(i * units, (i + 1) * units), tb + r * units);
      }
    } else if (Y.labels) {
      const i32 = be.i32();
      const lb = plan.labels >>> 2;
      for (let r = 0; r < rows; r++) i32[lb + r] = Y.labels[order[start + r]];
    }
  }

  private ctx(backward: boolean): StepContext {
    return { backend: this.backend as Backend, rng: (this.rng as ModelRng).ptr, backward };
  }

  /** Runs every layer on the planned batch; `backward`: a backward pass follows. */
  private forward(rows: number, training: boolean, backward: boolean): void {
    const plan = this.plan as Plan;
    const ctx = this.ctx(backward);
    const L = this.layers;
    let x = plan.x;
    for (let i = 0; i < L.length; i++) {
      const l = L[i];
      if (!backward && l instanceof Conv && i + 1 < L.length && l.fusesMaxPool2(L[i + 1])) {
        // Inference: the convolution and the 2x2 max pooling after it in one pass; the
        // convolution's own output buffer is left as it was (nothing reads it).
        l.forwardMaxPool2(ctx, x, plan.outs[i + 1], rows);
        x = plan.outs[++i];
        continue;
      }
      l.forward(ctx, x, plan.outs[i], rows, training);
      x = plan.outs[i];
    }
  }

  /** Loss of the planned batch; with dy, also its gradient (scaled by gradScale) into the last gradient buffer. */
  private loss(rows: number, withGrad: boolean, gradScale: number): { sum: number; fused: boolean } {
    const compiled = this.compiled as Compiled;
    const plan = this.plan as Plan;
    const L = this.layers.length;
    const last = this.layers[L - 1];
    const lg = last.logits();
    const ce = compiled.loss === 'categoricalCrossentropy' || compiled.loss === 'sparseCategoricalCrossentropy';
    const fused = !!lg && ((ce && lg.activation === 'softmax') || (compiled.loss === 'binaryCrossentropy' && lg.activation === 'sigmoid'));
    const sum = computeLoss(
      this.backend as Backend, compiled.loss,
      { y: plan.outs[L - 1], logits: fused && lg ? lg.ptr : 0, yIsLogits: compiled.fromLogits },
      plan.targets, plan.labels, rows, this.outputSize(), withGrad ? plan.grads[L - 1] : 0, gradScale,
    );
    // A loss on logits (fused, or fromLogits with a linear layer) gives the gradient w.r.t. the pre-activation.
    return { sum, fused };
  }

  private backward(rows: number, fused: boolean): void {
    const plan = this.plan as Plan;
    const ctx = this.ctx(true);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const x = i === 0 ? plan.x : plan.outs[i - 1];
      const dx = i === 0 ? 0 : plan.grads[i - 1];
      this.layers[i].backward(ctx, x, plan.outs[i], plan.grads[i], dx, rows, fused && i === this.layers.length - 1);
    }
  }

  /**
   * Forward, loss, backward and one optimizer update on the planned batch;
   * returns the mean loss. A non-finite loss skips the update (the caller
   * throws). With `backup` (trainOnBatch, which has no epoch snapshot to fall
   * back to) the parameters are first copied to the plan's backup arena (a
   * memmove inside wasm memory), so weights that an update turned non-finite,
   * seen as a non-finite loss on the next step, can be restored.
   */
  private trainStep(rows: number, backup: boolean): number {
    const be = this.backend as Backend;
    const plan = this.plan as Plan;
    this.forward(rows, true, true);
    const { sum, fused } = this.loss(rows, true, 1 / rows);
    if (!Number.isFinite(sum)) return sum;
    fill(be, { n: this.arenaSize, y: this.gradArena, value: 0 });
    this.backward(rows, fused);
    const opt = (this.compiled as Compiled).optimizer;
    if (opt instanceof Optimizer) {
      if (backup) be.u8().copyWithin(plan.backup, this.paramArena, this.paramArena + this.arenaSize * 4);
      opt.step(be, this.paramArena, this.gradArena, this.arenaSize);
    }
    return sum / rows;
  }

  /**
   * Puts back sane parameters and throws NonFiniteLossError: fit() restores
   * the weights from the start of the epoch; trainOnBatch() (no snapshot)
   * restores them from before the update that made them non-finite, if one
   * did. Optimizer state is cleared either way.
   */
  private abortNonFinite(epoch: number, batch: number, snapshot?: Float32Array): never {
    const be = this.backend as Backend;
    const plan = this.plan as Plan;
    let what: string;
    if (snapshot) {
      this.setWeightsFlat(snapshot);
      what = `the weights were restored to the start of epoch ${epoch + 1}`;
    } else if (countNonFinite(be, { n: this.arenaSize, x: this.paramArena }) > 0) {
      be.u8().copyWithin(this.paramArena, plan.backup, plan.backup + this.arenaSize * 4);
      what = 'the weights were restored to their values before the update that broke them';
    } else {
      what = 'no update was applied';
    }
    (this.compiled as Compiled).optimizer.reset();
    throw new NonFiniteLossError(
      `${snapshot ? 'fit' : 'trainOnBatch'}: the loss became non-finite at epoch ${epoch + 1}, batch ${batch}; ${what}. ` +
        'Lower the learning rate, clip gradients, or check the data',
      epoch + 1, batch,
    );
  }

  /** [correct, counted] predictions in the planned batch. */
  private countCorrect(rows: number, Y: Targets, order: Int32Array, start: number): [number, number] {
    const be = this.backend as Backend;
    const plan = this.plan as Plan;
    const units = this.outputSize();
    const out = plan.outs[this.layers.length - 1];
    if (units > 1 && Y.labels) {
      argmaxRows(be, { m: rows, n: units, x: out, out: plan.argmax });
      const pred = be.i32();
      let c = 0;
      for (let r = 0; r < rows; r++) if (pred[(plan.argmax >>> 2) + r] === Y.labels[order[start + r]]) c++;
      return [c, rows];
    }
    // Binary accuracy, averaged over every output.
    const f32 = be.f32();
    const threshold = (this.compiled as Compiled).fromLogits ? 0 : 0.5;
    let c = 0;
    for (let r = 0; r < rows; r++) {
      const i = order[start + r];
      for (let j = 0; j < units; j++) {
        const p = f32[(out >>> 2) + r * units + j] > threshold;
        const t = (Y.rows as Float32Array)[i * units + j] > 0.5;
        if (p === t) c++;
      }
    }
    return [c, rows * units];
  }

  /** Mean squared error of the planned batch's outputs against its targets. */
  private batchMse(rows: number): number {
    const plan = this.plan as Plan;
    const units = this.outputSize();
    if ((this.compiled as Compiled).loss === 'sparseCategoricalCrossentropy') return NaN;
    return mse(this.backend as Backend, { n: rows * units, y: plan.outs[this.layers.length - 1], t: plan.targets }) / (rows * units);
  }

  /** Runs the forward pass over all rows in planned chunks, handing each chunk's output to `each`. */
  private forEachChunk(X: Rows, batch: number | undefined, each: (start: number, rows: number, y: number) => void, Y?: Targets): void {
    // Without an explicit batch size, reuse the planned buffers (training's
    // batch capacity) rather than planning new ones.
    const cap = Math.min(X.n, batch ?? this.plan?.capacity ?? 256);
    this.ensurePlan(cap, false);
    const chunk = Math.min((this.plan as Plan).capacity, batch ?? Infinity);
    const order = identity(X.n);
    for (let start = 0; start < X.n; start += chunk) {
      const rows = Math.min(chunk, X.n - start);
      this.loadBatch(X, Y ?? null, order, start, rows);
      if (X.deferred && countNonFinite(this.backend as Backend, { n: rows * this.inputSize(), x: (this.plan as Plan).x }) > 0) {
        checkFiniteRows(X, start, start + rows, ...X.deferred);
      }
      this.forward(rows, false, false);
      each(start, rows, (this.plan as Plan).outs[this.layers.length - 1]);
    }
  }

  /** Loss and compiled metrics over a dataset, without training. */
  private evaluateRows(X: Rows, Y: Targets, withLoss: boolean, batch?: number): Logs {
    const compiled = this.compiled as Compiled;
    let lossSum = 0;
    let correct = 0;
    let counted = 0;
    let mseSum = 0;
    const order = identity(X.n);
    this.forEachChunk(X, batch, (start, rows) => {
      if (withLoss) lossSum += this.loss(rows, false, 0).sum;
      if (compiled.metrics.includes('accuracy')) {
        const [c, t] = this.countCorrect(rows, Y, order, start);
        correct += c;
        counted += t;
      }
      if (compiled.metrics.includes('mse')) mseSum += this.batchMse(rows) * rows;
    }, Y);
    const logs: Logs = withLoss ? { loss: lossSum / X.n } : {};
    if (compiled.metrics.includes('accuracy')) logs.accuracy = correct / counted;
    if (compiled.metrics.includes('mse')) logs.mse = mseSum / X.n;
    return logs;
  }

  /** Parameters as float64 (for L-BFGS). */
  private weights64(): Float64Array {
    return Float64Array.from(this.getWeightsFlat());
  }

  private setWeights64(w: Float64Array): void {
    this.setWeightsFlat(Float32Array.from(w));
  }

  /** Mean loss and its exact gradient over the whole training set at parameters w. */
  private fullBatchLossAndGrad(w: Float64Array, X: Rows, Y: Targets): { loss: number; grad: Float64Array } {
    this.setWeights64(w);
    // Dropout off: a line search needs the same objective at every evaluation.
    const r = this.accumulateGradients(X, Y, false);
    return { loss: r.loss, grad: Float64Array.from(r.gradients) };
  }

  /** Zeroes the gradients, then sums them over all rows (chunked by the plan) with the loss scaled by 1/n. */
  private accumulateGradients(X: Rows, Y: Targets, training: boolean): { loss: number; gradients: Float32Array } {
    const be = this.backend as Backend;
    fill(be, { n: this.arenaSize, y: this.gradArena, value: 0 });
    const order = identity(X.n);
    const chunk = (this.plan as Plan).capacity;
    let sum = 0;
    for (let start = 0; start < X.n; start += chunk) {
      const rows = Math.min(chunk, X.n - start);
      this.loadBatch(X, Y, order, start, rows);
      this.forward(rows, training, true);
      const r = this.loss(rows, true, 1 / X.n);
      sum += r.sum;
      this.backward(rows, r.fused);
    }
    return { loss: sum / X.n, gradients: be.readF32(this.gradArena, this.arenaSize) };
  }
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Throws the ValueError for the first NaN / Inf among samples [from, to). */
function checkFiniteRows(X: Rows, from: number, to: number, op: string, name: string): void {
  const size = X.data.length / X.n;
  const bad = firstNonFinite(X.data.subarray(from * size, to * size));
  if (bad < 0) return;
  const at = from * size + bad;
  throw new ValueError(`${op}: ${name} must be finite: sample ${Math.floor(at / size)}, feature ${at % size} is ${describe(X.data[at])}`);
}

function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

function splitRows(X: Rows, nTrain: number): [Rows, Rows] {
  const size = X.data.length / X.n;
  return [
    { data: X.data.subarray(0, nTrain * size), n: nTrain, sample: X.sample },
    { data: X.data.subarray(nTrain * size), n: X.n - nTrain, sample: X.sample },
  ];
}

function splitTargets(Y: Targets, nTrain: number, units: number): [Targets, Targets] {
  const rows = (r: Float32Array | null, a: number, b: number) => (r ? r.subarray(a * units, b * units) : null);
  const labels = (l: Int32Array | null, a: number, b: number) => (l ? l.subarray(a, b) : null);
  return [
    { rows: rows(Y.rows, 0, nTrain), labels: labels(Y.labels, 0, nTrain), n: nTrain },
    { rows: rows(Y.rows, nTrain, Y.n), labels: labels(Y.labels, nTrain, Y.n), n: Y.n - nTrain },
  ];
}

/** Creates a Sequential model (TensorFlow.js: tf.sequential). */
export function sequential(config: SequentialConfig = {}): Sequential {
  return new Sequential(config);
}
