/// <reference types="node" />
// Where the CLI's data comes from: the bundled MNIST digits, Iris, or a CSV
// file, turned into a training and a test split (train) or one labelled table
// (evaluate).
import { existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { ValueError, loadCsv, loadIris, loadMnist, trainTestSplit, type CsvData } from '../node.js';
import { DECIMAL, UsageError } from './options.js';

/** The --data argument: a bundled dataset or a CSV file. */
export type DataSpec = { kind: 'mnist' } | { kind: 'iris' } | { kind: 'csv'; path: string };

/** The --task argument: 'auto' follows parseCsv's rule (integer or text labels are classes, other numbers are values). */
export type TaskChoice = 'auto' | 'classification' | 'regression';

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
export function loadTrainingData(spec: DataSpec, label: string | number | undefined, task: TaskChoice = 'auto'): DataInfo & { train: Table; test: Table } {
  if (spec.kind !== 'csv' && task === 'regression') {
    throw new UsageError(`option '--task <type>' argument 'regression' is invalid. --data ${spec.kind} is a classification dataset.`);
  }
  if (spec.kind === 'mnist') {
    const { train, test } = loadMnist({ ...MNIST, seed: SPLIT_SEED });
    return { ...mnistInfo(), train, test };
  }
  const { info, table } = spec.kind === 'iris' ? iris() : csv(spec.path, label, task);
  const stratify = info.task === 'classification';
  const { train, test } = trainTestSplit({ ...table, features: info.features }, { testFraction: TEST_FRACTION, seed: SPLIT_SEED, stratify });
  return { ...info, train, test };
}

/** Loads the data for `evaluate`: the held-out split of a bundled dataset ("test split"), or every row of a CSV file (part ""). */
export function loadEvaluationData(spec: DataSpec, label: string | number | undefined): DataInfo & { rows: Table; part: string } {
  if (spec.kind === 'csv') {
    const { info, table } = csv(spec.path, label);
    return { ...info, rows: table, part: '' };
  }
  const { test, ...info } = loadTrainingData(spec, label);
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

function csv(path: string, label: string | number | undefined, task: TaskChoice = 'auto'): { info: DataInfo; table: Table } {
  let d: CsvData;
  try {
    d = loadCsv(path, { labelColumn: label ?? -1 });
  } catch (err) {
    // A label column that is not in the file is a command-line mistake, not a data error.
    if (err instanceof ValueError && err.message.startsWith('parseCsv: labelColumn')) {
      const reason = err.message.slice('parseCsv: labelColumn'.length);
      throw new UsageError(`option '--label-column <name|index>' argument '${label}' is invalid. The label column${reason}.`);
    }
    throw err;
  }
  const file = basename(path);
  let { y, classNames } = d;
  if (task === 'regression' && classNames) {
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
  };
  return { info, table: { x: d.x, y, n: d.n } };
}
