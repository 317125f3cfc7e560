import { POOL } from '../runtime/abi.js';
import type { Backend } from '../runtime/backend.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import { Layer, registerLayer, type StepContext } from './layer.js';
import { checkPadding, pair, windowGeometry, type Padding } from './geometry.js';
import type { WindowGeometry } from '../kernels/geometry.js';
import { globalAvgPool, globalAvgPoolBackward, maxPoolBackward, pool2d, pool2dBackward } from '../kernels/pool.js';

/** Options of the pooling layers (TensorFlow.js names). */
export interface PoolingConfig {
  /** Window size; default 2. */
  poolSize?: number | number[];
  /** Step between windows; default: the pool size. */
  strides?: number | number[];
  padding?: Padding;
  inputShape?: number[];
  name?: string;
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
 * every output so backward scatters the gradient to it.
 */
export class Pooling extends Layer {
  readonly className: string;
  readonly mode: Mode;
  readonly rank: 1 | 2;
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  private g = { h: 0, w: 0, c: 0, oh: 0, ow: 0, ph: 0, pw: 0 };
  private argmax = 0;

  constructor(config: PoolingConfig, mode: Mode, rank: 1 | 2) {
    const className = CLASS_NAMES[mode][rank - 1];
    const op = className[0].toLowerCase() + className.slice(1).replace('D', 'd');
    if (config === null || typeof config !== 'object') throw new ValueError(`${op}: config must be an object, got ${describe(config)}`);
    super(config, op);
    this.className = className;
    this.mode = mode;
    this.rank = rank;
    this.poolSize = pair(op, 'poolSize', config.poolSize ?? 2, rank);
    this.strides = config.strides === undefined ? [...this.poolSize] as [number, number] : pair(op, 'strides', config.strides, rank);
    this.padding = checkPadding(op, config.padding ?? 'valid');
  }

  private geometry(inputShape: readonly number[]): WindowGeometry {
    return windowGeometry(this, this.rank, inputShape, this.poolSize, this.strides, [1, 1], this.padding);
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    const g = this.geometry(inputShape);
    return this.rank === 1 ? [g.ow, g.c] : [g.oh, g.ow, g.c];
  }

  override build(inputShape: readonly number[]): void {
    super.build(inputShape);
    this.g = this.geometry(inputShape);
  }

  override plan(be: Backend, batch: number, training: boolean): void {
    this.unplan(be);
    if (this.mode === 'max' && training) this.argmax = be.alloc(batch * this.g.oh * this.g.ow * this.g.c * 4);
  }

  override unplan(be: Backend): void {
    if (this.argmax && be.isLive(this.argmax)) be.free(this.argmax);
    this.argmax = 0;
  }

  forward(ctx: StepContext, x: number, y: number, batch: number): void {
    pool2d(ctx.backend, {
      mode: POOL[this.mode], batch, geometry: this.g, window: this.poolSize, strides: this.strides, x, y, argmax: ctx.backward ? this.argmax : 0,
    });
  }

  backward(ctx: StepContext, x: number, y: number, dy: number, dx: number, batch: number): void {
    if (!dx) return;
    const be = ctx.backend;
    if (this.mode === 'max') maxPoolBackward(be, { batch, geometry: this.g, dy, argmax: this.argmax, dx });
    else pool2dBackward(be, { mode: POOL[this.mode], batch, geometry: this.g, window: this.poolSize, strides: this.strides, x, y, dy, dx });
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
  private hw = 0;
  private c = 0;

  constructor(config: { inputShape?: number[]; name?: string }, rank: 1 | 2) {
    const op = rank === 1 ? 'globalAveragePooling1d' : 'globalAveragePooling2d';
    if (config === null || typeof config !== 'object') throw new ValueError(`${op}: config must be an object, got ${describe(config)}`);
    super(config, op);
    this.rank = rank;
    this.className = rank === 1 ? 'GlobalAveragePooling1D' : 'GlobalAveragePooling2D';
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== this.rank + 1) throw new ShapeError(`${this.name}: ${this.className} expects per-sample input of rank ${this.rank + 1}, got ${fmt(inputShape)}`);
    return [inputShape[inputShape.length - 1]];
  }

  override build(inputShape: readonly number[]): void {
    super.build(inputShape);
    this.c = inputShape[inputShape.length - 1];
    this.hw = sizeOf(inputShape) / this.c;
  }

  forward(ctx: StepContext, x: number, y: number, batch: number): void {
    globalAvgPool(ctx.backend, { batch, hw: this.hw, c: this.c, x, y });
  }

  backward(ctx: StepContext, _x: number, _y: number, dy: number, dx: number, batch: number): void {
    if (dx) globalAvgPoolBackward(ctx.backend, { batch, hw: this.hw, c: this.c, dy, dx });
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
  globalAveragePooling1d: (c: { inputShape?: number[]; name?: string } = {}) => new GlobalAveragePooling(c, 1),
  globalAveragePooling2d: (c: { inputShape?: number[]; name?: string } = {}) => new GlobalAveragePooling(c, 2),
};
