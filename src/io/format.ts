/**
 * Saved models: the in-memory form (ModelArtifacts), its conversion to and
 * from a model (Sequential, or a graph Model), and the validation of anything
 * loaded.
 *
 * Format 'simdnn-model', version 1 (after TensorFlow.js's model.json + weights.bin):
 *
 *   {
 *     format: 'simdnn-model',
 *     version: 1,
 *     modelTopology: model.toJSON() output, either
 *         { className: 'Sequential', config: { name, layers: [{ className, config }, ...] } }, or a graph
 *         { className: 'Model', config: { name, layers: [{ className, config, inboundNodes }, ...],
 *                                         inputLayers: [ref, ...], outputLayers: [ref, ...] } }
 *         where each node lists the tensors it reads as refs [layerName, nodeIndex, tensorIndex]
 *         (nodeIndex counts that layer's applications in the model) and input() layers are
 *         { className: 'InputLayer', config: { name, shape } } with no inbound nodes,
 *     inputShape: per-sample input shape the model was built for, e.g. [784] (a graph: its first input's),
 *     training: model.compileConfig() output or null,
 *         { loss, metrics, fromLogits, optimizer: optimizer.getConfig() },
 *     weightSpecs: [{ name, shape, dtype: 'float32', offset, byteLength }, ...],
 *     weightData: Uint8Array,
 *   }
 *
 * Weights are named '<layer name>/<param name>' (e.g. 'dense_1/kernel'),
 * listed in layer order and, within a layer, in its params() order (Dense:
 * kernel [in, units], then bias [units]); a weight shared by several layers
 * (tied) is listed once, under the layer that declared it. weightData holds them as
 * little-endian float32, packed back to back: entry i starts at byte
 * `offset` = the sum of the byteLengths before it, byteLength is
 * 4 * product(shape), and weightData is exactly as long as all of them.
 * Optimizer state (Adam's moments, the step count) is not saved: a loaded
 * model resumes training with fresh optimizer state.
 *
 * On disk the JSON part and weightData are either one file (container.ts:
 * encodeModelFile) or a directory holding model.json (the JSON part plus
 * weightsPath: 'weights.bin') and weights.bin (node.ts: saveModel).
 *
 * deserializeModel treats its input as hostile: it checks every field, and
 * the sizes the model would allocate, before it allocates anything in wasm
 * memory, so a bad file costs no memory; every failure is a ModelFormatError
 * that says what is wrong and where.
 */
import { checkOptions } from '../util/options.js';
import { Backend } from '../runtime/backend.js';
import { getBackend } from '../runtime/init.js';
import { DisposedError, ModelFormatError, SimdnnError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import { LAYER_REGISTRY, layerFromJSON, type Layer, type LayerJSON } from '../layers/layer.js';
import { inWeightOrder, type Variable } from '../params/variable.js';
import { checkLoss, type LossName } from '../losses/index.js';
import { LBFGS, Optimizer, optimizerFromConfig } from '../optimizers/index.js';
import { Sequential } from '../models/sequential.js';
import { Model, type ModelTopologyJSON } from '../models/model.js';
import { withoutInitializers } from '../params/store.js';
import { checkGraphStructure, checkTopologyConfig, connectGraph, MAX_PORTS } from './graph.js';
import { readWeights, writeF32LE, type ExpectedWeight } from './weights.js';
import { checkPlainJSON, formatError, isRecord, parseJSONText, show } from './json.js';

/** The `format` field of every saved model. */
export const MODEL_FORMAT = 'simdnn-model';
/** The format version this build writes and reads. */
export const MODEL_FORMAT_VERSION = 1;

import { MAX_DIM, MAX_PARAMS, MAX_RANK, MAX_SAMPLE_SIZE } from './limits.js';

export { MAX_PARAMS, MAX_DIM, MAX_SAMPLE_SIZE, MAX_RANK, MAX_LAYERS } from './limits.js';
/** Most metrics in a training config. */
const MAX_METRICS = 16;

/** One weight's entry in ModelArtifacts.weightSpecs. */
export interface WeightEntry {
  /** '<layer name>/<param name>', e.g. 'dense_1/kernel'. */
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Byte offset in weightData. */
  offset: number;
  /** 4 * product(shape). */
  byteLength: number;
}

/** How a saved model was compiled: Sequential.compileConfig() output. */
export interface TrainingConfig {
  loss: string | string[];
  metrics: string[];
  fromLogits: boolean;
  /** optimizer.getConfig(): className plus hyperparameters (a schedule as its config). */
  optimizer: Record<string, unknown>;
}

/** A saved model: the architecture, how it was compiled, and its weights (see the format notes in src/io/format.ts). */
export interface ModelArtifacts {
  format: 'simdnn-model';
  version: 1;
  modelTopology: ModelTopologyJSON;
  inputShape: number[];
  training: TrainingConfig | null;
  weightSpecs: WeightEntry[];
  /** Every weight as little-endian float32, packed back to back in weightSpecs order. */
  weightData: Uint8Array;
}

/** The model.json of a saved directory: ModelArtifacts without weightData, plus where the weights are. */
export type ModelJSON = Omit<ModelArtifacts, 'weightData'> & {
  /** The weights file, relative to model.json's directory. */
  weightsPath: string;
};

/** Options of serializeModel() and saveModel(). */
export interface SerializeOptions {
  /**
   * Save the loss, metrics and optimizer so the loaded model is compiled.
   * Default true; false saves architecture and weights only (needed when the
   * learning rate is a plain function, which cannot be saved).
   */
  includeTraining?: boolean;
}

/** Options of deserializeModel() and the loaders. */
export interface LoadOptions {
  /** Backend to allocate the model in; default: the one init() created. */
  backend?: Backend;
  /** Seed of the loaded model's generator (dropout, shuffling); default: random. */
  seed?: number;
  /**
   * Most bytes of wasm memory one call on the loaded model may plan
   * (activation buffers plus results), checked before anything is
   * allocated; default DEFAULT_MEMORY_LIMIT (512 MiB). A small file can
   * describe a model whose activations are huge; pass Infinity to trust it.
   */
  memoryLimit?: number;
}

/** The memoryLimit of a loaded model unless LoadOptions say otherwise: 512 MiB. */
export const DEFAULT_MEMORY_LIMIT = 2 ** 29;

/**
 * Captures a built model as ModelArtifacts: architecture, input shape,
 * compile settings and a copy of the weights. Throws ValueError when the
 * model is not built or holds a non-finite weight (it could not be loaded).
 */
export function serializeModel(model: Model, opts: SerializeOptions = {}): ModelArtifacts {
  const op = 'serializeModel';
  if (!(model instanceof Model)) throw new ValueError(`${op}: expected a Sequential model or a graph Model, got ${describe(model)}`);
  if (model.isDisposed) throw new DisposedError(`${op}: model ${model.name} was disposed`);
  if (opts === null || typeof opts !== 'object') throw new ValueError(`${op}: options must be an object, got ${describe(opts)}`);
  if (opts.includeTraining !== undefined && typeof opts.includeTraining !== 'boolean') {
    throw new ValueError(`${op}: includeTraining must be a boolean, got ${describe(opts.includeTraining)}`);
  }
  if (!model.built) throw new ValueError(`${op}: the model is not built yet (give the first layer an inputShape, or fit / predict first)`);
  const training = opts.includeTraining === false ? null : model.compileConfig();
  if (training && !(model.optimizer instanceof LBFGS) && training.optimizer.learningRate === null) {
    throw new ValueError(
      `${op}: the optimizer's learning rate is a plain function, which cannot be saved; use stepDecay, exponentialDecay or cosineDecay, ` +
        `or pass { includeTraining: false } to save the architecture and weights only`,
    );
  }
  const weightSpecs: WeightEntry[] = [];
  const arrays: Float32Array[] = [];
  let offset = 0;
  const tensors = model.getWeights();
  try {
    model.weights.forEach((v, t) => {
      const values = tensors[t].toFloat32Array();
      const name = v.path;
      const bad = values.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new ValueError(`${op}: weight ${name}[${bad}] is ${describe(values[bad])}; a model with non-finite weights cannot be loaded again`);
      weightSpecs.push({ name, shape: v.shape.slice(), dtype: 'float32', offset, byteLength: values.length * 4 });
      arrays.push(values);
      offset += values.length * 4;
    });
  } finally {
    for (const w of tensors) w.dispose();
  }
  const weightData = new Uint8Array(offset);
  arrays.forEach((a, i) => writeF32LE(weightData, weightSpecs[i].offset, a));
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    modelTopology: model.toJSON(),
    inputShape: model.inputs[0].shape.slice(),
    training,
    weightSpecs,
    weightData,
  };
}

/**
 * Recreates a model from ModelArtifacts (or anything claiming to be one),
 * built, with its weights, and compiled when the artifacts carry a training
 * config. Everything is validated before any wasm memory is allocated; every
 * problem with the artifacts is a ModelFormatError naming the field.
 */
export function deserializeModel(artifacts: unknown, opts: LoadOptions = {}): Model {
  return deserializeAs('deserializeModel', artifacts, opts);
}

/**
 * Recreates a model from a model.json (parsed, or its text) and the bytes of
 * its weights file, for runtimes that fetch the two themselves (browsers).
 * The model.json's weightsPath is not read here: resolving it is the
 * caller's business.
 */
export function modelFromJSONAndWeights(json: unknown, weights: Uint8Array, opts: LoadOptions = {}): Model {
  return modelFromParts('modelFromJSONAndWeights', json, weights, opts);
}

/** modelFromJSONAndWeights() with the operation name used in messages (loadModel passes its own). */
export function modelFromParts(op: string, json: unknown, weights: Uint8Array, opts: LoadOptions): Model {
  const parsed = typeof json === 'string' ? parseJSONText(op, 'model.json', json, 0) : json;
  if (!isRecord(parsed)) throw formatError(op, 'model.json', `must be a JSON object, got ${show(parsed)}`);
  if (!(weights instanceof Uint8Array)) throw formatError(op, 'weights', `must be a Uint8Array, got ${show(weights)}`);
  return deserializeAs(op, { ...parsed, weightData: weights }, opts);
}

/** Checks the fields every reader needs first, so an unrelated file is recognised as such at once. */
export function checkFormatAndVersion(op: string, a: Record<string, unknown>): void {
  if (a.format !== MODEL_FORMAT) throw formatError(op, 'format', `expected ${JSON.stringify(MODEL_FORMAT)}, got ${show(a.format)}; this is not a simdnn model`);
  const v = a.version;
  if (typeof v === 'number' && Number.isInteger(v) && v > MODEL_FORMAT_VERSION) {
    throw formatError(op, 'version', `the model was saved by a newer simdnn (format version ${v}); this simdnn reads version ${MODEL_FORMAT_VERSION}`);
  }
  if (v !== MODEL_FORMAT_VERSION) throw formatError(op, 'version', `expected ${MODEL_FORMAT_VERSION}, got ${show(v)}`);
}

/**
 * Supplies the weights once the model's are known (names, shapes, order) and
 * before anything is allocated: for files whose weights are named or laid out
 * differently (TensorFlow.js / Keras files), re-packed as this format's.
 */
export type WeightArranger = (expected: ExpectedWeight[]) => { weightSpecs: WeightEntry[]; weightData: Uint8Array };

/** deserializeModel() with the operation name used in messages (loadModel passes its own). */
export function deserializeAs(op: string, artifacts: unknown, opts: LoadOptions, arrange?: WeightArranger): Model {
  if (opts === null || typeof opts !== 'object') throw new ValueError(`${op}: options must be an object, got ${describe(opts)}`);
  if (opts.backend !== undefined && !(opts.backend instanceof Backend)) throw new ValueError(`${op}: backend must be a Backend, got ${describe(opts.backend)}`);
  if (opts.seed !== undefined && (typeof opts.seed !== 'number' || !Number.isFinite(opts.seed))) {
    throw new ValueError(`${op}: seed must be a finite number, got ${describe(opts.seed)}`);
  }
  checkOptions(op, opts, ['backend', 'seed', 'memoryLimit'], 'options');
  const memoryLimit = opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  if (typeof memoryLimit !== 'number' || Number.isNaN(memoryLimit) || memoryLimit <= 0) {
    throw new ValueError(`${op}: memoryLimit must be a positive number of bytes (or Infinity), got ${describe(memoryLimit)}`);
  }
  // Resolved first: a missing init() is the caller's mistake, not the file's.
  const backend = opts.backend ?? getBackend();
  backend.check();

  if (!isRecord(artifacts)) throw formatError(op, '', `expected model artifacts (an object), got ${show(artifacts)}`);
  checkFormatAndVersion(op, artifacts);
  // Absent fields are left to the checks below, which say what each must be.
  for (const key of ['modelTopology', 'inputShape', 'training', 'weightSpecs'] as const) {
    if (artifacts[key] !== undefined) checkPlainJSON(op, key, artifacts[key]);
  }
  const weightData = artifacts.weightData;
  if (!(weightData instanceof Uint8Array)) throw formatError(op, 'weightData', `must be a Uint8Array, got ${show(weightData)}`);

  const inputShape = checkInputShape(op, artifacts.inputShape);
  const topo = artifacts.modelTopology;
  if (isRecord(topo) && topo.className === 'Model') return deserializeGraph(op, artifacts, topo, inputShape, weightData, backend, opts.seed, memoryLimit, arrange);
  // Nothing below allocates until build(): an unbuilt model owns no memory.
  const model = topologyToModel(op, topo, inputShape, backend, opts.seed);
  const values = arrangedWeights(op, artifacts.weightSpecs, weightData, plannedWeights(op, model, inputShape), arrange);
  const training = checkTraining(op, artifacts.training);
  return finishLoad(op, memoryLimit, () => {
    model.build(inputShape);
    return model;
  }, values, training, !!arrange);
}

/** A graph model (topology className 'Model'): structure, layers, sizes, weights, then allocation. */
function deserializeGraph(
  op: string, artifacts: Record<string, unknown>, topo: Record<string, unknown>, inputShape: number[], weightData: Uint8Array, backend: Backend, seed: number | undefined,
  memoryLimit: number, arrange?: WeightArranger,
): Model {
  checkGraphStructure(op, topo);
  const { graph, name, expected } = connectGraph(op, topo);
  const first = graph.inputs[0].shape;
  if (first.length !== inputShape.length || first.some((d, i) => d !== inputShape[i])) {
    throw formatError(op, 'inputShape', `is ${fmt(inputShape)} but the model's first input has shape ${fmt(first)}`);
  }
  const values = arrangedWeights(op, artifacts.weightSpecs, weightData, expected, arrange);
  const training = checkTraining(op, artifacts.training);
  return finishLoad(op, memoryLimit, () => new Model({ inputs: graph.inputs, outputs: graph.outputs, name, backend, seed }), values, training, !!arrange);
}

/** readWeights() on the file's weights, or on those an arranger re-packed for the planned model. */
function arrangedWeights(op: string, specs: unknown, data: Uint8Array, expected: ExpectedWeight[], arrange: WeightArranger | undefined): Float32Array[] {
  if (!arrange) return readWeights(op, specs, data, expected);
  const w = arrange(expected);
  return readWeights(op, w.weightSpecs, w.weightData, expected);
}

/**
 * The common end of loading, once the weights and the training config are
 * validated: allocate (`build`), set the weights and compile. On any failure
 * the model and its optimizer are disposed, so a bad file leaves nothing.
 * Files of other formats (an arranger re-packed their weights) skip the
 * initializers, whose draws every weight is about to replace.
 */
function finishLoad(op: string, memoryLimit: number, build: () => Model, values: Float32Array[], training: Training | null, skipInitializers = false): Model {
  let model: Model;
  try {
    model = skipInitializers ? withoutInitializers(build) : build();
    model.memoryLimit = memoryLimit;
  } catch (err) {
    training?.optimizer.dispose();
    throw rethrow(op, 'modelTopology', err, 'could not build the model');
  }
  try {
    const flat = new Float32Array(values.reduce((a, v) => a + v.length, 0));
    let at = 0;
    for (const v of values) {
      flat.set(v, at);
      at += v.length;
    }
    try {
      model.setWeightsFlat(flat);
    } catch (err) {
      throw rethrow(op, 'weightSpecs', err, 'could not set the weights');
    }
    if (training) {
      try {
        model.compile({ optimizer: training.optimizer, loss: training.loss as LossName | LossName[], metrics: training.metrics, fromLogits: training.fromLogits });
      } catch (err) {
        throw rethrow(op, 'training', err, 'could not compile the model');
      }
    }
  } catch (err) {
    // dispose() frees the arenas and a compiled optimizer's state; an optimizer that compile() refused holds no memory, so disposing it too is harmless.
    training?.optimizer.dispose();
    model.dispose();
    throw err;
  }
  return model;
}

/** Wraps an error from library code as a ModelFormatError at `where`; anything that is not a SimdnnError is a bug and passes through. */
function rethrow(op: string, where: string, err: unknown, what: string): Error {
  if (err instanceof ModelFormatError) return err;
  if (err instanceof SimdnnError) return formatError(op, where, `${what}: ${err.message}`);
  return err as Error;
}

function checkInputShape(op: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_RANK) {
    throw formatError(op, 'inputShape', `must be an array of 1 to ${MAX_RANK} positive integers, got ${show(value)}`);
  }
  value.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw formatError(op, `inputShape[${i}]`, `must be a positive integer, got ${show(d)}`);
    if (d > MAX_DIM) throw formatError(op, `inputShape[${i}]`, `refusing to allocate a dimension of ${d} (more than ${MAX_DIM})`);
  });
  const size = sizeOf(value as number[]);
  if (size > MAX_SAMPLE_SIZE) throw formatError(op, 'inputShape', `refusing to allocate samples of ${fmt(value as number[])} = ${size} values (more than ${MAX_SAMPLE_SIZE})`);
  return (value as number[]).slice();
}

/** Checks the topology's structure, then builds the (unbuilt) model, locating any error a layer constructor throws. */
function topologyToModel(op: string, topology: unknown, inputShape: number[], backend: Backend, seed: number | undefined): Sequential {
  const where = 'modelTopology';
  if (!isRecord(topology)) throw formatError(op, where, `must be an object, got ${show(topology)}`);
  if (topology.className !== 'Sequential') throw formatError(op, `${where}.className`, `expected "Sequential", got ${show(topology.className)} (a graph model's className is "Model")`);
  const { layers } = checkTopologyConfig(op, topology);
  const names = new Set<string>();
  layers.forEach((l: unknown, i) => {
    const at = `${where}.config.layers[${i}]`;
    if (!isRecord(l)) throw formatError(op, at, `must be an object { className, config }, got ${show(l)}`);
    if (typeof l.className !== 'string' || !LAYER_REGISTRY.has(l.className)) {
      throw formatError(op, `${at}.className`, `unknown layer class ${show(l.className)}; known: ${[...LAYER_REGISTRY.keys()].join(', ')}`);
    }
    if (!isRecord(l.config)) throw formatError(op, `${at}.config`, `must be an object, got ${show(l.config)}`);
    // Weight names are '<layer name>/<param>', so every layer must carry the name it was saved with.
    const name = l.config.name;
    if (typeof name !== 'string' || name === '') throw formatError(op, `${at}.config.name`, `must be a non-empty string, got ${show(name)}`);
    if (names.has(name)) throw formatError(op, `${at}.config.name`, `a layer named ${show(name)} appears twice`);
    names.add(name);
  });
  const first = (layers[0] as LayerJSON).config.inputShape;
  if (first !== undefined && !(Array.isArray(first) && first.length === inputShape.length && first.every((d, i) => d === inputShape[i]))) {
    throw formatError(op, `${where}.config.layers[0].config.inputShape`, `is ${show(first)} but inputShape is ${fmt(inputShape)}`);
  }
  try {
    return Sequential.fromJSON(topology, { backend, seed });
  } catch (err) {
    if (!(err instanceof SimdnnError)) throw err;
    throw locateLayerError(op, layers as LayerJSON[], err);
  }
}

/** Finds which layer's config made Sequential.fromJSON throw, and which field when the message names one. */
function locateLayerError(op: string, layers: LayerJSON[], err: SimdnnError): ModelFormatError {
  for (let i = 0; i < layers.length; i++) {
    try {
      layerFromJSON(layers[i]);
    } catch (e) {
      if (!(e instanceof SimdnnError)) throw e;
      // Layer constructors word their errors '<op>: <field> must ...'.
      const field = /^[\w.]+: ([A-Za-z_]\w*) must\b/.exec(e.message)?.[1];
      const at = `modelTopology.config.layers[${i}]${field !== undefined && field !== 'config' ? `.config.${field}` : ''}`;
      return formatError(op, at, e.message);
    }
  }
  return formatError(op, 'modelTopology', err.message);
}

/**
 * Declares every layer's weights for the input shape (Layer.build only
 * computes shapes; the model allocates later) and checks the sizes the model
 * would allocate. Returns the weights the file must hold, in order.
 */
function plannedWeights(op: string, model: Sequential, inputShape: number[]): ExpectedWeight[] {
  // Applies the layers (declaring their weights; nothing is allocated until build()), naming the one that fails.
  const topo = model.connect(inputShape, (i, err, shape) => {
    if (!(err instanceof SimdnnError)) return err as Error;
    return formatError(op, `modelTopology.config.layers[${i}]`, `layer ${model.layers[i].name} cannot take inputs of shape ${fmt(shape)}: ${err.message}`);
  });
  let activations = 0;
  topo.nodes.forEach((node, i) => {
    const outShape = node.outputs[0].shape;
    activations += sizeOf(outShape);
    if (outShape.some((d) => d > MAX_DIM) || activations > MAX_SAMPLE_SIZE) {
      throw formatError(
        op, `modelTopology.config.layers[${i}]`,
        `refusing to allocate the output of ${node.layer.name}, ${fmt(outShape)} per sample ` +
          `(at most ${MAX_DIM} per axis, and ${MAX_SAMPLE_SIZE} values per sample for all layers' outputs together)`,
      );
    }
  });
  const seen = new Set<Variable>();
  let total = 0;
  model.layers.forEach((layer: Layer, i) => {
    const at = `modelTopology.config.layers[${i}]`;
    for (const w of layer.weights) {
      if (seen.has(w)) continue;
      seen.add(w);
      const size = sizeOf(w.shape);
      total += size;
      if (w.shape.some((d) => d > MAX_DIM) || total > MAX_PARAMS) {
        throw formatError(op, at, `refusing to allocate ${w.path} of shape ${fmt(w.shape)} (${size} parameters; at most ${MAX_DIM} per axis and ${MAX_PARAMS} in the whole model)`);
      }
    }
  });
  const out: ExpectedWeight[] = inWeightOrder([...seen]).map((w) => ({ name: w.path, shape: w.shape.slice(), size: sizeOf(w.shape) }));
  return out;
}

interface Training {
  loss: string | string[];
  metrics: string[];
  fromLogits: boolean;
  optimizer: Optimizer | LBFGS;
}

/** Validates a training config and recreates its optimizer (which allocates nothing until compile binds it). */
function checkTraining(op: string, value: unknown): Training | null {
  if (value === null || value === undefined) return null;
  if (!isRecord(value)) throw formatError(op, 'training', `must be an object { loss, metrics, fromLogits, optimizer } or null, got ${show(value)}`);
  const { loss, metrics, fromLogits, optimizer } = value;
  // checkLoss looks names up in an object literal; insist on a string result so 'toString' is no loss.
  const one = (l: unknown, where: string) => {
    let canonical: unknown;
    try {
      canonical = typeof l === 'string' ? checkLoss(op, l) : undefined;
    } catch (err) {
      throw rethrow(op, where, err, 'unknown loss');
    }
    if (typeof canonical !== 'string') throw formatError(op, where, `unknown loss ${show(l)}`);
  };
  if (Array.isArray(loss)) {
    if (loss.length === 0 || loss.length > MAX_PORTS) throw formatError(op, 'training.loss', `must be a loss name or 1 to ${MAX_PORTS} of them, got ${show(loss)}`);
    loss.forEach((l, i) => one(l, `training.loss[${i}]`));
  } else {
    one(loss, 'training.loss');
  }
  if (!Array.isArray(metrics) || metrics.length > MAX_METRICS || !metrics.every((m) => typeof m === 'string')) {
    throw formatError(op, 'training.metrics', `must be an array of at most ${MAX_METRICS} metric names, got ${show(metrics)}`);
  }
  if (typeof fromLogits !== 'boolean') throw formatError(op, 'training.fromLogits', `must be a boolean, got ${show(fromLogits)}`);
  if (!isRecord(optimizer)) throw formatError(op, 'training.optimizer', `must be an optimizer config object, got ${show(optimizer)}`);
  if (optimizer.className !== 'LBFGS') {
    const lr = optimizer.learningRate;
    if (!(typeof lr === 'number' || isRecord(lr))) {
      throw formatError(op, 'training.optimizer.learningRate', `must be a number or a schedule config, got ${show(lr)}`);
    }
  }
  let opt: Optimizer | LBFGS;
  try {
    opt = optimizerFromConfig(optimizer);
  } catch (err) {
    throw rethrow(op, 'training.optimizer', err, 'bad optimizer config');
  }
  return { loss, metrics: metrics.slice(), fromLogits, optimizer: opt } as Training;
}

