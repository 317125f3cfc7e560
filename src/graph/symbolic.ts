import type { Layer } from '../layers/layer.js';

let tensorCounter = 0;

/**
 * Where the padding mask of a sequence tensor comes from (Keras masking):
 * step t is padding when every value of `tensor` at step t equals `value`.
 * Set by Embedding({ maskZero }) and Masking, passed on by the layers that
 * keep the time axis, read by recurrent layers.
 */
export interface MaskSource {
  tensor: SymbolicTensor;
  value: number;
}
let nodeCounter = 0;

/**
 * A placeholder for the values one layer output will hold when a model runs
 * (TensorFlow.js SymbolicTensor): the per-sample shape (no batch axis) and
 * the node that produces it. Built by `input()` and `layer.apply()`.
 */
export class SymbolicTensor {
  /** Per-sample shape (the batch axis is implicit). */
  readonly shape: readonly number[];
  /** The application of a layer that produces it. */
  readonly node: Node;
  /** Which output of that node. */
  readonly index: number;
  /** Unique, for error messages and ordering. */
  readonly id: number;
  /** The padding mask this sequence carries, or null. */
  mask: MaskSource | null = null;

  constructor(shape: readonly number[], node: Node, index: number) {
    this.shape = Object.freeze(shape.slice());
    this.node = node;
    this.index = index;
    this.id = ++tensorCounter;
  }

  /** '<layer name>' or '<layer name>:<output index>'. */
  get name(): string {
    return this.node.outputs.length > 1 ? `${this.node.layer.name}:${this.index}` : this.node.layer.name;
  }

  /** The layer that produces it. */
  get sourceLayer(): Layer {
    return this.node.layer;
  }

  /** Per-sample shape with a leading null for the batch axis (Keras style). */
  get batchShape(): (number | null)[] {
    return [null, ...this.shape];
  }
}

/**
 * One application of a layer to symbolic inputs (Keras Node): the same layer
 * applied twice is two nodes sharing the layer's weights. Nodes form the
 * graph a model runs; an input() node has no inputs.
 */
export class Node {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  /** Unique and increasing in creation order (a topological order of every graph). */
  readonly id: number;

  constructor(layer: Layer, inputs: readonly SymbolicTensor[], outputShapes: readonly (readonly number[])[]) {
    this.layer = layer;
    this.inputs = inputs.slice();
    this.id = ++nodeCounter;
    this.outputs = outputShapes.map((s, i) => new SymbolicTensor(s, this, i));
  }

  /** True for the node an input() placeholder comes from. */
  get isInput(): boolean {
    return this.inputs.length === 0;
  }
}
