import { NonFiniteLossError, ValueError, checkFinite, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { LBFGS, Optimizer } from '../optimizers/index.js';
import type { Compiled, Engine } from './engine.js';
import type { MetricTally } from './metrics.js';
import { splitRows, splitTargets, type Rows, type Targets } from './inputs.js';
import { EarlyStopping, type Callback, type Logs, type TrainableModel } from './callbacks.js';

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
  validationData?: [unknown, unknown];
  callbacks?: Callback[] | Callback;
  /** Reseeds the model's generator (shuffling, dropout) before training. */
  seed?: number;
  /** Epoch to start counting from (for resumed training). Default 0. */
  initialEpoch?: number;
  /**
   * Loss weight per class (Keras / TensorFlow.js): { 0: 1, 1: 5 } weighs the
   * loss of every sample by the weight of its class (the label, the argmax
   * of a one-hot target, or a 0/1 target's value). Every class in the
   * training data needs a weight. Single-output models.
   */
  classWeight?: Record<number, number>;
  /**
   * Loss weight per training sample (Keras; TensorFlow.js does not implement
   * it), multiplied with classWeight when both are given. The batch loss is
   * the mean over its samples of weight times loss.
   */
  sampleWeight?: ArrayLike<number>;
  /** 1 or 2 (or true): one console line per epoch with its logs, as Keras prints them; 0 (or false): nothing. Default 0. */
  verbose?: number | boolean;
}

/** What fit() returns (TensorFlow.js History). */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

/** What the training loop needs from the model it trains. */
export interface FitTarget extends TrainableModel {
  readonly name: string;
  readonly isDisposed: boolean;
}

/** The data of one fit() call, prepared and validated by the model. */
export interface FitData {
  X: Rows[];
  Y: Targets[];
  valX: Rows[] | null;
  valY: Targets[] | null;
  /** Per training sample loss weights (classWeight, sampleWeight), or null. */
  W?: Float32Array | null;
}

/** The per-sample loss weights of fit()'s classWeight and sampleWeight, or null when neither is given. */
export function sampleWeightsOf(args: FitArgs, Y: readonly Targets[], n: number): Float32Array | null {
  const { classWeight, sampleWeight } = args;
  if (classWeight === undefined && sampleWeight === undefined) return null;
  const W = new Float32Array(n).fill(1);
  if (sampleWeight !== undefined) {
    if (!sampleWeight || typeof sampleWeight !== 'object' || typeof sampleWeight.length !== 'number') {
      throw new ValueError(`fit: sampleWeight must be an array of one number per sample, got ${describe(sampleWeight)}`);
    }
    if (sampleWeight.length !== n) throw new ValueError(`fit: sampleWeight has ${sampleWeight.length} weights for ${n} samples`);
    for (let i = 0; i < n; i++) {
      const w = sampleWeight[i];
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new ValueError(`fit: sampleWeight[${i}] must be a finite number >= 0, got ${describe(w)}`);
      W[i] = w;
    }
  }
  if (classWeight !== undefined) {
    if (!classWeight || typeof classWeight !== 'object' || Array.isArray(classWeight)) {
      throw new ValueError(`fit: classWeight must be an object mapping class indices to weights ({ 0: 1, 1: 5 }), got ${describe(classWeight)}`);
    }
    for (const [k, w] of Object.entries(classWeight)) {
      if (!/^\d+$/.test(k)) throw new ValueError(`fit: classWeight keys must be class indices, got ${describe(k)}`);
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new ValueError(`fit: classWeight[${k}] must be a finite number >= 0, got ${describe(w)}`);
    }
    if (Y.length !== 1) throw new ValueError(`fit: classWeight applies to single-output models; this one has ${Y.length} outputs (use sampleWeight)`);
    const y = Y[0];
    if (y.steps !== 1) throw new ValueError(`fit: classWeight needs one class per sample; the targets have ${y.steps} steps per sample`);
    const per = y.rows ? y.rows.length / n : 0;
    for (let i = 0; i < n; i++) {
      const c = y.labels ? y.labels[i] : per === 1 ? Math.round((y.rows as Float32Array)[i]) : -1;
      const w = (classWeight as Record<number, number>)[c];
      if (w === undefined) throw new ValueError(`fit: classWeight must give a weight for every class in the training data; class ${c} (sample ${i}) has none`);
      W[i] *= w;
    }
  }
  return W;
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'setModel'] as const;

/** Checks fit()'s options that do not depend on the data; returns the callbacks as a list. */
export function checkFitArgs(args: FitArgs): { epochs: number; initialEpoch: number; shuffle: boolean; split: number; cbs: Callback[]; verbose: boolean } {
  checkOptions('fit', args, ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'callbacks', 'seed', 'initialEpoch', 'verbose', 'classWeight', 'sampleWeight'], 'options');
  const epochs = checkInt('fit', 'epochs', args.epochs ?? 1, 1, 1e7);
  const v = args.verbose ?? 0;
  if (v !== true && v !== false && v !== 0 && v !== 1 && v !== 2) throw new ValueError(`fit: verbose must be 0, 1, 2 or a boolean, got ${describe(v)}`);
  const verbose = v !== false && v !== 0;
  const initialEpoch = checkInt('fit', 'initialEpoch', args.initialEpoch ?? 0, 0, 1e7);
  const shuffle = args.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new ValueError(`fit: shuffle must be a boolean, got ${describe(shuffle)}`);
  const split = checkFinite('fit', 'validationSplit', args.validationSplit ?? 0, 0, 0.99);
  const raw = args.callbacks;
  const cbs = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  cbs.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object' || Array.isArray(cb)) throw new ValueError(`fit: callbacks[${i}] must be an object of hooks (onEpochEnd, ...), got ${describe(cb)}`);
    for (const h of HOOKS) {
      const f = (cb as Record<string, unknown>)[h];
      if (f !== undefined && typeof f !== 'function') throw new ValueError(`fit: callbacks[${i}].${h} must be a function, got ${describe(f)}`);
    }
  });
  return { epochs, initialEpoch, shuffle, split, cbs, verbose };
}

/** Splits off the validation rows (validationSplit takes the end of the data, before shuffling). */
export function applyValidationSplit(data: FitData, split: number): FitData {
  if (data.valX || split <= 0) return data;
  const n = data.X[0].n;
  const nVal = Math.floor(n * split);
  if (nVal < 1 || nVal >= n) throw new ValueError(`fit: validationSplit ${split} leaves ${n - nVal} training and ${nVal} validation rows of ${n}`);
  const xs = data.X.map((x) => splitRows(x, n - nVal));
  const ys = data.Y.map((y) => splitTargets(y, n - nVal));
  return { X: xs.map((p) => p[0]), Y: ys.map((p) => p[0]), valX: xs.map((p) => p[1]), valY: ys.map((p) => p[1]), W: data.W ? data.W.subarray(0, n - nVal) : null };
}

// Let timers, I/O and rendering run at least this often (ms) during fit().
const YIELD_EVERY_MS = 25;

const now: () => number = typeof performance !== 'undefined' && typeof performance.now === 'function' ? () => performance.now() : () => Date.now();

/**
 * Gives the event loop a turn with the cheapest macrotask the runtime has:
 * setImmediate (Node, Bun), a MessageChannel message (browsers and workers,
 * where setTimeout is clamped to 4 ms), else setTimeout.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => (g.setImmediate as (f: () => void) => void)(resolve));
  if (typeof g.MessageChannel === 'function') {
    return new Promise((resolve) => {
      const ch = new (g.MessageChannel as typeof MessageChannel)();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The training loop of fit(): epochs of shuffled mini-batches (or one
 * L-BFGS iteration per epoch), validation, callbacks and history. A
 * non-finite loss, or weights an epoch left non-finite, restores the weights
 * from the start of that epoch and throws NonFiniteLossError. Disposing the
 * model inside a callback ends training at once (no further kernel call);
 * setting model.stopTraining ends it after the current batch.
 */
export async function fitLoop(model: FitTarget, engine: Engine, data: FitData, args: FitArgs, opts: ReturnType<typeof checkFitArgs>): Promise<History> {
  const { X, Y, valX, valY } = data;
  const W = data.W ?? null;
  const { epochs, initialEpoch, shuffle, cbs, verbose } = opts;
  const compiled = engine.requireCompiled('fit');
  const lbfgs = compiled.optimizer instanceof LBFGS;
  const n = X[0].n;
  if (data.W && lbfgs) throw new ValueError(`fit: classWeight and sampleWeight need a gradient-step optimizer; L-BFGS minimises the unweighted full-batch loss`);
  const batchSize = lbfgs ? Math.min(n, 1024) : checkInt('fit', 'batchSize', args.batchSize ?? 32, 1, 1 << 20);
  // A monitor that names a log fit() will never write fails now, before any weight changes.
  const logNames = ['loss'];
  for (let k = 0; k < Y.length; k++) {
    const prefix = engine.metricPrefix(k);
    logNames.push(`${prefix}loss`, ...compiled.metrics.flatMap((m) => (m === 'accuracy' ? [`${prefix}accuracy`, `${prefix}acc`] : [`${prefix}${m}`])));
  }
  if (valX) logNames.push(...logNames.map((k) => `val_${k}`));
  for (const cb of cbs) {
    if (cb instanceof EarlyStopping && !logNames.includes(cb.monitor)) {
      throw new ValueError(`fit: earlyStopping monitors ${describe(cb.monitor)}, which is not in the logs (${[...new Set(logNames)].join(', ')})${valX ? '' : '; add validation data or monitor \'loss\''}`);
    }
  }
  if (args.seed !== undefined) engine.rng.reseed(checkFinite('fit', 'seed', args.seed));
  if (engine.weightsNonFinite()) throw new ValueError(`fit: model ${model.name} has non-finite weights (an earlier update diverged); set finite weights before training`);
  engine.ensurePlan(Math.min(batchSize, n), true);
  if (compiled.optimizer instanceof Optimizer) compiled.optimizer.bind(engine.store);

  const history: History = { epoch: [], history: {} };
  const record = (logs: Logs) => {
    for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
  };
  const gone = () => model.isDisposed;
  model.stopTraining = false;
  for (const cb of cbs) cb.setModel?.(model);
  for (const cb of cbs) {
    await cb.onTrainBegin?.();
    if (gone()) return history;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let lbfgsState: { w: Float64Array; loss: number; grad: Float64Array } | null = null;
  let lastYield = now();
  const nOut = Y.length;

  for (let epoch = initialEpoch; epoch < initialEpoch + epochs && !model.stopTraining; epoch++) {
    for (const cb of cbs) {
      await cb.onEpochBegin?.(epoch);
      if (gone()) return history;
    }
    // Weights to fall back to if this epoch diverges: the last finite weights
    // of a diverging run are finite but useless.
    const snapshot = engine.getWeightsFlat();
    const abort = (batch: number): never => abortNonFinite(model, engine, 'fit', epoch, batch, snapshot);
    let logs: Logs;
    if (lbfgs) {
      const opt = compiled.optimizer as LBFGS;
      const evaluate = (w: Float64Array) => {
        engine.setWeightsFlat(Float32Array.from(w));
        // Dropout off: a line search needs the same objective at every evaluation.
        const r = engine.accumulateGradients(X, Y, false);
        return { loss: r.loss, grad: Float64Array.from(r.gradients) };
      };
      if (!lbfgsState) {
        const w0 = Float64Array.from(engine.getWeightsFlat());
        lbfgsState = { w: w0, ...evaluate(w0) };
      }
      const r = opt.iterate(lbfgsState.w, lbfgsState.loss, lbfgsState.grad, evaluate);
      lbfgsState = r;
      engine.setWeightsFlat(Float32Array.from(r.w));
      if (!Number.isFinite(r.loss)) abort(1);
      logs = { loss: r.loss };
      if (compiled.metrics.length) Object.assign(logs, engine.evaluateRows(X, Y, false));
      if (r.converged) model.stopTraining = true;
    } else {
      if (shuffle) engine.rng.shuffle(order);
      let lossSum = 0;
      const correct = new Array<number>(nOut).fill(0);
      const counted = new Array<number>(nOut).fill(0);
      const mseSum = new Array<number>(nOut).fill(0);
      const tallies = Y.map(() => engine.newTally());
      let batchIndex = 0;
      let seen = 0;
      for (let start = 0; start < n; start += batchSize, batchIndex++) {
        const rows = Math.min(batchSize, n - start);
        for (const cb of cbs) {
          await cb.onBatchBegin?.(batchIndex, { batch: batchIndex, size: rows });
          if (gone()) return history;
        }
        engine.loadBatch(X, Y, order, start, rows);
        if (W) {
          const bw = new Float32Array(rows);
          for (let r = 0; r < rows; r++) bw[r] = W[order[start + r]];
          engine.batchWeights = bw;
        }
        let loss: number;
        try {
          loss = engine.trainStep(rows, false);
        } finally {
          engine.batchWeights = null;
        }
        if (!Number.isFinite(loss)) abort(batchIndex + 1);
        lossSum += loss * rows;
        seen += rows;
        const batchLogs: Logs = { batch: batchIndex, size: rows, loss };
        for (let k = 0; k < nOut; k++) {
          batchMetrics(engine, compiled, k, rows, Y[k], order, start, { correct, counted, mseSum, tallies }, batchLogs);
        }
        for (const cb of cbs) {
          await cb.onBatchEnd?.(batchIndex, batchLogs);
          if (gone()) return history;
        }
        if (now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = now();
          if (gone()) return history;
        }
        if (model.stopTraining) break;
      }
      logs = epochLogs(engine, compiled, lossSum, seen, { correct, counted, mseSum, tallies });
    }
    // An update can overflow the weights while every loss it was computed from stayed finite.
    if (engine.weightsNonFinite()) abort(Math.ceil(n / batchSize));
    if (valX && valY) {
      const v = engine.evaluateRows(valX, valY, true);
      for (const [k, val] of Object.entries(v)) {
        logs[`val_${k}`] = val;
        if (k.endsWith('accuracy')) logs[`val_${k.slice(0, -'accuracy'.length)}acc`] = val;
      }
    }
    history.epoch.push(epoch);
    record(logs);
    if (verbose) console.log(epochLine(epoch, initialEpoch + epochs, logs));
    for (const cb of cbs) {
      await cb.onEpochEnd?.(epoch, logs);
      if (gone()) return history;
    }
    if (now() - lastYield > YIELD_EVERY_MS) {
      await yieldToEventLoop();
      lastYield = now();
      if (gone()) return history;
    }
  }
  for (const cb of cbs) {
    await cb.onTrainEnd?.();
    if (gone()) return history;
  }
  return history;
}

/** The epoch's running metric sums, one entry per output. */
export interface MetricSums {
  correct: number[];
  counted: number[];
  mseSum: number[];
  tallies: (MetricTally | null)[];
}

/** An epoch's logs: the mean loss over its `seen` rows and each output's metrics from the epoch's sums. */
export function epochLogs(engine: Engine, compiled: Compiled, lossSum: number, seen: number, sums: MetricSums): Logs {
  const logs: Logs = { loss: lossSum / seen };
  sums.tallies.forEach((t, k) => {
    const prefix = engine.metricPrefix(k);
    if (compiled.metrics.includes('accuracy')) {
      logs[`${prefix}accuracy`] = sums.correct[k] / sums.counted[k];
      logs[`${prefix}acc`] = sums.correct[k] / sums.counted[k];
    }
    if (compiled.metrics.includes('mse')) logs[`${prefix}mse`] = sums.mseSum[k] / seen;
    if (t) for (const [name, v] of Object.entries(t.values())) logs[`${prefix}${name}`] = v;
  });
  return logs;
}

/**
 * Output k's metrics on the trained batch (rows order[start..start + rows)):
 * written to the batch's logs and added to the epoch's sums.
 */
export function batchMetrics(
  engine: Engine, compiled: Compiled, k: number, rows: number, Y: Targets, order: Int32Array, start: number, sums: MetricSums, batchLogs: Logs,
): void {
  const prefix = engine.metricPrefix(k);
  if (compiled.metrics.includes('accuracy')) {
    const [c, total] = engine.countCorrect(k, rows, Y, order, start);
    sums.correct[k] += c;
    sums.counted[k] += total;
    batchLogs[`${prefix}accuracy`] = c / total;
    batchLogs[`${prefix}acc`] = c / total;
  }
  if (compiled.metrics.includes('mse')) {
    const m = engine.batchMse(k, rows);
    sums.mseSum[k] += m * rows;
    batchLogs[`${prefix}mse`] = m;
  }
  const t = sums.tallies[k];
  if (t) {
    engine.tally(k, rows, Y, order, start, t);
    for (const [name, v] of Object.entries(t.values(false))) batchLogs[`${prefix}${name}`] = v;
  }
}

/**
 * Puts back sane parameters and throws NonFiniteLossError: fit() restores
 * the weights from the start of the epoch; trainOnBatch() (no snapshot)
 * restores them from before the update that made them non-finite, if one
 * did. Optimizer state is cleared either way.
 */
export function abortNonFinite(model: { name: string }, engine: Engine, op: 'fit' | 'trainOnBatch', epoch: number, batch: number, snapshot?: Float32Array): never {
  let what: string;
  if (snapshot) {
    engine.setWeightsFlat(snapshot);
    what = `the weights were restored to the start of epoch ${epoch + 1}`;
  } else if (engine.weightsNonFinite()) {
    engine.restoreBackup();
    what = 'the weights were restored to their values before the update that broke them';
  } else {
    what = 'no update was applied';
  }
  engine.requireCompiled(op).optimizer.reset();
  throw new NonFiniteLossError(
    `${op}: the loss became non-finite at epoch ${epoch + 1}, batch ${batch}; ${what}. ` +
      'Lower the learning rate, clip gradients, or check the data',
    epoch + 1, batch,
  );
}

/** "Epoch 3/20 - loss: 0.1234 - accuracy: 0.9500": one epoch's logs as Keras prints them. */
export function epochLine(epoch: number, total: number, logs: Logs): string {
  // TensorFlow.js's acc duplicates accuracy: printed once, as Keras prints it.
  const parts = Object.entries(logs).filter(([k]) => !(k.endsWith('acc') && `${k}uracy` in logs)).map(([k, v]) => `${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)}`);
  return [`Epoch ${epoch + 1}/${total}`, ...parts].join(' - ');
}
