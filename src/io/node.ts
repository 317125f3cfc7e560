/// <reference types="node" />
// Node only: kept apart from the browser-safe io modules because it imports node:fs.
import { checkOptions } from '../util/options.js';
import { mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { FileReadProblem, readRegularFile } from './file.js';
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
  const op = 'saveModel';
  if (path.endsWith('.simdnn')) {
    ensureDirectory(op, path, dirname(path));
    writeAtomic(op, path, encodeModelFile(artifacts));
    return;
  }
  const { weightData, ...rest } = artifacts;
  const json: ModelJSON = { ...rest, weightsPath: WEIGHTS_BIN };
  ensureDirectory(op, path, path);
  // Weights first: a model.json on disk always names weights that are complete.
  writeAtomic(op, join(path, WEIGHTS_BIN), weightData);
  writeAtomic(op, join(path, MODEL_JSON), new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`));
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
  // The options are the caller's: checked before the file is touched.
  checkOptions(op, opts, ['backend', 'seed', 'memoryLimit'], 'options');
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
  // Read no more than the JSON declares: a huge (sparse) weights file fails before it is read.
  const declared = declaredWeightBytes(json.weightSpecs);
  const weights = declared < MAX_WEIGHT_BYTES
    ? readCapped(op, weightsFile, declared, `bytes its weightSpecs declare`)
    : readCapped(op, weightsFile, MAX_WEIGHT_BYTES);
  return modelFromParts(where, json, weights, opts);
}

// The sum of the weightSpecs' byteLengths when they are all sane numbers, else the general bound (the full check comes later).
function declaredWeightBytes(specs: unknown): number {
  if (!Array.isArray(specs)) return MAX_WEIGHT_BYTES;
  let total = 0;
  for (const s of specs) {
    const b = isRecord(s) ? s.byteLength : undefined;
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0) return MAX_WEIGHT_BYTES;
    total += b;
    if (total >= MAX_WEIGHT_BYTES) return MAX_WEIGHT_BYTES;
  }
  return total;
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

/** Reads a whole regular file, refusing (before reading) one larger than `max` bytes, or a FIFO, socket or device. */
function readCapped(op: string, path: string, max: number, what = 'a loadable model can have'): Uint8Array {
  try {
    return readRegularFile(path, max);
  } catch (err) {
    if (err instanceof FileReadProblem) throw formatError(op, path, err.message.replace(/accepted$/, what));
    throw err;
  }
}

function ioReason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Writes to a temporary file beside `path`, then renames it into place; a failure is a ValueError naming `path`. */
function writeAtomic(op: string, path: string, data: Uint8Array): void {
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    writeFileSync(tmp, data, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was written, or it is already gone: the original error is what matters.
    }
    throw new ValueError(`${op}: cannot write ${describe(path)}: ${ioCode(err)}`);
  }
}

/**
 * Creates `dir` and its missing parents one level at a time (Node's
 * recursive mkdir loops for ever on some virtual file systems such as
 * /proc); every failure is a ValueError naming `path`.
 */
function ensureDirectory(op: string, path: string, dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(d).isDirectory();
    } catch (err) {
      const parent = dirname(d);
      if ((err as { code?: unknown }).code !== 'ENOENT' || parent === d || missing.length >= 256) {
        throw new ValueError(`${op}: cannot create the directory of ${describe(path)}: ${ioCode(err)}`);
      }
      missing.push(d);
      d = parent;
      continue;
    }
    if (!isDir) throw new ValueError(`${op}: cannot save to ${describe(path)}: ${describe(d)} exists and is not a directory`);
    break;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'EEXIST' && statSync(m).isDirectory()) continue;
      throw new ValueError(`${op}: cannot create the directory ${describe(m)} for ${describe(path)}: ${ioCode(err)}`);
    }
  }
}

// The system's reason without the temporary file name Node puts in its messages.
function ioCode(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const codes: Record<string, string> = {
    ENOENT: 'no such file or directory', EISDIR: 'it is a directory', EEXIST: 'it already exists', EACCES: 'permission denied',
    EPERM: 'operation not permitted', ENOTDIR: 'a parent is not a directory', ENOSPC: 'no space left on the device', EROFS: 'read-only file system',
  };
  if (typeof e?.code === 'string') return codes[e.code] ? `${codes[e.code]} (${e.code})` : e.code;
  return String(e?.message ?? err);
}
