import { POOL } from '../runtime/abi.js';
import { globalAvgPool, globalAvgPoolBackward, maxPoolBackward, pool2d, pool2dBackward } from '../kernels/pool.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import { BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type CallContext, type PlanArgs, type Port, type Shape, type Site } from './layer.js';
import { checkPadding, pair, windowGeometry, type Padding } from './geometry.js';
import type { WindowGeometry } from '../kernels/geometry.js';
import { checkOptions } from '../util/options.js';

/** Options of the pooling layers (TensorFlow.js names). */
export interface PoolingConfig extends BaseLayerConfig {
  /** Window size; default 2. */
  poolSize?: number | number[];
  /** Step between windows; default: the pool size. */
  strides?: number | number[];
  padding?: Padding;
}

/** A pooling call site: its window geometry. */
interface PoolSite extends Site {
  g: WindowGeometry;
}

type Mode = keyof typeof POOL;
const CLASS_NAMES: Record<Mode, [string, string]> = {
  max: ['MaxPooling1D', 'MaxPooling2D'],
  avg: ['AveragePooling1D', 'AveragePooling2D'],
  l2: ['L2Pooling1D', 'L2Pooling2D'],
};

/**
 * Max, average or L2 (square root of the sum of squares) pooling over NHWC
 * windows; 1D pooling is the height-1 case. Max pooling records the argmax of
 * every output in its tape so backward scatters the gradient to it.
 */
export class Pooling extends Layer {
  readonly className: string;
  readonly mode: Mode;
  readonly rank: 1 | 2;
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(config: PoolingConfig, mode: Mode, rank: 1 | 2) {
    const names = Object.prototype.hasOwnProperty.call(CLASS_NAMES, mode) ? CLASS_NAMES[mode] : undefined;
    if (!names || (rank !== 1 && rank !== 2)) throw new ValueError(`Pooling: mode and rank must name a pooling layer (use layers.maxPooling2d and friends), got ${describe(mode)} and ${describe(rank)}`);
    const className = names[rank - 1];
    const op = className[0].toLowerCase() + className.slice(1).replace('D', 'd');
    checkOptions(op, config, [...BASE_LAYER_KEYS, 'poolSize', 'strides', 'padding']);
    super(config, op);
    this.className = className;
    this.mode = mode;
    this.rank = rank;
    this.poolSize = pair(op, 'poolSize', config.poolSize ?? 2, rank);
    this.strides = config.strides === undefined ? [...this.poolSize] as [number, number] : pair(op, 'strides', config.strides, rank);
    this.padding = checkPadding(op, config.padding ?? 'valid');
  }

  private geometry(inputShape: Shape): WindowGeometry {
    return windowGeometry(this, this.rank, inputShape, this.poolSize, this.strides, [1, 1], this.padding);
  }

  override computeOutputShape(inputShape: Shape): number[] {
    const g = this.geometry(inputShape);
    return this.rank === 1 ? [g.ow, g.c] : [g.oh, g.ow, g.c];
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[]): PoolSite {
    return { inputs, outputs, g: this.geometry(inputs[0]) };
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    const g = (site as PoolSite).g;
    return this.mode === 'max' && p.backward ? p.batch * g.oh * g.ow * g.c * 4 : 0;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    pool2d(ctx.backend, {
      mode: POOL[this.mode], batch: ctx.batch, geometry: (ctx.site as PoolSite).g, window: this.poolSize, strides: this.strides,
      x: xs[0].ptr, y: ys[0].ptr, argmax: ctx.backward ? ctx.tape : 0,
    });
  }

  backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const dx = dxs[0].ptr;
    if (!dx) return;
    const geometry = (ctx.site as PoolSite).g;
    if (this.mode === 'max') maxPoolBackward(ctx.backend, { batch: ctx.batch, geometry, dy: dys[0].ptr, argmax: ctx.tape, dx });
    else pool2dBackward(ctx.backend, { mode: POOL[this.mode], batch: ctx.batch, geometry, window: this.poolSize, strides: this.strides, x: xs[0].ptr, y: ys[0].ptr, dy: dys[0].ptr, dx });
  }

  getConfig(): Record<string, unknown> {
    const one = (p: [number, number]) => (this.rank === 1 ? p[1] : p.slice());
    return { ...this.baseConfig(), poolSize: one(this.poolSize), strides: one(this.strides), padding: this.padding };
  }
}

for (const mode of Object.keys(CLASS_NAMES) as Mode[]) {
  registerLayer(CLASS_NAMES[mode][0], (c) => new Pooling(c as PoolingConfig, mode, 1));
  registerLayer(CLASS_NAMES[mode][1], (c) => new Pooling(c as PoolingConfig, mode, 2));
}

/** Global average pooling: [h, w, c] (or [steps, c]) to [c]. */
export class GlobalAveragePooling extends Layer {
  readonly className: 'GlobalAveragePooling1D' | 'GlobalAveragePooling2D';
  readonly rank: 1 | 2;

  constructor(config: BaseLayerConfig, rank: 1 | 2) {
    const op = rank === 1 ? 'globalAveragePooling1d' : 'globalAveragePooling2d';
    checkOptions(op, config, BASE_LAYER_KEYS);
    super(config, op);
    this.rank = rank;
    this.className = rank === 1 ? 'GlobalAveragePooling1D' : 'GlobalAveragePooling2D';
  }

  override computeOutputShape(inputShape: Shape): number[] {
    if (inputShape.length !== this.rank + 1) throw new ShapeError(`${this.name}: ${this.className} expects per-sample input of rank ${this.rank + 1}, got ${fmt(inputShape)}`);
    return [inputShape[inputShape.length - 1]];
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const s = xs[0].shape;
    const c = s[s.length - 1];
    globalAvgPool(ctx.backend, { batch: ctx.batch, hw: sizeOf(s) / c, c, x: xs[0].ptr, y: ys[0].ptr });
  }

  backward(ctx: CallContext, xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    if (!dxs[0].ptr) return;
    const s = xs[0].shape;
    const c = s[s.length - 1];
    globalAvgPoolBackward(ctx.backend, { batch: ctx.batch, hw: sizeOf(s) / c, c, dy: dys[0].ptr, dx: dxs[0].ptr });
  }

  getConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}

registerLayer('GlobalAveragePooling1D', (c) => new GlobalAveragePooling(c, 1));
registerLayer('GlobalAveragePooling2D', (c) => new GlobalAveragePooling(c, 2));

/** Factories with TensorFlow.js names. */
export const poolingLayers = {
  maxPooling1d: (c: PoolingConfig = {}) => new Pooling(c, 'max', 1),
  maxPooling2d: (c: PoolingConfig = {}) => new Pooling(c, 'max', 2),
  averagePooling1d: (c: PoolingConfig = {}) => new Pooling(c, 'avg', 1),
  averagePooling2d: (c: PoolingConfig = {}) => new Pooling(c, 'avg', 2),
  l2Pooling1d: (c: PoolingConfig = {}) => new Pooling(c, 'l2', 1),
  l2Pooling2d: (c: PoolingConfig = {}) => new Pooling(c, 'l2', 2),
  globalAveragePooling1d: (c: BaseLayerConfig = {}) => new GlobalAveragePooling(c, 1),
  globalAveragePooling2d: (c: BaseLayerConfig = {}) => new GlobalAveragePooling(c, 2),
};
