/**
 * Reading TensorFlow.js Layers models (model.json + weight shards, what
 * `tf.io` and `tensorflowjs_converter` write for Keras models) into simdnn.
 *
 * The topology (`modelTopology`: a Sequential or functional Keras config, or
 * the converter's `{ keras_version, model_config, training_config }`) is
 * translated layer by layer into simdnn's own topology (layers.ts); the
 * weights are matched by name to the weights the translated model declares,
 * in every naming TensorFlow.js reads (tfjs-layers Container.loadWeights):
 * `dense_1/kernel`, `lstm/lstm_cell/kernel` (TensorFlow 2.2 and later put the
 * cell's name in), `bidirectional/forward_lstm/lstm_cell/kernel`, and Keras 3's
 * `layers/dense/vars/0` (the index of the weight within its layer). Then the
 * result goes through simdnn's own loader (format.ts), so a hostile file is
 * checked before anything is allocated exactly as a simdnn file is.
 */
import { ModelFormatError, ValueError, describe } from '../../errors.js';
import { sizeOf } from '../../tensor.js';
import type { Model } from '../../models/model.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, deserializeAs, type LoadOptions, type WeightEntry } from '../format.js';
import { checkPlainJSON, formatError, isRecord, show } from '../json.js';
import { MAX_DIM, MAX_LAYERS, MAX_PARAMS, MAX_RANK } from '../limits.js';
import { readF32LE, writeF32LE, type ExpectedWeight } from '../weights.js';
import { checkOptions } from '../../util/options.js';
import { camelKeys, type LayerWhere } from './keras-config.js';
import { translateLayer, type Translated, type TranslateContext } from './layers.js';

/** One weight of a TensorFlow.js weights manifest (tf.io.WeightsManifestEntry). */
export interface LayersWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | string;
  /** Quantized weights (tensorflowjs_converter --quantize_*): uint8 / uint16 with min and scale, or float16. */
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number; original_dtype?: string };
}

/** A model in TensorFlow.js's in-memory form (tf.io.ModelArtifacts): what `tf.io.fromMemory` and `model.save` handlers see. */
export interface LayersModelArtifacts {
  /** The Keras model config (class_name, config), or the converter's { keras_version, model_config, training_config }. */
  modelTopology: unknown;
  weightSpecs?: LayersWeightSpec[];
  /** All weights, back to back in weightSpecs order (TensorFlow.js also allows a list of buffers, concatenated). */
  weightData?: ArrayBuffer | ArrayBufferView | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  [key: string]: unknown;
}

/** A TensorFlow.js IOHandler (tf.io.IOHandler) that can load: `tf.io.fromMemory(...)`, `tf.io.browserFiles(...)`. */
export interface LayersLoadHandler {
  load(): Promise<LayersModelArtifacts>;
}

/** Options of loadLayersModel(). */
export interface LoadLayersOptions extends LoadOptions {
  /**
   * The per-sample input shape, for files whose input has unknown
   * dimensions (Keras writes a sequence input as [null, null, features]):
   * simdnn plans every buffer for fixed shapes. Dimensions the file gives
   * must agree with it.
   */
  inputShape?: number[];
  /** The fetch used for URLs (default: globalThis.fetch); in Node `loadLayersModel` reads paths itself. */
  fetch?: (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
}

/** The options loadLayersModel takes. */
export const LOAD_LAYERS_KEYS: readonly string[] = ['inputShape', 'fetch', 'backend', 'seed', 'memoryLimit'];

/** Most weights a TensorFlow.js manifest may list. */
const MAX_WEIGHT_SPECS = 4 * MAX_LAYERS;

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** A checked weight of the file: where its bytes are and how to decode them. */
interface FileWeight {
  name: string;
  shape: number[];
  size: number;
  offset: number;
  bytes: number;
  /** 'float32', 'uint8', 'uint16' or 'float16' (the last three quantized). */
  encoding: string;
  min: number;
  scale: number;
  /** Parsed name: the top-level layer it belongs to, the direction segment, the last segment. */
  top: string;
  dir: '' | 'forward' | 'backward';
  leaf: string;
}

/** Joins weightData as TensorFlow.js allows it (one buffer, a view, or a list) into one Uint8Array, checking types. */
export function joinWeightData(op: string, data: unknown): Uint8Array {
  if (data === undefined || data === null) return new Uint8Array(0);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    if (data.length > 1 << 16) throw formatError(op, 'weightData', `lists ${data.length} buffers`);
    let total = 0;
    data.forEach((b, i) => {
      if (!(b instanceof ArrayBuffer)) throw formatError(op, `weightData[${i}]`, `must be an ArrayBuffer, got ${show(b)}`);
      total += b.byteLength;
    });
    if (total > MAX_PARAMS * 4) throw formatError(op, 'weightData', `is ${total} bytes, more than a loadable model's ${MAX_PARAMS * 4}`);
    const out = new Uint8Array(total);
    let at = 0;
    for (const b of data as ArrayBuffer[]) {
      out.set(new Uint8Array(b), at);
      at += b.byteLength;
    }
    return out;
  }
  throw formatError(op, 'weightData', `must be an ArrayBuffer, a typed array or a list of ArrayBuffers, got ${show(data)}`);
}

/** Checks weightSpecs (names, shapes, dtypes, sizes) against the data's length; decodes nothing. */
function checkSpecs(op: string, specs: unknown, dataLength: number): Omit<FileWeight, 'top' | 'dir' | 'leaf'>[] {
  if (specs === undefined || specs === null) specs = [];
  if (!Array.isArray(specs)) throw formatError(op, 'weightSpecs', `must be an array, got ${show(specs)}`);
  if (specs.length > MAX_WEIGHT_SPECS) throw formatError(op, 'weightSpecs', `lists ${specs.length} weights, more than the ${MAX_WEIGHT_SPECS} accepted`);
  checkPlainJSON(op, 'weightSpecs', specs);
  const seen = new Set<string>();
  let offset = 0;
  let params = 0;
  const out = specs.map((s: unknown, i) => {
    const at = `weightSpecs[${i}]`;
    if (!isRecord(s)) throw formatError(op, at, `must be an object { name, shape, dtype }, got ${show(s)}`);
    if (typeof s.name !== 'string' || s.name === '' || s.name.length > 1024) throw formatError(op, `${at}.name`, `must be a non-empty string, got ${show(s.name)}`);
    if (seen.has(s.name)) throw formatError(op, `${at}.name`, `weight ${show(s.name)} is listed twice`);
    seen.add(s.name);
    const shape = s.shape;
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= MAX_DIM)) {
      throw formatError(op, `${at}.shape`, `must be a list of at most ${MAX_RANK} integers in [0, ${MAX_DIM}], got ${show(shape)}`);
    }
    const size = sizeOf(shape as number[]);
    params += size;
    if (params > MAX_PARAMS) throw formatError(op, `${at}.shape`, `refusing ${s.name} of ${size} values: the weights exceed the ${MAX_PARAMS} parameters a loadable model has`);
    if (s.dtype !== 'float32') {
      throw formatError(op, `${at}.dtype`, `${s.name}: ${show(s.dtype)} weights are not supported (simdnn's weights are float32)`);
    }
    let encoding = 'float32';
    let min = 0;
    let scale = 1;
    const q = s.quantization;
    if (q !== undefined && q !== null) {
      if (!isRecord(q) || typeof q.dtype !== 'string' || !['uint8', 'uint16', 'float16'].includes(q.dtype)) {
        throw formatError(op, `${at}.quantization`, `must be { dtype: "uint8" | "uint16" | "float16", min, scale }, got ${show(isRecord(q) ? q.dtype : q)}`);
      }
      encoding = q.dtype;
      if (encoding !== 'float16') {
        if (typeof q.min !== 'number' || !Number.isFinite(q.min) || typeof q.scale !== 'number' || !Number.isFinite(q.scale)) {
          throw formatError(op, `${at}.quantization`, `${encoding} quantization needs finite min and scale, got min ${show(q.min)} and scale ${show(q.scale)}`);
        }
        min = q.min;
        scale = q.scale;
      }
    }
    const bytes = size * BYTES[encoding];
    if (offset + bytes > dataLength) {
      throw formatError(op, `${at}`, `${s.name} (${show(shape)} in ${encoding}, ${bytes} bytes at byte ${offset}) runs past the end of the weight data (${dataLength} bytes; a shard missing or truncated?)`);
    }
    const w = { name: s.name, shape: (shape as number[]).slice(), size, offset, bytes, encoding, min, scale };
    offset += bytes;
    return w;
  });
  if (offset !== dataLength) throw formatError(op, 'weightData', `is ${dataLength} bytes but weightSpecs describe ${offset}`);
  return out;
}

/** Decodes one weight of the file as float32 (dequantizing: min + scale · q, as tfjs-core io.decodeWeights). */
function decode(data: Uint8Array, w: FileWeight): Float32Array {
  if (w.encoding === 'float32') return readF32LE(data, w.offset, w.size);
  const view = new DataView(data.buffer, data.byteOffset + w.offset, w.bytes);
  const out = new Float32Array(w.size);
  if (w.encoding === 'uint8') for (let i = 0; i < w.size; i++) out[i] = w.min + w.scale * view.getUint8(i);
  else if (w.encoding === 'uint16') for (let i = 0; i < w.size; i++) out[i] = w.min + w.scale * view.getUint16(2 * i, true);
  else for (let i = 0; i < w.size; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  return out;
}

/** IEEE 754 binary16 to a number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Who declares a simdnn weight: the top-level layer of the file and, inside a Bidirectional, the direction. */
interface Owner {
  top: string;
  dir: '' | 'forward' | 'backward';
}

/** The translated topology: simdnn's modelTopology and input shape, and who owns each weight. */
interface Plan {
  topology: Record<string, unknown>;
  inputShape: number[];
  owners: Map<string, Owner>;
  tops: Set<string>;
  modelName: string;
}

function isKeras3(raw: Record<string, unknown>, config: unknown): boolean {
  const v = raw.keras_version ?? raw.kerasVersion;
  if (typeof v === 'string' && /^3\./.test(v)) return true;
  // Keras 3 writes a layer's dtype as a DTypePolicy object and InputLayer's shape as batch_shape.
  return JSON.stringify(config).includes('"DTypePolicy"');
}

/** Shape of an input as the file gives it ([null, ...dims]), with unknown dims filled from opts.inputShape. */
function inputShapeOf(op: string, where: string, layer: Record<string, unknown>, given: number[] | undefined): number[] | undefined {
  const c = layer;
  let dims: unknown;
  if (c.batchInputShape !== undefined && c.batchInputShape !== null) dims = Array.isArray(c.batchInputShape) ? c.batchInputShape.slice(1) : c.batchInputShape;
  else if (c.batchShape !== undefined && c.batchShape !== null) dims = Array.isArray(c.batchShape) ? c.batchShape.slice(1) : c.batchShape;
  else if (c.inputShape !== undefined && c.inputShape !== null) dims = c.inputShape;
  else if (c.inputDim !== undefined && c.inputDim !== null) dims = [c.inputDim];
  else if (c.inputLength !== undefined && c.inputLength !== null) dims = [c.inputLength];
  if (dims === undefined) return given?.slice();
  if (!Array.isArray(dims) || dims.length === 0 || dims.length > MAX_RANK || !dims.every((d) => d === null || (typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= MAX_DIM))) {
    throw formatError(op, where, `the input shape must be [null, ...] with 1 to ${MAX_RANK} positive dimensions of at most ${MAX_DIM}, got ${show(c.batchInputShape ?? c.batchShape ?? dims)}`);
  }
  if (given) {
    if (given.length !== dims.length || dims.some((d, i) => d !== null && d !== given[i])) {
      throw formatError(op, where, `the file's input shape [${dims.map((d) => (d === null ? 'null' : d)).join(', ')}] disagrees with the inputShape option [${given.join(', ')}]`);
    }
    return given.slice();
  }
  const unknown = dims.findIndex((d) => d === null);
  if (unknown >= 0) {
    throw formatError(op, where, `the input shape [${dims.map((d) => (d === null ? 'null' : d)).join(', ')}] has an unknown dimension ${unknown + 1}; simdnn plans for fixed shapes, so pass loadLayersModel(..., { inputShape: [...] })`);
  }
  return dims as number[];
}

function checkInputShapeOption(op: string, s: unknown): number[] | undefined {
  if (s === undefined) return undefined;
  if (!Array.isArray(s) || s.length === 0 || s.length > MAX_RANK || !s.every((d) => Number.isInteger(d) && d >= 1 && d <= MAX_DIM)) {
    throw new ValueError(`${op}: inputShape must be an array of 1 to ${MAX_RANK} positive integers, got ${describe(s)}`);
  }
  return s.slice();
}

/** Translates the file's topology; no layer is created yet. */
function plan(op: string, rawTopology: unknown, opts: LoadLayersOptions): Plan {
  if (!isRecord(rawTopology)) throw formatError(op, 'modelTopology', `must be an object, got ${show(rawTopology)}`);
  checkPlainJSON(op, 'modelTopology', rawTopology);
  // The converter's form wraps the model config; tf.io's is the config itself.
  const wrapped = isRecord(rawTopology.model_config) ? rawTopology.model_config : rawTopology;
  const keras3 = isKeras3(rawTopology, wrapped);
  const topo = camelKeys(wrapped) as Record<string, unknown>;
  const given = checkInputShapeOption(op, opts.inputShape);
  const cls = topo.className;
  let config = topo.config;
  // Keras 1 and early tfjs wrote a Sequential's config as the list of layers.
  if (cls === 'Sequential' && Array.isArray(config)) config = { layers: config };
  if (!isRecord(config)) throw formatError(op, 'modelTopology.config', `must be an object, got ${show(config)}`);
  const layers = config.layers;
  if (!Array.isArray(layers) || layers.length === 0 || layers.length > MAX_LAYERS) {
    throw formatError(op, 'modelTopology.config.layers', `must be a list of 1 to ${MAX_LAYERS} layers, got ${show(layers)}`);
  }
  const modelName = typeof config.name === 'string' && config.name !== '' && config.name.length <= 200 ? config.name : 'model';
  const owners = new Map<string, Owner>();
  const tops = new Set<string>();
  const names = new Set<string>();
  const translate = (json: unknown, at: string, top: boolean): Translated => {
    if (!isRecord(json)) throw formatError(op, at, `must be a layer { class_name, config }, got ${show(json)}`);
    const lc = isRecord(json.config) ? json.config : undefined;
    if (!lc) throw formatError(op, `${at}.config`, `must be an object, got ${show(json.config)}`);
    const name = lc.name ?? json.name;
    if (typeof name !== 'string' || name === '' || name.length > 200 || name.includes('/')) {
      throw formatError(op, `${at}.config.name`, `must be a non-empty layer name without '/', got ${show(name)}`);
    }
    if (names.has(name)) throw formatError(op, `${at}.config.name`, `a layer named ${show(name)} appears twice`);
    names.add(name);
    if (typeof json.className !== 'string') throw formatError(op, `${at}.class_name`, `must be a string, got ${show(json.className)}`);
    const w: LayerWhere = { op, layer: name, className: json.className };
    const ctx: TranslateContext = { keras3, nested: (inner, key) => translate(inner, `${at}.config.${key}`, false) };
    const t = translateLayer(w, json.className, { ...lc, name }, ctx);
    if (top) {
      tops.add(name);
      const inner = t.config.layer as Translated | undefined;
      if (t.className === 'TimeDistributed' && inner) owners.set(inner.config.name as string, { top: name, dir: '' });
      else if (t.className === 'Bidirectional' && inner) {
        owners.set(`forward_${inner.config.name as string}`, { top: name, dir: 'forward' });
        owners.set(`backward_${inner.config.name as string}`, { top: name, dir: 'backward' });
      } else owners.set(name, { top: name, dir: '' });
    }
    return t;
  };

  if (cls === 'Sequential') {
    let list = layers.slice();
    let inputShape: number[] | undefined;
    const first = list[0];
    if (isRecord(first) && first.className === 'InputLayer') {
      if (!isRecord(first.config)) throw formatError(op, 'modelTopology.config.layers[0].config', `must be an object, got ${show(first.config)}`);
      inputShape = inputShapeOf(op, 'modelTopology.config.layers[0]', first.config, given);
      list = list.slice(1);
      if (list.length === 0) throw formatError(op, 'modelTopology.config.layers', 'has an input layer and nothing else');
    } else if (isRecord(first) && isRecord(first.config)) {
      inputShape = inputShapeOf(op, 'modelTopology.config.layers[0]', first.config, given);
    }
    if (!inputShape && isRecord(config) && Array.isArray(config.buildInputShape)) {
      inputShape = inputShapeOf(op, 'modelTopology.config.build_input_shape', { batchInputShape: config.buildInputShape }, given);
    }
    if (!inputShape) throw formatError(op, 'modelTopology.config.layers[0]', 'the first layer does not say its input shape (batch_input_shape); pass loadLayersModel(..., { inputShape: [...] })');
    const translated = list.map((l, i) => translate(l, `modelTopology.config.layers[${i + (list.length < layers.length ? 1 : 0)}]`, true));
    translated[0].config.inputShape = inputShape;
    return { topology: { className: 'Sequential', config: { name: modelName, layers: translated } }, inputShape, owners, tops, modelName };
  }
  if (cls !== 'Model' && cls !== 'Functional') {
    throw formatError(op, 'modelTopology.class_name', `expected "Sequential", "Model" or "Functional", got ${show(cls)}`);
  }
  let firstShape: number[] | undefined;
  const out = layers.map((l: unknown, i) => {
    const at = `modelTopology.config.layers[${i}]`;
    if (!isRecord(l)) throw formatError(op, at, `must be a layer { class_name, config, inbound_nodes }, got ${show(l)}`);
    if (l.className === 'InputLayer') {
      if (!isRecord(l.config)) throw formatError(op, `${at}.config`, `must be an object, got ${show(l.config)}`);
      const name = l.config.name ?? l.name;
      if (typeof name !== 'string' || name === '' || name.length > 200 || name.includes('/')) throw formatError(op, `${at}.config.name`, `must be a non-empty layer name, got ${show(name)}`);
      if (names.has(name)) throw formatError(op, `${at}.config.name`, `a layer named ${show(name)} appears twice`);
      names.add(name);
      for (const k of ['sparse', 'ragged']) {
        if (l.config[k] === true) throw formatError(op, `${at}.config.${k}`, `input layer ${show(name)}: ${k} inputs are not supported by simdnn`);
      }
      const shape = inputShapeOf(op, at, l.config, firstShape === undefined ? given : undefined);
      if (!shape) throw formatError(op, at, 'an input layer must give its shape (batch_input_shape)');
      firstShape ??= shape;
      return { className: 'InputLayer', config: { name, shape }, inboundNodes: [] };
    }
    const t = translate(l, at, true);
    return { ...t, inboundNodes: inboundNodes(op, `${at}.inbound_nodes`, l.inboundNodes) };
  });
  if (!firstShape) throw formatError(op, 'modelTopology.config.layers', 'a functional model needs an InputLayer');
  const refs = (v: unknown, key: string) => {
    // Keras 3 writes a single input or output as one reference rather than a list of them.
    const list = Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.length === 0 || list.length > 64) throw formatError(op, `modelTopology.config.${key}`, `must be a list of [layer, node, tensor] references, got ${show(v)}`);
    return list.map((r, i) => ref(op, `modelTopology.config.${key}[${i}]`, r));
  };
  const graph = {
    className: 'Model',
    config: { name: modelName, layers: out, inputLayers: refs(config.inputLayers, 'input_layers'), outputLayers: refs(config.outputLayers, 'output_layers') },
  };
  return { topology: graph, inputShape: firstShape, owners, tops, modelName };
}

/** A [layer, node, tensor] reference (Keras 2 / TensorFlow.js may append a kwargs object). */
function ref(op: string, where: string, r: unknown): [string, number, number] {
  if (!Array.isArray(r) || r.length < 3 || r.length > 4 || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || !Number.isInteger(r[2])) {
    throw formatError(op, where, `must be [layer name, node index, tensor index], got ${show(r)}`);
  }
  if (r.length === 4 && !(isRecord(r[3]) && Object.keys(r[3]).every((k) => r[3][k] === null || k === 'training'))) {
    throw formatError(op, where, `call arguments ${show(Object.keys(r[3] ?? {}))} are not supported`);
  }
  return [r[0], r[1] as number, r[2] as number];
}

/** Keras 2 / TensorFlow.js nodes ([[ref, ...], ...]) and Keras 3 nodes ([{ args, kwargs }, ...]) as simdnn's. */
function inboundNodes(op: string, where: string, nodes: unknown): [string, number, number][][] {
  if (!Array.isArray(nodes) || nodes.length === 0 || nodes.length > MAX_LAYERS) throw formatError(op, where, `must be a list of 1 to ${MAX_LAYERS} nodes, got ${show(nodes)}`);
  return nodes.map((n: unknown, k) => {
    const at = `${where}[${k}]`;
    if (Array.isArray(n)) {
      if (n.length === 0 || n.length > 64) throw formatError(op, at, `must list 1 to 64 inputs, got ${show(n)}`);
      return n.map((r, j) => ref(op, `${at}[${j}]`, r));
    }
    if (!isRecord(n) || !Array.isArray(n.args)) throw formatError(op, at, `must be a list of references or { args, kwargs }, got ${show(n)}`);
    if (isRecord(n.kwargs) && Object.keys(n.kwargs).some((key) => key !== 'training' && n.kwargs && (n.kwargs as Record<string, unknown>)[key] !== null && key !== 'mask')) {
      throw formatError(op, `${at}.kwargs`, `call arguments ${show(Object.keys(n.kwargs))} are not supported`);
    }
    const tensors: [string, number, number][] = [];
    const collect = (v: unknown, depth: number) => {
      if (depth > 2) throw formatError(op, `${at}.args`, 'nested too deep');
      if (Array.isArray(v)) {
        v.forEach((x) => collect(x, depth + 1));
        return;
      }
      if (!isRecord(v) || v.className !== '__keras_tensor__' || !isRecord(v.config)) throw formatError(op, `${at}.args`, `must hold Keras tensors, got ${show(v)}`);
      tensors.push(ref(op, `${at}.args`, v.config.kerasHistory));
    };
    collect(n.args, 0);
    if (tensors.length === 0 || tensors.length > 64) throw formatError(op, `${at}.args`, `must hold 1 to 64 tensors, got ${tensors.length}`);
    return tensors;
  });
}

/** Splits a weight name into the top-level layer, the direction and the last segment. */
function parseName(name: string, tops: Set<string>, modelName: string): Pick<FileWeight, 'top' | 'dir' | 'leaf'> | null {
  const segs = name.replace(/:\d+$/, '').split('/');
  let i = segs.findIndex((s) => tops.has(s));
  if (i < 0) {
    // A nested layer's weights may be scoped by the model's name; nothing else matches.
    if (segs[0] === modelName && segs.length > 2) i = segs.slice(1).findIndex((s) => tops.has(s)) + 1;
    if (i <= 0) return null;
  }
  const rest = segs.slice(i + 1);
  if (rest.length === 0) return null;
  const d = rest.find((s) => /^_?(forward|backward)/.test(s));
  const dir = d === undefined ? '' : d.replace(/^_/, '').startsWith('forward') ? 'forward' : 'backward';
  return { top: segs[i], dir, leaf: rest[rest.length - 1] };
}

/**
 * Matches the file's weights to the weights the model declares (ExpectedWeight
 * names are '<owner>/<param>'): by the owner's top-level layer and direction,
 * then by the param's name or, for Keras 3 files, its index within the owner.
 */
function arrange(op: string, p: Plan, files: FileWeight[], data: Uint8Array, expected: ExpectedWeight[]): { weightSpecs: WeightEntry[]; weightData: Uint8Array } {
  const byOwner = new Map<string, string[]>();
  for (const e of expected) {
    const cut = e.name.lastIndexOf('/');
    const owner = e.name.slice(0, cut);
    const list = byOwner.get(owner) ?? [];
    list.push(e.name.slice(cut + 1));
    byOwner.set(owner, list);
  }
  const used = new Set<FileWeight>();
  const specs: WeightEntry[] = [];
  const out = new Uint8Array(expected.reduce((a, e) => a + e.size * 4, 0));
  let offset = 0;
  for (const e of expected) {
    const cut = e.name.lastIndexOf('/');
    const ownerName = e.name.slice(0, cut);
    const param = e.name.slice(cut + 1);
    const owner = p.owners.get(ownerName);
    if (!owner) throw formatError(op, 'weightSpecs', `no layer of the file owns ${e.name}`);
    const index = String((byOwner.get(ownerName) as string[]).indexOf(param));
    const found = files.filter((f) => !used.has(f) && f.top === owner.top && f.dir === owner.dir && (f.leaf === param || f.leaf === index));
    const where = `${owner.top}${owner.dir ? ` (${owner.dir})` : ''}`;
    if (found.length === 0) throw formatError(op, 'weightSpecs', `missing weight ${param} of layer ${show(where)} (shape [${e.shape.join(', ')}])`);
    if (found.length > 1) throw formatError(op, 'weightSpecs', `weights ${found.map((f) => show(f.name)).join(' and ')} both match ${param} of layer ${show(where)}`);
    const f = found[0];
    used.add(f);
    if (f.shape.length !== e.shape.length || f.shape.some((d, i) => d !== e.shape[i])) {
      throw formatError(op, 'weightSpecs', `weight ${show(f.name)} has shape [${f.shape.join(', ')}] but layer ${show(where)} needs ${param} of shape [${e.shape.join(', ')}]`);
    }
    // float32 little-endian goes across as it is; quantized weights are decoded.
    if (f.encoding === 'float32') out.set(data.subarray(f.offset, f.offset + f.bytes), offset);
    else writeF32LE(out, offset, decode(data, f));
    specs.push({ name: e.name, shape: e.shape.slice(), dtype: 'float32', offset, byteLength: e.size * 4 });
    offset += e.size * 4;
  }
  const extra = files.find((f) => !used.has(f));
  if (extra) throw formatError(op, 'weightSpecs', `weight ${show(extra.name)} belongs to no weight of the model`);
  return { weightSpecs: specs, weightData: out };
}

/**
 * Builds a simdnn model from TensorFlow.js artifacts already in memory
 * (modelTopology, weightSpecs, weightData). Everything is checked before
 * anything is allocated; every problem is a ModelFormatError saying where,
 * and an unsupported layer or option names the layer and the option.
 */
export function layersModelFromArtifacts(artifacts: unknown, opts: LoadLayersOptions = {}, op = 'loadLayersModel'): Model {
  if (!isRecord(artifacts)) throw formatError(op, '', `expected TensorFlow.js model artifacts { modelTopology, weightSpecs, weightData }, got ${show(artifacts)}`);
  checkOptions(op, opts, LOAD_LAYERS_KEYS, 'options');
  const { inputShape: _i, fetch: _f, ...loadOpts } = opts;
  if (artifacts.format !== undefined && artifacts.format !== 'layers-model') {
    throw formatError(op, 'format', `${show(artifacts.format)} is not a Layers model (a TensorFlow.js graph model cannot be read: it has no layer configs)`);
  }
  const data = joinWeightData(op, artifacts.weightData);
  const checked = checkSpecs(op, artifacts.weightSpecs, data.length);
  const p = plan(op, artifacts.modelTopology, opts);
  const files: FileWeight[] = checked.map((w) => {
    const parsed = parseName(w.name, p.tops, p.modelName);
    if (!parsed) throw formatError(op, 'weightSpecs', `weight ${show(w.name)} belongs to no layer of the model (known: ${[...p.tops].slice(0, 20).join(', ')})`);
    return { ...w, ...parsed };
  });
  const simdnn = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    modelTopology: p.topology,
    inputShape: p.inputShape,
    training: null,
    weightSpecs: [],
    weightData: new Uint8Array(0),
  };
  return deserializeAs(op, simdnn, loadOpts, (expected) => arrange(op, p, files, data, expected));
}

/** True when `v` looks like a TensorFlow.js IOHandler with load(). */
export function isLoadHandler(v: unknown): v is LayersLoadHandler {
  return typeof v === 'object' && v !== null && typeof (v as { load?: unknown }).load === 'function';
}

/** The error for a model.json that is not a Layers model file. */
export function notLayersModel(op: string, where: string, json: unknown): ModelFormatError {
  return formatError(op, where, `is not a TensorFlow.js Layers model.json (expected { modelTopology, weightsManifest }), got ${show(json)}`);
}
