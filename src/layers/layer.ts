import type { Backend } from '../runtime/backend.js';
import { Tensor, tensor, fmt, sizeOf, type TensorLike } from '../tensor.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { Variable, type VariableSpec } from '../params/variable.js';
import { Node, SymbolicTensor, type MaskSource } from '../graph/symbolic.js';

/** A per-sample shape (no batch axis). */
export type Shape = readonly number[];

/** Where one input or output of a call lives: a byte offset and its per-sample shape (rows: ctx.batch). */
export interface Port {
  ptr: number;
  shape: Shape;
}

/** How a layer declares or shares weights when it is built. */
export interface BuildContext {
  /** Declares a new weight owned by this layer. */
  addWeight(spec: VariableSpec): Variable;
  /** Uses a weight another layer declared (tied weights): both uses add into its gradient. */
  useWeight(v: Variable): Variable;
}

/**
 * What a layer receives for one call (one node, one batch). Every buffer is
 * owned by the executor running the model: the layer keeps nothing between
 * calls, so one layer runs at several places in a graph and in several
 * executors at once.
 */
export interface CallContext {
  readonly backend: Backend;
  /** Rows (samples) in this call. */
  batch: number;
  /** Training-only behaviour (dropout, noise) is active. */
  training: boolean;
  /** A backward pass follows this forward pass: keep what it reads in the tape. */
  backward: boolean;
  /** Byte offset of the model's random-generator state. */
  rng: number;
  /** This call site's tape: what forward leaves for backward (tapeBytes). 0 when none. */
  tape: number;
  /** Scratch valid during this call only, shared by every call site (scratchBytes). 0 when none. */
  scratch: number;
  /** State kept across calls, for recurrent layers (stateBytes). 0 when none. */
  state: number;
  /** What plan() computed for this call site. */
  site: unknown;
  /** Backward adds into the gradients of the trainable weights. */
  paramGrads: boolean;
  /** dy is already the gradient with respect to the pre-activation (a loss fused with softmax or sigmoid). */
  fromLogits: boolean;
}

/** The per-call-site facts every site has: the per-sample input and output shapes. */
export interface Site {
  inputs: readonly Shape[];
  outputs: readonly Shape[];
}

/** What a layer sizes its buffers for: the backend (for kernel workspace queries), the rows, and whether backward passes run. */
export interface PlanArgs {
  backend: Backend;
  batch: number;
  backward: boolean;
}

/** Serialised form of a layer (Keras-like: class name + config). */
export interface LayerJSON {
  className: string;
  config: Record<string, unknown>;
}

/** Options every layer accepts. */
export interface BaseLayerConfig {
  name?: string;
  /** Per-sample input shape, for the first layer of a Sequential model. */
  inputShape?: readonly number[];
  /** False freezes the layer's own weights (Keras semantics). Default true. */
  trainable?: boolean;
}

/** Where a softmax / sigmoid output's pre-activation lives, so a loss can fuse with it. */
export interface LossLogits {
  activation: 'softmax' | 'sigmoid';
  /** 'tape': at `offset` bytes into the call site's tape; 'input': the layer's input. */
  from: 'tape' | 'input';
  offset: number;
}

/** The options every layer takes. */
export const BASE_LAYER_KEYS: readonly string[] = ['name', 'inputShape', 'trainable'];

let nameCounter = 0;

/**
 * The contract every layer follows (tfjs-layers, ConvNetJS). `apply()` on
 * symbolic tensors builds the layer once (it declares its weights through a
 * BuildContext: its own, or another layer's for tied weights) and records a
 * node. Per call site the layer states what the executor must allocate for it
 * (tape for backward, scratch, recurrent state); forward() writes the outputs
 * for ctx.batch rows; backward() ADDS into the gradients of the weights it
 * uses (so shared weights sum their uses) and writes the input gradients
 * (a port with ptr 0 is not needed). Shapes are per sample.
 */
export abstract class Layer {
  /** Registered class name, used by toJSON / fromJSON. */
  abstract readonly className: string;
  /** Unique name within a model. */
  readonly name: string;
  /** Declared at construction: the input shape of a Sequential model's first layer. */
  readonly declaredInputShape: number[] | null;
  /** Every application of this layer, in creation order. */
  readonly inboundNodes: Node[] = [];
  private _trainable: boolean;
  private _weights: Variable[] = [];
  private _built = false;
  private _buildShapes: Shape[] | null = null;

  constructor(config: BaseLayerConfig, op: string) {
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
    if (config.trainable !== undefined && typeof config.trainable !== 'boolean') {
      throw new ValueError(`${op}: trainable must be a boolean, got ${describe(config.trainable)}`);
    }
    this._trainable = config.trainable ?? true;
  }

  // ---- what subclasses implement ----

  /** Output shape for a per-sample input shape (single-input layers); throws ShapeError when the layer cannot take it. */
  computeOutputShape(_inputShape: Shape): number[] {
    throw new ValueError(`${this.name}: ${this.className} takes several inputs; use computeOutputShapes`);
  }

  /** Output shapes for the per-sample input shapes of one call; single-input layers need only computeOutputShape. */
  computeOutputShapes(inputs: readonly Shape[]): number[][] {
    if (inputs.length !== 1) throw new ShapeError(`${this.name}: ${this.className} takes one input, got ${inputs.length}`);
    return [this.computeOutputShape(inputs[0])];
  }

  /** Declares the weights for the first call's input shapes (nothing is allocated: a model places them later). */
  protected build(_inputs: readonly Shape[], _ctx: BuildContext): void {}

  /**
   * Per-call-site facts computed once when a model plans (geometry); the
   * executor hands them back in ctx.site. `node` is the application planned
   * (for layers whose calls differ by more than shapes, such as a recurrent
   * layer given a padding mask).
   */
  plan(inputs: readonly Shape[], outputs: readonly Shape[], _node?: Node): Site {
    return { inputs, outputs };
  }

  /** Bytes forward keeps for backward at this site (p.backward: the executor runs backward passes). */
  tapeBytes(_site: Site, _p: PlanArgs): number {
    return 0;
  }

  /** Bytes of scratch one call needs (valid during the call only). */
  scratchBytes(_site: Site, _p: PlanArgs): number {
    return 0;
  }

  /** Bytes of state kept across calls (recurrent layers). */
  stateBytes(_site: Site, _p: PlanArgs): number {
    return 0;
  }

  /** Writes the outputs for ctx.batch rows. */
  abstract forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void;

  /**
   * Given the output gradients (which it may overwrite), adds into the
   * gradients of the weights it uses (when ctx.paramGrads and the weight is
   * trainable) and writes each wanted input gradient (ports with ptr 0 are not wanted).
   */
  abstract backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void;

  /**
   * True when the layer keeps the time axis of a sequence and may pass its
   * padding mask on (Keras supports_masking): Dense on the last axis,
   * activations, dropout. Layers that do not forget the mask.
   */
  protected get supportsMasking(): boolean {
    return false;
  }

  /**
   * The padding mask of each output (Keras compute_mask): by default the
   * input's, for a single-input layer that supports masking and keeps the
   * leading (time) axis; none otherwise.
   */
  protected outputMasks(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): (MaskSource | null)[] {
    const m = inputs.length === 1 ? inputs[0].mask : null;
    if (!m || !this.supportsMasking) return outputs.map(() => null);
    return outputs.map((t) => (t.shape.length >= 2 && t.shape[0] === inputs[0].shape[0] ? m : null));
  }

  /** Where a softmax / sigmoid output's pre-activation is kept, when a loss may fuse with it. */
  lossLogits(_site: Site): LossLogits | null {
    return null;
  }

  /** True when inference may run this layer and `next` (the only reader of its output) as one call: forwardFused(). */
  fusesWith(_site: Site, _next: Layer, _nextSite: Site): boolean {
    return false;
  }

  /** This layer and the next one (`next`) in one pass, writing the next layer's outputs (see fusesWith). */
  forwardFused(_ctx: CallContext, _xs: readonly Port[], _ys: readonly Port[], _next?: Layer): void {
    throw new ValueError(`${this.name}: ${this.className} fuses with nothing`);
  }

  /** Constructor arguments that recreate this layer. */
  abstract getConfig(): Record<string, unknown>;

  // ---- the common part ----

  /** True once the weights are declared (the first apply, or a model's build). */
  get built(): boolean {
    return this._built;
  }

  /** False freezes the layer's own weights (Keras); a frozen layer still passes gradients to its inputs. */
  get trainable(): boolean {
    return this._trainable;
  }

  set trainable(value: boolean) {
    if (typeof value !== 'boolean') throw new ValueError(`${this.name}.trainable must be a boolean, got ${describe(value)}`);
    this._trainable = value;
  }

  /** The weights this layer uses, in order: its own and any it shares (tied). */
  get weights(): readonly Variable[] {
    return this._weights;
  }

  /** The weights optimizers update. */
  get trainableWeights(): Variable[] {
    return this._weights.filter((v) => v.trainable);
  }

  /** The weights that are frozen. */
  get nonTrainableWeights(): Variable[] {
    return this._weights.filter((v) => !v.trainable);
  }

  /** Per-sample input shape of the first call (single-input layers), once built. */
  get inputShape(): number[] | null {
    return this._buildShapes && this._buildShapes.length === 1 ? this._buildShapes[0].slice() : null;
  }

  /** Per-sample output shape of the first call (single-output layers), once applied. */
  get outputShape(): number[] | null {
    const node = this.inboundNodes[0];
    if (node && node.outputs.length === 1) return node.outputs[0].shape.slice();
    if (this._buildShapes) {
      const out = this.computeOutputShapes(this._buildShapes);
      if (out.length === 1) return out[0];
    }
    return null;
  }

  /** The output tensor(s) of the layer's one application (Keras layer.output), for sub-models: `model({ inputs, outputs: layer.output })`. */
  get output(): SymbolicTensor | SymbolicTensor[] {
    const node = this.onlyNode('output');
    return node.outputs.length === 1 ? node.outputs[0] : node.outputs.slice();
  }

  /** The input tensor(s) of the layer's one application (Keras layer.input). */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const node = this.onlyNode('input');
    return node.inputs.length === 1 ? node.inputs[0] : node.inputs.slice();
  }

  private onlyNode(what: string): Node {
    const n = this.inboundNodes.length;
    if (n !== 1) {
      throw new ValueError(`${this.name}.${what}: the layer has been applied ${n} times; ${n === 0 ? 'apply it (or build its model) first' : 'use the tensors apply() returned'}`);
    }
    return this.inboundNodes[0];
  }

  /**
   * Applies the layer to symbolic inputs (TensorFlow.js layer.apply): builds
   * it on the first call, records a node and returns its output(s). Calling
   * it again shares the weights.
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? (inputs as readonly SymbolicTensor[]) : [inputs as SymbolicTensor];
    list.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor)) {
        throw new ValueError(`${this.name}.apply: input ${i} must be a symbolic tensor (from input() or another layer's apply()), got ${describe(t)}`);
      }
    });
    const outs = this.applyShapes(list.map((t) => t.shape));
    const node = new Node(this, list, outs);
    const masks = this.outputMasks(list, node.outputs);
    node.outputs.forEach((t, i) => { t.mask = masks[i] ?? null; });
    this.inboundNodes.push(node);
    return node.outputs.length === 1 ? node.outputs[0] : node.outputs.slice();
  }

  /** Output shapes for a call with these input shapes; a built layer also checks them against its weights. */
  outputShapesFor(inputs: readonly Shape[]): number[][] {
    if (this._built) this.checkCompatible(inputs, this._buildShapes as Shape[]);
    return this.computeOutputShapes(inputs);
  }

  /**
   * Throws a ShapeError when a built layer cannot take these input shapes.
   * By default a layer with weights needs the same last axis (features,
   * channels) as it was built for; other axes may differ between calls.
   */
  protected checkCompatible(inputs: readonly Shape[], built: readonly Shape[]): void {
    if (this._weights.length === 0) return;
    inputs.forEach((s, i) => {
      const b = built[i];
      if (b && s[s.length - 1] !== b[b.length - 1]) {
        throw new ShapeError(`${this.name}: expects inputs whose last axis is ${b[b.length - 1]} (it was built for ${fmt(b)}), got ${fmt(s)}`);
      }
    });
  }

  /** Builds the layer for these input shapes if it is not built yet, and returns the output shapes. */
  applyShapes(inputs: readonly Shape[]): number[][] {
    const outs = this.outputShapesFor(inputs);
    if (!this._built) {
      const declared: Variable[] = [];
      this.build(inputs, {
        addWeight: (spec) => {
          const v = new Variable(this, spec);
          declared.push(v);
          return v;
        },
        useWeight: (v) => {
          if (!(v instanceof Variable)) throw new ValueError(`${this.name}: useWeight expects a Variable, got ${describe(v)}`);
          declared.push(v);
          return v;
        },
      });
      this._weights = declared;
      this._buildShapes = inputs.map((s) => s.slice());
      this._built = true;
    }
    return outs;
  }

  /**
   * Undoes the latest apply() (its node) and, when that call built the
   * layer, the build too; for a model whose construction failed half-way.
   * Weights already placed in a store are never undone.
   */
  unapply(node: Node, wasBuilt: boolean): void {
    const i = this.inboundNodes.lastIndexOf(node);
    if (i >= 0) this.inboundNodes.splice(i, 1);
    if (wasBuilt || !this._built || this._weights.some((v) => v.store)) return;
    this._weights = [];
    this._buildShapes = null;
    this._built = false;
  }

  /** The weights (TensorFlow.js name for the value / gradient pairs optimizers see). */
  params(): readonly Variable[] {
    return this._weights;
  }

  /** Number of scalars in the weights this layer uses. */
  countParams(): number {
    return this._weights.reduce((s, w) => s + w.size, 0);
  }

  /** Copies of the weights as tensors, in Keras order and layout (Dense: kernel [in, out], bias [out]). */
  getWeights(): Tensor[] {
    if (this._built && this._weights.length === 0) return [];
    const be = this.requirePlaced('getWeights');
    return this._weights.map((v) => tensor(be.readF32(v.value, v.size), v.shape, 'float32', be));
  }

  /** Replaces the weights; shapes must match exactly and values must be finite float32. Nothing changes on error. */
  setWeights(weights: readonly (Tensor | TensorLike)[]): void {
    const vars = this._weights;
    if (this._built && vars.length === 0 && Array.isArray(weights) && weights.length === 0) return;
    const be = this.requirePlaced('setWeights');
    if (!Array.isArray(weights) || weights.length !== vars.length) {
      throw new ValueError(`${this.name}.setWeights: expected ${vars.length} arrays (${vars.map((p) => p.name).join(', ')}), got ${describe(weights)}`);
    }
    const values: Float32Array[] = [];
    vars.forEach((p, i) => {
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
    vars.forEach((p, i) => be.writeF32(p.value, values[i]));
  }

  /** Serialised form. */
  toJSON(): LayerJSON {
    return { className: this.className, config: this.getConfig() };
  }

  /** Shared part of every config. */
  protected baseConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name };
    if (this.declaredInputShape) c.inputShape = this.declaredInputShape.slice();
    if (!this._trainable) c.trainable = false;
    return c;
  }

  /** The backend holding the weights; throws until a model has placed them. */
  protected requirePlaced(op: string): Backend {
    const v = this._weights[0];
    if (!this._built || (v && !v.store)) {
      throw new ValueError(`${this.name}.${op}: the layer is not built yet (add it to a model and build or compile it)`);
    }
    if (!v) throw new ValueError(`${this.name}.${op}: the layer has no weights`);
    const store = v.store as NonNullable<Variable['store']>;
    store.check(`${this.name}.${op}`);
    return store.backend;
  }
}

/** Constructors by class name, for fromJSON. */
export const LAYER_REGISTRY = new Map<string, (config: Record<string, unknown>, resolve: LayerResolver) => Layer>();

/** Finds a layer created earlier in the same model (for layers that refer to others, such as tied weights). */
export type LayerResolver = (name: string) => Layer | undefined;

/** Registers a layer class for deserialisation. */
export function registerLayer(className: string, create: (config: Record<string, unknown>, resolve: LayerResolver) => Layer): void {
  if (typeof className !== 'string' || className === '') throw new ValueError(`registerLayer: className must be a non-empty string, got ${describe(className)}`);
  if (typeof create !== 'function') throw new ValueError(`registerLayer: create must be a function, got ${describe(create)}`);
  LAYER_REGISTRY.set(className, create);
}

/** Recreates a layer from toJSON() output; unknown class names are a ValueError. */
export function layerFromJSON(json: LayerJSON, resolve: LayerResolver = () => undefined): Layer {
  const create = json && typeof json === 'object' ? LAYER_REGISTRY.get(json.className) : undefined;
  if (!create) {
    throw new ValueError(`layerFromJSON: unknown layer class ${describe(json?.className)}; known: ${[...LAYER_REGISTRY.keys()].join(', ')}`);
  }
  if (!json.config || typeof json.config !== 'object' || Array.isArray(json.config)) {
    throw new ValueError(`layerFromJSON: config of ${json.className} must be an object, got ${describe(json.config)}`);
  }
  return create(json.config, resolve);
}

/** The size of a per-sample shape. */
export const sampleSize = (s: Shape): number => sizeOf(s as number[]);
