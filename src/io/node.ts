/// <reference types="node" />
// Node only: kept apart from the browser-safe io modules because it imports node:fs.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, win32 } from 'node:path';
import { ModelFormatError, ValueError, describe } from '../errors.js';
import type { Model } from '../models/model.js';
import { MAGIC, MAX_JSON_BYTES, decodeAs, encodeModelFile } from './container.js';
import {
  MAX_PARAMS, deserializeAs, modelFromParts, serializeModel, type LoadOptions, type ModelJSON, type SerializeOptions,
} from './format.js';
import { formatError, isRecord, parseJSONBytes, show } from './json.js';

/** Name of the JSON file in a saved model directory. */
export const MODEL_JSON = 'model.json';
/** Name of the weights file saveModel writes next to model.json. */
export const WEIGHTS_BIN = 'weights.bin';

// A file larger than the biggest loadable model is refused before it is read.
const MAX_WEIGHT_BYTES = MAX_PARAMS * 4;

/**
 * Saves a built model (Node only). A path ending in `.simdnn` becomes one
 * file (encodeModelFile); any other path is a directory, created if needed,
 * holding model.json (the artifacts without weightData, plus
 * `weightsPath: 'weights.bin'`) and weights.bin. Files are written to a
 * temporary name and renamed, so a crash never leaves a half-written file.
 */
export function saveModel(model: Model, path: string, opts: SerializeOptions = {}): void {
  if (typeof path !== 'string' || path === '') throw new ValueError(`saveModel: path must be a non-empty string, got ${describe(path)}`);
  const artifacts = serializeModel(model, opts);
  if (path.endsWith('.simdnn')) {
    mkdirSync(dirname(path), { recursive: true });
    writeAtomic(path, encodeModelFile(artifacts));
    return;
  }
  const { weightData, ...rest } = artifacts;
  const json: ModelJSON = { ...rest, weightsPath: WEIGHTS_BIN };
  mkdirSync(path, { recursive: true });
  // Weights first: a model.json on disk always names weights that are complete.
  writeAtomic(join(path, WEIGHTS_BIN), weightData);
  writeAtomic(join(path, MODEL_JSON), new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`));
}

/**
 * Loads a model saved by saveModel (Node only): a `.simdnn` file, a
 * directory holding model.json and its weights, or a model.json file itself.
 * Every problem, including a missing or unreadable file, is a
 * ModelFormatError naming the file.
 */
export function loadModel(path: string, opts: LoadOptions = {}): Model {
  const op = 'loadModel';
  if (typeof path !== 'string' || path === '') throw new ValueError(`${op}: path must be a non-empty string, got ${describe(path)}`);
  const info = statOrFail(op, path);
  if (info.isDirectory()) return loadDirectory(op, path, join(path, MODEL_JSON), opts);
  if (!info.isFile()) throw formatError(op, path, 'is neither a file nor a directory');
  const bytes = readCapped(op, path, MAGIC.length + 4 + MAX_JSON_BYTES + MAX_WEIGHT_BYTES);
  const isContainer = bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
  if (!isContainer && path.endsWith('.json')) return loadDirectory(op, dirname(path), path, opts, bytes);
  const where = `${op}: ${path}`;
  return deserializeAs(where, decodeAs(where, bytes), opts);
}

function loadDirectory(op: string, dir: string, jsonPath: string, opts: LoadOptions, jsonBytes?: Uint8Array): Model {
  const bytes = jsonBytes ?? readCapped(op, jsonPath, MAX_JSON_BYTES);
  if (bytes.length > MAX_JSON_BYTES) throw formatError(op, jsonPath, `is ${bytes.length} bytes, more than the ${MAX_JSON_BYTES} accepted for model JSON`);
  const where = `${op}: ${jsonPath}`;
  const json = parseJSONBytes(where, 'JSON', bytes, 0);
  if (!isRecord(json)) throw formatError(where, '', `must be a JSON object, got ${show(json)}`);
  const weightsFile = resolveWeightsPath(where, dir, json.weightsPath);
  const weights = readCapped(op, weightsFile, MAX_WEIGHT_BYTES);
  return modelFromParts(where, json, weights, opts);
}

/**
 * Resolves model.json's weightsPath inside `dir`, refusing anything that
 * could name a file elsewhere: absolute paths (POSIX or Windows), '..'
 * segments, NUL bytes. The check is lexical, so a symlink placed in the
 * directory is followed, as it would be for model.json itself.
 */
export function resolveWeightsPath(op: string, dir: string, weightsPath: unknown): string {
  if (typeof weightsPath !== 'string' || weightsPath === '' || weightsPath.length > 1024) {
    throw formatError(op, 'weightsPath', `must be a relative file name like "${WEIGHTS_BIN}", got ${show(weightsPath)}`);
  }
  if (weightsPath.includes('\0')) throw formatError(op, 'weightsPath', `contains a NUL byte: ${show(weightsPath)}`);
  if (posix.isAbsolute(weightsPath) || win32.isAbsolute(weightsPath) || /^[A-Za-z]:/.test(weightsPath)) {
    throw formatError(op, 'weightsPath', `${show(weightsPath)} is an absolute path; the weights must be inside the model directory`);
  }
  if (weightsPath.split(/[\\/]/).includes('..')) {
    throw formatError(op, 'weightsPath', `${show(weightsPath)} escapes the model directory ('..' is not allowed)`);
  }
  const full = resolve(dir, weightsPath);
  const rel = relative(resolve(dir), full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw formatError(op, 'weightsPath', `${show(weightsPath)} escapes the model directory`);
  }
  return full;
}

function statOrFail(op: string, path: string) {
  try {
    return statSync(path);
  } catch (err) {
    throw formatError(op, path, `cannot be read: ${ioReason(err)}`);
  }
}

/** Reads a whole file, refusing (before reading) one larger than `max` bytes. */
function readCapped(op: string, path: string, max: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw formatError(op, path, `cannot be read: ${ioReason(err)}`);
  }
  try {
    const { size } = fstatSync(fd);
    if (size > max) throw formatError(op, path, `is ${size} bytes, more than the ${max} a loadable model can have`);
    const out = new Uint8Array(size);
    let read = 0;
    while (read < size) {
      const bytesRead = readSync(fd, out, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === size ? out : out.subarray(0, read);
  } catch (err) {
    if (err instanceof ModelFormatError) throw err;
    throw formatError(op, path, `cannot be read: ${ioReason(err)}`);
  } finally {
    closeSync(fd);
  }
}

function ioReason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Writes to a temporary file beside `path`, then renames it into place. */
function writeAtomic(path: string, data: Uint8Array): void {
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was written, or it is already gone: the original error is what matters.
    }
    throw err;
  }
}
