/// <reference types="node" />
// Node only: kept apart from csv.ts so the parser can be bundled for browsers without fs.
import { ValueError, describe } from '../errors.js';
import { FileReadProblem, readRegularFile } from '../io/file.js';
import { parseCsv, type CsvData, type CsvOptions } from './csv.js';

/** Reads a UTF-8 CSV file and parses it with parseCsv() (Node only). */
export function loadCsv(path: string, options: CsvOptions): CsvData {
  if (typeof path !== 'string' || path === '') throw new ValueError(`loadCsv: path must be a non-empty string, got ${describe(path)}`);
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(path, MAX_CSV_BYTES);
  } catch (err) {
    if (err instanceof FileReadProblem) throw new ValueError(`loadCsv: ${describe(path)} ${err.message}`);
    throw err;
  }
  return parseCsv(new TextDecoder().decode(bytes), options);
}

/** Largest CSV file loadCsv reads (a JavaScript string holds at most about 2^29 characters). */
export const MAX_CSV_BYTES = 2 ** 29;
