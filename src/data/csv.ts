// Browser-safe: no Node imports here (loadCsv, which reads files, lives in csv-node.ts).
//
// The parser is written here rather than taken from a package: the library has
// no runtime dependencies, the rollup bundle does not resolve bare imports, and
// what is needed (RFC 4180 quoting, CRLF, a delimiter, line numbers for error
// messages) is one small scanner.
import { ShapeError, ValueError, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';

/** Options of parseCsv(). */
export interface CsvOptions {
  /** The label column: its header name, or a 0-based index (negative counts from the end, -1 = last). */
  labelColumn: string | number;
  /** Whether the first record names the columns; default true. */
  header?: boolean;
  /** One character between fields; default ','. */
  delimiter?: string;
}

/** A parsed table: every column but the label is a float32 feature. */
export interface CsvData {
  /** Features, row-major, n x features, in column order with the label column left out. */
  x: Float32Array;
  /** Class indices into classNames (Int32Array), or regression targets (Float32Array); see parseCsv. */
  y: Int32Array | Float32Array;
  /** Number of data rows. */
  n: number;
  /** Number of feature columns. */
  features: number;
  /** Shape of one sample: [features]. */
  shape: number[];
  /** Header names of the feature columns, or their 0-based column indices as strings without a header. */
  featureNames: string[];
  /** Header name of the label column, or its 0-based index as a string without a header. */
  labelName: string;
  /** For classification: the label of each class index. Absent for regression. */
  classNames?: string[];
  /** For classification: classNames.length. Absent for regression. */
  classes?: number;
}

/** One record of a CSV text. */
export interface CsvRecord {
  /** The fields, unquoted, whitespace kept. */
  fields: string[];
  /** 1-based line of the text on which the record starts. */
  row: number;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

// A decimal number as people write them in CSV files: no hex, no "Infinity",
// no empty string (all of which Number() would accept).
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Splits a CSV text into records (RFC 4180): fields in double quotes may hold
 * the delimiter, line breaks and doubled quotes (""); a quote that does not
 * open a field is an ordinary character. Lines end in LF, CRLF or CR; a
 * leading byte-order mark is dropped; blank (or whitespace-only) lines are skipped.
 */
export function parseCsvRecords(text: string, options: { delimiter?: string } = {}): CsvRecord[] {
  checkOptions('parseCsvRecords', options, ['delimiter'], 'options');
  const out: CsvRecord[] = [];
  scan('parseCsvRecords', checkText('parseCsvRecords', text), checkDelimiter('parseCsvRecords', options.delimiter ?? ','), (fields, row) => {
    out.push({ fields, row });
  });
  return out;
}

/**
 * Parses a CSV text into float32 features and labels. Rows are named in
 * errors by the 1-based line on which they start (the header is row 1).
 * Surrounding whitespace of header names, numbers and labels is ignored.
 *
 * Labels follow one rule, decided over the whole column:
 * - every label an integer (e.g. "0", "3", "-1", "2.0"): classification; the
 *   distinct values sorted numerically are classNames, y holds their index
 *   (labels 1, 2, 3 give y 0, 1, 2 and classNames ["1", "2", "3"]);
 * - every label a number, some not integers: regression, y is a Float32Array
 *   of the values and there are no classNames;
 * - otherwise: classification over the label strings, classes numbered in
 *   order of first appearance.
 */
export function parseCsv(text: string, options: CsvOptions): CsvData {
  const op = 'parseCsv';
  checkText(op, text);
  checkOptions(op, options, ['labelColumn', 'header', 'delimiter'], 'options');
  if (options === null || typeof options !== 'object') {
    throw new ValueError(`${op}: options must be an object with a labelColumn, got ${describe(options)}`);
  }
  const { labelColumn, header = true } = options;
  const delimiter = checkDelimiter(op, options.delimiter ?? ',');
  if (typeof header !== 'boolean') throw new ValueError(`${op}: header must be a boolean, got ${describe(header)}`);

  let width = -1;
  let firstRow = 0;
  let names: string[] = [];
  let labelIndex = -1;
  const colName = (c: number): string => (header ? `column ${JSON.stringify(names[c])}` : `column ${c}`);

  let x = new Float32Array(1024);
  let used = 0;
  const labels: string[] = [];

  const start = (fields: string[], row: number): void => {
    width = fields.length;
    firstRow = row;
    if (width < 2) {
      throw new ShapeError(`${op}: row ${row} has ${width} field, need at least 2 (features and a label)`);
    }
    names = header ? fields.map((f) => f.trim()) : fields.map((_, i) => String(i));
    labelIndex = resolveLabel(op, labelColumn, names, header);
  };

  const addRow = (fields: string[], row: number): void => {
    if (fields.length !== width) {
      throw new ShapeError(`${op}: row ${row} has ${fields.length} fields, expected ${width} as in row ${firstRow}`);
    }
    if (used + width - 1 > x.length) {
      const grown = new Float32Array(Math.max(x.length * 2, used + width));
      grown.set(x.subarray(0, used));
      x = grown;
    }
    for (let c = 0; c < width; c++) {
      if (c === labelIndex) continue;
      const f = fields[c].trim();
      if (!NUMBER.test(f)) {
        throw new ValueError(`${op}: row ${row}, ${colName(c)}: expected a number, got ${JSON.stringify(fields[c])}`);
      }
      const v = Math.fround(Number(f));
      if (!Number.isFinite(v)) {
        throw new ValueError(`${op}: row ${row}, ${colName(c)}: ${JSON.stringify(fields[c])} is outside the float32 range`);
      }
      x[used++] = v;
    }
    const label = fields[labelIndex].trim();
    if (label === '') throw new ValueError(`${op}: row ${row}, ${colName(labelIndex)}: the label is empty`);
    labels.push(label);
  };

  scan(op, text, delimiter, (fields, row) => {
    if (width < 0) {
      start(fields, row);
      if (header) return;
    }
    addRow(fields, row);
  });

  if (width < 0) throw new ValueError(`${op}: text has no rows`);
  const n = labels.length;
  if (n === 0) throw new ValueError(`${op}: no data rows after the header (row ${firstRow})`);
  const features = width - 1;
  const data: CsvData = {
    x: x.slice(0, n * features),
    y: new Int32Array(0),
    n,
    features,
    shape: [features],
    featureNames: names.filter((_, c) => c !== labelIndex),
    labelName: names[labelIndex],
  };
  const encoded = encodeLabels(labels);
  data.y = encoded.y;
  if (encoded.classNames) {
    data.classNames = encoded.classNames;
    data.classes = encoded.classNames.length;
  }
  return data;
}

function encodeLabels(labels: string[]): { y: Int32Array | Float32Array; classNames?: string[] } {
  const n = labels.length;
  const numeric = labels.every((l) => NUMBER.test(l) && Number.isFinite(Number(l)));
  if (numeric) {
    const values = labels.map(Number);
    if (!values.every(Number.isInteger)) return { y: Float32Array.from(values) };
    const distinct = [...new Set(values)].sort((a, b) => a - b);
    const index = new Map(distinct.map((v, i) => [v, i]));
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) y[i] = index.get(values[i])!;
    return { y, classNames: distinct.map(String) };
  }
  const index = new Map<string, number>();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = index.get(labels[i]);
    if (c === undefined) {
      c = index.size;
      index.set(labels[i], c);
    }
    y[i] = c;
  }
  return { y, classNames: [...index.keys()] };
}

function resolveLabel(op: string, labelColumn: unknown, names: string[], header: boolean): number {
  const width = names.length;
  const list = names.map((s) => JSON.stringify(s)).join(', ');
  if (typeof labelColumn === 'number') {
    if (!Number.isInteger(labelColumn) || labelColumn < -width || labelColumn >= width) {
      throw new ValueError(`${op}: labelColumn must be a column index in [${-width}, ${width - 1}] for ${width} columns, got ${describe(labelColumn)}`);
    }
    return labelColumn < 0 ? width + labelColumn : labelColumn;
  }
  if (typeof labelColumn !== 'string') {
    throw new ValueError(`${op}: labelColumn must be a column name or index, got ${describe(labelColumn)}`);
  }
  if (!header) {
    throw new ValueError(`${op}: labelColumn ${JSON.stringify(labelColumn)} is a name but header is false; give a 0-based column index`);
  }
  const hits = names.flatMap((s, i) => (s === labelColumn ? [i] : []));
  if (hits.length === 0) throw new ValueError(`${op}: labelColumn ${JSON.stringify(labelColumn)} is not a column; the columns are ${list}`);
  if (hits.length > 1) {
    throw new ValueError(`${op}: labelColumn ${JSON.stringify(labelColumn)} names ${hits.length} columns (indices ${hits.join(', ')}); give an index instead`);
  }
  return hits[0];
}

function checkText(op: string, text: unknown): string {
  if (typeof text !== 'string') throw new ValueError(`${op}: text must be a string, got ${describe(text)}`);
  return text;
}

function checkDelimiter(op: string, delimiter: unknown): string {
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new ValueError(`${op}: delimiter must be one character other than a quote or a line break, got ${describe(delimiter)}`);
  }
  return delimiter;
}

/**
 * The scanner behind parseCsvRecords and parseCsv: calls onRecord with each
 * non-blank record and the line it starts on, without keeping the records, so
 * parseCsv holds only the float32 features of a large file, not its strings.
 */
function scan(op: string, text: string, delimiter: string, onRecord: (fields: string[], row: number) => void): void {
  const len = text.length;
  const delim = delimiter.charCodeAt(0);
  let i = len > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < len) {
    const row = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      if (i < len && text.charCodeAt(i) === QUOTE) {
        quoted = true;
        const openedOn = line;
        let value = '';
        let chunk = ++i;
        for (;;) {
          if (i >= len) throw new ValueError(`${op}: row ${row}: the quoted field opened on line ${openedOn} is never closed`);
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            if (i + 1 < len && text.charCodeAt(i + 1) === QUOTE) {
              value += text.slice(chunk, i + 1);
              i += 2;
              chunk = i;
              continue;
            }
            value += text.slice(chunk, i);
            i++;
            break;
          }
          if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) line++;
          i++;
        }
        fields.push(value);
        if (i < len) {
          const c = text.charCodeAt(i);
          if (c === delim) {
            i++;
            continue;
          }
          if (c !== CR && c !== LF) {
            throw new ValueError(
              `${op}: row ${row}: unexpected ${JSON.stringify(text[i])} after the closing quote of field ${fields.length} on line ${line}; a quote inside a quoted field is written ""`,
            );
          }
        }
        break;
      }
      let j = i;
      while (j < len) {
        const c = text.charCodeAt(j);
        if (c === delim || c === CR || c === LF) break;
        j++;
      }
      fields.push(text.slice(i, j));
      i = j;
      if (i < len && text.charCodeAt(i) === delim) {
        i++;
        continue;
      }
      break;
    }
    if (i < len) {
      if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i++;
      i++;
      line++;
    }
    if (quoted || fields.length > 1 || fields[0].trim() !== '') onRecord(fields, row);
  }
}
