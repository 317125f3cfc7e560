/// <reference types="node" />
// `simdnn train`: data -> MLP -> fit with a progress bar -> test score -> saved model.
import {
  applyStandardize, cosineDecay, layerFiltersToPng, layers, optimizers, sequential, shiftAugment, standardize, trainTestSplit,
  type Layer, type Logs, type NoiseSpec, type Sequential,
} from '../node.js';
import { trainAutoencoder } from './autoencoder.js';
import { defaultDropout, loadTrainingData, warn, type DataInfo, type DataSpec, type TaskChoice, type Table } from './data.js';
import { foldInputScaling, foldOutputScaling } from './fold.js';
import { writeFileSync } from 'node:fs';
import { fixed, int, pairs, percent, seconds, table } from './format.js';
import { saveWithLabels } from './model-file.js';
import { UsageError } from './options.js';
import { EpochProgress, listed } from './progress.js';
import { banner, type Output } from './output.js';
import { RECURRENT, trainRecurrent, type RecurrentModel } from './sequence.js';

const isRecurrent = (m: string): m is RecurrentModel => (RECURRENT as readonly string[]).includes(m);

/** Optimizers the CLI offers (L-BFGS is left out: it takes no learning rate or batches). */
export const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'nesterov', 'rmsprop', 'adagrad', 'adadelta', 'adamax'] as const;

/** Options of `simdnn train`, after parsing; undefined means "the default for this data". */
export interface TrainOptions {
  data: DataSpec;
  labelColumn?: string | number;
  task: TaskChoice;
  model: 'mlp' | 'cnn' | RecurrentModel | 'autoencoder';
  /** Autoencoders: tied decoder kernels. */
  tied?: boolean;
  /** Autoencoders: the corruption of a denoising one. */
  noise?: NoiseSpec;
  /** Autoencoders: where to draw held-out images over their reconstructions. */
  reconstructions?: string;
  hidden?: number[];
  /** Default: 0.25 for classification, none for regression (dropout biases a regression's outputs). */
  dropout?: number;
  /** --missing: rows with missing values dropped, or features filled with their column's mean. */
  missing?: 'drop' | 'mean';
  /** --delimiter: one character between CSV fields. */
  delimiter?: string;
  /** --ignore-columns: CSV columns left out. */
  ignoreColumns?: string[];
  epochs?: number;
  batchSize?: number;
  optimizer: (typeof OPTIMIZERS)[number];
  learningRate?: number;
  schedule: 'cosine' | 'constant';
  seed: number;
  augment?: boolean;
  validationSplit: number;
  out?: string;
  /** Write the first layer's filters here as a PNG grid (image data). */
  filters?: string;
  quiet?: boolean;
  /** Recurrent models on a CSV file: steps per row (default: one feature per step). */
  steps?: number;
  /** Next-character models: characters per training window. */
  window?: number;
}

// Measured on 2 shared cores (simd build): 784-256-10 with these settings on
// the 36,000 augmented digits scores 97.95% on the 2,000 test digits after
// about 6 s of training (37,000 samples/s). Tables are small, so a narrower
// net, smaller batches (more steps per epoch) and more epochs suit them.
// The LeNet-style CNN, trained on the 7,200 digits left after the
// validation split, scores 97.7% after 12 epochs (about 5 s at 18,000
// images/s; 97.4% after 8); with --augment, 98.35% after 4 epochs (8 s).
const DEFAULTS = {
  image: { hidden: [256], epochs: 6, batchSize: 64, learningRate: 0.002 },
  table: { hidden: [32], epochs: 100, batchSize: 16, learningRate: 0.01 },
  cnn: { hidden: [] as number[], epochs: 12, batchSize: 32, learningRate: 0.003 },
};

/** Runs `simdnn train`. */
export async function train(opts: TrainOptions, out: Output): Promise<void> {
  if (isRecurrent(opts.model)) return trainRecurrent({ ...opts, model: opts.model }, out);
  if (opts.model === 'autoencoder') return trainAutoencoder({ ...opts, model: 'autoencoder' }, out);
  for (const [flag, given] of [['--tied', opts.tied], ['--noise', opts.noise], ['--reconstructions', opts.reconstructions]] as const) {
    if (given !== undefined) throw new UsageError(`option '${flag}' is for --model autoencoder`);
  }
  if (opts.steps !== undefined || opts.window !== undefined) {
    throw new UsageError(`option '${opts.steps !== undefined ? '--steps' : '--window'}' is for the recurrent models (--model lstm, gru or rnn)`);
  }
  const started = performance.now();
  const data = loadTrainingData(opts.data, opts.labelColumn, opts);
  if (opts.augment && !data.image) {
    throw new UsageError(`option '--augment' needs image data (mnist); --data ${data.slug} is a table of ${data.features} columns`);
  }
  if (opts.filters && !data.image) {
    throw new UsageError(`option '--filters' needs image data (mnist); --data ${data.slug} is a table of ${data.features} columns`);
  }
  if (opts.data.kind === 'csv' && !/\.csv$/i.test(opts.data.path)) {
    throw new UsageError(`--data ${opts.data.path} is not a .csv file: text files train a next-character model (--model lstm, gru or rnn)`);
  }
  if (opts.model === 'cnn' && !data.image) {
    throw new UsageError(`option '--model cnn' needs image data (mnist); --data ${data.slug} is a table of ${data.features} columns`);
  }
  const d = opts.model === 'cnn' ? DEFAULTS.cnn : data.image ? DEFAULTS.image : DEFAULTS.table;
  const hidden = opts.hidden ?? d.hidden;
  const epochs = opts.epochs ?? d.epochs;
  const batchSize = opts.batchSize ?? d.batchSize;
  const learningRate = opts.learningRate ?? d.learningRate;
  const classification = data.task === 'classification';
  const outputs = classification ? (data.classNames as string[]).length : 1;
  const dropout = defaultDropout(opts.dropout, classification);
  warn(data.notes);
  const { fit, originals, val, scaling, target } = prepare(data, opts);
  const loadMs = performance.now() - started;

  const model = opts.model === 'cnn' && data.image
    ? buildCnn(data.image, hidden, dropout, outputs, opts.seed)
    : buildModel(data.features, hidden, dropout, outputs, classification, opts.seed);
  const steps = epochs * Math.ceil(fit.n / batchSize);
  const rate = opts.schedule === 'cosine' ? cosineDecay({ initialLearningRate: learningRate, decaySteps: steps }) : learningRate;
  model.compile({
    optimizer: optimizers[opts.optimizer]({ learningRate: rate }),
    loss: classification ? 'sparseCategoricalCrossentropy' : 'mse',
    metrics: classification ? ['accuracy'] : [],
  });

  const arch = opts.model === 'cnn'
    ? `LeNet-style CNN: conv 5x5x8 relu, maxpool 2, conv 5x5x16 relu, maxpool 2${hidden.map((u) => `, dense ${u} relu`).join('')}`
    : `${[data.features, ...hidden, outputs].join('-')} MLP · relu${dropout > 0 ? `, dropout ${dropout}` : ''}`;
  out.log(banner(`${data.title} ${int(data.train.n)} train / ${int(data.test.n)} test`));
  out.log(`model   ${arch} · ${classification ? `softmax over ${outputs} classes` : 'linear output, mse'} · ${int(model.countParams())} parameters`);
  const rows = opts.augment ? `${int(originals)} rows + ${fit.n / originals - 1} shifted copies each = ${int(fit.n)}` : `${int(fit.n)} rows`;
  out.log(`train   ${rows}${val ? ` · validation ${int(val.n)} rows` : ''} · ${opts.optimizer}, lr ${learningRate}${opts.schedule === 'cosine' ? ' cosine' : ''} · batch ${batchSize} · ${epochs} epochs`);

  const lossScale = target ? target.std * target.std : 1;
  const progress = new EpochProgress({ epochs, rows: fit.n, accuracy: classification, quiet: opts.quiet ?? false, lossScale, stream: out.progress });
  try {
    await model.fit(fit.x, fit.y, { epochs, batchSize, seed: opts.seed, callbacks: [progress], validationData: val ? [val.x, val.y] : undefined });
  } finally {
    progress.abort();
  }

  if (scaling) foldInputScaling(model, scaling.mean, scaling.std);
  if (target) foldOutputScaling(model, target.mean, target.std);
  const test = model.evaluateLogs(data.test.x, data.test.y);

  const outPath = opts.out ?? `simdnn-${data.slug}.simdnn`;
  const labelsFile = await saveWithLabels(model, outPath, {
    data: data.slug, task: data.task, classNames: data.classNames, featureNames: data.featureNames, labelName: data.labelName,
  });
  if (opts.filters && data.image) {
    const first = model.layers[0];
    writeFileSync(opts.filters, layerFiltersToPng(first, first.className === 'Dense' ? { imageShape: [data.image.height, data.image.width * data.image.channels] } : {}));
  }
  const totalMs = performance.now() - started;

  printReport(out, progress, classification, lossScale, [
    ...testLines(test, data, classification),
    ...runLines(progress, loadMs, totalMs, 'samples'),
    ['saved', `${outPath} (labels: ${labelsFile})`],
    ...(opts.filters ? [['filters', `${opts.filters} (first-layer filters as a PNG grid)`] as [string, string]] : []),
  ]);
  model.dispose();
}

/** The training rows after the validation split, standardization (tables) and augmentation (images). */
interface Prepared {
  fit: Table;
  /** Rows of fit before augmentation. */
  originals: number;
  val: Table | null;
  /** Feature statistics the model is trained under (tables), folded into its first layer afterwards. */
  scaling: { mean: Float32Array; std: Float32Array } | null;
  /** Target statistics (regression), folded into its last layer afterwards. */
  target: { mean: number; std: number } | null;
}

function prepare(data: DataInfo & { train: Table }, opts: TrainOptions): Prepared {
  const classification = data.task === 'classification';
  // Validation rows come out of the training split before augmentation, so no
  // shifted copy of a validation image is trained on; the test split is only
  // scored once, after training.
  let { fit, val } = validationSplit(data, opts);
  let scaling: Prepared['scaling'] = null;
  if (!data.image) {
    const s = standardize(fit.x, data.features);
    scaling = { mean: s.mean, std: s.std };
    fit = { ...fit, x: s.x };
    if (val) val = { ...val, x: applyStandardize(val.x, data.features, s.mean, s.std) };
  }
  let target: Prepared['target'] = null;
  if (!classification) ({ fit, val, target } = scaleTargets(fit, val));
  const originals = fit.n;
  if (opts.augment && data.image) {
    const a = shiftAugment(fit.x, fit.y, data.image);
    fit = { x: a.x, y: a.y, n: a.n };
  }
  return { fit, originals, val, scaling, target };
}

function buildModel(features: number, hidden: number[], dropout: number, outputs: number, classification: boolean, seed: number): Sequential {
  const stack: Layer[] = [];
  hidden.forEach((units, i) => {
    stack.push(layers.dense({ units, activation: 'relu', inputShape: i === 0 ? [features] : undefined }));
    if (dropout > 0) stack.push(layers.dropout({ rate: dropout }));
  });
  stack.push(layers.dense({ units: outputs, activation: classification ? 'softmax' : 'linear', inputShape: hidden.length ? undefined : [features] }));
  return sequential({ seed, layers: stack });
}

/** The LeNet-style network of the CNN proof: two 5x5 conv + 2x2 max-pool stages, then dense softmax. */
function buildCnn(image: { width: number; height: number; channels: number }, hidden: number[], dropout: number, outputs: number, seed: number): Sequential {
  const stack: Layer[] = [
    layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [image.height, image.width, image.channels] }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.flatten(),
  ];
  for (const units of hidden) {
    stack.push(layers.dense({ units, activation: 'relu' }));
    if (dropout > 0) stack.push(layers.dropout({ rate: dropout }));
  }
  stack.push(layers.dense({ units: outputs, activation: 'softmax' }));
  return sequential({ seed, layers: stack });
}

/** Splits the validation rows off the training split (stratified for classes); none when --validation-split is 0. */
export function validationSplit(data: DataInfo & { train: Table }, opts: TrainOptions): { fit: Table; val: Table | null } {
  if (!(opts.validationSplit > 0)) return { fit: data.train, val: null };
  const parts = trainTestSplit({ ...data.train, features: data.features }, { testFraction: opts.validationSplit, seed: opts.seed, stratify: data.task === 'classification' });
  return { fit: parts.train, val: parts.test };
}

/** Regression targets standardized with the training rows' mean and deviation (unfolded into the last layer after training). */
export function scaleTargets(fit: Table, val: Table | null): { fit: Table; val: Table | null; target: { mean: number; std: number } } {
  const t = targetScaling(fit.y as Float32Array);
  const scale = (tb: Table): Table => ({ ...tb, y: tb.y.map((v) => (v - t.mean) / t.std) });
  return { fit: scale(fit), val: val ? scale(val) : null, target: t };
}

/** The report's test-score lines: accuracy and loss, or mse and rmse. */
export function testLines(test: Logs, data: DataInfo & { test: Table }, classification: boolean): [string, string][] {
  const n = data.test.n;
  return classification
    ? [['test accuracy', `${percent(test.accuracy as number)} (${int(Math.round((test.accuracy as number) * n))} / ${int(n)} ${data.title} test rows)`], ['test loss', fixed(test.loss)]]
    : [['test mse', `${fixed(test.loss)} (rmse ${fixed(Math.sqrt(test.loss))}, ${int(n)} ${data.title} test rows)`]];
}

/** The throughput and time lines of a training report; `unit` names what a training row is. */
export function runLines(progress: EpochProgress, loadMs: number, totalMs: number, unit: string): [string, string][] {
  return [
    ['throughput', `${int((progress.trainRows / progress.trainMs) * 1000)} ${unit}/s training (${int(progress.trainRows)} ${unit} in ${seconds(progress.trainMs)})`],
    ['time', `${seconds(loadMs)} data · ${seconds(progress.records.reduce((sum, r) => sum + r.ms, 0))} training + validation · ${seconds(totalMs)} total`],
  ];
}

/** Prints the per-epoch table, then the report's lines. */
export function printReport(out: Output, progress: EpochProgress, classification: boolean, lossScale: number, lines: [string, string][]): void {
  out.log('');
  for (const line of epochTable(progress, classification, lossScale)) out.log(line);
  out.log('');
  for (const line of pairs(lines)) out.log(line);
}

export function targetScaling(y: Float32Array): { mean: number; std: number } {
  let mean = 0;
  for (const v of y) mean += v / y.length;
  let variance = 0;
  for (const v of y) variance += (v - mean) ** 2 / y.length;
  return { mean, std: variance > 0 ? Math.sqrt(variance) : 1 };
}

export function epochTable(progress: EpochProgress, classification: boolean, lossScale: number): string[] {
  const head = classification
    ? ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'samples/s', 'time']
    : ['epoch', 'mse', 'val_mse', 'samples/s', 'time'];
  const all = progress.records;
  const shown = all.filter((_, i) => listed(i, all.length));
  const rows = shown.map((r) => {
    const l = r.logs;
    const common = [String(r.epoch), fixed(l.loss * lossScale)];
    const rest = [int(r.samplesPerSecond), seconds(r.ms)];
    return classification
      ? [...common, fixed(l.accuracy), fixed(l.val_loss), fixed(l.val_accuracy), ...rest]
      : [...common, fixed(l.val_loss === undefined ? undefined : l.val_loss * lossScale), ...rest];
  });
  const lines = table(head, rows);
  if (shown.length < all.length) lines.push(`(${shown.length} of ${all.length} epochs shown)`);
  return lines;
}
