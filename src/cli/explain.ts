/// <reference types="node" />
// `simdnn explain`: looks inside a saved classifier and draws what it finds:
// saliency maps of the input rows, FGSM or PGD adversarial samples with the
// predictions they flip, or maximum-response inputs for each class.
import { readText } from './data.js';
import { writeFileSync } from 'node:fs';
import {
  explain, imagesToPng, loadMnist, parseCsvRecords, sizeOf, ValueError,
  type FlipReport, type IntegrationRule, type Model, type SaliencyMethod, type Tensor,
} from '../node.js';
import { fixed, int, pairs, percent } from './format.js';
import { loadWithLabels, type ModelLabels } from './model-file.js';
import { DECIMAL, UsageError } from './options.js';
import { banner, type Output } from './output.js';
import { readFeatures, resolveColumn } from './predict.js';

/** The methods of `simdnn explain`. */
export const EXPLAIN_METHODS = ['saliency', 'fgsm', 'pgd', 'maximize'] as const;

/** The saliency maps `--saliency` offers. */
export const SALIENCY_METHODS: SaliencyMethod[] = ['gradient', 'gradientTimesInput', 'smoothGrad', 'integratedGradients'];

/** Options of `simdnn explain`, after parsing. */
export interface ExplainOptions {
  /** --memory-limit: bytes one call on the loaded model may plan. */
  memoryLimit?: number;
  model: string;
  method: (typeof EXPLAIN_METHODS)[number];
  out: string;
  input?: string;
  data?: 'mnist';
  labelColumn?: string | number;
  count: number;
  saliency: SaliencyMethod;
  class?: number;
  epsilon?: number;
  steps?: number;
  stepSize?: number;
  loss: 'crossEntropy' | 'margin';
  clipMin: number;
  clipMax: number;
  seed: number;
  l2: number;
  saveCsv?: string;
}

/** Samples to explain, with their labels when known. */
interface Samples {
  x: Float32Array;
  n: number;
  labels: Int32Array | null;
  title: string;
}

/** Runs `simdnn explain`. */
export async function explainCommand(opts: ExplainOptions, out: Output): Promise<void> {
  const { model, labels } = await loadWithLabels(opts.model, opts.memoryLimit);
  try {
    if (labels?.task === 'next-character') {
      throw new UsageError(`the model is a next-character text model, whose inputs are character ids (no gradient reaches them): generate text with simdnn sample --model <path>`);
    }
    if (labels?.task === 'regression' && opts.method !== 'saliency') {
      throw new UsageError(`--method ${opts.method} needs a classifier; the model at ${opts.model} is a regression (use --method saliency)`);
    }
    const shape = model.inputs[0].shape;
    const image = imageShape(shape);
    const outputs = sizeOf(model.outputShape);
    if (opts.class !== undefined && opts.class >= Math.max(outputs, 2)) {
      throw new UsageError(`option '--class <index>' argument '${opts.class}' is invalid. The model has ${Math.max(outputs, 2)} classes (0 to ${Math.max(outputs, 2) - 1}).`);
    }
    const lines: [string, string][] = [];
    let png: Uint8Array;
    let csv: Float32Array;
    let csvWidth: number;
    if (opts.method === 'maximize') {
      const classes = opts.class === undefined ? Array.from({ length: Math.max(outputs, 2) }, (_, i) => i) : [opts.class];
      const r = explain.activationMaximization(model, { classIndex: classes, steps: opts.steps ?? 100, l2: opts.l2, clipMin: opts.clipMin, clipMax: opts.clipMax, seed: opts.seed });
      out.log(banner(`model ${opts.model} · maximum-response inputs for ${classes.length === 1 ? `class ${className(labels, classes[0])}` : `${classes.length} classes`}`));
      lines.push(['response', classes.map((c, i) => `${className(labels, c)}: ${fixed(r.response[i])}`).join('  ')]);
      csv = r.input.toFloat32Array();
      r.input.dispose();
      csvWidth = csv.length / classes.length;
      png = imagesToPng(grayRows(csv, image.channels), { width: image.width, height: image.height, cols: Math.min(classes.length, 10), scale: 4, range: [opts.clipMin, opts.clipMax], padding: 2, background: 255 });
    } else {
      const s = readSamples(opts, model, labels, sizeOf(shape));
      out.log(banner(`model ${opts.model} · ${s.title}, ${int(s.n)} rows · ${opts.method === 'saliency' ? `${opts.saliency} saliency` : opts.method.toUpperCase()}`));
      csvWidth = sizeOf(shape);
      if (opts.method === 'saliency') {
        const r = explain.saliency(model, s.x, {
          method: opts.saliency,
          classIndex: opts.class,
          ...(opts.saliency === 'integratedGradients' ? { steps: opts.steps ?? 50, rule: 'gaussLegendre' as IntegrationRule } : {}),
          ...(opts.saliency === 'smoothGrad' ? { seed: opts.seed } : {}),
        });
        lines.push(['classes', Array.from(r.classIndex.slice(0, 20), (c) => className(labels, c)).join(' ') + (s.n > 20 ? ' ...' : '')]);
        if (r.completeness) lines.push(['completeness', `attributions sum to f(x) - f(baseline) within ${percent(r.completeness.maxRelativeError)} (worst row)`]);
        csv = r.map.toFloat32Array();
        csvWidth = csv.length / s.n;
        png = explain.saliencyToPng(r.map, { width: image.width, height: image.height, images: s.x, cols: Math.min(s.n, 4), scale: 4 });
        r.map.dispose();
      } else {
        const y = s.labels ?? predictions(model, s.x);
        if (!s.labels) lines.push(['labels', "none given: the attack starts from the model's own predictions"]);
        const eps = opts.epsilon ?? (opts.method === 'fgsm' ? 0.1 : 0.3);
        const common = { epsilon: eps, clipMin: opts.clipMin, clipMax: opts.clipMax, loss: opts.loss };
        const r = opts.method === 'fgsm'
          ? explain.fgsm(model, s.x, y, common)
          : explain.pgd(model, s.x, y, { ...common, steps: opts.steps ?? 40, stepSize: opts.stepSize, seed: opts.seed });
        lines.push(...flipLines(r.report, opts, eps));
        csv = r.adversarial.toFloat32Array();
        png = explain.adversarialToPng(s.x, csv, { width: image.width, height: image.height, channels: image.channels, report: r.report, count: Math.min(s.n, 16), range: [opts.clipMin, opts.clipMax] });
        r.adversarial.dispose();
      }
    }
    writeFileSync(opts.out, png);
    if (opts.saveCsv) writeFileSync(opts.saveCsv, csvRows(csv, csvWidth));
    lines.push(['picture', `${opts.out}`]);
    if (opts.saveCsv) lines.push(['values', `${opts.saveCsv}`]);
    for (const line of pairs(lines)) out.log(line);
  } finally {
    model.dispose();
  }
}

/**
 * How to draw one input as an image: [h, w, c] as it is; a sequence [steps,
 * features] with one row per step (MNIST read row by row is the digit), or
 * as a strip when there is one feature; a flat input of a square number of
 * values as a square, else a strip.
 */
function imageShape(shape: readonly number[]): { width: number; height: number; channels: number } {
  if (shape.length === 3) return { height: shape[0], width: shape[1], channels: shape[2] };
  if (shape.length === 2) return shape[1] === 1 ? { width: shape[0], height: 1, channels: 1 } : { height: shape[0], width: shape[1], channels: 1 };
  const size = sizeOf(shape as number[]);
  const side = Math.round(Math.sqrt(size));
  return side * side === size ? { width: side, height: side, channels: 1 } : { width: size, height: 1, channels: 1 };
}

/** The rows to explain: the bundled test digits, or a CSV file (all columns but --label-column). */
function readSamples(opts: ExplainOptions, model: Model, labels: ModelLabels | null, features: number): Samples {
  if (opts.data === 'mnist') {
    if (features !== 784) throw new UsageError(`option '--data' argument 'mnist' has 784 pixels per row, but the model at ${opts.model} takes ${features} values`);
    const { test } = loadMnist({ trainSize: 8000, testSize: 2000, seed: 0 });
    const n = Math.min(opts.count, test.n);
    return { x: test.x.slice(0, n * 784), n, labels: Int32Array.from(test.y.subarray(0, n)), title: 'MNIST test split' };
  }
  const file = opts.input as string;
  const records = parseCsvRecords(readText(file));
  const header = records.length > 0 && records[0].fields.some((f) => !DECIMAL.test(f.trim()));
  const names = header ? records[0].fields.map((f) => f.trim()) : [];
  const rows = (header ? records.slice(1) : records).slice(0, opts.count);
  if (rows.length === 0) throw new UsageError(`option '--input <file.csv>' argument '${file}' has no data rows`);
  const width = rows[0].fields.length;
  const labelAt = opts.labelColumn === undefined ? -1 : resolveColumn(opts.labelColumn, header, names, width);
  const columns = Array.from({ length: width }, (_, i) => i).filter((c) => c !== labelAt);
  if (columns.length !== features) {
    const hint = opts.labelColumn === undefined && columns.length === features + 1 ? '; if one column is the label, name it with --label-column' : '';
    throw new UsageError(`option '--input <file.csv>' argument '${file}' has ${columns.length} feature columns, but the model takes ${features}${hint}`);
  }
  const x = readFeatures(file, rows, columns, header ? names : null);
  let y: Int32Array | null = null;
  if (labelAt >= 0) {
    const classes = Math.max(sizeOf(model.outputShape), 2);
    y = Int32Array.from(rows, ({ fields, row }) => {
      const v = fields[labelAt].trim();
      const named = labels?.classNames?.indexOf(v) ?? -1;
      const c = named >= 0 ? named : Number(v);
      if (!Number.isInteger(c) || c < 0 || c >= classes) throw new ValueError(`${file}: row ${row}: the label ${JSON.stringify(v)} is not one of the model's ${classes} classes`);
      return c;
    });
  }
  return { x, n: rows.length, labels: y, title: file };
}

/** The model's predicted classes (an attack then pushes samples away from them). */
function predictions(model: Model, x: Float32Array): Int32Array {
  const p = (model.predict(x) as Tensor);
  const v = p.toFloat32Array();
  const n = p.shape[0];
  p.dispose();
  const k = v.length / n;
  return Int32Array.from({ length: n }, (_, i) => {
    if (k === 1) return v[i] > 0.5 ? 1 : 0;
    let best = 0;
    for (let c = 1; c < k; c++) if (v[i * k + c] > v[i * k + best]) best = c;
    return best;
  });
}

/** The flip report as label / value lines. */
function flipLines(r: FlipReport, opts: ExplainOptions, eps: number): [string, string][] {
  const attack = opts.method === 'fgsm' ? `FGSM, epsilon ${eps}, ${opts.loss}` : `PGD, epsilon ${eps}, ${opts.steps ?? 40} steps, ${opts.loss}`;
  return [
    ['attack', attack],
    ['accuracy', `${percent(r.accuracyBefore)} -> ${percent(r.accuracyAfter)}`],
    ['flipped', `${int(r.flipped)} of ${int(r.correctBefore)} correct predictions (${int(r.changed)} of ${int(r.n)} predictions changed)`],
    ['largest change', `${fixed(r.maxPerturbation)} per value`],
  ];
}

function className(labels: ModelLabels | null, c: number): string {
  return labels?.classNames?.[c] ?? String(c);
}

/** Gray pixels: the channels of each pixel averaged. */
function grayRows(v: Float32Array, channels: number): Float32Array {
  if (channels === 1) return v;
  const out = new Float32Array(v.length / channels);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += v[i * channels + c];
    out[i] = s / channels;
  }
  return out;
}

/** Rows of `width` values as CSV, 7 significant digits (float32). */
function csvRows(v: Float32Array, width: number): string {
  const lines: string[] = [];
  for (let i = 0; i < v.length / width; i++) lines.push(Array.from(v.subarray(i * width, (i + 1) * width), (a) => String(Number(a.toPrecision(7)))).join(','));
  return `${lines.join('\n')}\n`;
}
