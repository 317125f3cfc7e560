import { ShapeError, ValueError, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import type { Tensor } from '../tensor.js';
import { Layer, layerFromJSON, type LayerJSON } from '../layers/layer.js';
import { input } from '../graph/input.js';
import { topology, type Topology } from '../graph/topology.js';
import { SymbolicTensor } from '../graph/symbolic.js';
import { Model, type ModelBaseConfig, type ModelInput, type ModelTopologyJSON } from './model.js';
import { Optimizer } from '../optimizers/index.js';
import type { Values as Raw } from '../util/rows.js';

export type { CompileArgs, FitArgs, History, ModelInput } from './model.js';

/** Options of sequential(). */
export interface SequentialConfig extends ModelBaseConfig {
  layers?: Layer[];
}

/**
 * A linear stack of layers (Keras / TensorFlow.js Sequential): the chain
 * case of a graph model. It is built when the input shape is known (the
 * first layer's inputShape, at compile; else the first data it sees), and
 * from then on is an ordinary Model: same weights store, executor and
 * training loop.
 */
export class Sequential extends Model {
  private readonly stack: Layer[] = [];

  constructor(config: SequentialConfig = {}) {
    checkOptions('sequential', config, ['name', 'seed', 'backend', 'layers']);
    const { layers, ...base } = config;
    super(base);
    if (layers !== undefined && !Array.isArray(layers)) throw new ValueError(`sequential: layers must be an array of layers, got ${describe(layers)}`);
    for (const layer of layers ?? []) this.add(layer);
  }

  protected override op(): string {
    return 'sequential';
  }

  /** The layers, in order. */
  override get layers(): Layer[] {
    return this.stack;
  }

  /** Appends a layer (before the model is built). */
  add(layer: Layer): void {
    this.checkLive();
    if (!(layer instanceof Layer)) throw new ValueError(`add: expected a layer, got ${describe(layer)}`);
    if (this.built) throw new ValueError(`add: the model is already built; create a new model to change its layers`);
    if (this.stack.includes(layer)) throw new ValueError(`add: layer ${layer.name} is already in the model`);
    if (this.stack.some((l) => l.name === layer.name)) throw new ValueError(`add: a layer named ${describe(layer.name)} is already in the model`);
    this.stack.push(layer);
  }

  /**
   * Builds every layer for a per-sample input shape and places the weights
   * (initialised from the model's seed; layers already used by another model
   * keep theirs). Called by compile() when the first layer declares
   * inputShape, else by the first fit / predict.
   */
  build(inputShape?: readonly number[]): void {
    this.checkLive();
    if (this.built) return;
    this.buildGraph(this.connect(inputShape));
    const compiled = this.compiled;
    if (compiled && this.engine) {
      if (compiled.optimizer instanceof Optimizer) compiled.optimizer.bind(this.engine.store);
      this.engine.compiled = compiled;
      this.engine.updateFusedLogits();
    }
  }

  /**
   * Applies the layers in order to an input of this per-sample shape (each
   * layer declares its weights; nothing is allocated) and returns the graph;
   * build() places the weights of this graph. When a layer cannot take its
   * input, the layers applied before it are left as they were and the error
   * (through `locate(index, err)` when given) is thrown.
   */
  connect(inputShape?: readonly number[], locate?: (index: number, err: unknown, inputShape: readonly number[]) => Error): Topology {
    this.checkLive();
    if (this.connected) return this.connected;
    if (this.stack.length === 0) throw new ValueError(`build: the model has no layers`);
    const shape = inputShape ?? this.stack[0].declaredInputShape;
    if (!shape) throw new ShapeError(`build: the first layer needs inputShape (e.g. dense({ units, inputShape: [784] })), or pass data to fit() first`);
    const x = input({ shape });
    let t: SymbolicTensor = x;
    const done: { layer: Layer; built: boolean }[] = [];
    try {
      for (const layer of this.stack) {
        const built = layer.built;
        const out = layer.apply(t);
        done.push({ layer, built });
        if (Array.isArray(out)) throw new ValueError(`build: layer ${layer.name} has several outputs; use model({ inputs, outputs }) for such graphs`);
        t = out;
      }
    } catch (err) {
      // Leave every layer as it was: a model that failed to build can be fixed and built again.
      for (let i = done.length - 1; i >= 0; i--) {
        const { layer, built } = done[i];
        layer.unapply(layer.inboundNodes[layer.inboundNodes.length - 1], built);
      }
      throw locate ? locate(done.length, err, t.shape) : err;
    }
    this.connected = topology('sequential', [x], [t]);
    return this.connected;
  }

  private connected: Topology | null = null;

  /**
   * Removes the last layer and returns it (TensorFlow.js / Keras pop()). A
   * built model keeps the weights of the layers that stay; its outputs
   * become the new last layer's, and it must be compiled again before
   * training or evaluating (its loss belonged to the old output).
   */
  pop(): Layer {
    this.checkLive();
    if (this.stack.length === 0) throw new ValueError(`pop: model ${this.name} has no layers`);
    const old = this.engine;
    if (old && this.stack.length === 1) throw new ValueError(`pop: ${this.stack[0].name} is the only layer of the built model ${this.name}; a model needs at least one layer`);
    if (old) {
      const last = this.stack[this.stack.length - 2];
      const node = old.topo.nodes.find((nd) => nd.layer === last);
      const out = node?.outputs[0];
      if (!out) throw new ValueError(`pop: layer ${last.name} has no output in model ${this.name}`);
      const next = topology('sequential', old.topo.inputs, [out]);
      this.buildGraph(next);
      this.connected = next;
      old.dispose();
      old.rng.dispose();
      old.store.release();
    }
    this.resetCompile();
    return this.stack.pop() as Layer;
  }

  /** The Keras table (a model whose first layer declares its input shape is built first, as TensorFlow.js builds it on add). */
  override summary(print: (line: string) => void = console.log): string {
    this.checkLive();
    if (!this.built && this.stack[0]?.declaredInputShape) this.build();
    return super.summary(print);
  }

  protected override isChain(): boolean {
    return true;
  }

  protected override ensureBuiltForCompile(): void {
    if (this.stack[0]?.declaredInputShape) this.build();
  }

  protected override outputLayers(): Layer[] {
    return this.built ? super.outputLayers() : this.stack.slice(-1);
  }

  protected override buildFromData(op: string, raw: Raw): void {
    const shape = raw.shape;
    if (this.stack[0]?.declaredInputShape) this.build();
    else if (shape && shape.length >= 2) this.build(shape.slice(1));
    else if (shape && shape.length === 1) this.build([1]);
    else throw new ShapeError(`${op}: cannot infer the input shape from a flat x; give the first layer an inputShape`);
  }

  /** Outputs for every sample, as a new tensor [n, ...outputShape] (dropout off). */
  override predict(x: ModelInput, args: { batchSize?: number } = {}): Tensor {
    return this.predictAll('predict', x, args)[0];
  }

  /** Per-sample output shape (after build). */
  override get outputShape(): number[] {
    if (!this.built) throw new ValueError(`outputShape: the model is not built yet`);
    return super.outputShape;
  }

  /** The architecture as JSON (no weights). */
  override toJSON(): ModelTopologyJSON & { className: 'Sequential' } {
    return { className: 'Sequential', config: { name: this.name, layers: this.stack.map((l) => l.toJSON()) } };
  }

  /** Recreates an unbuilt model from toJSON() output. */
  static override fromJSON(json: unknown, config: Omit<SequentialConfig, 'layers'> = {}): Sequential {
    const j = json as { className?: unknown; config?: { name?: unknown; layers?: unknown } };
    if (!j || typeof j !== 'object' || j.className !== 'Sequential' || !j.config || !Array.isArray(j.config.layers)) {
      throw new ValueError(`Sequential.fromJSON: expected { className: 'Sequential', config: { layers: [...] } }`);
    }
    const made: Layer[] = [];
    const layers = (j.config.layers as LayerJSON[]).map((l) => {
      const layer = layerFromJSON(l, (name) => made.find((m) => m.name === name));
      made.push(layer);
      return layer;
    });
    return new Sequential({ ...config, name: typeof j.config.name === 'string' ? j.config.name : undefined, layers });
  }
}

/** Creates a Sequential model (TensorFlow.js: tf.sequential). */
export function sequential(config: SequentialConfig = {}): Sequential {
  return new Sequential(config);
}
