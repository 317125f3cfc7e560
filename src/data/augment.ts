// Browser-safe: plain typed-array copies, no Node imports.
import { ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';

/** Options of shiftAugment(). */
export interface ShiftAugmentOptions {
  /** Image width in pixels (required). */
  width: number;
  /** Image height in pixels (required). */
  height: number;
  /** Values per pixel, interleaved (HWC, as in a Dataset's shape [height, width, channels]); default 1. */
  channels?: number;
  /**
   * Pixel offsets [dx, dy] of the shifted copies: +dx moves the content right,
   * +dy moves it down. Default: one pixel right, left, down and up.
   */
  shifts?: readonly (readonly [number, number])[];
  /** Put the unshifted image before its shifted copies; default true. */
  keepOriginal?: boolean;
}

/** What shiftAugment() returns: the augmented rows and their count. */
export interface Augmented<Y extends Int32Array | Float32Array> {
  /** Images, row-major, n x (width * height * channels). */
  x: Float32Array;
  /** One label per image, copied from the source image. */
  y: Y;
  /** Number of images. */
  n: number;
}

const DEFAULT_SHIFTS: readonly (readonly [number, number])[] = [[1, 0], [-1, 0], [0, 1], [0, -1]];

/**
 * Adds translated copies of every image (data augmentation): each copy is the
 * image moved by [dx, dy] pixels, with the pixels shifted in set to 0. The
 * copies of image i are contiguous and in `shifts` order, after the original
 * when keepOriginal is set, so a validation split taken from the end of the
 * result holds only copies of the last images, never of a training image.
 */
export function shiftAugment<Y extends Int32Array | Float32Array>(x: Float32Array, y: Y, options: ShiftAugmentOptions): Augmented<Y> {
  const op = 'shiftAugment';
  checkOptions(op, options, ['width', 'height', 'channels', 'shifts', 'keepOriginal'], 'options');
  if (options === null || typeof options !== 'object') {
    throw new ValueError(`${op}: options must be an object with width and height, got ${describe(options)}`);
  }
  const { width, height, channels = 1, shifts = DEFAULT_SHIFTS, keepOriginal = true } = options;
  checkInt(op, 'width', width, 1);
  checkInt(op, 'height', height, 1);
  checkInt(op, 'channels', channels, 1);
  if (typeof keepOriginal !== 'boolean') throw new ValueError(`${op}: keepOriginal must be a boolean, got ${describe(keepOriginal)}`);
  if (!Array.isArray(shifts)) throw new ValueError(`${op}: shifts must be an array of [dx, dy] pairs, got ${describe(shifts)}`);
  shifts.forEach((s, i) => {
    if (!Array.isArray(s) || s.length !== 2) throw new ValueError(`${op}: shifts[${i}] must be a pair [dx, dy], got ${describe(s)}`);
    // A shift of a whole width or height would leave an all-zero image.
    checkInt(op, `shifts[${i}][0] (dx)`, s[0], -(width - 1), width - 1);
    checkInt(op, `shifts[${i}][1] (dy)`, s[1], -(height - 1), height - 1);
  });
  const copies = shifts.length + (keepOriginal ? 1 : 0);
  if (copies === 0) throw new ValueError(`${op}: shifts is empty and keepOriginal is false, so there is nothing to output`);

  if (!(x instanceof Float32Array)) throw new ValueError(`${op}: x must be a Float32Array, got ${describe(x)}`);
  const size = width * height * channels;
  if (x.length % size !== 0) {
    throw new ShapeError(`${op}: x has ${x.length} values, not a whole number of ${height} x ${width} x ${channels} = ${size}-value images`);
  }
  const n = x.length / size;
  if (!(y instanceof Int32Array || y instanceof Float32Array)) {
    throw new ValueError(`${op}: y must be an Int32Array or Float32Array, got ${describe(y)}`);
  }
  if (y.length !== n) throw new ShapeError(`${op}: y must hold one label per image (${n}), got ${y.length}`);
  const total = n * copies;
  if (total * size > 2 ** 31 - 1) {
    throw new ValueError(`${op}: ${n} images x ${copies} copies x ${size} values is more than a Float32Array can hold`);
  }

  const outX = new Float32Array(total * size);
  const outY = (y instanceof Int32Array ? new Int32Array(total) : new Float32Array(total)) as Y;
  const rowLen = width * channels;
  let dst = 0;
  for (let i = 0; i < n; i++) {
    const src = x.subarray(i * size, (i + 1) * size);
    if (keepOriginal) {
      outX.set(src, dst * size);
      outY[dst++] = y[i];
    }
    for (const [dx, dy] of shifts) {
      // Output pixel (r, c) takes input pixel (r - dy, c - dx); each output row
      // is one contiguous run of the input row, the rest stays 0.
      const base = dst * size;
      const run = (width - Math.abs(dx)) * channels;
      const from = Math.max(0, -dx) * channels;
      const to = Math.max(0, dx) * channels;
      for (let r = Math.max(0, dy); r < Math.min(height, height + dy); r++) {
        const s = (r - dy) * rowLen + from;
        outX.set(src.subarray(s, s + run), base + r * rowLen + to);
      }
      outY[dst++] = y[i];
    }
  }
  return { x: outX, y: outY, n: total };
}
