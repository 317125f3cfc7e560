/// <reference types="node" />
// Where the CLI's data comes from: the bundled MNIST digits, Iris, or a CSV
// file, turned into a training and a test split (train) or one labelled table
// (evaluate).
import { existsSync, statSync } from 'node:fs';
import { FileReadProblem, readRegularFile } from '../io/file.js';
import { basename, extname } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { ShapeError, ValueError, loadIris, loadMnist, parseCsv, parseCsvRecords, trainTestSplit, type CsvData } from '../node.js';
import { DECIMAL, UsageError } from './options.js';

/** The --data argument: a bundled dataset or a CSV file. */
export type DataSpec = { kind: 'mnist' } | { kind: 'iris' } | { kind: 'csv'; path: string };

/** The --task argument: 'auto' follows parseCsv's rule (integer or text labels are classes, other numbers are values). */
export type TaskChoice = 'auto' | 'classification' | 'regression';

/** How a CSV file is read: --task, --missing, --delimiter and --ignore-columns. */
export interface CsvChoices {
  task?: TaskChoice;
  /** Rows with an empty or NA field: dropped, or (features) filled with the column's mean. Default: an error naming the field. */
  missing?: 'drop' | 'mean';
  /** One character between fields; default ','. */
  delimiter?: string;
  /** Header names of columns to leave out (ids, free text). */
  ignoreColumns?: string[];
}

/** Integer labels with more distinct values than this are a quantity to regress, not classes (unless --task classification). */
export const MAX_AUTO_CLASSES = 20;

/** Rows of features with one label each. */
export interface Table {
  /** Features, row-major, n x features. */
  x: Float32Array;
  /** Class indices (Int32Array) or regression targets (Float32Array). */
  y: Int32Array | Float32Array;
  n: number;
}

/** What the CLI knows about a dataset besides its rows. */
export interface DataInfo {
  /** For people: "MNIST", "Iris", "houses.csv". */
  title: string;
  /** For file names: "mnist", "iris", "houses". */
  slug: string;
  task: 'classification' | 'regression';
  features: number;
  /** Classification: the label of each class index. */
  classNames?: string[];
  /** Names of the feature columns (CSV and Iris). */
  featureNames?: string[];
  /** Name of the label column (CSV). */
  labelName?: string;
  /** Set for image data, which --augment can shift. */
  image?: { width: number; height: number; channels: number };
  /** What reading the data decided for the user (printed as warnings). */
  notes?: string[];
}

// The bundled datasets' splits are fixed (seed 0), not taken from --seed, so
// `simdnn evaluate --data iris` scores the same held-out rows that `train` did.
const SPLIT_SEED = 0;
const TEST_FRACTION = 0.2;
const MNIST = { trainSize: 8000, testSize: 2000 };

/** Commander parser of --data: mnist, iris, or the path of an existing file. */
export function parseDataSpec(value: string): DataSpec {
  const name = value.trim().toLowerCase();
  if (name === 'mnist' || name === 'iris') return { kind: name };
  if (!existsSync(value)) {
    const what = extname(value) ? 'no such file' : 'not mnist, iris or the path of a CSV file';
    throw new InvalidArgumentError(`${what[0].toUpperCase()}${what.slice(1)}.`);
  }
  if (!statSync(value).isFile()) throw new InvalidArgumentError('Not a file (expected mnist, iris or a CSV file).');
  return { kind: 'csv', path: value };
}

/** Commander parser of an existing path (a model file or directory, an input CSV). */
export function existingPath(value: string): string {
  if (!existsSync(value)) throw new InvalidArgumentError('No such file or directory.');
  return value;
}

/** Loads the data for `train`: a training set and a held-out test set (MNIST 8,000 / 2,000; others a stratified 80 / 20 split). */
export function loadTrainingData(spec: DataSpec, label: string | number | undefined, choices: CsvChoices = {}): DataInfo & { train: Table; test: Table } {
  const task = choices.task ?? 'auto';
  if (spec.kind !== 'csv') {
    // Options that only mean something for a CSV file are mistakes, not silently ignored.
    const given = [['--label-column', label], ['--missing', choices.missing], ['--delimiter', choices.delimiter], ['--ignore-columns', choices.ignoreColumns]] as const;
    const flag = given.find(([, v]) => v !== undefined);
    if (flag) throw new UsageError(`option '${flag[0]}' is for CSV files; --data ${spec.kind} is a bundled dataset`);
  }
  if (spec.kind !== 'csv' && task === 'regression') {
    throw new UsageError(`option '--task <type>' argument 'regression' is invalid. --data ${spec.kind} is a classification dataset.`);
  }
  if (spec.kind === 'mnist') {
    const { train, test } = loadMnist({ ...MNIST, seed: SPLIT_SEED });
    return { ...mnistInfo(), train, test };
  }
  const { info, table } = spec.kind === 'iris' ? iris() : csv(spec.path, label, choices);
  const stratify = info.task === 'classification';
  const { train, test } = trainTestSplit({ ...table, features: info.features }, { testFraction: TEST_FRACTION, seed: SPLIT_SEED, stratify });
  return { ...info, train, test };
}

/** Loads the data for `evaluate`: the held-out split of a bundled dataset ("test split"), or every row of a CSV file (part ""). */
export function loadEvaluationData(spec: DataSpec, label: string | number | undefined, choices: CsvChoices = {}): DataInfo & { rows: Table; part: string } {
  if (spec.kind === 'csv') {
    const { info, table } = csv(spec.path, label, choices);
    return { ...info, rows: table, part: '' };
  }
  const { test, ...info } = loadTrainingData(spec, label, choices);
  return { ...info, rows: test, part: 'test split' };
}

function mnistInfo(): DataInfo {
  return {
    title: 'MNIST', slug: 'mnist', task: 'classification', features: 784,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)), image: { width: 28, height: 28, channels: 1 },
  };
}

function iris(): { info: DataInfo; table: Table } {
  const d = loadIris();
  return {
    info: { title: 'Iris', slug: 'iris', task: 'classification', features: d.features, classNames: d.classNames, featureNames: d.featureNames },
    table: d,
  };
}

function csv(path: string, label: string | number | undefined, choices: CsvChoices): { info: DataInfo; table: Table } {
  const task = choices.task ?? 'auto';
  const delimiter = choices.delimiter ?? ',';
  const notes: string[] = [];
  let d: CsvData;
  try {
    const prepared = prepareCsv(path, readText(path), label, choices, notes);
    d = parseCsv(prepared.text, { labelColumn: prepared.label ?? -1, delimiter });
  } catch (err) {
    // A label column that is not in the file is a command-line mistake, not a data error.
    if (err instanceof ValueError && err.message.startsWith('parseCsv: labelColumn')) {
      const reason = err.message.slice('parseCsv: labelColumn'.length);
      throw new UsageError(`option '--label-column <name|index>' argument '${label}' is invalid. The label column${reason}.`);
    }
    if (err instanceof ValueError && !choices.missing && /expected a number, got ""|got "(NA|N\/A|NaN|null|\?)"/i.test(err.message)) {
      throw new ValueError(`${err.message.replace(/^parseCsv: /, `${basename(path)}: `)}; --missing drop or --missing mean handles missing values`);
    }
    if (err instanceof ValueError || err instanceof ShapeError) throw new ValueError(err.message.replace(/^parseCsv: /, `${basename(path)}: `));
    throw err;
  }
  const file = basename(path);
  let { y, classNames } = d;
  const numeric = classNames !== undefined && classNames.every((c) => DECIMAL.test(c));
  if (task === 'auto' && classNames && numeric && classNames.length > MAX_AUTO_CLASSES) {
    notes.push(
      `the label column ${JSON.stringify(d.labelName)} of ${file} holds ${classNames.length} distinct integers: ` +
        `training a regression (--task classification to treat them as classes)`,
    );
  }
  const regress = task === 'regression' || (task === 'auto' && numeric && (classNames as string[]).length > MAX_AUTO_CLASSES);
  if (regress && classNames) {
    // Integer labels (counts, prices in whole units) parse as classes; regression wants their values.
    const bad = classNames.find((c) => !DECIMAL.test(c));
    if (bad !== undefined) {
      throw new UsageError(`option '--task <type>' argument 'regression' is invalid. The label column ${JSON.stringify(d.labelName)} of ${file} holds text such as ${JSON.stringify(bad)}.`);
    }
    const values = classNames.map(Number);
    y = Float32Array.from(y, (k) => values[k]);
    classNames = undefined;
  }
  if (task === 'classification' && !classNames) {
    const example = Array.from(y).find((v) => !Number.isInteger(v));
    throw new UsageError(`option '--task <type>' argument 'classification' is invalid. The label column ${JSON.stringify(d.labelName)} of ${file} holds non-integer numbers such as ${example}.`);
  }
  if (classNames && classNames.length < 2) {
    throw new ValueError(`${file}: the label column ${JSON.stringify(d.labelName)} holds one class only (${JSON.stringify(classNames[0])}); a classifier needs two or more`);
  }
  const info: DataInfo = {
    title: file,
    slug: basename(path, extname(path)).replace(/[^\w.-]+/g, '-') || 'data',
    task: classNames ? 'classification' : 'regression',
    features: d.features,
    classNames,
    featureNames: d.featureNames,
    labelName: d.labelName,
    notes,
  };
  return { info, table: { x: d.x, y, n: d.n } };
}

/** Reads a text file given on the command line: a regular file only (not a FIFO or device), at most 512 MiB. */
export function readText(path: string): string {
  try {
    return new TextDecoder().decode(readRegularFile(path, 2 ** 29));
  } catch (err) {
    if (err instanceof FileReadProblem) throw new ValueError(`${path} ${err.message}`);
    throw err;
  }
}

const MISSING = /^(|na|n\/a|nan|null|\?)$/i;

/**
 * Applies --ignore-columns and --missing to the text of a CSV file with a
 * header row; returns the text for parseCsv (unchanged when neither is given).
 */
function prepareCsv(
  path: string, text: string, label: string | number | undefined, choices: CsvChoices, notes: string[],
): { text: string; label: string | number | undefined } {
  const { missing, ignoreColumns = [] } = choices;
  const unchanged = { text, label };
  if (!missing && ignoreColumns.length === 0) return unchanged;
  const delimiter = choices.delimiter ?? ',';
  const records = parseCsvRecords(text, { delimiter }).map((r) => r.fields);
  if (records.length < 2) return unchanged;
  const names = records[0].map((f) => f.trim());
  for (const c of ignoreColumns) {
    if (!names.includes(c)) {
      throw new UsageError(`option '--ignore-columns <names>' argument '${c}' is invalid. Not a column of ${basename(path)}; the columns are ${names.map((n) => JSON.stringify(n.slice(0, 100))).slice(0, 50).join(', ')}.`);
    }
  }
  const labelAt = typeof label === 'number' ? (label < 0 ? names.length + label : label) : label === undefined ? names.length - 1 : names.indexOf(label);
  // A label column that is not there is reported by parseCsv, in its words.
  if (labelAt < 0 || labelAt >= names.length) return unchanged;
  if (labelAt >= 0 && labelAt < names.length && ignoreColumns.includes(names[labelAt])) {
    throw new UsageError(`option '--ignore-columns <names>' argument '${names[labelAt]}' is invalid. It is the label column.`);
  }
  const keep = names.map((n, c) => !ignoreColumns.includes(n) || c === labelAt).map((k, c) => (k ? c : -1)).filter((c) => c >= 0);
  let rows = records.slice(1).filter((r) => r.length === names.length || r.some((f) => f.trim() !== ''));
  const kept = (r: string[]) => keep.map((c) => r[c] ?? '');
  if (missing) {
    const before = rows.length;
    const isMissing = (f: string | undefined) => f === undefined || MISSING.test(f.trim());
    if (missing === 'drop') rows = rows.filter((r) => !keep.some((c) => isMissing(r[c])));
    else {
      rows = rows.filter((r) => !isMissing(r[labelAt]));
      let filled = 0;
      for (const c of keep) {
        if (c === labelAt) continue;
        let sum = 0;
        let count = 0;
        for (const r of rows) if (!isMissing(r[c]) && DECIMAL.test(r[c].trim())) (sum += Number(r[c]), count++);
        const mean = count > 0 ? String(sum / count) : '0';
        for (const r of rows) if (isMissing(r[c])) (r[c] = mean, filled++);
      }
      if (filled > 0) notes.push(`${basename(path)}: filled ${filled} missing values with their column's mean`);
    }
    if (rows.length < before) notes.push(`${basename(path)}: dropped ${before - rows.length} of ${before} rows with a missing value`);
    if (rows.length === 0) throw new ValueError(`${basename(path)}: no rows left after dropping those with missing values`);
  }
  const field = (f: string) => (f.includes(delimiter) || /["\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);
  return {
    text: [names, ...rows].map((r) => kept(r).map(field).join(delimiter)).join('\n'),
    label: typeof label === 'number' ? keep.indexOf(labelAt) : label,
  };
}

/** --dropout, or its default: 0.25 for classifiers, none for regression (dropout's rescaling biases a regression's outputs). */
export function defaultDropout(given: number | undefined, classification: boolean): number {
  return given ?? (classification ? 0.25 : 0);
}

/** Prints what reading the data decided, one warning line each, on stderr. */
export function warn(notes: string[] | undefined): void {
  for (const n of notes ?? []) process.stderr.write(`simdnn: warning: ${n}\n`);
}

/** Commander parser of --delimiter: one character, or "tab". */
export function delimiterOption(value: string): string {
  const d = value === 'tab' || value === '\\t' ? '\t' : value;
  if ([...d].length !== 1 || d === '"' || d === '\n' || d === '\r') throw new InvalidArgumentError('Expected one character (not a quote or line break), or "tab".');
  return d;
}

/** Commander parser of --ignore-columns: comma-separated header names. */
export function columnList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new InvalidArgumentError('Expected comma-separated column names, e.g. id,name.');
  return names;
}
