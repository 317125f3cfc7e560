import type { Backend } from '../runtime/backend.js';
import { Tensor, tensor, fmt, sizeOf, type TensorLike } from '../tensor.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import type { InitializerName } from './initializers.js';

/** One trainable array: where its values and its gradient live in wasm memory. */
export interface Param {
  /** Name within the layer ('kernel', 'bias'). */
  name: string;
  shape: number[];
  size: number;
  /** Byte offset of the values (inside the model's parameter arena). */
  value: number;
  /** Byte offset of the gradient (same layout, in the gradient arena). */
  grad: number;
}

/** A weight a layer declares at build time; the model places it in its arenas. */
export interface WeightSpec {
  name: string;
  shape: number[];
  initializer: InitializerName;
  fanIn: number;
  fanOut: number;
}

/** What layers get during forward and backward passes. */
export interface StepContext {
  backend: Backend;
  /** Offset of the model's random-generator state (dropout). */
  rng: number;
  /** True when a backward pass follows this forward pass (layers then keep what it needs, such as max pooling's argmax). */
  backward: boolean;
}

/** Serialised form of a layer (Keras-like: class name + config). */
export interface LayerJSON {
  className: string;
  config: Record<string, unknown>;
}

let nameCounter = 0;

/**
 * The contract every layer follows (ConvNetJS / tfjs-layers): build() declares
 * weights for an input shape, plan() allocates per-batch scratch once, forward()
 * writes the output for `batch` rows, backward() ADDS into the parameter
 * gradients and writes the input gradient, params() lists (value, grad) pairs
 * so optimizers never know layer types. Shapes are per sample (no batch axis).
 */
export abstract class Layer {
  /** Registered class name, used by toJSON / fromJSON. */
  abstract readonly className: string;
  /** Unique name within a model. */
  readonly name: string;
  /** Per-sample input shape, once built. */
  inputShape: number[] | null = null;
  /** Per-sample output shape, once built. */
  outputShape: number[] | null = null;
  /** Declared at construction: the input shape of a model's first layer. */
  readonly declaredInputShape: number[] | null;
  protected weightSpecs: WeightSpec[] = [];
  protected paramList: Param[] = [];
  protected backend: Backend | null = null;

  constructor(config: { name?: string; inputShape?: readonly number[] }, op: string) {
    if (config.name !== undefined && (typeof config.name !== 'string' || config.name.length === 0)) {
      throw new ValueError(`${op}: name must be a non-empty string, got ${describe(config.name)}`);
    }
    this.name = config.name ?? `${op}_${++nameCounter}`;
    if (config.inputShape !== undefined) {
      const s = config.inputShape;
      if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d > 0)) {
        throw new ShapeError(`${op}: inputShape must be a non-empty array of positive integers, got ${describe(s)}`);
      }
      this.declaredInputShape = s.slice();
    } else {
      this.declaredInputShape = null;
    }
  }

  /** Output shape for a per-sample input shape; throws ShapeError when the layer cannot take it. */
  abstract computeOutputShape(inputShape: readonly number[]): number[];

  /** Declares weights for this input shape (values are placed and initialised by the model). */
  build(inputShape: readonly number[]): void {
    this.outputShape = this.computeOutputShape(inputShape);
    this.inputShape = inputShape.slice();
  }

  /** Weights this layer declared at build(). */
  specs(): readonly WeightSpec[] {
    return this.weightSpecs;
  }

  /** Binds the declared weights to their places in the model's arenas. */
  bind(backend: Backend, params: Param[]): void {
    this.backend = backend;
    this.paramList = params;
  }

  /**
   * Allocates scratch for up to `batch` rows; called again when the batch
   * capacity changes, or when a model planned for inference starts training.
   * Without `training` only what forward passes need.
   */
  plan(_backend: Backend, _batch: number, _training: boolean): void {}

  /** Frees scratch allocated by plan(). */
  unplan(_backend: Backend): void {}

  /** Writes the output for `batch` rows of input at x into y. */
  abstract forward(ctx: StepContext, x: number, y: number, batch: number, training: boolean): void;

  /**
   * Given dy (gradient with respect to this layer's output; may be overwritten),
   * adds parameter gradients and writes the input gradient into dx (0: not needed).
   * With fromLogits, dy is already the gradient with respect to the
   * pre-activation (a loss fused with softmax or sigmoid).
   */
  abstract backward(ctx: StepContext, x: number, y: number, dy: number, dx: number, batch: number, fromLogits: boolean): void;

  /** Pre-activation buffer when the output activation can be fused with a loss ('softmax' or 'sigmoid'), else 0. */
  logits(): { activation: 'softmax' | 'sigmoid'; ptr: number } | null {
    return null;
  }

  /** The layer's (value, gradient) pairs. */
  params(): readonly Param[] {
    return this.paramList;
  }

  /** Number of trainable scalars. */
  countParams(): number {
    return this.weightSpecs.reduce((s, w) => s + sizeOf(w.shape), 0);
  }

  /** Copies of the weights as tensors, in Keras order and layout (Dense: kernel [in, out], bias [out]). */
  getWeights(): Tensor[] {
    const be = this.requireBound('getWeights');
    return this.paramList.map((p) => tensor(be.readF32(p.value, p.size), p.shape, 'float32', be));
  }

  /** Replaces the weights; shapes must match exactly and values must be finite. Nothing changes on error. */
  setWeights(weights: readonly (Tensor | TensorLike)[]): void {
    const be = this.requireBound('setWeights');
    if (!Array.isArray(weights) || weights.length !== this.paramList.length) {
      throw new ValueError(`${this.name}.setWeights: expected ${this.paramList.length} arrays (${this.paramList.map((p) => p.name).join(', ')}), got ${describe(weights)}`);
    }
    const values: Float32Array[] = [];
    this.paramList.forEach((p, i) => {
      const w = weights[i];
      let shape: readonly number[];
      let data: Float32Array;
      if (w instanceof Tensor) {
        shape = w.shape;
        data = w.toFloat32Array();
      } else {
        const t = tensor(w as TensorLike, undefined, 'float32', be);
        shape = t.shape;
        data = t.toFloat32Array();
        t.dispose();
      }
      const same = shape.length === p.shape.length && shape.every((d, j) => d === p.shape[j]);
      // A flat array of the right size is accepted too.
      if (!same && !(shape.length === 1 && shape[0] === p.size)) {
        throw new ShapeError(`${this.name}.setWeights: ${p.name} must have shape ${fmt(p.shape)}, got ${fmt(shape)}`);
      }
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new ValueError(`${this.name}.setWeights: ${p.name}[${bad}] must be finite, got ${describe(data[bad])}`);
      values.push(data);
    });
    this.paramList.forEach((p, i) => be.writeF32(p.value, values[i]));
  }

  /** Constructor arguments that recreate this layer. */
  abstract getConfig(): Record<string, unknown>;

  /** Serialised form. */
  toJSON(): LayerJSON {
    return { className: this.className, config: this.getConfig() };
  }

  /** Shared part of every config. */
  protected baseConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name };
    if (this.declaredInputShape) c.inputShape = this.declaredInputShape.slice();
    return c;
  }

  protected requireBound(op: string): Backend {
    if (!this.backend) throw new ValueError(`${this.name}.${op}: the layer is not built yet (add it to a model and build or compile it)`);
    return this.backend;
  }
}

/** Constructors by class name, for fromJSON. */
export const LAYER_REGISTRY = new Map<string, (config: Record<string, unknown>) => Layer>();

/** Registers a layer class for deserialisation. */
export function registerLayer(className: string, create: (config: Record<string, unknown>) => Layer): void {
  LAYER_REGISTRY.set(className, create);
}

/** Recreates a layer from toJSON() output; unknown class names are a ValueError. */
export function layerFromJSON(json: LayerJSON): Layer {
  const create = json && typeof json === 'object' ? LAYER_REGISTRY.get(json.className) : undefined;
  if (!create) {
    throw new ValueError(`layerFromJSON: unknown layer class ${describe(json?.className)}; known: ${[...LAYER_REGISTRY.keys()].join(', ')}`);
  }
  if (!json.config || typeof json.config !== 'object' || Array.isArray(json.config)) {
    throw new ValueError(`layerFromJSON: config of ${json.className} must be an object, got ${describe(json.config)}`);
  }
  return create(json.config);
}
