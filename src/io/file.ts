/// <reference types="node" />
// Node only: reading a file named by a caller, who may be hostile. The file is
// opened without blocking (a FIFO or a device with nobody at the other end
// would otherwise hang the open or the read for ever), then judged by fstat on
// the open descriptor (no window between the check and the read): only a
// regular file of at most `max` bytes is read.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Why a file could not be read, for the caller to turn into its own error type. */
export class FileReadProblem extends Error {}

/** Reads a regular file of at most `max` bytes; anything else throws FileReadProblem with a reason (no path: callers add theirs). */
export function readRegularFile(path: string, max: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new FileReadProblem(`cannot be read: ${reason(err)}`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new FileReadProblem(info.isDirectory() ? 'is a directory, not a file' : 'is not a regular file (a FIFO, socket or device)');
    if (info.size > max) throw new FileReadProblem(`is ${info.size} bytes, more than the ${max} accepted`);
    const out = new Uint8Array(info.size);
    let read = 0;
    while (read < info.size) {
      const n = readSync(fd, out, read, info.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return read === info.size ? out : out.subarray(0, read);
  } catch (err) {
    if (err instanceof FileReadProblem) throw err;
    throw new FileReadProblem(`cannot be read: ${reason(err)}`);
  } finally {
    closeSync(fd);
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
