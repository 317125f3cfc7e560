import { ValueError, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { LBFGS, Optimizer } from '../optimizers/index.js';
import type { Engine } from './engine.js';
import { identity } from './engine.js';
import type { Rows, Targets, ModelInput } from './inputs.js';
import type { Callback, Logs } from './callbacks.js';
import { abortNonFinite, batchMetrics, epochLine, epochLogs, yieldToEventLoop, type FitTarget, type History } from './trainer.js';

/** One batch of a dataset: inputs and targets (TensorFlow.js tf.data batches as { xs, ys }). */
export interface DatasetBatch {
  xs: ModelInput | ModelInput[];
  ys: ModelInput | ModelInput[];
}

/**
 * Where fitDataset() reads batches: a TensorFlow.js-style dataset (an object
 * with `iterator()`), a function returning a fresh iterator or iterable each
 * epoch (a generator function), or an iterable / async iterable (read once:
 * give batchesPerEpoch to spread it over epochs).
 */
export type BatchSource =
  | { iterator(): Promise<Iterator<DatasetBatch> | AsyncIterator<DatasetBatch>> | Iterator<DatasetBatch> | AsyncIterator<DatasetBatch> }
  | (() => Iterator<DatasetBatch> | AsyncIterator<DatasetBatch> | Iterable<DatasetBatch> | AsyncIterable<DatasetBatch>)
  | Iterable<DatasetBatch>
  | AsyncIterable<DatasetBatch>;

/** Options of fitDataset() (TensorFlow.js ModelFitDatasetArgs). */
export interface FitDatasetArgs {
  epochs?: number;
  /**
   * Batches per epoch. Without it an epoch is one pass over the source (opened
   * again each epoch); with it the batches continue from where the last epoch
   * stopped, and training ends when the source runs out (as TensorFlow.js).
   */
  batchesPerEpoch?: number;
  /** [x, y] arrays, or a batch source evaluated batch by batch after each epoch. */
  validationData?: [unknown, unknown] | BatchSource;
  callbacks?: Callback[] | Callback;
  initialEpoch?: number;
  /** 1 or 2 (or true): one console line per epoch. Default 0. */
  verbose?: number | boolean;
}

/** What the training loop needs from the model beyond FitTarget. */
export interface DatasetHost extends FitTarget {
  prepareBatch(op: string, b: DatasetBatch, where: string): { X: Rows[]; Y: Targets[] };
  validationLogs(data: [unknown, unknown]): Logs;
}

type AnyIterator = Iterator<DatasetBatch> | AsyncIterator<DatasetBatch>;

async function open(src: BatchSource, what: string): Promise<AnyIterator> {
  let s: unknown = src;
  if (typeof s === 'function') s = (s as () => unknown)();
  else if (s && typeof (s as { iterator?: unknown }).iterator === 'function') s = await (s as { iterator(): unknown }).iterator();
  const o = s as Record<symbol | string, unknown>;
  if (o && typeof o[Symbol.asyncIterator] === 'function') return (o[Symbol.asyncIterator] as () => AnyIterator)();
  if (o && typeof o[Symbol.iterator] === 'function' && typeof o.next !== 'function') return (o[Symbol.iterator] as () => AnyIterator)();
  if (o && typeof o.next === 'function') return o as unknown as AnyIterator;
  throw new ValueError(`fitDataset: ${what} must be a dataset with iterator(), a generator function, an iterable or an async iterable of { xs, ys } batches, got ${describe(src)}`);
}

async function next(it: AnyIterator, what: string, index: number): Promise<DatasetBatch | null> {
  const r = await it.next();
  if (!r || typeof r !== 'object') throw new ValueError(`fitDataset: ${what}'s iterator returned ${describe(r)} instead of { value, done }`);
  if (r.done) return null;
  const b = r.value as DatasetBatch;
  if (!b || typeof b !== 'object' || !('xs' in b) || !('ys' in b)) throw new ValueError(`fitDataset: batch ${index} of ${what} must be { xs, ys }, got ${describe(b)}`);
  return b;
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'setModel'] as const;

/**
 * fitDataset()'s loop: batches from the source one at a time (only one batch
 * in memory), each one gradient step, with the same metrics, callbacks,
 * stopTraining and event-loop turns as fit().
 */
export async function fitDatasetLoop(model: DatasetHost, engine: Engine, source: BatchSource, args: FitDatasetArgs): Promise<History> {
  checkOptions('fitDataset', args, ['epochs', 'batchesPerEpoch', 'validationData', 'callbacks', 'initialEpoch', 'verbose'], 'options');
  const epochs = checkInt('fitDataset', 'epochs', args.epochs ?? 1, 1, 1e7);
  const perEpoch = args.batchesPerEpoch === undefined ? null : checkInt('fitDataset', 'batchesPerEpoch', args.batchesPerEpoch, 1, 1e9);
  const initialEpoch = checkInt('fitDataset', 'initialEpoch', args.initialEpoch ?? 0, 0, 1e7);
  const v = args.verbose ?? 0;
  if (v !== true && v !== false && v !== 0 && v !== 1 && v !== 2) throw new ValueError(`fitDataset: verbose must be 0, 1, 2 or a boolean, got ${describe(v)}`);
  const raw = args.callbacks;
  const cbs = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  cbs.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') throw new ValueError(`fitDataset: callbacks[${i}] must be an object of hooks, got ${describe(cb)}`);
    for (const h of HOOKS) {
      const f = (cb as Record<string, unknown>)[h];
      if (f !== undefined && typeof f !== 'function') throw new ValueError(`fitDataset: callbacks[${i}].${h} must be a function, got ${describe(f)}`);
    }
  });
  const compiled = engine.requireCompiled('fitDataset');
  if (compiled.optimizer instanceof LBFGS) throw new ValueError(`fitDataset: L-BFGS works on the full batch; use fit()`);
  const val = args.validationData;
  const valArrays = Array.isArray(val) && val.length === 2 && !val.some((e) => e && typeof e === 'object' && 'xs' in (e as object));
  const history: History = { epoch: [], history: {} };
  const gone = () => model.isDisposed;
  model.stopTraining = false;
  for (const cb of cbs) cb.setModel?.(model);
  for (const cb of cbs) {
    await cb.onTrainBegin?.();
    if (gone()) return history;
  }
  let it: AnyIterator | null = null;
  let exhausted = false;
  let lastYield = Date.now();
  for (let epoch = initialEpoch; epoch < initialEpoch + epochs && !model.stopTraining && !exhausted; epoch++) {
    for (const cb of cbs) {
      await cb.onEpochBegin?.(epoch);
      if (gone()) return history;
    }
    if (!it || perEpoch === null) it = await open(source, 'the dataset');
    const nOut = engine.topo.outputs.length;
    const correct = new Array<number>(nOut).fill(0);
    const counted = new Array<number>(nOut).fill(0);
    const mseSum = new Array<number>(nOut).fill(0);
    const tallies = engine.topo.outputs.map(() => engine.newTally());
    let lossSum = 0;
    let seen = 0;
    let b = 0;
    for (; perEpoch === null || b < perEpoch; b++) {
      const batch = await next(it, 'the dataset', b);
      if (gone()) return history;
      if (!batch) {
        if (perEpoch !== null) exhausted = true;
        break;
      }
      const { X, Y } = model.prepareBatch('fitDataset', batch, `batch ${b}`);
      const rows = X[0].n;
      for (const cb of cbs) {
        await cb.onBatchBegin?.(b, { batch: b, size: rows });
        if (gone()) return history;
      }
      engine.ensurePlan(rows, true);
      if (compiled.optimizer instanceof Optimizer) compiled.optimizer.bind(engine.store);
      const order = identity(rows);
      engine.loadBatch(X, Y, order, 0, rows);
      const loss = engine.trainStep(rows, true);
      if (!Number.isFinite(loss)) abortNonFinite(model, engine, 'fit', epoch, b + 1);
      lossSum += loss * rows;
      seen += rows;
      const batchLogs: Logs = { batch: b, size: rows, loss };
      for (let k = 0; k < nOut; k++) {
        batchMetrics(engine, compiled, k, rows, Y[k], order, 0, { correct, counted, mseSum, tallies }, batchLogs);
      }
      for (const cb of cbs) {
        await cb.onBatchEnd?.(b, batchLogs);
        if (gone()) return history;
      }
      if (Date.now() - lastYield > 25) {
        await yieldToEventLoop();
        lastYield = Date.now();
        if (gone()) return history;
      }
      if (model.stopTraining) break;
    }
    if (seen === 0) {
      if (epoch === initialEpoch || perEpoch === null) throw new ValueError(`fitDataset: the dataset gave no batches in epoch ${epoch + 1}${perEpoch === null ? ' (an iterable is read once: pass a generator function or a dataset with iterator(), or give batchesPerEpoch)' : ''}`);
      break;
    }
    const logs = epochLogs(engine, compiled, lossSum, seen, { correct, counted, mseSum, tallies });
    if (val !== undefined) {
      const vl = valArrays ? model.validationLogs(val as [unknown, unknown]) : await validateBatches(model, engine, val as BatchSource);
      for (const [k, x] of Object.entries(vl)) {
        logs[`val_${k}`] = x;
        if (k.endsWith('accuracy')) logs[`val_${k.slice(0, -'accuracy'.length)}acc`] = x;
      }
    }
    history.epoch.push(epoch);
    for (const [k, x] of Object.entries(logs)) (history.history[k] ??= []).push(x);
    if (v !== false && v !== 0) console.log(epochLine(epoch, initialEpoch + epochs, logs));
    for (const cb of cbs) {
      await cb.onEpochEnd?.(epoch, logs);
      if (gone()) return history;
    }
  }
  for (const cb of cbs) {
    await cb.onTrainEnd?.();
    if (gone()) return history;
  }
  return history;
}

/** Loss and metrics over a validation source: each batch evaluated, averaged with the batches' sizes as weights. */
async function validateBatches(model: DatasetHost, engine: Engine, src: BatchSource): Promise<Logs> {
  const it = await open(src, 'validationData');
  const sums: Logs = {};
  let n = 0;
  for (let b = 0; ; b++) {
    const batch = await next(it, 'validationData', b);
    if (!batch) break;
    const { X, Y } = model.prepareBatch('fitDataset', batch, `validation batch ${b}`);
    const logs = engine.evaluateRows(X, Y, true);
    const rows = X[0].n;
    for (const [k, x] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + x * rows;
    n += rows;
  }
  if (n === 0) throw new ValueError(`fitDataset: validationData gave no batches`);
  for (const k of Object.keys(sums)) sums[k] /= n;
  return sums;
}
