import { ValueError, describe } from '../errors.js';
import type { InitializerLike } from './initializers.js';
import type { ParamStore } from './store.js';
import type { RegularizerSpec } from './regularizers.js';

/** What a layer declares when it adds a weight at build time. */
export interface VariableSpec {
  /** Name within the layer ('kernel', 'bias'). */
  name: string;
  shape: readonly number[];
  initializer: InitializerLike;
  /** Fan sizes for the scaled initializers (those of a Dense kernel [fanIn, fanOut]). */
  fanIn: number;
  fanOut: number;
  /** Values [start, end) set to 1 after the initializer (an LSTM's forget-gate bias, Jozefowicz et al. 2015). */
  onesRange?: readonly [number, number];
  /** False for state the layer updates itself (batch normalization's moving statistics): never trained. Default true. */
  trainable?: boolean;
  /** A penalty added to the training loss (kernelRegularizer / biasRegularizer). */
  regularizer?: RegularizerSpec | null;
}

/** Whatever decides whether a variable is trained: the layer that declared it. */
export interface VariableOwner {
  readonly name: string;
  readonly trainable: boolean;
}

/**
 * One weight array: declared by a layer at build time, placed later in a
 * ParamStore, whose arenas hold its values and its gradient at the same
 * offset. `value` and `grad` are byte offsets into the store's backend memory,
 * read at call time (the store may move its arenas when it grows), never
 * cached across calls. A variable used by several layers (tied weights) is one
 * variable: every use adds into the same gradient.
 */
export class Variable {
  /** Name within the declaring layer ('kernel'). */
  readonly name: string;
  readonly shape: readonly number[];
  /** Number of values. */
  readonly size: number;
  /** The layer that declared it; its `trainable` flag freezes the variable. */
  readonly owner: VariableOwner;
  readonly initializer: InitializerLike;
  readonly fanIn: number;
  readonly fanOut: number;
  /** Values set to 1 after the initializer, or null. */
  readonly onesRange: readonly [number, number] | null;
  /** False for a layer's own state (never trained, whatever the layer's flag). */
  readonly trainableSpec: boolean;
  /** The penalty added to the training loss, or null. */
  readonly regularizer: RegularizerSpec | null;
  /** The store holding the values, once placed. */
  store: ParamStore | null = null;
  /** Position in the store's arenas, in floats (set when placed). */
  offset = -1;

  constructor(owner: VariableOwner, spec: VariableSpec) {
    this.owner = owner;
    this.name = spec.name;
    this.shape = Object.freeze(spec.shape.slice());
    let size = 1;
    for (const d of spec.shape) size *= d;
    if (!Number.isSafeInteger(size)) throw new ValueError(`${owner.name}: weight ${spec.name} of shape ${describe(spec.shape)} is too large`);
    this.size = size;
    this.initializer = spec.initializer;
    this.fanIn = spec.fanIn;
    this.fanOut = spec.fanOut;
    this.onesRange = spec.onesRange ? [spec.onesRange[0], spec.onesRange[1]] : null;
    this.trainableSpec = spec.trainable ?? true;
    this.regularizer = spec.regularizer ?? null;
  }

  /** '<layer name>/<variable name>': the name weights are saved under. */
  get path(): string {
    return `${this.owner.name}/${this.name}`;
  }

  /** True when optimizers update it (its declaring layer is trainable, and it is not the layer's own state). */
  get trainable(): boolean {
    return this.trainableSpec && this.owner.trainable;
  }

  /** True once placed in a store. */
  get placed(): boolean {
    return this.store !== null;
  }

  /** Byte offset of the values in backend memory. */
  get value(): number {
    return (this.store as ParamStore).values + this.offset * 4;
  }

  /** Byte offset of the gradient (same layout, in the gradient arena). */
  get grad(): number {
    return (this.store as ParamStore).grads + this.offset * 4;
  }
}

/**
 * Weights in the order models list them (getWeights, saved files): every
 * weight in layer order, then the layers' own state (moving statistics), as
 * TensorFlow.js and Keras order them.
 */
export function inWeightOrder(vars: readonly Variable[]): Variable[] {
  return [...vars.filter((v) => v.trainableSpec), ...vars.filter((v) => !v.trainableSpec)];
}
