/// <reference types="node" />
// Node only: kept apart from csv.ts so the parser can be bundled for browsers without fs.
import { readFileSync } from 'node:fs';
import { ValueError, describe } from '../errors.js';
import { parseCsv, type CsvData, type CsvOptions } from './csv.js';

/** Reads a UTF-8 CSV file and parses it with parseCsv() (Node only). */
export function loadCsv(path: string, options: CsvOptions): CsvData {
  if (typeof path !== 'string' || path === '') throw new ValueError(`loadCsv: path must be a non-empty string, got ${describe(path)}`);
  return parseCsv(readFileSync(path, 'utf8'), options);
}
