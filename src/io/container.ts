/**
 * The single-file form of a saved model (`.simdnn`):
 *
 *   bytes 0..7    magic "SIMDNN\0" then the container version byte 0x01
 *   bytes 8..11   J: byte length of the JSON part, u32 little-endian
 *   bytes 12..    J bytes of UTF-8 JSON: every ModelArtifacts field but
 *                 weightData, followed by spaces so that 12 + J is a multiple
 *                 of 4 (JSON allows trailing whitespace, and the weights then
 *                 start 4-byte aligned, so a reader can view them as float32)
 *   bytes 12+J..  weightData, to the end of the file
 */
import { ValueError, describe } from '../errors.js';
import { checkFormatAndVersion, type ModelArtifacts } from './format.js';
import { formatError, isRecord, parseJSONBytes, show } from './json.js';

/** The first 8 bytes of a .simdnn file: "SIMDNN\0" and the container version 1. */
export const MAGIC: Uint8Array = Uint8Array.of(0x53, 0x49, 0x4d, 0x44, 0x4e, 0x4e, 0x00, 0x01);
/** Magic plus the JSON length. */
const HEADER_BYTES = 12;
/** Largest JSON part accepted: real models need a few kilobytes. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** Packs ModelArtifacts into one file's bytes (the layout is in src/io/container.ts). */
export function encodeModelFile(artifacts: ModelArtifacts): Uint8Array {
  if (!isRecord(artifacts)) throw new ValueError(`encodeModelFile: expected model artifacts, got ${describe(artifacts)}`);
  const { weightData, ...rest } = artifacts;
  if (!(weightData instanceof Uint8Array)) throw new ValueError(`encodeModelFile: weightData must be a Uint8Array, got ${describe(weightData)}`);
  const json = new TextEncoder().encode(JSON.stringify(rest));
  const padded = Math.ceil((HEADER_BYTES + json.length) / 4) * 4 - HEADER_BYTES;
  if (padded > MAX_JSON_BYTES) throw new ValueError(`encodeModelFile: the JSON part is ${padded} bytes, more than the ${MAX_JSON_BYTES} a reader accepts`);
  const out = new Uint8Array(HEADER_BYTES + padded + weightData.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(8, padded, true);
  out.set(json, HEADER_BYTES);
  out.fill(0x20, HEADER_BYTES + json.length, HEADER_BYTES + padded);
  out.set(weightData, HEADER_BYTES + padded);
  return out;
}

/**
 * Unpacks a .simdnn file. Checks the container (magic, lengths, alignment,
 * JSON syntax, format and version) and throws ModelFormatError on any fault;
 * the contents are checked by deserializeModel. weightData is a view into
 * `bytes`, not a copy.
 */
export function decodeModelFile(bytes: Uint8Array): ModelArtifacts {
  return decodeAs('decodeModelFile', bytes);
}

/** decodeModelFile() with the operation name used in messages (loadModel passes its own). */
export function decodeAs(op: string, bytes: Uint8Array): ModelArtifacts {
  if (!(bytes instanceof Uint8Array)) throw formatError(op, '', `expected the file's bytes as a Uint8Array, got ${show(bytes)}`);
  if (bytes.length < HEADER_BYTES) {
    throw formatError(op, '', `the file is ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header (truncated, or not a simdnn model)`);
  }
  const magicOk = MAGIC.every((b, i) => bytes[i] === b);
  if (!magicOk) {
    if (MAGIC.subarray(0, 7).every((b, i) => bytes[i] === b)) {
      throw formatError(op, 'bytes 0-7', `container version ${bytes[7]}; this simdnn reads version ${MAGIC[7]} (saved by a newer simdnn?)`);
    }
    const hex = (a: ArrayLike<number>) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw formatError(op, 'bytes 0-7', `not a simdnn model file: expected the magic ${hex(MAGIC)} ("SIMDNN\\0\\x01"), got ${hex(bytes.subarray(0, 8))}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(8, true);
  if (jsonLength > MAX_JSON_BYTES) throw formatError(op, 'bytes 8-11', `JSON length ${jsonLength} is more than the ${MAX_JSON_BYTES} accepted`);
  const end = HEADER_BYTES + jsonLength;
  if (end > bytes.length) {
    throw formatError(op, 'bytes 8-11', `JSON length ${jsonLength} runs past the end of the file (${bytes.length} bytes; truncated?)`);
  }
  if (end % 4 !== 0) throw formatError(op, 'bytes 8-11', `JSON length ${jsonLength} puts the weights at byte ${end}, which is not 4-byte aligned`);
  const json = parseJSONBytes(op, 'JSON', bytes.subarray(HEADER_BYTES, end), HEADER_BYTES);
  if (!isRecord(json)) throw formatError(op, 'JSON', `must be an object, got ${show(json)}`);
  checkFormatAndVersion(op, json);
  return { ...json, weightData: bytes.subarray(end) } as unknown as ModelArtifacts;
}
