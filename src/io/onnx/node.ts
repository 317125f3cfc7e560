/// <reference types="node" />
// Writing ONNX files (Node only: it imports node:fs).
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValueError, describe } from '../../errors.js';
import type { Model } from '../../models/model.js';
import { encodeOnnx } from './export.js';

/**
 * Writes a built model as an ONNX file (opset 13; see toOnnx), through a
 * temporary file renamed into place. Returns the number of bytes written.
 */
export function saveOnnx(model: Model, path: string): number {
  if (typeof path !== 'string' || path === '') throw new ValueError(`saveOnnx: path must be a non-empty string, got ${describe(path)}`);
  const bytes = encodeOnnx(model, 'saveOnnx');
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw err;
  }
  return bytes.length;
}
