/// <reference types="node" />
// `simdnn predict`: a saved model run on the rows of a CSV file.
import { readText } from './data.js';
import { writeFileSync } from 'node:fs';
import { ValueError, parseCsvRecords, sizeOf, type CsvRecord, type Tensor } from '../node.js';
import { modelInputs, modelTask } from './evaluate.js';
import { int } from './format.js';
import { loadWithLabels, type ModelLabels } from './model-file.js';
import { DECIMAL, UsageError } from './options.js';
import { banner, type Output } from './output.js';

/** Options of `simdnn predict`, after parsing. */
export interface PredictOptions {
  /** --memory-limit: bytes one call on the loaded model may plan. */
  memoryLimit?: number;
  model: string;
  input: string;
  output?: string;
  labelColumn?: string | number;
}

/** Runs `simdnn predict`: one output row per input row, as CSV on stdout or in --output. */
export async function predict(opts: PredictOptions, out: Output): Promise<void> {
  const { model, labels } = await loadWithLabels(opts.model, opts.memoryLimit);
  try {
    const records = parseCsvRecords(readText(opts.input));
    const header = records.length > 0 && records[0].fields.some((f) => !DECIMAL.test(f.trim()));
    const names = header ? records[0].fields.map((f) => f.trim()) : [];
    const rows = header ? records.slice(1) : records;
    if (rows.length === 0) throw new UsageError(`option '--input <file.csv>' argument '${opts.input}' has no data rows`);
    const inputs = modelInputs(model);
    const columns = featureColumns(opts, labels, header, names, rows[0].fields.length, inputs);
    const x = readFeatures(opts.input, rows, columns, header ? names : null);
    const y = model.predict(x) as Tensor;
    const values = y.toFloat32Array();
    y.dispose();
    const csv = modelTask(model, labels) === 'classification'
      ? classRows(values, sizeOf(model.outputShape), labels?.classNames)
      : valueRows(values, sizeOf(model.outputShape));
    const text = `${csv.join('\n')}\n`;
    if (opts.output === undefined) {
      process.stdout.write(text);
      return;
    }
    writeFileSync(opts.output, text);
    out.log(banner(`model ${opts.model} · ${opts.input}, ${int(rows.length)} rows`));
    out.log(`wrote ${int(rows.length)} predictions to ${opts.output}`);
  } finally {
    model.dispose();
  }
}

/**
 * Which columns of the input are the model's features: all but --label-column
 * when it is given; else, with a header, the training features by name (so
 * extra columns and the label column are ignored) or all but the training
 * label column; else every column.
 */
function featureColumns(opts: PredictOptions, labels: ModelLabels | null, header: boolean, names: string[], width: number, inputs: number): number[] {
  const all = Array.from({ length: width }, (_, i) => i);
  let columns = all;
  if (opts.labelColumn !== undefined) {
    const drop = resolveColumn(opts.labelColumn, header, names, width);
    columns = all.filter((c) => c !== drop);
  } else if (header && labels?.featureNames && labels.featureNames.every((f) => names.includes(f))) {
    columns = labels.featureNames.map((f) => names.indexOf(f));
  } else if (header && labels?.labelName && names.includes(labels.labelName)) {
    columns = all.filter((c) => names[c] !== labels.labelName);
  }
  if (columns.length !== inputs) {
    const hint = opts.labelColumn === undefined ? '; if one column is a label, name it with --label-column' : '';
    throw new UsageError(`option '--input <file.csv>' argument '${opts.input}' has ${columns.length} feature columns, but the model takes ${inputs}${hint}`);
  }
  return columns;
}

/** The 0-based index of a --label-column given by name or index (negative from the end). */
export function resolveColumn(label: string | number, header: boolean, names: string[], width: number): number {
  const bad = (why: string) => new UsageError(`option '--label-column <name|index>' argument '${label}' is invalid. ${why}`);
  if (typeof label === 'number') {
    if (label < -width || label >= width) throw bad(`The input has ${width} columns (indices ${-width} to ${width - 1}).`);
    return label < 0 ? width + label : label;
  }
  if (!header) throw bad('The input has no header row; give a 0-based column index.');
  const c = names.indexOf(label);
  if (c < 0) throw bad(`Not a column; the columns are ${names.map((s) => JSON.stringify(s)).join(', ')}.`);
  return c;
}

/** The numbers in `columns` of every row, checked (the message names the file, row and column). */
export function readFeatures(file: string, rows: CsvRecord[], columns: number[], names: string[] | null): Float32Array {
  const f = columns.length;
  const width = rows[0].fields.length;
  const x = new Float32Array(rows.length * f);
  rows.forEach(({ fields, row }, i) => {
    if (fields.length !== width) throw new ValueError(`${file}: row ${row} has ${fields.length} fields, expected ${width}`);
    columns.forEach((c, j) => {
      const v = fields[c].trim();
      if (!DECIMAL.test(v)) {
        const col = names ? `column ${JSON.stringify(names[c])}` : `column ${c}`;
        throw new ValueError(`${file}: row ${row}, ${col}: expected a number, got ${JSON.stringify(fields[c])}`);
      }
      x[i * f + j] = Number(v);
    });
  });
  return x;
}

function classRows(p: Float32Array, classes: number, names: string[] | undefined): string[] {
  const out = ['class,probability'];
  for (let i = 0; i < p.length / classes; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (p[i * classes + k] > p[i * classes + best]) best = k;
    out.push(`${csvField(names?.[best] ?? String(best))},${p[i * classes + best].toFixed(4)}`);
  }
  return out;
}

// Float32 values to 7 significant digits, the precision they carry.
function valueRows(v: Float32Array, outputs: number): string[] {
  const head = outputs === 1 ? ['value'] : Array.from({ length: outputs }, (_, k) => `value_${k}`);
  const out = [head.join(',')];
  for (let i = 0; i < v.length / outputs; i++) out.push(Array.from(v.subarray(i * outputs, (i + 1) * outputs), (a) => String(Number(a.toPrecision(7)))).join(','));
  return out;
}

function csvField(s: string): string {
  // A spreadsheet runs a cell starting with = + - @ (or a tab / CR before one) as a formula: such a
  // class name is written with a leading apostrophe, as OWASP advises, unless it is a plain number.
  const safe = /^[=+\-@\t\r]/.test(s) && !DECIMAL.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
