import { ValueError, checkFinite, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';

/** Metrics of one batch or epoch: loss, accuracy, val_loss, val_accuracy, ... */
export type Logs = Record<string, number>;

/** Hooks called during fit() (TensorFlow.js / Keras names). Any may return a promise, which fit awaits. */
export interface Callback {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  /** Called once before training with the model being trained. */
  setModel?(model: TrainableModel): void;
}

/** What callbacks may do to the model they observe. */
export interface TrainableModel {
  stopTraining: boolean;
  /** True once the model was disposed (its weights are gone). */
  readonly isDisposed: boolean;
  /** A copy of every parameter, flat. */
  getWeightsFlat(): Float32Array;
  /** Restores parameters from getWeightsFlat() output. */
  setWeightsFlat(values: Float32Array): void;
}

/** Options of earlyStopping(). */
export interface EarlyStoppingOptions {
  /** Metric to watch. Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /**
   * Epochs without improvement after which training stops (as in TensorFlow.js
   * and Keras; 0 stops at the first epoch that does not improve). Default 0.
   */
  patience?: number;
  /** 'min', 'max', or 'auto' (max for accuracy-like metrics). Default 'auto'. */
  mode?: 'min' | 'max' | 'auto';
  /** Put back the weights of the best epoch when training stops. Default false. */
  restoreBestWeights?: boolean;
}

/** Stops training when a monitored metric stops improving (Keras EarlyStopping). */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly restoreBestWeights: boolean;
  /** 0-based epoch at which training was stopped, or -1. */
  stoppedEpoch = -1;
  /** Best value seen and its epoch. */
  best = Infinity;
  bestEpoch = -1;
  private wait = 0;
  private model: TrainableModel | null = null;
  private bestWeights: Float32Array | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    checkOptions('earlyStopping', opts, ['monitor', 'minDelta', 'patience', 'mode', 'restoreBestWeights'], 'options');
    this.monitor = opts.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string') throw new ValueError(`earlyStopping: monitor must be a string, got ${describe(this.monitor)}`);
    this.minDelta = Math.abs(checkFinite('earlyStopping', 'minDelta', opts.minDelta ?? 0));
    this.patience = checkInt('earlyStopping', 'patience', opts.patience ?? 0, 0);
    const mode = opts.mode ?? 'auto';
    if (mode !== 'min' && mode !== 'max' && mode !== 'auto') throw new ValueError(`earlyStopping: mode must be 'min', 'max' or 'auto', got ${describe(mode)}`);
    this.mode = mode === 'auto' ? (/acc/.test(this.monitor) ? 'max' : 'min') : mode;
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
  }

  setModel(model: TrainableModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = -1;
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new ValueError(`earlyStopping: metric ${describe(this.monitor)} is not in the logs (${Object.keys(logs).join(', ')}); add validation data or monitor 'loss'`);
    }
    const better = this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
    if (better) {
      this.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights && this.model) this.bestWeights = this.model.getWeightsFlat();
      return;
    }
    this.wait++;
    if (this.wait >= this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.model && !this.model.isDisposed) this.model.setWeightsFlat(this.bestWeights);
  }
}

/** Factories (TensorFlow.js: tf.callbacks.earlyStopping). */
export const callbacks = {
  earlyStopping: (opts?: EarlyStoppingOptions) => new EarlyStopping(opts),
};
