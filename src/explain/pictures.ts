// Pictures of what explain computes, as PNG files: saliency heatmaps beside
// (or over) their inputs, original / adversarial / difference triptychs with
// the predictions, activation maps as grids, and histograms of activations
// and of gradient norms. People would rather look at these than read them.
import { ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { Tensor, sizeOf } from '../tensor.js';
import { filtersToPng } from '../viz/png.js';
import { Canvas, colorOf, mix, textWidth, type ColorMap, type RGB } from '../viz/canvas.js';
import { checkOptions } from '../util/options.js';
import type { FlipReport } from './adversarial.js';
import type { LayerActivationStats } from './activations.js';
import type { LayerGradientStats } from './gradient-stats.js';

/** Values of one or more samples: a Tensor, nested arrays or a flat typed array. */
export type PictureValues = Tensor | ArrayLike<number> | readonly unknown[];

/** Options of saliencyToPng(). */
export interface SaliencyPngOptions {
  /** Width and height of one map in values. */
  width: number;
  height: number;
  /** The inputs the maps explain, drawn in gray beside (or under, with overlay) each map: h x w or h x w x c values each (channels are averaged). */
  images?: PictureValues;
  /** Blend each map over its image instead of drawing them side by side. Default false. */
  overlay?: boolean;
  /** Default 'heat' for maps without negative values, 'diverging' (blue negative, red positive) otherwise. */
  colormap?: ColorMap;
  /** Grid columns (samples per row). Default ceil(sqrt(n)). */
  cols?: number;
  /** Pixels per value. Default 4. */
  scale?: number;
}

/** Options of adversarialToPng(). */
export interface AdversarialPngOptions {
  width: number;
  height: number;
  /** Values per pixel (averaged to gray). Default 1. */
  channels?: number;
  /** The attack's report: its predictions are written under each image (a flip in red). */
  report?: FlipReport;
  /** Range of the input values drawn black..white. Default [0, 1]. */
  range?: [number, number];
  /** Samples drawn (from the first). Default all. */
  count?: number;
  /** Triptychs per row. Default 1 for up to 4 samples, else 2. */
  cols?: number;
  /** Pixels per value. Default 4. */
  scale?: number;
}

/** Options of activationMapsToPng(). */
export interface ActivationMapsPngOptions {
  /** Which sample of a batch. Default 0. */
  sample?: number;
  /** Per-sample shape [h, w, c] (or [w, c], or [units]) when the values are not a Tensor. */
  shape?: number[];
  /** Grid columns. Default ceil(sqrt(channels)). */
  cols?: number;
  /** Pixels per value. Default 4. */
  scale?: number;
}

/** Options of the histogram pictures. */
export interface HistogramPngOptions {
  /** Width of each panel in pixels. Default 360. */
  width?: number;
  /** Height of each panel's bars in pixels. Default 90. */
  height?: number;
  /** Counts on a log scale (log(1 + count)). Default false. */
  log?: boolean;
}

const INK: RGB = [40, 40, 40];
const GRID: RGB = [200, 200, 200];
const WHITE: RGB = [255, 255, 255];
const RED: RGB = [200, 30, 30];

/**
 * Saliency maps as a PNG grid: each map normalised on its own (magnitudes
 * 0..max, signed maps −max|v|..max|v| with white at 0), beside its input
 * image when `images` is given.
 */
export function saliencyToPng(maps: PictureValues, options: SaliencyPngOptions): Uint8Array {
  const op = 'explain.saliencyToPng';
  const o = checkOptions(op, options, ['width', 'height', 'images', 'overlay', 'colormap', 'cols', 'scale'], 'options');
  const w = checkInt(op, 'width', o.width, 1, 4096);
  const h = checkInt(op, 'height', o.height, 1, 4096);
  const m = valuesOf(op, 'maps', maps);
  if (m.length === 0 || m.length % (w * h) !== 0) throw new ShapeError(`${op}: maps must hold whole maps of width x height = ${w * h} values, got ${m.length}`);
  const n = m.length / (w * h);
  let signed = false;
  for (let i = 0; i < m.length; i++) if (m[i] < 0) signed = true;
  const cmap = o.colormap ?? (signed ? 'diverging' : 'heat');
  if (!['gray', 'heat', 'diverging'].includes(cmap)) throw new ValueError(`${op}: colormap must be 'gray', 'heat' or 'diverging', got ${describe(cmap)}`);
  const images = o.images === undefined ? null : grayImages(op, 'images', valuesOf(op, 'images', o.images), n, w * h);
  const overlay = o.overlay ?? false;
  const s = checkInt(op, 'scale', o.scale ?? 4, 1, 64);
  const cols = checkInt(op, 'cols', o.cols ?? Math.ceil(Math.sqrt(n)), 1, 4096);
  const tiles = images && !overlay ? 2 : 1;
  const pad = 2 * s;
  const tileW = tiles * w * s + (tiles - 1) * s;
  const rows = Math.ceil(n / cols);
  const c = new Canvas(cols * (tileW + pad) + pad, rows * (h * s + pad) + pad, WHITE);
  for (let i = 0; i < n; i++) {
    const x0 = pad + (i % cols) * (tileW + pad);
    const y0 = pad + Math.floor(i / cols) * (h * s + pad);
    const map = m.subarray(i * w * h, (i + 1) * w * h);
    let top = 0;
    for (const v of map) top = Math.max(top, Math.abs(v));
    top = top || 1;
    const u = (v: number) => (cmap === 'diverging' ? 0.5 + v / (2 * top) : cmap === 'heat' && signed ? Math.abs(v) / top : v / top);
    const img = images ? images.subarray(i * w * h, (i + 1) * w * h) : null;
    if (img && !overlay) c.image(x0, y0, img, w, h, 0, 1, (g) => colorOf('gray', g), s);
    const mx = img && !overlay ? x0 + w * s + s : x0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = map[y * w + x];
        let color = colorOf(cmap, u(v));
        if (img && overlay) {
          // The gray image, dimmed, shows through where the map is weak.
          const g = colorOf('gray', 0.25 + 0.5 * img[y * w + x]);
          color = mix(g, color, Math.min(1, Math.abs(v) / top));
        }
        c.fillRect(mx + x * s, y0 + y * s, s, s, color);
      }
    }
  }
  return c.toPng();
}

/**
 * Original, adversarial and difference images side by side for each sample
 * (the difference in blue / red around white, scaled to the largest change),
 * with the predictions before and after under them when a report is given:
 * a prediction the attack flipped is written in red.
 */
export function adversarialToPng(original: PictureValues, adversarial: PictureValues, options: AdversarialPngOptions): Uint8Array {
  const op = 'explain.adversarialToPng';
  const o = checkOptions(op, options, ['width', 'height', 'channels', 'report', 'range', 'count', 'cols', 'scale'], 'options');
  const w = checkInt(op, 'width', o.width, 1, 4096);
  const h = checkInt(op, 'height', o.height, 1, 4096);
  const ch = checkInt(op, 'channels', o.channels ?? 1, 1, 64);
  const a = valuesOf(op, 'original', original);
  const b = valuesOf(op, 'adversarial', adversarial);
  if (a.length !== b.length || a.length === 0 || a.length % (w * h * ch) !== 0) {
    throw new ShapeError(`${op}: original and adversarial must hold the same whole images of ${w}x${h}x${ch} values, got ${a.length} and ${b.length}`);
  }
  const total = a.length / (w * h * ch);
  const n = Math.min(total, o.count === undefined ? total : checkInt(op, 'count', o.count, 1, total));
  const [lo, hi] = o.range ?? [0, 1];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new ValueError(`${op}: range must be [lo, hi] with lo < hi, got ${describe(o.range)}`);
  const ga = grayImages(op, 'original', a, total, w * h, [lo, hi]);
  const gb = grayImages(op, 'adversarial', b, total, w * h, [lo, hi]);
  const report = o.report;
  const s = checkInt(op, 'scale', o.scale ?? 4, 1, 64);
  const cols = checkInt(op, 'cols', o.cols ?? (n <= 4 ? 1 : 2), 1, 64);
  const pad = 2 * s;
  const caption = report ? 5 * s + 2 * s : 0;
  const tripW = 3 * w * s + 2 * s;
  const rows = Math.ceil(n / cols);
  const c = new Canvas(cols * (tripW + 3 * pad) + pad, rows * (h * s + caption + pad) + pad, WHITE);
  for (let i = 0; i < n; i++) {
    const x0 = pad + (i % cols) * (tripW + 3 * pad);
    const y0 = pad + Math.floor(i / cols) * (h * s + caption + pad);
    const ia = ga.subarray(i * w * h, (i + 1) * w * h);
    const ib = gb.subarray(i * w * h, (i + 1) * w * h);
    let top = 0;
    const diff = new Float32Array(w * h);
    for (let p = 0; p < w * h; p++) {
      diff[p] = ib[p] - ia[p];
      top = Math.max(top, Math.abs(diff[p]));
    }
    top = top || 1;
    c.image(x0, y0, ia, w, h, 0, 1, (g) => colorOf('gray', g), s);
    c.image(x0 + w * s + s, y0, ib, w, h, 0, 1, (g) => colorOf('gray', g), s);
    c.image(x0 + 2 * (w * s + s), y0, diff, w, h, -top, top, (u) => colorOf('diverging', u), s);
    if (report && i < report.n) {
      const ty = y0 + h * s + s;
      const label = `${report.before[i]}`;
      const flipped = report.after[i] !== report.before[i];
      c.text(x0 + (w * s - textWidth(label, s)) / 2, ty, label, report.before[i] === report.labels[i] ? INK : RED, s);
      const after = `${report.after[i]}`;
      c.text(x0 + w * s + s + (w * s - textWidth(after, s)) / 2, ty, after, flipped ? RED : INK, s);
    }
  }
  return c.toPng();
}

/**
 * One sample's activation maps as a grid of gray tiles, each channel
 * normalised on its own ([h, w, c] outputs; a [w, c] sequence gives 1-pixel
 * high strips; dense [units] outputs one strip of all units).
 */
export function activationMapsToPng(values: PictureValues, options: ActivationMapsPngOptions = {}): Uint8Array {
  const op = 'explain.activationMapsToPng';
  const o = checkOptions(op, options, ['sample', 'shape', 'cols', 'scale'], 'options');
  let shape: number[];
  if (values instanceof Tensor) shape = values.shape.slice(1);
  else if (o.shape) shape = o.shape.slice();
  else throw new ValueError(`${op}: give shape (the per-sample shape, e.g. [24, 24, 8]) when the values are not a Tensor`);
  if (!shape.every((d) => Number.isInteger(d) && d > 0) || shape.length < 1 || shape.length > 3) {
    throw new ShapeError(`${op}: the per-sample shape must be [h, w, c], [w, c] or [units], got ${describe(shape)}`);
  }
  const v = valuesOf(op, 'values', values);
  const size = sizeOf(shape);
  if (v.length === 0 || v.length % size !== 0) throw new ShapeError(`${op}: values must hold whole samples of ${size} values, got ${v.length}`);
  const sample = checkInt(op, 'sample', o.sample ?? 0, 0, v.length / size - 1);
  const one = v.subarray(sample * size, (sample + 1) * size);
  const scale = checkInt(op, 'scale', o.scale ?? 4, 1, 64);
  if (shape.length === 1) return filtersToPng(one, { width: shape[0], height: 1, layout: 'rows', scale, padding: 1, background: 255 });
  const [hh, ww, cc] = shape.length === 3 ? shape : [1, shape[0], shape[1]];
  return filtersToPng(one, { width: ww, height: hh, layout: 'columns', normalize: 'each', scale, padding: 1, background: 255, cols: o.cols ?? Math.ceil(Math.sqrt(cc)) });
}

/**
 * Histograms of layers' activations (from activationStats), one panel per
 * layer: bars, the value range under them, a mark at 0, and the layer's name,
 * dead units and share of active values.
 */
export function activationHistogramsToPng(stats: LayerActivationStats | LayerActivationStats[], options: HistogramPngOptions = {}): Uint8Array {
  const op = 'explain.activationHistogramsToPng';
  const o = checkOptions(op, options, ['width', 'height', 'log'], 'options');
  const list = Array.isArray(stats) ? stats : [stats];
  if (list.length === 0 || !list.every((s) => s && typeof s === 'object' && s.histogram)) throw new ValueError(`${op}: stats must be what activationStats() returns, got ${describe(stats)}`);
  const W = checkInt(op, 'width', o.width ?? 360, 64, 4096);
  const H = checkInt(op, 'height', o.height ?? 90, 16, 4096);
  const log = o.log ?? false;
  const panel = H + 32;
  const c = new Canvas(W + 20, list.length * panel + 8, WHITE);
  list.forEach((s, i) => {
    const y0 = 8 + i * panel;
    let active = 0;
    for (const f of s.fractionActive) active += f / s.units;
    c.text(10, y0, `${s.layer}  ${s.units} units  active ${(100 * active).toFixed(0)}%  dead ${s.deadUnits.length}`, INK, 1);
    const { edges, counts } = s.histogram;
    bars(c, 10, y0 + 8, W, H, Array.from(counts, (v) => (log ? Math.log1p(v) : v)), [31, 119, 180]);
    const lo = edges[0];
    const hi = edges[edges.length - 1];
    if (lo < 0 && hi > 0) {
      const zx = 10 + (W * -lo) / (hi - lo);
      c.line(zx, y0 + 8, zx, y0 + 8 + H, RED);
    }
    c.text(10, y0 + H + 11, fmt(lo), INK, 1);
    c.text(10 + W - textWidth(fmt(hi)), y0 + H + 11, fmt(hi), INK, 1);
  });
  return c.toPng();
}

/**
 * Gradient norms per layer (from gradientStats) as bars on a log10 scale,
 * first layer on the left: vanishing gradients fall off towards the input,
 * exploding ones grow.
 */
export function gradientStatsToPng(stats: LayerGradientStats[], options: HistogramPngOptions = {}): Uint8Array {
  const op = 'explain.gradientStatsToPng';
  const o = checkOptions(op, options, ['width', 'height', 'log'], 'options');
  if (!Array.isArray(stats) || stats.length === 0 || !stats.every((s) => s && typeof s.norm === 'number')) {
    throw new ValueError(`${op}: stats must be what gradientStats() returns, got ${describe(stats)}`);
  }
  const W = checkInt(op, 'width', o.width ?? 360, 64, 4096);
  const H = checkInt(op, 'height', o.height ?? 120, 16, 4096);
  const logs = stats.map((s) => Math.log10(Math.max(s.norm, 1e-30)));
  const lo = Math.floor(Math.min(...logs)) - 1;
  const hi = Math.ceil(Math.max(...logs));
  const c = new Canvas(W + 50, H + 34, WHITE);
  for (let d = lo; d <= hi; d++) {
    const y = 8 + H - (H * (d - lo)) / Math.max(1, hi - lo);
    c.line(40, y, 40 + W, y, GRID);
    c.text(4, y - 2, `1e${d}`, INK, 1);
  }
  bars(c, 40, 8, W, H, logs.map((v) => v - lo), [214, 39, 40], hi - lo);
  const bw = W / stats.length;
  stats.forEach((_, i) => {
    const label = `${i + 1}`;
    c.text(40 + i * bw + (bw - textWidth(label)) / 2, H + 12, label, INK, 1);
  });
  c.text(40, H + 22, 'layer (input side first)', INK, 1);
  return c.toPng();
}

/** Vertical bars filling [x, x + w] x [y, y + h], scaled to `top` (default the largest value). */
function bars(c: Canvas, x: number, y: number, w: number, h: number, values: number[], color: RGB, top?: number): void {
  const max = top ?? Math.max(...values, 1e-30);
  const bw = w / values.length;
  c.line(x, y + h, x + w, y + h, INK);
  values.forEach((v, i) => {
    const bh = Math.max(0, Math.round((h * v) / max));
    c.fillRect(x + i * bw + (bw >= 3 ? 1 : 0), y + h - bh, Math.max(1, bw - (bw >= 3 ? 1 : 0)), bh, color);
  });
}

/** A short number for an axis: 3 significant digits. */
function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** Every value of a picture's input, finite, as float32. */
function valuesOf(op: string, name: string, v: PictureValues): Float32Array {
  let out: Float32Array;
  if (v instanceof Tensor) out = v.toFloat32Array();
  else if (Array.isArray(v)) out = Float32Array.from((v as unknown[]).flat(Infinity) as number[]);
  else if (v && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number') out = Float32Array.from(v as ArrayLike<number>);
  else throw new ValueError(`${op}: ${name} must be a Tensor or an array of numbers, got ${describe(v)}`);
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) throw new ValueError(`${op}: ${name}[${i}] must be finite, got ${describe(out[i])}`);
  return out;
}

/** n images of `pixels` pixels as gray levels in [0, 1] (channels averaged; values mapped from `range`, default each image's min..max). */
function grayImages(op: string, name: string, v: Float32Array, n: number, pixels: number, range?: [number, number]): Float32Array {
  if (v.length % (n * pixels) !== 0) throw new ShapeError(`${op}: ${name} must hold ${n} images of ${pixels} pixels (times channels), got ${v.length} values`);
  const ch = v.length / (n * pixels);
  const out = new Float32Array(n * pixels);
  for (let i = 0; i < n; i++) {
    let lo = range ? range[0] : Infinity;
    let hi = range ? range[1] : -Infinity;
    for (let p = 0; p < pixels; p++) {
      let g = 0;
      for (let k = 0; k < ch; k++) g += v[(i * pixels + p) * ch + k];
      out[i * pixels + p] = g / ch;
      if (!range) {
        lo = Math.min(lo, g / ch);
        hi = Math.max(hi, g / ch);
      }
    }
    const span = hi > lo ? hi - lo : 1;
    for (let p = 0; p < pixels; p++) out[i * pixels + p] = (out[i * pixels + p] - lo) / span;
  }
  return out;
}
