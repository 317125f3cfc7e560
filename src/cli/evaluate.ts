/// <reference types="node" />
// `simdnn evaluate`: a saved model scored on labelled data.
import { ValueError, sizeOf, type Model } from '../node.js';
import { loadEvaluationData, warn, type DataSpec } from './data.js';
import { fixed, int, pairs, percent } from './format.js';
import { loadWithLabels, type ModelLabels } from './model-file.js';
import { UsageError } from './options.js';
import { banner, type Output } from './output.js';

/** Options of `simdnn evaluate`, after parsing. */
export interface EvaluateOptions {
  /** --memory-limit: bytes one call on the loaded model may plan. */
  memoryLimit?: number;
  model: string;
  data: DataSpec;
  labelColumn?: string | number;
  missing?: 'drop' | 'mean';
  delimiter?: string;
  ignoreColumns?: string[];
}

/** Runs `simdnn evaluate`. */
export async function evaluate(opts: EvaluateOptions, out: Output): Promise<void> {
  const { model, labels } = await loadWithLabels(opts.model, opts.memoryLimit);
  try {
    const task = modelTask(model, labels);
    const d = loadEvaluationData(opts.data, opts.labelColumn ?? labels?.labelName, {
      task: opts.data.kind === 'csv' ? task : 'auto', missing: opts.missing, delimiter: opts.delimiter, ignoreColumns: opts.ignoreColumns,
    });
    warn(d.notes);
    const inputs = modelInputs(model);
    if (d.features !== inputs) {
      throw new UsageError(`option '--data' argument '${d.slug}' has ${d.features} feature columns, but the model at ${opts.model} takes ${inputs}`);
    }
    let y: Int32Array | Float32Array;
    if (task === 'classification') {
      if (d.task !== 'classification') {
        throw new UsageError(`option '--data' argument '${d.slug}': the model is a classifier, but the label column ${d.labelName ?? ''} holds non-integer numbers`);
      }
      y = classIndices(d.rows.y as Int32Array, d.classNames as string[], labels?.classNames, sizeOf(model.outputShape));
    } else {
      // Integer labels are parsed as classes; a regression model wants their values.
      y = d.task === 'classification' ? Float32Array.from(d.rows.y, (k) => Number((d.classNames as string[])[k])) : d.rows.y;
    }
    model.compile({
      optimizer: 'sgd',
      loss: task === 'classification' ? 'sparseCategoricalCrossentropy' : 'mse',
      metrics: task === 'classification' ? ['accuracy'] : [],
    });
    const r = model.evaluateLogs(d.rows.x, y);
    const n = d.rows.n;
    out.log(banner(`model ${opts.model} · ${d.title}${d.part ? ` ${d.part}` : ''}, ${int(n)} rows`));
    const lines: [string, string][] = task === 'classification'
      ? [['accuracy', `${percent(r.accuracy)} (${int(Math.round(r.accuracy * n))} / ${int(n)})`], ['loss', fixed(r.loss)]]
      : [['mse', fixed(r.loss)], ['rmse', fixed(Math.sqrt(r.loss))]];
    for (const line of pairs(lines)) out.log(line);
  } finally {
    model.dispose();
  }
}

/** Classification or regression: from the labels file, else from the output layer (softmax = classifier). */
export function modelTask(model: Model, labels: ModelLabels | null): 'classification' | 'regression' {
  if (labels?.task === 'next-character') {
    throw new UsageError(`the model is a next-character text model: generate text with simdnn sample --model <path>`);
  }
  if (labels) return labels.task;
  const last = model.layers[model.layers.length - 1] as { activation?: string };
  return last.activation === 'softmax' ? 'classification' : 'regression';
}

/** Values per input sample. */
export function modelInputs(model: Model): number {
  return sizeOf(model.layers[0].inputShape as number[]);
}

// A file numbers its classes by itself (sorted integers, or strings in order of
// first appearance); translate to the model's numbering through the names.
function classIndices(y: Int32Array, fileNames: string[], modelNames: string[] | undefined, outputs: number): Int32Array {
  if (!modelNames) {
    if (fileNames.length > outputs) {
      throw new ValueError(`evaluate: the data has ${fileNames.length} classes, the model only ${outputs} outputs`);
    }
    return y;
  }
  const map = fileNames.map((name) => {
    const k = modelNames.indexOf(name);
    if (k < 0) throw new ValueError(`evaluate: label ${JSON.stringify(name)} is not one of the model's classes (${modelNames.map((s) => JSON.stringify(s)).join(', ')})`);
    return k;
  });
  return y.map((c) => map[c]);
}
