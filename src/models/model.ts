import type { Backend } from '../runtime/backend.js';
import { forgetCallback, onCollect } from '../runtime/reclaim.js';
import { getBackend } from '../runtime/init.js';
import { DisposedError, ShapeError, ValueError, checkFinite, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { Tensor, fmt } from '../tensor.js';
import { Layer } from '../layers/layer.js';
import { ParamStore } from '../params/store.js';
import type { Variable } from '../params/variable.js';
import { SymbolicTensor } from '../graph/symbolic.js';
import { InputLayer } from '../graph/input.js';
import { graphFromJSON, graphToJSON, type ModelTopologyJSON } from '../graph/serialize.js';
import { topology, type Topology } from '../graph/topology.js';
import { checkLoss, type CustomLoss, type LossName } from '../losses/index.js';
import { LBFGS, Optimizer, getOptimizer, type OptimizerName } from '../optimizers/index.js';
import { ModelRng, randomSeed } from './rng.js';
import { Engine, identity, type Compiled, type MetricName } from './engine.js';
import { backpropagate, copyOut, innerActivations, type Gradients } from './gradients.js';
import { summaryLines } from './summary.js';
import { firstNonFinite, inputRows, readEach, toTargets, type ModelInput, type Rows, type Targets } from './inputs.js';
import type { Values as Raw } from '../util/rows.js';
import { abortNonFinite, applyValidationSplit, checkFitArgs, fitLoop, sampleWeightsOf, type FitArgs, type FitData, type History } from './trainer.js';
import type { Logs, TrainableModel } from './callbacks.js';
import { fitDatasetLoop, type BatchSource, type DatasetBatch, type DatasetHost, type FitDatasetArgs } from './dataset-fit.js';
export type { BatchSource, DatasetBatch, FitDatasetArgs } from './dataset-fit.js';

export type { ModelInput } from './inputs.js';
export type { FitArgs, History } from './trainer.js';
export type { Gradients } from './gradients.js';
export type { ModelTopologyJSON, TensorRef } from '../graph/serialize.js';

/** Options shared by every model. */
export interface ModelBaseConfig {
  name?: string;
  /** Seed for weight initialisation, shuffling and dropout; same seed, same numbers bit for bit. */
  seed?: number;
  /** Backend to allocate in; default: the backend of weights the model reuses, else the one init() created. */
  backend?: Backend;
}

/** Options of model(): a graph from input() tensors to layer outputs (TensorFlow.js functional API). */
export interface ModelConfig extends ModelBaseConfig {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
}

/** Options of compile(). */
export interface CompileArgs {
  optimizer: OptimizerName | Optimizer | LBFGS;
  /** One loss for every output, or one per output: a name, or a function of (yTrue, yPred) tensors (see CustomLoss). */
  loss: LossName | CustomLoss | (LossName | CustomLoss)[];
  /**
   * 'accuracy' (alias 'acc'), 'mse' (alias 'meanSquaredError'), 'precision',
   * 'recall', 'auc' and 'topK' (alias 'topKCategoricalAccuracy', k = 5), as
   * an array or one name. Precision, recall, AUC and top-k are counted over
   * the whole epoch or dataset, as Keras accumulates them. Accuracy is logged under both `accuracy` (Keras) and `acc`
   * (TensorFlow.js), `val_accuracy` and `val_acc` with validation data.
   */
  metrics?: string | string[];
  /**
   * The output layers are linear and their outputs are logits: cross-entropy
   * losses apply softmax / sigmoid themselves. Default false.
   */
  fromLogits?: boolean;
}

/** Options of gradients(). */
export interface GradientsArgs {
  /** Targets: differentiate the compiled loss (mean over the samples). */
  y?: ModelInput | ModelInput[];
  /** Or a gradient on the outputs ([n, ...outputShape]; one per output for several): differentiate sum(seed · output). */
  seed?: ModelInput | ModelInput[];
  /** What to differentiate with respect to. Default ['params']. */
  wrt?: ('input' | 'params')[];
  /** Run dropout and noise as in training (fix them with `rngSeed`). Default false. */
  training?: boolean;
  /** Reseeds the model's generator first (fixes a dropout mask). */
  rngSeed?: number;
  /** Rows per chunk. Default min(n, 1024). */
  batchSize?: number;
}

const METRIC_NAMES: Record<string, MetricName> = {
  accuracy: 'accuracy', acc: 'accuracy', mse: 'mse', meanSquaredError: 'mse', precision: 'precision', recall: 'recall', auc: 'auc', AUC: 'auc',
  topK: 'topKCategoricalAccuracy', topKCategoricalAccuracy: 'topKCategoricalAccuracy', sparseTopKCategoricalAccuracy: 'topKCategoricalAccuracy',
};

/**
 * A model over a graph of layers (TensorFlow.js LayersModel): inputs from
 * input(), outputs from layer.apply(), any number of each, with shared layers,
 * merges and skip connections. Its weights live in a ParamStore (shared with
 * every model built on the same layers: a sub-model of an encoder trains the
 * same weights); its per-batch buffers in an executor planned once per batch
 * capacity, so a training step allocates nothing.
 */
export class Model implements TrainableModel {
  readonly name: string;
  /** Set by a callback to end fit() after the current batch. */
  stopTraining = false;
  protected readonly seed: number;
  protected readonly requestedBackend: Backend | null;
  protected engine: Engine | null = null;
  private disposed = false;
  /** The call running a training loop on this model, or null. */
  private busy: string | null = null;
  private limit = Infinity;

  /**
   * Most bytes of wasm memory one call may plan (activation buffers for a
   * batch, plus predict's results), checked before anything is allocated:
   * a call over the limit throws OutOfMemoryError and changes nothing.
   * Infinity (the default for models built in code) leaves only wasm32's
   * 4 GiB; loaded models default to 512 MiB (LoadOptions.memoryLimit).
   */
  get memoryLimit(): number {
    return this.limit;
  }

  set memoryLimit(bytes: number) {
    if (typeof bytes !== 'number' || Number.isNaN(bytes) || bytes <= 0) {
      throw new ValueError(`memoryLimit must be a positive number of bytes (or Infinity), got ${describe(bytes)}`);
    }
    this.limit = bytes;
    if (this.engine) this.engine.memoryLimit = bytes;
  }

  /** What a collected, never disposed model leaves to free (see releaseParts). */
  private readonly parts: ModelParts = { engine: null, compiled: null };

  constructor(config: ModelConfig | ModelBaseConfig = {}) {
    onCollect(this, releaser(this.parts));
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new ValueError(`${this.op()}: config must be an object, got ${describe(config)}`);
    checkOptions(this.op(), config, 'inputs' in config || 'outputs' in config ? ['name', 'seed', 'backend', 'inputs', 'outputs'] : ['name', 'seed', 'backend']);
    if (config.name !== undefined && (typeof config.name !== 'string' || config.name === '')) {
      throw new ValueError(`${this.op()}: name must be a non-empty string, got ${describe(config.name)}`);
    }
    this.name = config.name ?? this.op();
    this.seed = config.seed === undefined ? randomSeed() : checkFinite(this.op(), 'seed', config.seed);
    if (config.backend !== undefined && !(config.backend && typeof config.backend === 'object' && typeof (config.backend as Backend).alloc === 'function')) {
      throw new ValueError(`${this.op()}: backend must be a Backend (from createBackend()), got ${describe(config.backend)}`);
    }
    this.requestedBackend = config.backend ?? null;
    if ('inputs' in config || 'outputs' in config) {
      const c = config as ModelConfig;
      const list = (v: unknown) => (Array.isArray(v) ? v : [v]) as SymbolicTensor[];
      this.buildGraph(topology('model', list(c.inputs), list(c.outputs)));
    }
  }

  /** 'model' or 'sequential', for messages. */
  protected op(): string {
    return 'model';
  }

  // ---- structure ----

  /** True once the weights exist. */
  get built(): boolean {
    return this.engine !== null;
  }

  /** The layers that compute (inputs excluded), in the order they run. */
  get layers(): Layer[] {
    return this.engine ? this.engine.topo.layers.filter((l) => !(l instanceof InputLayer)) : [];
  }

  /** The model's input tensors. */
  get inputs(): SymbolicTensor[] {
    return this.requireEngine('inputs').topo.inputs.slice();
  }

  /** The model's output tensors. */
  get outputs(): SymbolicTensor[] {
    return this.requireEngine('outputs').topo.outputs.slice();
  }

  /** Per-sample output shape (a single-output model, after build). */
  get outputShape(): number[] {
    if (!this.engine) throw new ValueError(`outputShape: the model is not built yet`);
    const outs = this.engine.topo.outputs;
    if (outs.length !== 1) throw new ValueError(`outputShape: model ${this.name} has ${outs.length} outputs; read model.outputs[i].shape`);
    return outs[0].shape.slice();
  }

  /** A layer by name, or by position in `layers`. */
  getLayer(nameOrIndex: string | number): Layer {
    this.checkLive();
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      if (!Number.isInteger(nameOrIndex) || nameOrIndex < 0 || nameOrIndex >= layers.length) {
        throw new ValueError(`getLayer: index must be an integer in [0, ${layers.length - 1}], got ${describe(nameOrIndex)}`);
      }
      return layers[nameOrIndex];
    }
    const l = layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new ValueError(`getLayer: no layer named ${describe(nameOrIndex)} in model ${this.name}; it has ${layers.map((x) => x.name).join(', ')}`);
    return l;
  }

  /** Every weight the model uses, once each, in layer order. */
  get weights(): Variable[] {
    return this.engine ? this.engine.weights.slice() : [];
  }

  /** The weights optimizers update (their layers are trainable). */
  get trainableWeights(): Variable[] {
    return this.weights.filter((v) => v.trainable);
  }

  /** The frozen weights. */
  get nonTrainableWeights(): Variable[] {
    return this.weights.filter((v) => !v.trainable);
  }

  /** Freezes or unfreezes every layer (Keras model.trainable). */
  set trainable(value: boolean) {
    if (typeof value !== 'boolean') throw new ValueError(`${this.name}.trainable must be a boolean, got ${describe(value)}`);
    for (const l of this.layers) l.trainable = value;
  }

  /** True when some layer is trainable. */
  get trainable(): boolean {
    return this.layers.some((l) => l.trainable);
  }

  /**
   * Places the weights of a graph: layers already built into another model
   * keep their weights (the store is shared); new ones are initialised from
   * the model's seed, in layer order.
   */
  protected buildGraph(topo: Topology): void {
    const stores = new Set<ParamStore>();
    for (const l of topo.layers) for (const v of l.weights) if (v.store) stores.add(v.store);
    if (stores.size > 1) {
      throw new ValueError(`${this.op()}: the layers keep their weights in ${stores.size} separate stores (they were built by unrelated models); a model's layers must come from one model family`);
    }
    let store = [...stores][0] as ParamStore | undefined;
    if (store) {
      store.check(this.op());
      if (this.requestedBackend && this.requestedBackend !== store.backend) {
        throw new ValueError(`${this.op()}: the layers' weights live in another backend than the one requested`);
      }
    }
    const be = store?.backend ?? this.requestedBackend ?? getBackend();
    be.check();
    const rng = new ModelRng(be, this.seed);
    const fresh = !store;
    store ??= new ParamStore(be);
    try {
      store.place(topo.layers.flatMap((l) => l.weights), rng.ptr);
      store.retain();
    } catch (err) {
      rng.dispose();
      if (fresh) store.release();
      throw err;
    }
    this.engine = new Engine(topo, store, rng);
    this.parts.engine = this.engine;
    this.engine.memoryLimit = this.limit;
  }

  // ---- training ----

  /** Sets the loss, optimizer and metrics. */
  compile(args: CompileArgs): void {
    this.checkLive();
    if (!args || typeof args !== 'object') throw new ValueError(`compile: expected { optimizer, loss, metrics }, got ${describe(args)}`);
    checkOptions('compile', args, ['optimizer', 'loss', 'metrics', 'fromLogits'], 'arguments');
    this.checkIdle('compile');
    const metricsIn = typeof args.metrics === 'string' ? [args.metrics] : args.metrics ?? [];
    if (!Array.isArray(metricsIn)) throw new ValueError(`compile: metrics must be a metric name or an array of them, got ${describe(metricsIn)}`);
    const metrics = metricsIn.map((m) => {
      const c = typeof m === 'string' && Object.prototype.hasOwnProperty.call(METRIC_NAMES, m) ? METRIC_NAMES[m] : undefined;
      if (!c) throw new ValueError(`compile: metrics may contain ${Object.keys(METRIC_NAMES).map((k) => `'${k}'`).join(', ')}, got ${describe(m)}`);
      return c;
    });
    if (args.fromLogits !== undefined && typeof args.fromLogits !== 'boolean') {
      throw new ValueError(`compile: fromLogits must be a boolean, got ${describe(args.fromLogits)}`);
    }
    const fromLogits = args.fromLogits ?? false;
    this.ensureBuiltForCompile();
    const outputLayers = this.outputLayers();
    if (outputLayers.length === 0) throw new ValueError(`compile: the model has no layers`);
    const lossList = Array.isArray(args.loss) ? args.loss : outputLayers.map(() => args.loss as LossName | CustomLoss);
    if (lossList.length !== outputLayers.length) throw new ValueError(`compile: loss lists ${lossList.length} losses for ${outputLayers.length} outputs`);
    const losses = lossList.map((l) => checkLoss('compile', l));
    losses.forEach((loss, k) => {
      const act = (outputLayers[k] as Layer & { activation?: string }).activation ?? 'linear';
      if ((loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') && act !== 'softmax' && !(fromLogits && act === 'linear')) {
        throw new ValueError(`compile: ${loss} needs a softmax output layer (or a linear one with fromLogits: true); the last layer's activation is ${describe(act)}`);
      }
      if (loss === 'binaryCrossentropy' && fromLogits && act !== 'linear') {
        throw new ValueError(`compile: fromLogits needs a linear output layer; the last layer's activation is ${describe(act)}`);
      }
    });
    const owns = typeof args.optimizer === 'string';
    const optimizer = getOptimizer('compile', args.optimizer);
    const previous = this.compiled;
    if (optimizer !== previous?.optimizer) optimizer.claim('compile', this);
    const engine = this.engine;
    if (engine && optimizer instanceof Optimizer && optimizer !== previous?.optimizer) {
      try {
        optimizer.bind(engine.store);
      } catch (err) {
        // Nothing changed: the optimizer stays unbound and unclaimed, the old configuration stays.
        optimizer.release();
        if (owns) optimizer.dispose();
        throw err;
      }
    }
    if (previous && previous.optimizer !== optimizer) {
      if (previous.ownsOptimizer) previous.optimizer.dispose();
      else previous.optimizer.release();
    }
    const compiled: Compiled = { losses, optimizer, ownsOptimizer: owns, metrics, fromLogits };
    this.compiled = compiled;
    this.parts.compiled = compiled;
    if (engine) {
      engine.compiled = compiled;
      engine.updateFusedLogits();
    }
  }

  /** Forgets compile(): the optimizer is disposed (created from a name) or released. */
  protected resetCompile(): void {
    const c = this.compiled;
    if (!c) return;
    if (c.ownsOptimizer) c.optimizer.dispose();
    else c.optimizer.release();
    this.compiled = null;
    if (this.engine) this.engine.compiled = null;
  }

  /** What compile() fixed (the engine holds the same once the model is built). */
  protected compiled: Compiled | null = null;

  /** The layers producing the outputs (before build, Sequential's last layer). */
  protected outputLayers(): Layer[] {
    return this.engine ? this.engine.topo.outputs.map((t) => t.node.layer) : [];
  }

  /** Builds what compile() can build (Sequential: when the first layer declares its input shape). */
  protected ensureBuiltForCompile(): void {}

  /**
   * Trains for a number of epochs over (x, y) in mini-batches and returns the
   * per-epoch metrics. With the L-BFGS optimizer each epoch is one full-batch
   * L-BFGS iteration. A non-finite loss stops training with a
   * NonFiniteLossError naming the epoch and batch, after restoring the
   * weights from the start of that epoch. Only one fit() runs on a model at
   * a time; dispose() inside a callback ends it cleanly.
   */
  async fit(x: ModelInput | ModelInput[], y: ModelInput | ModelInput[], args: FitArgs = {}): Promise<History> {
    this.checkLive();
    this.checkIdle('fit');
    const compiled = this.requireCompiled('fit');
    const opts = checkFitArgs(args);
    const X = this.prepareInputs('fit', x, false);
    const engine = this.engine as Engine;
    const Y = this.prepareTargets('fit', 'y', y, X[0].n, compiled);
    let data: FitData = { X, Y, valX: null, valY: null, W: sampleWeightsOf(args, Y, X[0].n) };
    if (args.validationData) {
      if (!Array.isArray(args.validationData) || args.validationData.length !== 2) {
        throw new ValueError(`fit: validationData must be [x, y], got ${describe(args.validationData)}`);
      }
      const valX = this.prepareInputs('fit', args.validationData[0] as ModelInput, false, 'validationData[0]');
      const valY = this.prepareTargets('fit', 'validationData[1]', args.validationData[1] as ModelInput, valX[0].n, compiled);
      data = { X, Y, valX, valY, W: data.W };
    } else {
      data = applyValidationSplit(data, opts.split);
    }
    this.busy = 'fit';
    try {
      return await fitLoop(this, engine, data, args, opts);
    } finally {
      this.busy = null;
    }
  }

  /**
   * Trains on batches read one at a time from a dataset, generator or
   * (async) iterator of { xs, ys } (TensorFlow.js fitDataset), for data that
   * does not fit in memory: each batch is one gradient step, with fit()'s
   * metrics, callbacks and stopTraining. See FitDatasetArgs for epochs and
   * batchesPerEpoch. Validation data may be [x, y] or another batch source.
   */
  async fitDataset(dataset: BatchSource, args: FitDatasetArgs = {}): Promise<History> {
    this.checkLive();
    this.checkIdle('fitDataset');
    const compiled = this.requireCompiled('fitDataset');
    if (!args || typeof args !== 'object') throw new ValueError(`fitDataset: options must be an object, got ${describe(args)}`);
    const engine = this.engine;
    if (!engine) throw new ValueError(`fitDataset: the model is not built yet; give the first layer an inputShape`);
    const self = this;
    const host: DatasetHost = {
      name: this.name,
      get isDisposed() { return self.isDisposed; },
      get stopTraining() { return self.stopTraining; },
      set stopTraining(v: boolean) { self.stopTraining = v; },
      getWeightsFlat: () => this.getWeightsFlat(),
      setWeightsFlat: (w: Float32Array) => this.setWeightsFlat(w),
      prepareBatch: (op: string, b: DatasetBatch, where: string) => {
        const X = this.prepareInputs(op, b.xs, false, `${where}.xs`);
        return { X, Y: this.prepareTargets(op, `${where}.ys`, b.ys, X[0].n, compiled) };
      },
      validationLogs: (d: [unknown, unknown]) => {
        const valX = this.prepareInputs('fitDataset', d[0] as ModelInput, false, 'validationData[0]');
        const valY = this.prepareTargets('fitDataset', 'validationData[1]', d[1] as ModelInput, valX[0].n, compiled);
        return engine.evaluateRows(valX, valY, true);
      },
    };
    this.busy = 'fitDataset';
    try {
      return await fitDatasetLoop(host, engine, dataset, args);
    } finally {
      this.busy = null;
    }
  }

  /**
   * One gradient step on one batch (its size is the batch). Returns the loss,
   * or [loss, ...metrics] when metrics were compiled (TensorFlow.js order).
   */
  trainOnBatch(x: ModelInput | ModelInput[], y: ModelInput | ModelInput[]): number | number[] {
    this.checkLive();
    this.checkIdle('trainOnBatch');
    const compiled = this.requireCompiled('trainOnBatch');
    if (compiled.optimizer instanceof LBFGS) throw new ValueError(`trainOnBatch: L-BFGS works on the full batch; use fit()`);
    // The NaN / Inf check of x runs in wasm once the batch is loaded, before anything changes.
    const X = this.prepareInputs('trainOnBatch', x, true);
    const Y = this.prepareTargets('trainOnBatch', 'y', y, X[0].n, compiled);
    const engine = this.engine as Engine;
    const n = X[0].n;
    engine.ensurePlan(n, true);
    const order = identity(n);
    engine.loadBatch(X, Y, order, 0, n);
    engine.checkDeferred(X, 0, n);
    compiled.optimizer.bind(engine.store);
    const loss = engine.trainStep(n, true);
    if (!Number.isFinite(loss)) abortNonFinite(this, engine, 'trainOnBatch', 0, 1);
    if (!compiled.metrics.length) return loss;
    const out = [loss];
    for (let k = 0; k < Y.length; k++) {
      const tally = engine.newTally();
      if (tally) engine.tally(k, n, Y[k], order, 0, tally);
      const tallied = tally ? tally.values() : {};
      for (const m of compiled.metrics) {
        if (m === 'accuracy') {
          const [c, t] = engine.countCorrect(k, n, Y[k], order, 0);
          out.push(c / t);
        } else if (m === 'mse') out.push(engine.batchMse(k, n));
        else out.push(tallied[m]);
      }
    }
    return out;
  }

  /**
   * Loss and metrics over a dataset, without training (dropout off), as
   * TensorFlow.js returns them: a scalar tensor of the loss when nothing else
   * was compiled, else an array of scalar tensors [loss, ...per-output losses
   * (several outputs), ...metrics in compile order, output by output]. The
   * caller owns (and disposes) the tensors; evaluateLogs() gives the same
   * numbers as a plain object.
   */
  evaluate(x: ModelInput | ModelInput[], y: ModelInput | ModelInput[], args: { batchSize?: number; verbose?: number | boolean } = {}): Tensor | Tensor[] {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new ValueError(`evaluate: options must be an object, got ${describe(args)}`);
    const { verbose, ...rest } = args;
    if (verbose !== undefined && verbose !== true && verbose !== false && verbose !== 0 && verbose !== 1) {
      throw new ValueError(`evaluate: verbose must be 0, 1 or a boolean, got ${describe(verbose)}`);
    }
    const logs = this.logsFor('evaluate', x, y, rest);
    const engine = this.engine as Engine;
    const compiled = this.compiled as Compiled;
    const nOut = engine.topo.outputs.length;
    const values = [logs.loss];
    if (nOut > 1) for (let k = 0; k < nOut; k++) values.push(logs[`${engine.metricPrefix(k)}loss`]);
    for (let k = 0; k < nOut; k++) for (const m of compiled.metrics) values.push(logs[`${engine.metricPrefix(k)}${m}`]);
    const be = engine.backend;
    const scalars = values.map((v) => {
      const p = be.alloc(4);
      be.f32()[p >>> 2] = v;
      return new Tensor(be, [], p);
    });
    return scalars.length === 1 ? scalars[0] : scalars;
  }

  /**
   * Loss and metrics over a dataset, without training (dropout off), as an
   * object keyed like fit()'s logs: { loss, accuracy, acc, ... } (with
   * several outputs also '<output>_loss' and '<output>_accuracy').
   */
  evaluateLogs(x: ModelInput | ModelInput[], y: ModelInput | ModelInput[], args: { batchSize?: number } = {}): Logs {
    const logs = this.logsFor('evaluateLogs', x, y, args);
    for (const k of Object.keys(logs)) if (k.endsWith('accuracy')) logs[`${k.slice(0, -'accuracy'.length)}acc`] = logs[k];
    return logs;
  }

  private logsFor(op: string, x: ModelInput | ModelInput[], y: ModelInput | ModelInput[], args: { batchSize?: number }): Logs {
    this.checkLive();
    const compiled = this.requireCompiled(op);
    const batch = this.batchOption(op, args);
    const X = this.prepareInputs(op, x, true);
    const Y = this.prepareTargets(op, 'y', y, X[0].n, compiled);
    return (this.engine as Engine).evaluateRows(X, Y, true, batch);
  }

  /** Outputs for every sample, as a new tensor [n, ...outputShape] (one per output for several; dropout off). */
  predict(x: ModelInput | ModelInput[], args: { batchSize?: number } = {}): Tensor | Tensor[] {
    const outs = this.predictAll('predict', x, args);
    return outs.length === 1 ? outs[0] : outs;
  }

  /** predict() for every output, always as a list. */
  protected predictAll(op: string, x: ModelInput | ModelInput[], args: { batchSize?: number }): Tensor[] {
    this.checkLive();
    const batch = this.batchOption(op, args);
    const X = this.prepareInputs(op, x, true);
    const engine = this.engine as Engine;
    const be = engine.backend;
    const n = X[0].n;
    const nOut = engine.topo.outputs.length;
    const outBytes = engine.topo.outputs.reduce((s, _, k) => s + n * engine.outputSize(k) * 4, 0);
    const chunk = Math.min(n, batch ?? (engine.capacity || engine.chunkRows(n)));
    engine.checkLimit(op, outBytes + (engine.capacity >= chunk ? 0 : engine.planBytes(chunk, false)), `predicting ${n} rows`);
    const ptrs: number[] = [];
    try {
      for (let k = 0; k < nOut; k++) ptrs.push(be.alloc(Math.max(1, n * engine.outputSize(k)) * 4));
      engine.forEachChunk(X, batch, (start, rows) => {
        for (let k = 0; k < nOut; k++) {
          const size = engine.outputSize(k) * 4;
          const y = engine.outputPtr(k);
          be.u8().copyWithin(ptrs[k] + start * size, y, y + rows * size);
        }
      });
    } catch (err) {
      for (const p of ptrs) be.free(p);
      throw err;
    }
    return ptrs.map((p, k) => new Tensor(be, [n, ...engine.topo.outputs[k].shape], p));
  }

  /**
   * Gradients in one backward pass: of the compiled loss (with `y`, mean
   * over the samples) or of sum(seed · output) (with `seed`, e.g. a one-hot
   * class score), with respect to the input and/or the trainable weights.
   * The weights do not change.
   */
  gradients(x: ModelInput | ModelInput[], args: GradientsArgs): Gradients {
    this.checkLive();
    const op = 'gradients';
    checkOptions(op, args, ['y', 'seed', 'wrt', 'training', 'rngSeed', 'batchSize'], 'options');
    if ((args.y === undefined) === (args.seed === undefined)) throw new ValueError(`${op}: give exactly one of y (targets for the compiled loss) or seed (a gradient on the outputs)`);
    const wrt = args.wrt ?? ['params'];
    if (!Array.isArray(wrt) || wrt.length === 0 || !wrt.every((w) => w === 'input' || w === 'params')) {
      throw new ValueError(`${op}: wrt must be a non-empty array of 'input' and 'params', got ${describe(wrt)}`);
    }
    if (args.training !== undefined && typeof args.training !== 'boolean') throw new ValueError(`${op}: training must be a boolean, got ${describe(args.training)}`);
    const wantInput = wrt.includes('input');
    const wantParams = wrt.includes('params');
    const X = this.prepareInputs(op, x, false);
    const engine = this.engine as Engine;
    const n = X[0].n;
    let Y: Targets[] | null = null;
    let seeds: Rows[] | null = null;
    if (args.y !== undefined) {
      Y = this.prepareTargets(op, 'y', args.y, n, this.requireCompiled(op));
    } else {
      seeds = this.prepareSeeds(op, args.seed as ModelInput | ModelInput[], n);
    }
    const batch = args.batchSize === undefined ? Math.min(n, 1024) : checkInt(op, 'batchSize', args.batchSize, 1, 1 << 20);
    if (args.rngSeed !== undefined) engine.rng.reseed(checkFinite(op, 'rngSeed', args.rngSeed));
    return backpropagate(engine, X, Y ? { targets: Y } : { seeds: seeds as Rows[] }, { batch, training: args.training ?? false, input: wantInput, params: wantParams });
  }

  /**
   * Mean loss over (x, y) and its gradient with respect to every weight,
   * flat in getWeightsFlat() order (zero for frozen weights), without
   * changing the weights. With training: true, dropout is active (reseed
   * with `seed` to fix its mask).
   */
  gradientsFlat(x: ModelInput | ModelInput[], y: ModelInput | ModelInput[], args: { training?: boolean; seed?: number } = {}): { loss: number; gradients: Float32Array } {
    this.checkLive();
    const compiled = this.requireCompiled('gradientsFlat');
    checkOptions('gradientsFlat', args, ['training', 'seed'], 'options');
    const X = this.prepareInputs('gradientsFlat', x, false);
    const Y = this.prepareTargets('gradientsFlat', 'y', y, X[0].n, compiled);
    const engine = this.engine as Engine;
    if (args.seed !== undefined) engine.rng.reseed(checkFinite('gradientsFlat', 'seed', args.seed));
    engine.ensurePlan(Math.min(X[0].n, 1024), true);
    return engine.accumulateGradients(X, Y, args.training ?? false);
  }

  /**
   * The outputs of inner layers for every sample (one tensor per name, [n,
   * ...shape]), computed in inference mode; fusion is switched off for them.
   */
  activations(x: ModelInput | ModelInput[], layerNames: string[], args: { batchSize?: number } = {}): Tensor[] {
    this.checkLive();
    const op = 'activations';
    if (!Array.isArray(layerNames) || layerNames.length === 0) throw new ValueError(`${op}: layerNames must be a non-empty array of layer names, got ${describe(layerNames)}`);
    const batch = this.batchOption(op, args);
    const X = this.prepareInputs(op, x, true);
    const engine = this.engine as Engine;
    const wanted = layerNames.map((name) => {
      const layer = this.getLayer(name);
      const nodes = engine.topo.nodes.filter((nd) => nd.layer === layer);
      if (nodes.length !== 1 || nodes[0].outputs.length !== 1) {
        throw new ValueError(`${op}: layer ${describe(name)} runs ${nodes.length} times in model ${this.name} (or has several outputs); build a sub-model with model({ inputs, outputs }) for the one you want`);
      }
      return nodes[0].outputs[0];
    });
    return innerActivations(engine, X, wanted, Math.min(X[0].n, batch ?? 256));
  }

  /**
   * Zeroes the state that stateful recurrent layers carry from one batch to
   * the next (Keras model.resetStates()): call it between independent
   * sequences. The state also starts at zero.
   */
  resetStates(): void {
    this.checkLive();
    this.checkIdle('resetStates');
    this.engine?.resetStates();
  }

  // ---- weights ----

  /** Every weight, in `weights` order (copies). */
  getWeights(): Tensor[] {
    this.checkLive();
    const engine = this.requireEngine('getWeights');
    engine.store.check('getWeights');
    const be = engine.backend;
    return engine.weights.map((v) => new Tensor(be, v.shape, copyOut(be, v.value, v.size)));
  }

  /** Replaces every weight (same order and shapes as getWeights()). Nothing changes on error. */
  setWeights(weights: readonly Tensor[]): void {
    this.checkLive();
    const engine = this.requireEngine('setWeights');
    const vars = engine.weights;
    if (!Array.isArray(weights) || weights.length !== vars.length) throw new ValueError(`setWeights: weights must be an array of ${vars.length} arrays, got ${describe(weights)}`);
    const values = weights.map((w, i) => {
      const v = vars[i];
      const t = w instanceof Tensor ? w : null;
      if (!t) throw new ValueError(`setWeights: weights[${i}] must be a Tensor, got ${describe(w)}`);
      if (t.isDisposed) throw new DisposedError(`setWeights: weights[${i}] is a disposed tensor`);
      const same = t.shape.length === v.shape.length && t.shape.every((d, j) => d === v.shape[j]);
      if (!same && !(t.shape.length === 1 && t.shape[0] === v.size)) {
        throw new ShapeError(`setWeights: ${v.path} must have shape ${fmt(v.shape)}, got ${fmt(t.shape)}`);
      }
      const data = t.toFloat32Array();
      const bad = data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new ValueError(`setWeights: ${v.path}[${bad}] must be finite, got ${describe(data[bad])}`);
      return data;
    });
    vars.forEach((v, i) => engine.backend.writeF32(v.value, values[i]));
  }

  /** A copy of every weight, flat, in `weights` order. */
  getWeightsFlat(): Float32Array {
    this.checkLive();
    const engine = this.requireEngine('getWeightsFlat');
    engine.store.check('getWeightsFlat');
    return engine.getWeightsFlat();
  }

  /** Restores every weight from getWeightsFlat() output (finite float32 values). */
  setWeightsFlat(values: Float32Array): void {
    this.checkLive();
    const engine = this.requireEngine('setWeightsFlat');
    engine.store.check('setWeightsFlat');
    const size = engine.flatSize;
    if (!(values instanceof Float32Array) || values.length !== size) {
      throw new ShapeError(`setWeightsFlat: expected a Float32Array of ${size} values, got ${describe(values)}`);
    }
    // A plain loop rather than findIndex with a callback: a model's loader calls this once, while the code is still cold.
    const bad = firstNonFinite(values);
    if (bad >= 0) throw new ValueError(`setWeightsFlat: values[${bad}] must be finite, got ${describe(values[bad])}`);
    engine.setWeightsFlat(values);
  }

  /** Number of scalars in the weights (a shared weight counts once). */
  countParams(): number {
    return this.weights.reduce((s, v) => s + v.size, 0);
  }

  /** A Keras-style table of layers, output shapes and parameter counts (printed line by line, and returned). */
  summary(print: (line: string) => void = console.log): string {
    this.checkLive();
    if (typeof print !== 'function') throw new ValueError(`summary: print must be a function, got ${describe(print)}`);
    const out = summaryLines(this.layers, this.engine?.topo ?? null, this.isChain(), this.weights);
    for (const l of out) print(l);
    return out.join('\n');
  }

  /** True for a plain stack of layers (Sequential), whose summary needs no "Connected to" column. */
  protected isChain(): boolean {
    return false;
  }

  // ---- serialisation ----

  /** The architecture as JSON (no weights): layers with the nodes that connect them (Keras functional config). */
  toJSON(): ModelTopologyJSON {
    return graphToJSON(this.requireEngine('toJSON').topo, this.name);
  }

  /** Recreates a built graph model from toJSON() output (weights freshly initialised). */
  static fromJSON(json: unknown, config: ModelBaseConfig = {}): Model {
    const { inputs, outputs, name } = graphFromJSON(json);
    return new Model({ ...config, name: config.name ?? name, inputs, outputs });
  }

  /**
   * @internal The engine under the built model, for the library's modules
   * that drive its planned executor directly (src/explain, through an
   * InputGradientProbe). Not part of the public API.
   */
  engineFor(op: string): Engine {
    return this.requireEngine(op);
  }

  // ---- lifecycle ----

  /** The backend the model allocates in (after build). */
  getBackend(): Backend {
    return this.requireEngine('getBackend').backend;
  }

  /** The arguments compile() was given, in serialisable form (optimizer as its config), or null (also for a custom loss function, which cannot be saved). */
  compileConfig(): { loss: string | string[]; metrics: string[]; fromLogits: boolean; optimizer: Record<string, unknown> } | null {
    const c = this.compiled;
    if (!c) return null;
    const names = c.losses.filter((l): l is Exclude<typeof l, CustomLoss> => typeof l === 'string');
    if (names.length !== c.losses.length) return null;
    return { loss: names.length === 1 ? names[0] : names, metrics: c.metrics.slice(), fromLogits: c.fromLogits, optimizer: c.optimizer.getConfig() };
  }

  /** The compiled optimizer, if any. */
  get optimizer(): Optimizer | LBFGS | null {
    return this.compiled?.optimizer ?? null;
  }

  /**
   * Frees every buffer the model owns: its executor, its generator, an
   * optimizer it created from a name (an optimizer instance passed to
   * compile() is released for reuse), and its hold on the weights (freed with
   * the last model using them). Later use throws DisposedError.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    forgetCallback(this);
    releaseParts(this.parts);
  }

  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  // ---- internals ----

  protected checkLive(): void {
    if (this.disposed) throw new DisposedError(`model ${this.name} was disposed`);
  }

  private checkIdle(op: string): void {
    if (this.busy) throw new ValueError(`${op}: model ${this.name} is still running ${this.busy}(); await it before starting another`);
  }

  protected requireCompiled(op: string): Compiled {
    const c = this.compiled;
    if (!c) throw new ValueError(`${op}: call compile({ optimizer, loss }) first`);
    return c;
  }

  protected requireEngine(op: string): Engine {
    this.checkLive();
    if (!this.engine) throw new ValueError(`${op}: the model is not built yet (give the first layer an inputShape, or fit / predict first)`);
    return this.engine;
  }

  private batchOption(op: string, args: { batchSize?: number }): number | undefined {
    checkOptions(op, args, ['batchSize'], 'options');
    return args.batchSize === undefined ? undefined : checkInt(op, 'batchSize', args.batchSize, 1, 1 << 20);
  }

  /** Builds the model from the first input's values when it can only be built from data (Sequential without inputShape). */
  protected buildFromData(_op: string, _raw: Raw): void {}

  /**
   * Normalises model inputs to float rows (one Rows per model input; several
   * inputs come as an array with one entry each) and validates them. With
   * `defer` the NaN / Inf check runs in wasm on each chunk as it is loaded.
   */
  protected prepareInputs(op: string, x: ModelInput | ModelInput[], defer: boolean, name = 'x'): Rows[] {
    const raws = readEach(op, name, x, this.engine ? this.engine.topo.inputs.length : 1, `model ${this.name}`, 'inputs');
    if (!this.engine) this.buildFromData(op, raws[0]);
    return inputRows(op, name, raws, (this.engine as Engine).topo.inputs.map((t) => t.shape), defer);
  }

  /** Normalises targets for the compiled losses (one per output; several outputs come as an array). */
  protected prepareTargets(op: string, name: string, y: ModelInput | ModelInput[], n: number, compiled: Compiled): Targets[] {
    const outs = (this.engine as Engine).topo.outputs;
    const raws = readEach(op, name, y, outs.length, `model ${this.name}`, 'targets');
    return raws.map((r, k) => toTargets(op, outs.length === 1 ? name : `${name}[${k}]`, r, n, outs[k].shape, compiled.losses[k]));
  }

  /** Seeds for gradients(): float rows shaped like each output, one per sample of x. */
  private prepareSeeds(op: string, seed: ModelInput | ModelInput[], n: number): Rows[] {
    const outs = (this.engine as Engine).topo.outputs;
    const rows = inputRows(op, 'seed', readEach(op, 'seed', seed, outs.length, `model ${this.name}`, 'arrays'), outs.map((t) => t.shape), false);
    if (rows[0].n !== n) throw new ShapeError(`${op}: seed has ${rows[0].n} samples but x has ${n}`);
    return rows;
  }
}


/** Creates a graph model from symbolic inputs and outputs (TensorFlow.js tf.model). */
export function model(config: ModelConfig): Model {
  return new Model(config);
}

interface ModelParts {
  engine: Engine | null;
  compiled: Compiled | null;
}

// Module level, so the closure holds the parts and never the model.
function releaser(parts: ModelParts): () => void {
  return () => releaseParts(parts);
}

function releaseParts(parts: ModelParts): void {
  const { compiled, engine } = parts;
  parts.compiled = null;
  parts.engine = null;
  if (compiled) {
    if (compiled.ownsOptimizer) compiled.optimizer.dispose();
    else compiled.optimizer.release();
  }
  if (engine) {
    const be = engine.backend;
    if (!be.isDisposed) {
      engine.dispose();
      engine.rng.dispose();
    }
    engine.store.release();
  }
}
