// An RGB raster for the explain pictures (heatmaps, triptychs, histograms,
// decision regions): rectangles, lines, discs, images through a colour map,
// and captions in a 3x5 pixel font, encoded by the PNG writer in png.ts. It
// draws what a plot needs and no more, so it adds no dependency.
import { ValueError, checkInt } from '../errors.js';
import { encodePng } from './png.js';

/** An RGB colour, 0-255 each. */
export type RGB = readonly [number, number, number];

/** Colour maps from [0, 1] to RGB: 'gray'; 'heat' (black, red, yellow, white) for magnitudes; 'diverging' (blue, white, red; 0.5 is white) for signed values. */
export type ColorMap = 'gray' | 'heat' | 'diverging';

/** Ten distinguishable class colours (the Tableau 10 palette). */
export const CLASS_COLORS: readonly RGB[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

const STOPS: Record<Exclude<ColorMap, 'gray'>, readonly (readonly [number, RGB])[]> = {
  heat: [[0, [0, 0, 0]], [0.35, [190, 20, 10]], [0.7, [255, 200, 20]], [1, [255, 255, 255]]],
  diverging: [[0, [33, 102, 172]], [0.25, [146, 197, 222]], [0.5, [247, 247, 247]], [0.75, [244, 165, 130]], [1, [178, 24, 43]]],
};

/** The colour of u in [0, 1] (clamped) under a map. */
export function colorOf(map: ColorMap, u: number): RGB {
  const v = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0;
  if (map === 'gray') {
    const g = Math.round(v * 255);
    return [g, g, g];
  }
  const stops = STOPS[map];
  let i = 1;
  while (i < stops.length - 1 && v > stops[i][0]) i++;
  const [a, ca] = stops[i - 1];
  const [b, cb] = stops[i];
  const t = (v - a) / (b - a);
  return [0, 1, 2].map((j) => Math.round(ca[j] + t * (cb[j] - ca[j]))) as unknown as RGB;
}

/** Mixes two colours: (1 − t) a + t b. */
export function mix(a: RGB, b: RGB, t: number): RGB {
  return [0, 1, 2].map((j) => Math.round(a[j] + t * (b[j] - a[j]))) as unknown as RGB;
}

// 3x5 glyphs, one string of 15 pixels (rows top to bottom) per character.
const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001001001001', '8': '111101111101111', '9': '111101111001111',
  a: '000011101101011', b: '100110101101110', c: '000011100100011', d: '001011101101011', e: '000011111100011',
  f: '011100110100100', g: '011101011001110', h: '100110101101101', i: '010000010010010', j: '001000001101010',
  k: '100101110101101', l: '110010010010111', m: '000111111101101', n: '000110101101101', o: '000010101101010',
  p: '000110101110100', q: '000011101011001', r: '000011100100100', s: '000011110011110', t: '010111010010011',
  u: '000101101101011', v: '000101101101010', w: '000101101111111', x: '000101010101101', y: '000101011001110',
  z: '000111001100111', '.': '000000000000010', ',': '000000000010100', '-': '000000111000000', '+': '000010111010000',
  '>': '100010001010100', '<': '001010100010001', '%': '101001010100101', ':': '000010000010000', '/': '001001010100100',
  '=': '000111000111000', '(': '010100100100010', ')': '010001001001010', '_': '000000000000111', '^': '010101000000000',
  ' ': '000000000000000', '?': '111001011000010', '!': '010010010000010', '*': '000101010101000', '|': '010010010010010',
};

/** Width in pixels of a caption in the 3x5 font at a scale. */
export function textWidth(s: string, scale = 1): number {
  return s.length === 0 ? 0 : (s.length * 4 - 1) * scale;
}

/** An RGB image being drawn. */
export class Canvas {
  readonly width: number;
  readonly height: number;
  /** Row-major RGB bytes. */
  readonly px: Uint8Array;

  constructor(width: number, height: number, background: RGB = [255, 255, 255]) {
    this.width = checkInt('Canvas', 'width', width, 1, 1 << 16);
    this.height = checkInt('Canvas', 'height', height, 1, 1 << 16);
    if (width * height > 1 << 26) throw new ValueError(`Canvas: ${width}x${height} pixels is too large a picture`);
    this.px = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets one pixel (outside the canvas: ignored). */
  set(x: number, y: number, c: RGB): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.px[i] = c[0];
    this.px[i + 1] = c[1];
    this.px[i + 2] = c[2];
  }

  /** Fills a rectangle, clipped to the canvas. */
  fillRect(x: number, y: number, w: number, h: number, c: RGB): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = (yy * this.width + xx) * 3;
        this.px[i] = c[0];
        this.px[i + 1] = c[1];
        this.px[i + 2] = c[2];
      }
    }
  }

  /** A one-pixel line (Bresenham). */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB): void {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (let guard = 0; guard <= dx - dy + 1; guard++) {
      this.set(x0, y0, c);
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** A filled disc with an optional outline ring one pixel wide. */
  disc(cx: number, cy: number, r: number, fill: RGB, outline?: RGB): void {
    const R = r + (outline ? 1 : 0);
    for (let y = Math.floor(cy - R); y <= Math.ceil(cy + R); y++) {
      for (let x = Math.floor(cx - R); x <= Math.ceil(cx + R); x++) {
        const d = Math.hypot(x - cx, y - cy);
        if (d <= r) this.set(x, y, fill);
        else if (outline && d <= R) this.set(x, y, outline);
      }
    }
  }

  /** A caption in the 3x5 font (lower case; unknown characters are drawn as '?'), top-left at (x, y). */
  text(x: number, y: number, s: string, c: RGB, scale = 1): void {
    let at = x;
    for (const ch of s.toLowerCase()) {
      const g = GLYPHS[ch] ?? GLYPHS['?'];
      for (let gy = 0; gy < 5; gy++) {
        for (let gx = 0; gx < 3; gx++) if (g[gy * 3 + gx] === '1') this.fillRect(at + gx * scale, y + gy * scale, scale, scale, c);
      }
      at += 4 * scale;
    }
  }

  /**
   * Draws w x h values (row-major) at (x, y), each pixel `scale` wide, the
   * value v shown as color((v − lo) / (hi − lo)).
   */
  image(x: number, y: number, values: ArrayLike<number>, w: number, h: number, lo: number, hi: number, color: (u: number) => RGB, scale = 1): void {
    const span = hi > lo ? hi - lo : 1;
    for (let yy = 0; yy < h; yy++) {
      for (let xx = 0; xx < w; xx++) this.fillRect(x + xx * scale, y + yy * scale, scale, scale, color((values[yy * w + xx] - lo) / span));
    }
  }

  /** The picture as a PNG file. */
  toPng(): Uint8Array {
    return encodePng(this.px, this.width, this.height, 3);
  }
}
