// The option names, call sites, buffer layouts and step pointers every
// recurrent layer shares (src/layers/recurrent/base.ts runs them).
import { ACT } from '../../runtime/abi.js';
import type { Backend } from '../../runtime/backend.js';
import { ValueError, describe } from '../../errors.js';
import type { InitializerLike } from '../../params/initializers.js';
import type { BaseLayerConfig, Site } from '../layer.js';

/** Activations a recurrent cell accepts: those whose derivative follows from their output. */
export type RecurrentActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu' | 'elu' | 'hardSigmoid';

export const RECURRENT_ACTIVATIONS: readonly RecurrentActivation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'hardSigmoid'];

/** Options every recurrent layer takes (TensorFlow.js / Keras names). */
export interface RecurrentConfig extends BaseLayerConfig {
  /** Size of the state h (required). */
  units: number;
  /** Cell activation. Default 'tanh'. */
  activation?: RecurrentActivation;
  /** Slope of leakyRelu / scale of elu. */
  alpha?: number;
  /** Default true. */
  useBias?: boolean;
  /** Of the input kernel [features, gates · units]. Default 'glorotUniform'. */
  kernelInitializer?: InitializerLike;
  /** Of the recurrent kernel [units, gates · units]. Default 'orthogonal'. */
  recurrentInitializer?: InitializerLike;
  /** Default 'zeros'. */
  biasInitializer?: InitializerLike;
  /** Output h at every step ([steps, units]) rather than the last one ([units]). Default false. */
  returnSequences?: boolean;
  /** Also output the final state(s): [output, h] (and c for an LSTM). Default false. */
  returnState?: boolean;
  /** Read the sequence from its last step to its first; a sequence output is in that order (Keras). Default false. */
  goBackwards?: boolean;
  /**
   * Carry the final state of each row of a batch into the same row of the next
   * batch (truncated backpropagation through time over windows of a long
   * sequence); `model.resetStates()` zeroes it. Default false.
   */
  stateful?: boolean;
  /** Fraction of the input features dropped while training, one mask per sequence for every step (Gal & Ghahramani 2016). Default 0. */
  dropout?: number;
  /** Dropout on the recurrent state: only 0 is supported. */
  recurrentDropout?: number;
}

export const RECURRENT_KEYS = [
  'name', 'inputShape', 'trainable', 'units', 'activation', 'alpha', 'useBias', 'kernelInitializer', 'recurrentInitializer',
  'biasInitializer', 'returnSequences', 'returnState', 'goBackwards', 'stateful', 'dropout', 'recurrentDropout',
];

/** A recurrent call site: steps, features, and whether initial states and a padding mask come in. */
export interface RecurrentSite extends Site {
  steps: number;
  features: number;
  /** Initial states are inputs 1 .. stateCount. */
  states: boolean;
  /** The last input is the padding mask's source. */
  masked: boolean;
  /** Values per step of the mask source. */
  maskWidth: number;
  /** What a padded step of the mask source holds. */
  maskValue: number;
}

/** Byte offsets of one call's tape, for `rows` rows. */
export interface RecurrentTape {
  /** Gate pre-activations, then the activated gates: [steps, rows, gates · units] (time-major). */
  z: number;
  /** The state each step starts from, by time: [steps, rows, units]. */
  hp: number;
  /** The final state: [rows, units]. */
  hl: number;
  /** LSTM: the cell state each step starts from, and the final one. */
  cp: number;
  cl: number;
  /** Per-cell extra: GRU's recurrent products [steps, rows, 3 units], or r · h [steps, rows, units]. */
  extra: number;
  /** [rows, steps] of 0 (padding) and 1 (batch-major, as the mask's source). */
  mask: number;
  /** The inputs (after dropout), time-major: [steps, rows, features]. */
  xt: number;
  /** The dropout mask, [steps, rows, features]. */
  dm: number;
  total: number;
}

/** Byte offsets of one call's scratch. */
export interface RecurrentScratch {
  work: number;
  dz: number;
  /** GRU with the reset gate after the product: the gradient of the recurrent products. */
  drec: number;
  dh: number;
  dh2: number;
  dc: number;
  dcs: number;
  drh: number;
  /** One zero float: a mask that selects every row. */
  zero: number;
  /** The inputs' gradient, time-major. */
  dxt: number;
  /** The recurrent kernel's blocks packed once per call for the per-step GEMMs (RecurrentPack, in order). */
  packs: number;
  total: number;
}

/**
 * A block of the recurrent kernel U [units, gates · units] that every step
 * multiplies by, packed once per call: op(B) is k x n, its columns starting
 * at column `col` of U, transposed (transB) for the backward pass's dz Uᵀ.
 */
export interface RecurrentPack {
  n: number;
  k: number;
  col: number;
  transB: boolean;
}

/** Everything a cell's step reads and writes; the driver moves the time-dependent pointers. */
export interface StepPointers {
  be: Backend;
  n: number;
  u: number;
  /** Row strides of a step's blocks of the tapes. */
  ldz: number;
  ldh: number;
  ldx: number;
  /** The step's gates (pre-activations in, activated out) and, backward, their gradient. */
  z: number;
  dz: number;
  /** The state the step starts from (row stride ldh) and the one it writes (row stride ldNext). */
  hp: number;
  h: number;
  ldNext: number;
  cp: number;
  c: number;
  /** Per-cell extra tape at this step (row stride ldx) and, backward, its gradient. */
  extra: number;
  dextra: number;
  /** The packed blocks of the recurrent kernel the step's GEMMs multiply by (forward or backward ones). */
  packs: number[];
  /** Backward: dh of the step (in), the gradient of the state it started from (out), dc in and out (LSTM), drh (GRU). */
  dh: number;
  dhPrev: number;
  dc: number;
  drh: number;
  work: number;
}

/** Validates a recurrent cell's activation name. */
export function checkRecurrentActivation(op: string, arg: string, value: unknown): RecurrentActivation {
  if (typeof value !== 'string' || !RECURRENT_ACTIVATIONS.includes(value as RecurrentActivation)) {
    throw new ValueError(`${op}: ${arg} must be one of ${RECURRENT_ACTIVATIONS.join(', ')}, got ${describe(value)}`);
  }
  return value as RecurrentActivation;
}

/** The activation id of a recurrent activation name. */
export const actId = (a: RecurrentActivation): number => ACT[a];
