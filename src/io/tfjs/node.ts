/// <reference types="node" />
// TensorFlow.js Layers files on disk (Node only: it imports node:fs).
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ModelFormatError, ValueError, describe } from '../../errors.js';
import type { Model } from '../../models/model.js';
import { MAX_JSON_BYTES } from '../container.js';
import { formatError, parseJSONBytes } from '../json.js';
import { MAX_PARAMS } from '../limits.js';
import { resolveWeightsPath } from '../node.js';
import { checkOptions } from '../../util/options.js';
import { LOAD_LAYERS_KEYS, layersModelFromArtifacts, type LayersLoadHandler, type LayersModelArtifacts, type LoadLayersOptions } from './import.js';
import { isSaveHandler, toLayersArtifacts, type LayersSaveHandler } from './export.js';
import { loadLayersModel as loadBrowser, modelFromShards, readManifest, saveLayersModel as saveBrowser } from './index.js';

/** The shard file saveLayersModel writes beside model.json (the converter's name for a single shard). */
export const LAYERS_SHARD = 'group1-shard1of1.bin';

/** Reads a file, refusing one larger than `max` bytes before reading it. */
function readCapped(op: string, path: string, max: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw formatError(op, path, `cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const { size } = fstatSync(fd);
    if (size > max) throw formatError(op, path, `is ${size} bytes, more than the ${max} accepted`);
    const out = new Uint8Array(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, out, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return out.subarray(0, read);
  } catch (err) {
    if (err instanceof ModelFormatError) throw err;
    throw formatError(op, path, `cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    closeSync(fd);
  }
}

function fromPath(op: string, path: string, opts: LoadLayersOptions): Model {
  const where = `${op}: ${path}`;
  const json = parseJSONBytes(where, 'model.json', readCapped(op, path, MAX_JSON_BYTES), 0);
  const m = readManifest(where, json);
  const dir = dirname(path);
  const shards: Uint8Array[] = [];
  let total = 0;
  for (const p of m.paths) {
    const s = readCapped(op, resolveWeightsPath(where, dir, p), MAX_PARAMS * 4 - total);
    total += s.length;
    shards.push(s);
  }
  return modelFromShards(m, shards, opts, where);
}

/**
 * Loads a TensorFlow.js Layers model (Node): a path to model.json with its
 * weight shards beside it (what `tensorflowjs_converter --input_format keras`
 * writes), an http(s) URL, a TensorFlow.js IOHandler, or in-memory artifacts.
 * See the browser entry's loadLayersModel for what is read and refused.
 */
export async function loadLayersModel(source: string | URL | LayersModelArtifacts | LayersLoadHandler, opts: LoadLayersOptions = {}): Promise<Model> {
  const op = 'loadLayersModel';
  checkOptions(op, opts, LOAD_LAYERS_KEYS, 'options');
  if (typeof source === 'string' && !/^https?:\/\//i.test(source)) {
    if (source === '') throw new ValueError(`${op}: path must be a non-empty string`);
    return fromPath(op, source.startsWith('file://') ? new URL(source).pathname : source, opts);
  }
  return loadBrowser(source, opts);
}

/** Writes to a temporary file beside `path`, then renames it into place. */
function writeAtomic(path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw err;
  }
}

/**
 * Saves a built model as a TensorFlow.js Layers model (Node): into a
 * directory (created if needed) as model.json and one weight shard, which
 * `tf.loadLayersModel('file://.../model.json')` (tfjs-node) or a browser
 * reads; or through a TensorFlow.js IOHandler. Layers TensorFlow.js lacks are
 * a ValueError naming the layer; nothing is written then.
 */
export async function saveLayersModel(model: Model, destination: string | LayersSaveHandler): Promise<unknown> {
  const op = 'saveLayersModel';
  if (isSaveHandler(destination)) return saveBrowser(model, destination);
  if (typeof destination !== 'string' || destination === '') throw new ValueError(`${op}: destination must be a directory or a TensorFlow.js IOHandler, got ${describe(destination)}`);
  const a = toLayersArtifacts(model, op);
  const json = {
    format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [LAYERS_SHARD], weights: a.weightSpecs }],
  };
  mkdirSync(destination, { recursive: true });
  writeAtomic(join(destination, LAYERS_SHARD), new Uint8Array(a.weightData));
  writeAtomic(join(destination, 'model.json'), new TextEncoder().encode(`${JSON.stringify(json)}\n`));
  return { modelJson: join(destination, 'model.json'), weights: join(destination, LAYERS_SHARD) };
}
