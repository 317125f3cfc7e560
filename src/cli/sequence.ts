/// <reference types="node" />
// `simdnn train --model lstm|gru|rnn`: recurrent networks on a text file (a
// next-character model), on a CSV file of sequences (one sequence per row),
// or on MNIST read row by row; and `simdnn sample`, which generates text from
// a saved next-character model.

import { basename, extname } from 'node:path';
import {
  CharVocabulary, cosineDecay, layers, nextStepWindows, optimizers, sampleText, sequential,
  type Layer, type Model, type Recurrent, type Sequential,
} from '../node.js';
import { defaultDropout, loadTrainingData, readText, warn } from './data.js';
import { fixed, int, percent } from './format.js';
import { loadWithLabels, saveWithLabels } from './model-file.js';
import { UsageError } from './options.js';
import { EpochProgress } from './progress.js';
import { banner, type Output } from './output.js';
import { foldOutputScaling } from './fold.js';
import { printReport, runLines, scaleTargets, testLines, validationSplit, type TrainOptions } from './train.js';

/** The recurrent model types of `--model`. */
export const RECURRENT = ['lstm', 'gru', 'rnn'] as const;
export type RecurrentModel = (typeof RECURRENT)[number];

// Measured on 2 shared cores (simd build): an LSTM(128) over windows of 48
// characters of the 8,800 first names of test/models/char-model.test.ts
// trains at about 4,000 windows/s; 10 epochs bring validation perplexity
// from the unigram model's 17 to about 8. `--data mnist --model lstm` (LSTM
// 128 over 28 rows of 28 pixels, 6 epochs) scores 96.7% on the 2,000 test
// digits after about 17 s of training.
const TEXT = { hidden: [128], epochs: 10, batchSize: 64, learningRate: 0.005, window: 48, embedding: 32 };
const SEQUENCES = { hidden: [64], epochs: 30, batchSize: 32, learningRate: 0.005 };
const MNIST_ROWS = { hidden: [128], epochs: 6, batchSize: 32, learningRate: 0.003 };

/** Options of `simdnn sample`. */
export interface SampleCommandOptions {
  /** --memory-limit: bytes one call on the loaded model may plan. */
  memoryLimit?: number;
  model: string;
  length: number;
  temperature: number;
  prime?: string;
  seed: number;
}

function recurrentLayer(kind: RecurrentModel, units: number, returnSequences: boolean, inputShape?: number[]): Recurrent {
  const cfg = { units, returnSequences, ...(inputShape ? { inputShape } : {}) };
  return kind === 'lstm' ? layers.lstm(cfg) : kind === 'gru' ? layers.gru(cfg) : layers.simpleRNN(cfg);
}

const NAMES: Record<RecurrentModel, string> = { lstm: 'LSTM', gru: 'GRU', rnn: 'SimpleRNN' };

/** Runs `simdnn train` with a recurrent --model. */
export async function trainRecurrent(opts: TrainOptions & { model: RecurrentModel }, out: Output): Promise<void> {
  if (opts.augment) throw new UsageError(`option '--augment' is for the MLP and CNN on images; --model ${opts.model} reads sequences`);
  if (opts.filters) throw new UsageError(`option '--filters' draws a first layer of dense or convolution filters; --model ${opts.model} has none`);
  const spec = opts.data;
  if (spec.kind === 'csv' && extname(spec.path).toLowerCase() !== '.csv') return trainText(opts, spec.path, out);
  return trainSequences(opts, out);
}

// ---------------------------------------------------------------- text --

async function trainText(opts: TrainOptions & { model: RecurrentModel }, path: string, out: Output): Promise<void> {
  const started = performance.now();
  if (opts.labelColumn !== undefined) throw new UsageError(`option '--label-column' is for CSV files; ${basename(path)} is read as text (a next-character model)`);
  const text = readText(path);
  const window = opts.window ?? TEXT.window;
  const chars = [...text].length;
  if (chars < 4 * window) throw new UsageError(`--data ${basename(path)} has ${chars} characters: a next-character model with --window ${window} needs at least ${4 * window}`);
  const vocab = CharVocabulary.fromText(text);
  const ids = vocab.encode(text);
  // The last part of the text is held out (validation perplexity); windows overlap by half in training.
  const split = opts.validationSplit > 0 ? opts.validationSplit : 0.1;
  const cut = Math.floor(ids.length * (1 - split));
  const train = nextStepWindows(ids.subarray(0, cut), window, Math.max(1, Math.floor(window / 2)));
  const valid = nextStepWindows(ids.subarray(cut), window, window);
  const hidden = opts.hidden ?? TEXT.hidden;
  const epochs = opts.epochs ?? TEXT.epochs;
  const batchSize = opts.batchSize ?? TEXT.batchSize;
  const learningRate = opts.learningRate ?? TEXT.learningRate;
  const stack: Layer[] = [layers.embedding({ inputDim: vocab.size, outputDim: TEXT.embedding, inputShape: [window] })];
  hidden.forEach((units) => {
    stack.push(recurrentLayer(opts.model, units, true));
    const dropout = defaultDropout(opts.dropout, true);
    if (dropout > 0) stack.push(layers.dropout({ rate: dropout }));
  });
  stack.push(layers.dense({ units: vocab.size, activation: 'softmax' }));
  const model = sequential({ seed: opts.seed, layers: stack });
  const steps = epochs * Math.ceil(train.count / batchSize);
  const rate = opts.schedule === 'cosine' ? cosineDecay({ initialLearningRate: learningRate, decaySteps: steps }) : learningRate;
  model.compile({ optimizer: optimizers[opts.optimizer]({ learningRate: rate, clipNorm: 5 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const loadMs = performance.now() - started;

  const title = basename(path);
  out.log(banner(`${title} ${int(chars)} characters, ${vocab.size - 1} distinct`));
  out.log(`model   next-character model: embedding ${TEXT.embedding}${hidden.map((u) => `, ${NAMES[opts.model]} ${u}`).join('')}, softmax over ${vocab.size} ids per step · ${int(model.countParams())} parameters`);
  out.log(`train   ${int(train.count)} windows of ${window} characters · validation ${int(valid.count)} windows (the last ${percent(split)} of the text) · ${opts.optimizer}, lr ${learningRate}${opts.schedule === 'cosine' ? ' cosine' : ''}, clip norm 5 · batch ${batchSize} · ${epochs} epochs`);

  const progress = new EpochProgress({ epochs, rows: train.count, accuracy: true, quiet: opts.quiet ?? false, lossScale: 1, stream: out.progress });
  try {
    await model.fit(train.x, train.y, { epochs, batchSize, seed: opts.seed, callbacks: [progress], validationData: [valid.x, valid.y] });
  } finally {
    progress.abort();
  }
  const perplexity = Math.exp(model.evaluateLogs(valid.x, valid.y).loss);
  const unigram = unigramPerplexity(ids.subarray(0, cut), valid.y, vocab.size);
  const prime = [...text][0] === '\n' || text.includes('\n') ? '\n' : [...text][0];
  const sample = sampleText(model, vocab, { prime, length: 200, temperature: 0.8, seed: opts.seed });

  const outPath = opts.out ?? `simdnn-${slug(path)}.simdnn`;
  const labelsFile = await saveWithLabels(model, outPath, { data: slug(path), task: 'next-character', vocabulary: vocab.toJSON() });
  const totalMs = performance.now() - started;
  printReport(out, progress, true, 1, [
    ['perplexity', `${fixed(perplexity)} on the held-out text (a unigram model: ${fixed(unigram)})`],
    ...runLines(progress, loadMs, totalMs, 'windows'),
    ['saved', `${outPath} (vocabulary: ${labelsFile})`],
  ]);
  out.log('');
  out.log(`sample (temperature 0.8; more with simdnn sample --model ${outPath}):`);
  out.log(sample);
  model.dispose();
}

/** exp of the cross-entropy of a character-frequency model (add-one smoothed) on the held-out ids. */
function unigramPerplexity(train: ArrayLike<number>, valid: ArrayLike<number>, size: number): number {
  const counts = new Float64Array(size).fill(1);
  for (let i = 0; i < train.length; i++) counts[train[i]]++;
  const total = counts.reduce((a, b) => a + b, 0);
  let h = 0;
  for (let i = 0; i < valid.length; i++) h -= Math.log(counts[valid[i]] / total);
  return Math.exp(h / valid.length);
}

function slug(path: string): string {
  return basename(path, extname(path)).replace(/[^\w.-]+/g, '-') || 'data';
}

// ------------------------------------------------------------ sequences --

async function trainSequences(opts: TrainOptions & { model: RecurrentModel }, out: Output): Promise<void> {
  const started = performance.now();
  const data = loadTrainingData(opts.data, opts.labelColumn, opts);
  // MNIST images are read row by row; a CSV row is `steps` steps of features / steps values.
  const steps = data.image ? data.image.height : opts.steps ?? data.features;
  if (data.features % steps !== 0) throw new UsageError(`option '--steps <n>' argument '${steps}' is invalid. ${data.title} has ${data.features} feature columns, not a multiple of ${steps}`);
  const features = data.image ? data.image.width * data.image.channels : data.features / steps;
  const d = data.image ? MNIST_ROWS : SEQUENCES;
  const hidden = opts.hidden ?? d.hidden;
  const epochs = opts.epochs ?? d.epochs;
  const batchSize = opts.batchSize ?? d.batchSize;
  const learningRate = opts.learningRate ?? d.learningRate;
  const classification = data.task === 'classification';
  const outputs = classification ? (data.classNames as string[]).length : 1;
  const dropout = defaultDropout(opts.dropout, classification);
  warn(data.notes);

  let { fit, val } = validationSplit(data, opts);
  // Tables train on standardized features (one mean and deviation per feature, over every step), folded into the first layer afterwards.
  let scaling: { mean: Float32Array; std: Float32Array } | null = null;
  if (!data.image) {
    scaling = featureStats(fit.x, features);
    fit = { ...fit, x: standardized(fit.x, scaling) };
    if (val) val = { ...val, x: standardized(val.x, scaling) };
  }
  let target: { mean: number; std: number } | null = null;
  if (!classification) ({ fit, val, target } = scaleTargets(fit, val));
  const stack: Layer[] = [];
  hidden.forEach((units, i) => {
    stack.push(recurrentLayer(opts.model, units, i < hidden.length - 1, i === 0 ? [steps, features] : undefined));
    if (dropout > 0) stack.push(layers.dropout({ rate: dropout }));
  });
  stack.push(layers.dense({ units: outputs, activation: classification ? 'softmax' : 'linear' }));
  const model: Sequential = sequential({ seed: opts.seed, layers: stack });
  const total = epochs * Math.ceil(fit.n / batchSize);
  const rate = opts.schedule === 'cosine' ? cosineDecay({ initialLearningRate: learningRate, decaySteps: total }) : learningRate;
  model.compile({
    optimizer: optimizers[opts.optimizer]({ learningRate: rate, clipNorm: 5 }),
    loss: classification ? 'sparseCategoricalCrossentropy' : 'mse',
    metrics: classification ? ['accuracy'] : [],
  });
  const loadMs = performance.now() - started;

  out.log(banner(`${data.title} ${int(data.train.n)} train / ${int(data.test.n)} test`));
  out.log(`model   ${hidden.map((u) => `${NAMES[opts.model]} ${u}`).join(', ')} over ${steps} steps of ${features} feature${features === 1 ? '' : 's'}${dropout > 0 ? `, dropout ${dropout}` : ''} · ${classification ? `softmax over ${outputs} classes` : 'linear output, mse'} · ${int(model.countParams())} parameters`);
  out.log(`train   ${int(fit.n)} sequences${val ? ` · validation ${int(val.n)}` : ''} · ${opts.optimizer}, lr ${learningRate}${opts.schedule === 'cosine' ? ' cosine' : ''}, clip norm 5 · batch ${batchSize} · ${epochs} epochs`);

  const lossScale = target ? target.std * target.std : 1;
  const progress = new EpochProgress({ epochs, rows: fit.n, accuracy: classification, quiet: opts.quiet ?? false, lossScale, stream: out.progress });
  try {
    await model.fit(fit.x, fit.y, { epochs, batchSize, seed: opts.seed, callbacks: [progress], validationData: val ? [val.x, val.y] : undefined });
  } finally {
    progress.abort();
  }
  if (scaling) foldSequenceScaling(model.layers[0] as Recurrent, scaling);
  if (target) foldOutputScaling(model, target.mean, target.std);
  const test = model.evaluateLogs(data.test.x, data.test.y);

  const outPath = opts.out ?? `simdnn-${data.slug}-${opts.model}.simdnn`;
  const labelsFile = await saveWithLabels(model, outPath, {
    data: data.slug, task: data.task, classNames: data.classNames, featureNames: data.featureNames, labelName: data.labelName, steps,
  });
  const totalMs = performance.now() - started;
  printReport(out, progress, classification, lossScale, [
    ...testLines(test, data, classification),
    ...runLines(progress, loadMs, totalMs, 'sequences'),
    ['saved', `${outPath} (labels: ${labelsFile})`],
  ]);
  model.dispose();
}

/** Mean and standard deviation of each of `features` features over every row and step. */
function featureStats(x: Float32Array, features: number): { mean: Float32Array; std: Float32Array } {
  const n = x.length / features;
  const mean = new Float64Array(features);
  const sq = new Float64Array(features);
  for (let i = 0; i < x.length; i++) mean[i % features] += x[i] / n;
  for (let i = 0; i < x.length; i++) sq[i % features] += (x[i] - mean[i % features]) ** 2 / n;
  return { mean: Float32Array.from(mean), std: Float32Array.from(sq, (v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

function standardized(x: Float32Array, s: { mean: Float32Array; std: Float32Array }): Float32Array {
  const f = s.mean.length;
  return x.map((v, i) => (v - s.mean[i % f]) / s.std[i % f]);
}

/**
 * Makes a recurrent layer trained on (x - mean) / std take raw x: its input
 * kernel rows are divided by std and the input part of its bias loses
 * sum_i mean_i / std_i W[i, :] (the recurrent part is untouched).
 */
function foldSequenceScaling(layer: Recurrent, s: { mean: Float32Array; std: Float32Array }): void {
  const ws = layer.getWeights();
  const values = ws.map((t) => t.toFloat32Array());
  for (const t of ws) t.dispose();
  const [kernel, rec, bias] = values;
  const g = kernel.length / s.mean.length;
  const b = bias ? Float64Array.from(bias) : null;
  for (let i = 0; i < s.mean.length; i++) {
    for (let j = 0; j < g; j++) {
      const v = kernel[i * g + j];
      kernel[i * g + j] = v / s.std[i];
      if (b) b[j] -= (s.mean[i] / s.std[i]) * v;
    }
  }
  layer.setWeights(b ? [kernel, rec, Float32Array.from(b)] : [kernel, rec]);
}

// -------------------------------------------------------------- sample --

/** Runs `simdnn sample`: text from a saved next-character model. */
export async function sample(opts: SampleCommandOptions, out: Output): Promise<void> {
  const { model, labels } = await loadWithLabels(opts.model, opts.memoryLimit);
  try {
    if (!labels || labels.task !== 'next-character' || !labels.vocabulary) {
      throw new UsageError(`option '--model <path>' argument '${opts.model}' is invalid. It is not a next-character model (train one with --model lstm|gru|rnn on a text file)`);
    }
    const vocab = new CharVocabulary(labels.vocabulary);
    const prime = opts.prime ?? (labels.vocabulary.includes('\n') ? '\n' : labels.vocabulary[0]);
    for (const c of prime) {
      if (!labels.vocabulary.includes(c)) throw new UsageError(`option '--prime <text>' argument ${JSON.stringify(prime)} is invalid. ${JSON.stringify(c)} is not in the model's vocabulary`);
    }
    const text = sampleText(model as Model, vocab, { prime, length: opts.length, temperature: opts.temperature, seed: opts.seed });
    out.log(`${opts.prime ?? ''}${text}`);
  } finally {
    model.dispose();
  }
}

