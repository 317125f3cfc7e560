/// <reference types="node" />
// `simdnn train --model autoencoder`: an autoencoder of the features of a
// dataset (the labels are not used), with a progress bar, the held-out
// reconstruction error, the saved network and, for images, a PNG of held-out
// samples over their reconstructions.
import { writeFileSync } from 'node:fs';
import { applyStandardize, autoencoder, cosineDecay, imagesToPng, optimizers, saveModel, standardize, type NoiseSpec } from '../node.js';
import { loadTrainingData } from './data.js';
import { fixed, int, percent } from './format.js';
import { UsageError } from './options.js';
import { banner, type Output } from './output.js';
import { EpochProgress } from './progress.js';
import { printReport, runLines, type TrainOptions } from './train.js';

/** Options of the autoencoder path of `simdnn train`. */
export interface AutoencoderTrainOptions extends Omit<TrainOptions, 'model'> {
  model: 'autoencoder';
  tied?: boolean;
  noise?: NoiseSpec;
  /** Where to write held-out samples over their reconstructions (image data). */
  reconstructions?: string;
}

/** Commander parser of --noise: mask:RATE, gaussian:STDDEV or saltpepper:RATE. */
export function parseNoise(value: string): NoiseSpec {
  const m = /^(mask|gaussian|saltpepper):([0-9.]+)$/.exec(value.trim());
  const v = m ? Number(m[2]) : NaN;
  if (!m || !Number.isFinite(v) || v < 0 || (m[1] !== 'gaussian' && v >= 1)) {
    throw new UsageError(`option '--noise <kind:amount>' argument '${value}' is invalid: mask:RATE, saltpepper:RATE (rates in [0, 1)) or gaussian:STDDEV`);
  }
  return m[1] === 'mask' ? { type: 'mask', rate: v } : m[1] === 'gaussian' ? { type: 'gaussian', stddev: v } : { type: 'saltAndPepper', rate: v };
}

const DEFAULTS = { image: { hidden: [128, 32], epochs: 10, batchSize: 64, learningRate: 0.002 }, table: { hidden: [8, 2], epochs: 100, batchSize: 16, learningRate: 0.01 } };

/** Runs `simdnn train --model autoencoder`. */
export async function trainAutoencoder(opts: AutoencoderTrainOptions, out: Output): Promise<void> {
  const started = performance.now();
  const data = loadTrainingData(opts.data, opts.labelColumn, opts);
  if (opts.reconstructions && !data.image) {
    throw new UsageError(`option '--reconstructions' needs image data (mnist); --data ${data.slug} is a table of ${data.features} columns`);
  }
  const d = data.image ? DEFAULTS.image : DEFAULTS.table;
  const units = opts.hidden ?? d.hidden;
  const epochs = opts.epochs ?? d.epochs;
  const batchSize = opts.batchSize ?? d.batchSize;
  const learningRate = opts.learningRate ?? d.learningRate;
  // Images are in [0, 1] (a sigmoid output); table columns are standardized first (a linear output).
  let x = data.train.x;
  let xt = data.test.x;
  if (!data.image) {
    const s = standardize(x, data.features);
    x = s.x;
    xt = applyStandardize(xt, data.features, s.mean, s.std);
  }
  const loadMs = performance.now() - started;
  const steps = epochs * Math.ceil(data.train.n / batchSize);
  const rate = opts.schedule === 'cosine' ? cosineDecay({ initialLearningRate: learningRate, decaySteps: steps }) : learningRate;
  const ae = autoencoder({
    inputDim: data.features,
    units,
    activation: 'relu',
    outputActivation: data.image ? 'sigmoid' : 'linear',
    tied: opts.tied ?? false,
    ...(opts.noise ? { noise: opts.noise } : {}),
    optimizer: optimizers[opts.optimizer]({ learningRate: rate }),
    seed: opts.seed,
    name: `${data.slug}_autoencoder`,
  });
  try {
    const noise = opts.noise ? ` · denoising (${opts.noise.type} ${'rate' in opts.noise ? opts.noise.rate : opts.noise.stddev})` : '';
    out.log(banner(`${data.title} ${int(data.train.n)} train / ${int(data.test.n)} test (labels not used)`));
    out.log(`model   ${[data.features, ...units, ...units.slice(0, -1).reverse(), data.features].join('-')} autoencoder · relu, ${data.image ? 'sigmoid' : 'linear'} output, mse${opts.tied ? ' · tied weights' : ''}${noise} · ${int(ae.countParams())} parameters`);
    out.log(`train   ${int(data.train.n)} rows · ${opts.optimizer}, lr ${learningRate}${opts.schedule === 'cosine' ? ' cosine' : ''} · batch ${batchSize} · ${epochs} epochs`);
    const progress = new EpochProgress({ epochs, rows: data.train.n, accuracy: false, quiet: opts.quiet ?? false, lossScale: 1, stream: out.progress });
    try {
      await ae.fit(x, { epochs, batchSize, seed: opts.seed, callbacks: [progress], validationSplit: opts.validationSplit });
    } finally {
      progress.abort();
    }
    const errors = ae.reconstructionError(xt);
    const mse = errors.reduce((s, v) => s + v, 0) / errors.length;
    // The baseline: reconstructing every sample as the training mean.
    const mean = new Float64Array(data.features);
    for (let i = 0; i < data.train.n; i++) for (let j = 0; j < data.features; j++) mean[j] += x[i * data.features + j] / data.train.n;
    let base = 0;
    for (let i = 0; i < data.test.n; i++) for (let j = 0; j < data.features; j++) base += (xt[i * data.features + j] - mean[j]) ** 2;
    base /= data.test.n * data.features;
    const outPath = opts.out ?? `simdnn-${data.slug}-autoencoder.simdnn`;
    saveModel(ae.model, outPath);
    const lines: [string, string][] = [
      ['test mse', `${fixed(mse)} per value on ${int(data.test.n)} held-out rows (the training mean as every reconstruction: ${fixed(base)}, ${percent(mse / base)} of it)`],
      ...runLines(progress, loadMs, performance.now() - started, 'samples'),
      ['saved', `${outPath} (the whole autoencoder; its first ${units.length} dense layers are the encoder)`],
    ];
    if (data.image && opts.reconstructions !== undefined) {
      const n = Math.min(16, data.test.n);
      const size = data.features;
      const rec = ae.reconstruct(xt.subarray(0, n * size));
      const tiles = new Float32Array(2 * n * size);
      tiles.set(xt.subarray(0, n * size), 0);
      tiles.set(rec.toFloat32Array(), n * size);
      rec.dispose();
      writeFileSync(opts.reconstructions, imagesToPng(tiles, { width: data.image.width, height: data.image.height * data.image.channels, cols: n, scale: 2 }));
      lines.push(['picture', `${opts.reconstructions} (${n} held-out samples over their reconstructions)`]);
    }
    printReport(out, progress, false, 1, lines);
  } finally {
    ae.dispose();
  }
}
