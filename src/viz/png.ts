// A minimal PNG encoder (8-bit grayscale or RGB) for looking at weights and
// samples. It writes uncompressed ("stored") deflate blocks: a valid zlib
// stream that every decoder reads, with no compressor to ship, so it works the
// same in browsers, workers and Node and adds a few hundred bytes to the
// bundle. Images of filters and digits are small; size does not matter here.
import { ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';

/** Options of filtersToPng(). */
export interface FilterGridOptions {
  /** Width in pixels of one filter; width x height must equal the filter length. */
  width: number;
  /** Height in pixels of one filter. */
  height: number;
  /**
   * How `weights` holds the filters: 'columns' (default) for an inputs x units
   * matrix, each unit's filter a column (the RBM and Dense kernel layout);
   * 'rows' for one filter per row laid end to end.
   */
  layout?: 'columns' | 'rows';
  /** Number of filters to draw, from the first; default all that fit in rows x cols. */
  count?: number;
  /** Grid rows; default enough for every filter given cols. */
  rows?: number;
  /** Grid columns; default ceil(sqrt(count)). */
  cols?: number;
  /** Map each filter's own min..max to black..white ('each', default) or one range for all ('all'). */
  normalize?: 'each' | 'all';
  /** Pixels between tiles; default 1. */
  padding?: number;
  /** Integer magnification of every pixel; default 1. */
  scale?: number;
  /** Gray level (0-255) of the padding; default 0. */
  background?: number;
}

/** Options of imagesToPng(). */
export interface ImageGridOptions {
  /** Width in pixels of one image. */
  width: number;
  /** Height in pixels of one image. */
  height: number;
  /** Grid rows; default enough for every image given cols. */
  rows?: number;
  /** Grid columns; default ceil(sqrt(count)). */
  cols?: number;
  /** Values mapped to black and white: [lo, hi] (default [0, 1], values outside are clipped) or 'auto' (the data's min and max). */
  range?: readonly [number, number] | 'auto';
  /** Pixels between tiles; default 1. */
  padding?: number;
  /** Integer magnification of every pixel; default 1. */
  scale?: number;
  /** Gray level (0-255) of the padding; default 0. */
  background?: number;
}

/**
 * Encodes 8-bit pixels (row-major, `channels` bytes per pixel: 1 gray, 3 RGB,
 * 4 RGBA) as a PNG file.
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 | 4 = 1): Uint8Array {
  const op = 'encodePng';
  checkInt(op, 'width', width, 1, 1 << 16);
  checkInt(op, 'height', height, 1, 1 << 16);
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new ValueError(`${op}: channels must be 1, 3 or 4, got ${describe(channels)}`);
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height * channels) {
    throw new ShapeError(`${op}: pixels must be a Uint8Array of width x height x channels = ${width * height * channels} bytes, got ${describe(pixels)}`);
  }
  // Scanlines, each behind filter type 0 (none).
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  // zlib: header, stored blocks of at most 65535 bytes, Adler-32.
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const z = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  z[0] = 0x78;
  z[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const len = Math.min(65535, raw.length - start);
    z[o++] = b === blocks - 1 ? 1 : 0;
    z[o++] = len & 0xff;
    z[o++] = len >>> 8;
    z[o++] = ~len & 0xff;
    z[o++] = (~len >>> 8) & 0xff;
    z.set(raw.subarray(start, start + len), o);
    o += len;
  }
  const adler = adler32(raw);
  z[o++] = adler >>> 24;
  z[o++] = (adler >>> 16) & 0xff;
  z[o++] = (adler >>> 8) & 0xff;
  z[o++] = adler & 0xff;

  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : channels === 3 ? 2 : 6; // gray, RGB, RGBA
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', z),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Draws filters (each hidden unit's incoming weights) as a grid of grayscale
 * tiles and returns a PNG. With an RBM: filtersToPng(rbm.getWeights().weights,
 * { width: 28, height: 28 }).
 */
export function filtersToPng(weights: ArrayLike<number>, options: FilterGridOptions): Uint8Array {
  const op = 'filtersToPng';
  checkOptions(op, options, ['width', 'height', 'layout', 'count', 'rows', 'cols', 'normalize', 'padding', 'scale', 'background'], 'options');
  const o = gridOptions(op, options);
  const size = o.width * o.height;
  const layout = options.layout ?? 'columns';
  if (layout !== 'columns' && layout !== 'rows') throw new ValueError(`${op}: layout must be 'columns' or 'rows', got ${describe(layout)}`);
  const normalize = options.normalize ?? 'each';
  if (normalize !== 'each' && normalize !== 'all') throw new ValueError(`${op}: normalize must be 'each' or 'all', got ${describe(normalize)}`);
  const w = numbersOf(op, 'weights', weights);
  if (w.length === 0 || w.length % size !== 0) {
    throw new ShapeError(`${op}: weights must hold whole filters of width x height = ${size} values, got ${w.length} values`);
  }
  const total = w.length / size;
  const tiles: Float64Array[] = [];
  const n = Math.min(total, options.count === undefined ? total : checkInt(op, 'count', options.count, 1, total));
  for (let f = 0; f < n; f++) {
    const t = new Float64Array(size);
    for (let i = 0; i < size; i++) t[i] = layout === 'columns' ? w[i * total + f] : w[f * size + i];
    tiles.push(t);
  }
  let ranges: [number, number][];
  if (normalize === 'all') {
    const r = minMax(w);
    ranges = tiles.map(() => r);
  } else {
    ranges = tiles.map(minMax);
  }
  return drawGrid(op, tiles, ranges, o);
}

/**
 * Draws images (rows of width x height values laid end to end, e.g. RBM
 * samples or MNIST digits) as a grid of grayscale tiles and returns a PNG.
 */
export function imagesToPng(images: ArrayLike<number>, options: ImageGridOptions): Uint8Array {
  const op = 'imagesToPng';
  checkOptions(op, options, ['width', 'height', 'rows', 'cols', 'range', 'padding', 'scale', 'background'], 'options');
  const o = gridOptions(op, options);
  const size = o.width * o.height;
  const x = numbersOf(op, 'images', images);
  if (x.length === 0 || x.length % size !== 0) {
    throw new ShapeError(`${op}: images must hold whole images of width x height = ${size} values, got ${x.length} values`);
  }
  let range: [number, number];
  const r = options.range ?? [0, 1];
  if (r === 'auto') range = minMax(x);
  else if (Array.isArray(r) && r.length === 2 && r.every((v) => typeof v === 'number' && Number.isFinite(v)) && r[1] > r[0]) range = [r[0], r[1]];
  else throw new ValueError(`${op}: range must be 'auto' or [lo, hi] with finite lo < hi, got ${describe(r)}`);
  const tiles: Float64Array[] = [];
  for (let t = 0; t < x.length / size; t++) tiles.push(Float64Array.from(x.subarray(t * size, (t + 1) * size)));
  return drawGrid(op, tiles, tiles.map(() => range), o);
}

interface Grid {
  width: number;
  height: number;
  rows?: number;
  cols?: number;
  padding: number;
  scale: number;
  background: number;
}

function gridOptions(op: string, options: FilterGridOptions | ImageGridOptions): Grid {
  if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object with width and height, got ${describe(options)}`);
  return {
    width: checkInt(op, 'width', options.width, 1, 4096),
    height: checkInt(op, 'height', options.height, 1, 4096),
    rows: options.rows === undefined ? undefined : checkInt(op, 'rows', options.rows, 1, 4096),
    cols: options.cols === undefined ? undefined : checkInt(op, 'cols', options.cols, 1, 4096),
    padding: checkInt(op, 'padding', options.padding ?? 1, 0, 64),
    scale: checkInt(op, 'scale', options.scale ?? 1, 1, 64),
    background: checkInt(op, 'background', options.background ?? 0, 0, 255),
  };
}

function drawGrid(op: string, tiles: Float64Array[], ranges: [number, number][], g: Grid): Uint8Array {
  let count = tiles.length;
  const cols = g.cols ?? (g.rows ? Math.ceil(count / g.rows) : Math.ceil(Math.sqrt(count)));
  const rows = g.rows ?? Math.ceil(count / cols);
  count = Math.min(count, rows * cols);
  const pad = g.padding;
  const W = (cols * (g.width + pad) + pad) * g.scale;
  const H = (rows * (g.height + pad) + pad) * g.scale;
  if (W > 1 << 16 || H > 1 << 16) throw new ShapeError(`${op}: the image would be ${W}x${H} pixels, more than PNG readers accept (65536)`);
  const px = new Uint8Array(W * H).fill(g.background);
  for (let t = 0; t < count; t++) {
    const [lo, hi] = ranges[t];
    const span = hi > lo ? hi - lo : 1;
    const x0 = pad + (t % cols) * (g.width + pad);
    const y0 = pad + Math.floor(t / cols) * (g.height + pad);
    const tile = tiles[t];
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        const u = Math.min(1, Math.max(0, (tile[y * g.width + x] - lo) / span));
        const v = Math.round(u * 255);
        for (let sy = 0; sy < g.scale; sy++) {
          const row = ((y0 + y) * g.scale + sy) * W;
          px.fill(v, row + (x0 + x) * g.scale, row + (x0 + x + 1) * g.scale);
        }
      }
    }
  }
  return encodePng(px, W, H, 1);
}

function numbersOf(op: string, name: string, v: ArrayLike<number>): Float64Array {
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') throw new ValueError(`${op}: ${name} must be an array of numbers, got ${describe(v)}`);
  const out = Float64Array.from(v);
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) throw new ValueError(`${op}: ${name}[${i}] must be finite, got ${describe(out[i])}`);
  return out;
}

function minMax(v: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < lo) lo = v[i];
    if (v[i] > hi) hi = v[i];
  }
  return [lo, hi];
}

let crcTable: Uint32Array | null = null;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    // 5552 bytes keep both sums below 2^32 before the modulo.
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
