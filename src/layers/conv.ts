import { ACT } from '../runtime/abi.js';
import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';
import { Layer, registerLayer, type StepContext } from './layer.js';
import { checkActivation, checkAlpha, type LayerActivation } from './activations.js';
import { checkInitializer, type InitializerName } from './initializers.js';
import { checkPadding, pair, windowGeometry, type Padding } from './geometry.js';
import { Pooling } from './pooling.js';
import type { ConvWindow, WindowGeometry } from '../kernels/geometry.js';
import { actBackward, actForward } from '../kernels/activation.js';
import { colsum } from '../kernels/elementwise.js';
import { gemm, gemmWorkspaceBytes, reserveGemmWorkspace } from '../kernels/gemm.js';
import {
  conv2dFilterGrad, conv2dIgemm, conv2dIgemmMaxPool2, conv2dInputGradCol2im, conv2dInputGradFlipped,
  reserveConv2dColumns, reserveConv2dFilterGrad, reserveConv2dIgemm, reserveConv2dInputGradFlipped,
} from '../kernels/conv.js';

/** Options of conv1d and conv2d (TensorFlow.js names). */
export interface ConvConfig {
  filters: number;
  /** Window size: a number, or [kh, kw] for conv2d. */
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: Padding;
  dilationRate?: number | number[];
  /** Elementwise activation (softmax is not available on convolutions). Default 'linear'. */
  activation?: LayerActivation;
  alpha?: number;
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
  inputShape?: number[];
  name?: string;
}

/**
 * Convolution over NHWC input. The forward pass is an implicit GEMM: the
 * kernel reads every output pixel's window in place through a table of tap
 * offsets (no column matrix), with bias and activation fused into the
 * micro-kernel's epilogue; a padded layer convolves a zero-bordered copy of
 * its input. A 1x1 convolution with stride 1 and no padding is one GEMM on the
 * input as it is. The filter gradient columnsᵀ · dy reads the input in place
 * the same way (its micro-tiles run over taps, its k loop over output
 * pixels); the input gradient is col2im(dy · kernelᵀ). The padded copy and
 * the column gradient are backend-wide scratch shared by every layer. Conv1D
 * is the same layer with height 1.
 */
export class Conv extends Layer {
  readonly className: 'Conv1D' | 'Conv2D';
  readonly rank: 1 | 2;
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: LayerActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  private g = { h: 0, w: 0, c: 0, oh: 0, ow: 0, ph: 0, pw: 0 };
  /** The geometry with the window, as the in-place kernels take it (set by build). */
  private win: ConvWindow = { ...this.g, kernel: [1, 1], strides: [1, 1], dilation: [1, 1] };
  private z = 0;

  constructor(config: ConvConfig, rank: 1 | 2) {
    const op = rank === 1 ? 'conv1d' : 'conv2d';
    if (!config || typeof config !== 'object') throw new ValueError(`${op}: config must be an object, got ${describe(config)}`);
    super(config, op);
    this.rank = rank;
    this.className = rank === 1 ? 'Conv1D' : 'Conv2D';
    if (typeof config.filters !== 'number' || !Number.isInteger(config.filters) || config.filters < 1 || config.filters > 1 << 16) {
      throw new ValueError(`${op}: filters must be a positive integer, got ${describe(config.filters)}`);
    }
    this.filters = config.filters;
    this.kernelSize = pair(op, 'kernelSize', config.kernelSize, rank);
    this.strides = pair(op, 'strides', config.strides ?? 1, rank);
    this.dilationRate = pair(op, 'dilationRate', config.dilationRate ?? 1, rank);
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new ValueError(`${op}: strides > 1 together with dilationRate > 1 is not supported (as in Keras)`);
    }
    this.padding = checkPadding(op, config.padding ?? 'valid');
    this.activation = checkActivation(op, config.activation ?? 'linear');
    if (this.activation === 'softmax') throw new ValueError(`${op}: activation 'softmax' is not available on a convolution; add a dense softmax layer after flatten`);
    this.alpha = checkAlpha(op, this.activation, config.alpha);
    if (config.useBias !== undefined && typeof config.useBias !== 'boolean') throw new ValueError(`${op}: useBias must be a boolean, got ${describe(config.useBias)}`);
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = checkInitializer(op, 'kernelInitializer', config.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = checkInitializer(op, 'biasInitializer', config.biasInitializer ?? 'zeros');
  }

  private geometry(inputShape: readonly number[]): WindowGeometry {
    return windowGeometry(this, this.rank, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding);
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    const g = this.geometry(inputShape);
    return this.rank === 1 ? [g.ow, this.filters] : [g.oh, g.ow, this.filters];
  }

  override build(inputShape: readonly number[]): void {
    super.build(inputShape);
    this.g = this.geometry(inputShape);
    this.win = { ...this.g, kernel: this.kernelSize, strides: this.strides, dilation: this.dilationRate };
    const [kh, kw] = this.kernelSize;
    const c = this.g.c;
    const kshape = this.rank === 1 ? [kw, c, this.filters] : [kh, kw, c, this.filters];
    const field = kh * kw;
    this.weightSpecs = [{ name: 'kernel', shape: kshape, initializer: this.kernelInitializer, fanIn: field * c, fanOut: field * this.filters }];
    if (this.useBias) this.weightSpecs.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, fanIn: field * c, fanOut: field * this.filters });
  }

  /** True when the input itself is the column matrix (1x1 window, stride 1, no padding). */
  private pointwise(): boolean {
    return this.kernelSize[0] === 1 && this.kernelSize[1] === 1 && this.strides[0] === 1 && this.strides[1] === 1 && this.g.ph === 0 && this.g.pw === 0;
  }

  private get K(): number {
    return this.kernelSize[0] * this.kernelSize[1] * this.g.c;
  }

  /**
   * True when the input gradient is a direct convolution of dy with the
   * flipped kernel: stride 1 (every input pixel then meets each tap of the
   * kernel once), a window larger than 1x1 (a 1x1 layer's is one GEMM), and
   * an output as large as the input ('same'). It costs h*w/(oh*ow) times the
   * FLOPs of dy · kernelᵀ + col2im, since the taps that land in dy's zero
   * border are multiplied too: LeNet's 'valid' conv2 (12x12 -> 8x8) trained
   * 12% slower that way.
   */
  private transposedDirect(): boolean {
    return this.strides[0] === 1 && this.strides[1] === 1 && !this.pointwise() && this.g.oh === this.g.h && this.g.ow === this.g.w;
  }

  override plan(be: Backend, batch: number, training: boolean): void {
    this.unplan(be);
    const rows = batch * this.g.oh * this.g.ow;
    const K = this.K;
    const F = this.filters;
    if (this.activation === 'gelu') this.z = be.alloc(rows * F * 4);
    if (this.pointwise()) reserveGemmWorkspace(be, gemmWorkspaceBytes(be, rows, F, K));
    else reserveConv2dIgemm(be, batch, this.win, F);
    if (!training) return;
    // Backward: the filter gradient reads the input in place; the input gradient is a convolution
    // of the zero-bordered dy with the flipped kernel (stride-1 'same' layers), else GEMM + col2im.
    reserveConv2dFilterGrad(be, batch, this.win, F);
    if (this.transposedDirect()) {
      reserveConv2dInputGradFlipped(be, batch, this.win, F);
    } else {
      if (!this.pointwise()) reserveConv2dColumns(be, batch, this.win);
      reserveGemmWorkspace(be, Math.max(gemmWorkspaceBytes(be, K, F, rows), gemmWorkspaceBytes(be, rows, K, F)));
    }
  }

  override unplan(be: Backend): void {
    if (this.z && be.isLive(this.z)) be.free(this.z);
    this.z = 0;
  }

  forward(ctx: StepContext, x: number, y: number, batch: number): void {
    const be = ctx.backend;
    const rows = batch * this.g.oh * this.g.ow;
    const K = this.K;
    const F = this.filters;
    const [w, b] = this.paramList;
    const act = ACT[this.activation as keyof typeof ACT];
    const out = this.z || y;
    const fused = this.z ? ACT.linear : act;
    const bias = b ? b.value : 0;
    if (this.pointwise()) {
      gemm(be, { m: rows, n: F, k: K, a: x, b: w.value, c: out, bias, act: fused, actAlpha: this.alpha });
    } else {
      conv2dIgemm(be, { batch, geometry: this.win, x, kernel: w.value, filters: F, y: out, bias, act: fused, actAlpha: this.alpha });
    }
    if (this.z) actForward(be, { act, n: rows * F, x: this.z, y, alpha: this.alpha });
  }

  /**
   * True when `next` is a 2x2, stride-2, 'valid' max pooling that inference
   * may fuse into this layer's forward pass (forwardMaxPool2): a 2D
   * convolution that reads its input in place, with a linear or relu activation.
   */
  fusesMaxPool2(next: Layer): boolean {
    return next instanceof Pooling && next.mode === 'max' && next.rank === 2 && this.rank === 2 &&
      next.poolSize[0] === 2 && next.poolSize[1] === 2 && next.strides[0] === 2 && next.strides[1] === 2 && next.padding === 'valid' &&
      (this.activation === 'relu' || this.activation === 'linear') && !this.pointwise();
  }

  /**
   * This layer and the 2x2 max pooling after it in one pass (inference only:
   * the convolution's own output is never stored, so nothing is kept for a
   * backward pass). Writes the pooling layer's output to y, the same bits as
   * the two layers run one after the other.
   */
  forwardMaxPool2(ctx: StepContext, x: number, y: number, batch: number): void {
    const [w, b] = this.paramList;
    conv2dIgemmMaxPool2(ctx.backend, {
      batch, geometry: this.win, x, kernel: w.value, filters: this.filters, y, bias: b ? b.value : 0, act: ACT[this.activation as 'relu' | 'linear'],
    });
  }

  backward(ctx: StepContext, x: number, y: number, dy: number, dx: number, batch: number): void {
    const be = ctx.backend;
    const rows = batch * this.g.oh * this.g.ow;
    const K = this.K;
    const F = this.filters;
    const [w, b] = this.paramList;
    if (this.activation !== 'linear') {
      actBackward(be, { act: ACT[this.activation as keyof typeof ACT], n: rows * F, x: this.z || y, y, dy, dx: dy, alpha: this.alpha });
    }
    if (this.pointwise()) {
      gemm(be, { transA: true, m: K, n: F, k: rows, a: x, b: dy, c: w.grad, beta: 1 });
    } else {
      conv2dFilterGrad(be, { batch, geometry: this.win, x, dy, filters: F, dW: w.grad });
    }
    if (b) colsum(be, { m: rows, n: F, x: dy, out: b.grad, beta: 1 });
    if (!dx) return;
    if (this.transposedDirect()) {
      // dx = dy, zero-bordered by the window's reach, convolved with the flipped kernel.
      conv2dInputGradFlipped(be, { batch, geometry: this.win, dy, kernel: w.value, filters: F, dx });
    } else if (this.pointwise()) {
      gemm(be, { transB: true, m: rows, n: K, k: F, a: dy, b: w.value, c: dx });
    } else {
      conv2dInputGradCol2im(be, { batch, geometry: this.win, dy, kernel: w.value, filters: F, dx });
    }
  }

  getConfig(): Record<string, unknown> {
    const one = (p: [number, number]) => (this.rank === 1 ? p[1] : p.slice());
    const c: Record<string, unknown> = {
      ...this.baseConfig(),
      filters: this.filters,
      kernelSize: one(this.kernelSize),
      strides: one(this.strides),
      padding: this.padding,
      dilationRate: one(this.dilationRate),
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
    if (this.activation === 'leakyRelu' || this.activation === 'elu') c.alpha = this.alpha;
    return c;
  }
}

registerLayer('Conv1D', (c) => new Conv(c as unknown as ConvConfig, 1));
registerLayer('Conv2D', (c) => new Conv(c as unknown as ConvConfig, 2));

/** 2D convolution over [height, width, channels] samples (TensorFlow.js: tf.layers.conv2d). */
export function conv2d(config: ConvConfig): Conv {
  return new Conv(config, 2);
}

/** 1D convolution over [steps, channels] samples (TensorFlow.js: tf.layers.conv1d). */
export function conv1d(config: ConvConfig): Conv {
  return new Conv(config, 1);
}
