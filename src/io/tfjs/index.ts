// TensorFlow.js Layers files in the browser-safe entry: in-memory artifacts,
// TensorFlow.js IOHandlers and URLs (fetch). src/io/tfjs/node.ts adds paths.
import { ValueError, describe } from '../../errors.js';
import type { Model } from '../../models/model.js';
import { MAX_JSON_BYTES } from '../container.js';
import { formatError, isRecord, parseJSONBytes, show } from '../json.js';
import { MAX_PARAMS } from '../limits.js';
import { checkOptions } from '../../util/options.js';
import { LOAD_LAYERS_KEYS, isLoadHandler, layersModelFromArtifacts, notLayersModel, type LayersLoadHandler, type LayersModelArtifacts, type LoadLayersOptions } from './import.js';
import { isSaveHandler, toLayersArtifacts, type LayersSaveHandler } from './export.js';

export { layersModelFromArtifacts, type LayersModelArtifacts, type LayersLoadHandler, type LayersWeightSpec, type LoadLayersOptions } from './import.js';
export { toLayersArtifacts, type LayersArtifactsOut, type LayersSaveHandler } from './export.js';

/** Most weight groups and shard files a model.json may list. */
export const MAX_SHARDS = 4096;

/** A model.json's weightsManifest, checked: the weights in order and the shard paths in order. */
export function readManifest(op: string, json: unknown): { topology: unknown; format: unknown; specs: unknown[]; paths: string[] } {
  if (!isRecord(json) || json.modelTopology === undefined) throw notLayersModel(op, 'model.json', json);
  const m = json.weightsManifest ?? [];
  if (!Array.isArray(m) || m.length > MAX_SHARDS) throw formatError(op, 'weightsManifest', `must be a list of at most ${MAX_SHARDS} groups { paths, weights }, got ${show(m)}`);
  const specs: unknown[] = [];
  const paths: string[] = [];
  m.forEach((g: unknown, i) => {
    if (!isRecord(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw formatError(op, `weightsManifest[${i}]`, `must be { paths: [...], weights: [...] }, got ${show(g)}`);
    }
    g.paths.forEach((p: unknown, j) => {
      if (typeof p !== 'string' || p === '' || p.length > 1024) throw formatError(op, `weightsManifest[${i}].paths[${j}]`, `must be a file name, got ${show(p)}`);
      if (/^[a-z][a-z0-9+.-]*:/i.test(p) || p.startsWith('/') || p.startsWith('\\') || p.includes('\0') || p.split(/[\\/]/).includes('..')) {
        throw formatError(op, `weightsManifest[${i}].paths[${j}]`, `${show(p)} must be a relative path inside the model's directory`);
      }
      paths.push(p);
    });
    specs.push(...g.weights);
    if (paths.length > MAX_SHARDS || specs.length > 65536) throw formatError(op, 'weightsManifest', 'lists too many shards or weights');
  });
  return { topology: json.modelTopology, format: json.format, specs, paths };
}

/** Fetches model.json and its shards (relative to it) and builds the model. */
async function fromUrl(op: string, url: string, opts: LoadLayersOptions): Promise<Model> {
  const f = opts.fetch ?? (globalThis as { fetch?: LoadLayersOptions['fetch'] }).fetch;
  if (typeof f !== 'function') throw new ValueError(`${op}: no fetch in this runtime; pass { fetch } or the artifacts`);
  const get = async (u: string, cap: number): Promise<Uint8Array> => {
    let res: Awaited<ReturnType<NonNullable<LoadLayersOptions['fetch']>>>;
    try {
      res = await f(u);
    } catch (err) {
      throw formatError(op, u, `cannot be fetched: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!res.ok) throw formatError(op, u, `cannot be fetched: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > cap) throw formatError(op, u, `is ${bytes.length} bytes, more than the ${cap} accepted`);
    return bytes;
  };
  const where = `${op}: ${url}`;
  const json = parseJSONBytes(where, 'model.json', await get(url, MAX_JSON_BYTES), 0);
  const m = readManifest(where, json);
  const shards: Uint8Array[] = [];
  let total = 0;
  for (const p of m.paths) {
    const s = await get(new URL(p, url).href, MAX_PARAMS * 4 - total);
    total += s.length;
    shards.push(s);
  }
  return modelFromShards(m, shards, opts, where);
}

/** The model of a manifest read by readManifest, its weight shards read in manifest order. */
export function modelFromShards(m: ReturnType<typeof readManifest>, shards: readonly Uint8Array[], opts: LoadLayersOptions, where: string): Model {
  const data = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of shards) {
    data.set(s, at);
    at += s.length;
  }
  return layersModelFromArtifacts({ modelTopology: m.topology, weightSpecs: m.specs as never, weightData: data, format: m.format as string }, opts, where);
}

/**
 * Loads a TensorFlow.js Layers model (what `tensorflowjs_converter` writes
 * for a Keras model, and what TensorFlow.js's `model.save` writes) as a
 * simdnn model: from a URL of its model.json (fetched with its weight shards,
 * which are named relative to it), a TensorFlow.js IOHandler
 * (`tf.io.fromMemory(...)`, `tf.io.browserFiles(...)`), or in-memory
 * artifacts `{ modelTopology, weightSpecs, weightData }`. In Node, the
 * `simdnn/node` entry also takes a path to model.json.
 *
 * Sequential and functional models, Keras 2 and 3 configs and weight names,
 * and quantized weights (uint8, uint16, float16) are read. A layer or option
 * simdnn cannot honour is a ModelFormatError naming the layer and the option;
 * a corrupt or hostile file is refused before anything is allocated. The
 * loaded model is not compiled: call `compile` to train it further.
 */
export async function loadLayersModel(source: string | URL | LayersModelArtifacts | LayersLoadHandler, opts: LoadLayersOptions = {}): Promise<Model> {
  const op = 'loadLayersModel';
  checkOptions(op, opts, LOAD_LAYERS_KEYS, 'options');
  if (typeof source === 'string' || source instanceof URL) return fromUrl(op, String(source), opts);
  if (isLoadHandler(source)) {
    const a = await source.load();
    return layersModelFromArtifacts(a, opts, op);
  }
  if (isRecord(source)) return layersModelFromArtifacts(source, opts, op);
  throw new ValueError(`${op}: expected a URL, a TensorFlow.js IOHandler or artifacts { modelTopology, weightSpecs, weightData }, got ${describe(source)}`);
}

/**
 * Saves a built model through a TensorFlow.js IOHandler (for example
 * `tf.io.withSaveHandler(async (a) => ...)` or `tf.io.browserDownloads()`):
 * model.json's topology and one buffer of float32 weights, as
 * `tf.loadLayersModel` reads them. In Node, `simdnn/node` also takes a
 * directory. Layers TensorFlow.js lacks (L2 pooling, tied dense, step / sign
 * activations, GRU reset_after: true) are a ValueError naming the layer.
 * Returns what the handler returns.
 */
export async function saveLayersModel(model: Model, handler: LayersSaveHandler): Promise<unknown> {
  const op = 'saveLayersModel';
  if (!isSaveHandler(handler)) throw new ValueError(`${op}: expected a TensorFlow.js IOHandler with save() (in Node, simdnn/node also takes a directory), got ${describe(handler)}`);
  return handler.save(toLayersArtifacts(model, op));
}
