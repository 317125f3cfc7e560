/// <reference types="node" />
// A saved model plus what the CLI needs to use it on a CSV file later: the
// class names (a label column's classes are numbered per file, so another file
// may number them differently), the feature and label column names, and the
// task. The model format (src/io) has no field for them, so they go in a JSON file
// beside it: `m.simdnn` -> `m.labels.json`, `dir/` -> `dir/labels.json`.
import { existsSync, writeFileSync } from 'node:fs';
import { FileReadProblem, readRegularFile } from '../io/file.js';
import { join } from 'node:path';
import { loadModel, saveModel } from '../io/node.js';
import { ModelFormatError, type Model } from '../node.js';

/** What the CLI stores beside a model. */
export interface ModelLabels {
  /** Dataset the model was trained on: "mnist", "iris" or a CSV file name. */
  data: string;
  /** 'next-character': a character-level text model, whose ids are `vocabulary` (id 0 is padding, id i is vocabulary[i - 1]). */
  task: 'classification' | 'regression' | 'next-character';
  classNames?: string[];
  /** Next-character models: the characters. */
  vocabulary?: string[];
  /** Recurrent models on CSV rows: steps per row. */
  steps?: number;
  featureNames?: string[];
  labelName?: string;
}

/** The path of the labels file that belongs to a model path. */
export function labelsPath(modelPath: string): string {
  if (modelPath.endsWith('.simdnn')) return `${modelPath.slice(0, -'.simdnn'.length)}.labels.json`;
  return join(modelPath, 'labels.json');
}

/** Saves the model with saveModel() and its labels file beside it; returns the labels file's path. */
export async function saveWithLabels(model: Model, path: string, labels: ModelLabels): Promise<string> {
  await saveModel(model, path);
  const file = labelsPath(path);
  writeFileSync(file, `${JSON.stringify({ format: 'simdnn-cli-labels', version: 1, ...labels }, null, 2)}\n`);
  return file;
}

/** Loads a model and, if present, its labels file (checked field by field). */
export async function loadWithLabels(path: string, memoryLimit?: number): Promise<{ model: Model; labels: ModelLabels | null }> {
  const model = await loadModel(path, memoryLimit === undefined ? {} : { memoryLimit });
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    const shape = `${model.inputs.length} inputs and ${model.outputs.length} outputs`;
    model.dispose();
    throw new ModelFormatError(`${path}: the command line runs models with one input and one output; this one has ${shape}`);
  }
  try {
    return { model, labels: readLabels(labelsPath(path)) };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Largest labels file read, and the most characters of any name in it (names are printed and written to CSV files). */
const MAX_LABELS_BYTES = 16 << 20;
const MAX_NAME_CHARS = 1000;

/** Reads and checks a labels file (null when there is none); exported for the loader fuzzer. */
export function readLabels(file: string): ModelLabels | null {
  if (!existsSync(file)) return null;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder().decode(readRegularFile(file, MAX_LABELS_BYTES))) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof FileReadProblem) throw new ModelFormatError(`${file}: ${err.message}`);
    throw new ModelFormatError(`${file}: not valid JSON (${(err as Error).message.slice(0, 200)})`);
  }
  const bad = (what: string) => new ModelFormatError(`${file}: ${what}`);
  if (json === null || typeof json !== 'object' || json.format !== 'simdnn-cli-labels' || json.version !== 1) {
    throw bad('expected { "format": "simdnn-cli-labels", "version": 1, ... }');
  }
  const name = (s: unknown) => typeof s === 'string' && s.length <= MAX_NAME_CHARS;
  const strings = (v: unknown) => Array.isArray(v) && v.length <= 1 << 20 && v.every(name);
  if (!name(json.data)) throw bad(`"data" must be a string of at most ${MAX_NAME_CHARS} characters`);
  if (json.task !== 'classification' && json.task !== 'regression' && json.task !== 'next-character') {
    throw bad('"task" must be "classification", "regression" or "next-character"');
  }
  for (const key of ['classNames', 'featureNames', 'vocabulary'] as const) {
    if (json[key] !== undefined && !strings(json[key])) throw bad(`"${key}" must be an array of strings of at most ${MAX_NAME_CHARS} characters`);
  }
  if (json.labelName !== undefined && !name(json.labelName)) throw bad(`"labelName" must be a string of at most ${MAX_NAME_CHARS} characters`);
  if (json.task === 'next-character') {
    const v = json.vocabulary as string[] | undefined;
    if (!v || v.length === 0 || v.some((c) => [...c].length !== 1) || new Set(v).size !== v.length) throw bad('"vocabulary" must list distinct single characters');
  }
  if (json.steps !== undefined && (!Number.isInteger(json.steps) || (json.steps as number) < 1)) throw bad('"steps" must be a positive integer');
  return {
    data: json.data as string,
    task: json.task,
    classNames: json.classNames as string[] | undefined,
    featureNames: json.featureNames as string[] | undefined,
    labelName: json.labelName as string | undefined,
    vocabulary: json.vocabulary as string[] | undefined,
    steps: json.steps as number | undefined,
  };
}
