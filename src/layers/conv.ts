import { ACT } from '../runtime/abi.js';
import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';
import type { Variable } from '../params/variable.js';
import {
  Layer, registerLayer, scratchLayout, type BaseLayerConfig, type BuildContext, type CallContext, type PlanArgs, type Port, type Shape, type Site,
} from './layer.js';
import { checkActivation, checkAlpha, type LayerActivation } from './activations.js';
import { checkInitializer, type InitializerName } from './initializers.js';
import { checkPadding, pair, windowGeometry, type Padding, type WindowGeometry } from './geometry.js';
import { Pooling } from './pooling.js';

/** Options of conv1d and conv2d (TensorFlow.js names). */
export interface ConvConfig extends BaseLayerConfig {
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
}

/** A convolution's window geometry on NHWC input (WindowGeometry plus the window itself). */
export interface ConvWindow extends WindowGeometry {
  kernel: [number, number];
  strides: [number, number];
  dilation: [number, number];
}

/**
 * The input extent the windows reach, [rows, cols]: the padded image the
 * in-place kernels convolve (an even 'same' window pads only after the image,
 * and a stride may leave the last rows or columns unread).
 */
function reach(g: ConvWindow): [number, number] {
  return [
    (g.oh - 1) * g.strides[0] + (g.kernel[0] - 1) * g.dilation[0] + 1,
    (g.ow - 1) * g.strides[1] + (g.kernel[1] - 1) * g.dilation[1] + 1,
  ];
}

/** True when some window reaches past the image, so the in-place kernels read a zero-bordered copy. */
function padded(g: ConvWindow): boolean {
  const [hp, wp] = reach(g);
  return g.ph > 0 || g.pw > 0 || hp > g.h || wp > g.w;
}

/** Bytes of the zero-bordered copy of n images a padded convolution reads (0 when unpadded). */
function paddedBytes(n: number, g: ConvWindow): number {
  if (!padded(g)) return 0;
  const [hp, wp] = reach(g);
  return n * hp * wp * g.c * 4;
}

/** The input the in-place kernels read, with its height and width: x itself, or its zero-bordered copy at `col` when padded. */
function inPlaceSource(be: Backend, n: number, g: ConvWindow, x: number, col: number): [number, number, number] {
  if (!padded(g)) return [x, g.h, g.w];
  const [hp, wp] = reach(g);
  be.kernels.f32_pad_nhwc(n, g.h, g.w, g.c, g.ph, g.pw, hp, wp, x, col);
  return [col, hp, wp];
}

/** Scratch bytes convolveInPlace needs for n images: the kernel workspace, then the zero-bordered copy. */
export function convolveScratch(be: Backend, n: number, g: ConvWindow, f: number): { work: number; col: number; total: number } {
  return scratchLayout({ work: be.kernels.f32_conv2d_direct_workspace(g.kernel[0] * g.kernel[1] * g.c, f), col: paddedBytes(n, g) });
}

/**
 * act(conv(x, kernel) + bias) for n NHWC images by the implicit-GEMM kernel,
 * through a zero-bordered copy when padded; with maxPool2, fused with a 2x2,
 * stride-2 max pooling (act identity or relu). `scratch` holds
 * convolveScratch() bytes. What the Conv layer and the conv2d op run.
 */
export function convolveInPlace(
  be: Backend, n: number, g: ConvWindow, x: number, kernel: number, f: number, bias: number, act: number, alpha: number, out: number, maxPool2: boolean, scratch: number,
): void {
  const k = be.kernels;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilation;
  const at = convolveScratch(be, n, g, f);
  const [src, hp, wp] = inPlaceSource(be, n, g, x, scratch + at.col);
  const work = scratch + at.work;
  if (maxPool2) k.f32_conv2d_maxpool2_nhwc(n, hp, wp, g.c, kh, kw, sh, sw, dh, dw, g.oh, g.ow, src, kernel, f, bias, act, out, work);
  else k.f32_conv2d_direct_nhwc(n, hp, wp, g.c, kh, kw, sh, sw, dh, dw, g.oh, g.ow, src, kernel, f, bias, act, alpha, out, work);
}

/** A convolution call site: its window geometry. */
interface ConvSite extends Site {
  g: ConvWindow;
}

/**
 * Convolution over NHWC input. The forward pass is an implicit GEMM: the
 * kernel reads every output pixel's window in place through a table of tap
 * offsets (no column matrix), with bias and activation fused into the
 * micro-kernel's epilogue; a padded layer convolves a zero-bordered copy of
 * its input. A 1x1 convolution with stride 1 and no padding is one GEMM on the
 * input as it is. The filter gradient columnsᵀ · dy reads the input in place
 * the same way (its micro-tiles run over taps, its k loop over output
 * pixels); the input gradient is a convolution of the zero-bordered dy with
 * the flipped kernel for stride-1 'same' layers, else col2im(dy · kernelᵀ).
 * The padded copy and the column gradient live in the executor's scratch.
 * Conv1D is the same layer with height 1.
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
  /** [kh, kw, inC, filters] ([kw, inC, filters] for Conv1D), once built. */
  kernel: Variable | null = null;
  /** [filters], once built with useBias. */
  bias: Variable | null = null;

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

  private window(inputShape: Shape): ConvWindow {
    const g = windowGeometry(this, this.rank, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding);
    return { ...g, kernel: this.kernelSize, strides: this.strides, dilation: this.dilationRate };
  }

  override computeOutputShape(inputShape: Shape): number[] {
    const g = this.window(inputShape);
    return this.rank === 1 ? [g.ow, this.filters] : [g.oh, g.ow, this.filters];
  }

  protected override build(inputs: readonly Shape[], ctx: BuildContext): void {
    const g = this.window(inputs[0]);
    const [kh, kw] = this.kernelSize;
    const kshape = this.rank === 1 ? [kw, g.c, this.filters] : [kh, kw, g.c, this.filters];
    const field = kh * kw;
    const fans = { fanIn: field * g.c, fanOut: field * this.filters };
    this.kernel = ctx.addWeight({ name: 'kernel', shape: kshape, initializer: this.kernelInitializer, ...fans });
    if (this.useBias) this.bias = ctx.addWeight({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, ...fans });
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[]): ConvSite {
    return { inputs, outputs, g: this.window(inputs[0]) };
  }

  /** True when the input itself is the column matrix (1x1 window, stride 1, no padding). */
  private pointwise(g: ConvWindow): boolean {
    return this.kernelSize[0] === 1 && this.kernelSize[1] === 1 && this.strides[0] === 1 && this.strides[1] === 1 && g.ph === 0 && g.pw === 0;
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
  private transposedDirect(g: ConvWindow): boolean {
    return this.strides[0] === 1 && this.strides[1] === 1 && !this.pointwise(g) && g.oh === g.h && g.ow === g.w;
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    const g = (site as ConvSite).g;
    return this.activation === 'gelu' ? p.batch * g.oh * g.ow * this.filters * 4 : 0;
  }

  /** Scratch of one forward call on n images. */
  private forwardScratch(be: Backend, n: number, g: ConvWindow): { work: number; col: number; total: number } {
    if (this.pointwise(g)) {
      const rows = n * g.oh * g.ow;
      return scratchLayout({ work: be.kernels.f32_gemm_workspace(rows, this.filters, g.c), col: 0 });
    }
    return convolveScratch(be, n, g, this.filters);
  }

  /** Scratch of one backward call on n images: kernel workspaces, the padded input or flipped kernel, the column gradient or padded dy. */
  private backwardScratch(be: Backend, n: number, g: ConvWindow): { work: number; col: number; dcol: number; total: number } {
    const k = be.kernels;
    const F = this.filters;
    const [kh, kw] = this.kernelSize;
    const K = kh * kw * g.c;
    const rows = n * g.oh * g.ow;
    let work = k.f32_conv2d_filter_grad_workspace(F);
    let col = paddedBytes(n, g);
    let dcol = 0;
    if (this.pointwise(g)) {
      work = Math.max(k.f32_gemm_workspace(K, F, rows), k.f32_gemm_workspace(rows, K, F));
    } else if (this.transposedDirect(g)) {
      const [hq, wq] = [g.h + (kh - 1) * this.dilationRate[0], g.w + (kw - 1) * this.dilationRate[1]];
      dcol = n * hq * wq * F * 4;
      col = Math.max(col, K * F * 4);
      work = Math.max(work, k.f32_conv2d_direct_workspace(kh * kw * F, g.c));
    } else {
      dcol = rows * K * 4;
      work = Math.max(work, k.f32_gemm_workspace(rows, K, F));
    }
    return scratchLayout({ work, col, dcol });
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    const g = (site as ConvSite).g;
    const fwd = this.forwardScratch(p.backend, p.batch, g).total;
    return p.backward ? Math.max(fwd, this.backwardScratch(p.backend, p.batch, g).total) : fwd;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const k = be.kernels;
    const g = (ctx.site as ConvSite).g;
    const rows = ctx.batch * g.oh * g.ow;
    const F = this.filters;
    const w = this.kernel as Variable;
    const b = this.bias;
    const act = ACT[this.activation as keyof typeof ACT];
    const z = this.activation === 'gelu' ? ctx.tape : 0;
    const out = z || ys[0].ptr;
    const fused = z ? ACT.linear : act;
    if (this.pointwise(g)) {
      k.f32_gemm(0, 0, rows, F, g.c, 1, xs[0].ptr, g.c, w.value, F, 0, out, F, b ? b.value : 0, fused, this.alpha, ctx.scratch);
    } else {
      convolveInPlace(be, ctx.batch, g, xs[0].ptr, w.value, F, b ? b.value : 0, fused, this.alpha, out, false, ctx.scratch);
    }
    if (z) k.f32_act_forward(act, rows * F, z, ys[0].ptr, this.alpha);
  }

  /**
   * True when `next` is a 2x2, stride-2, 'valid' max pooling that inference
   * may fuse into this layer's forward pass (forwardFused): a 2D convolution
   * that reads its input in place, with a linear or relu activation.
   */
  override fusesWith(site: Site, next: Layer): boolean {
    return next instanceof Pooling && next.mode === 'max' && next.rank === 2 && this.rank === 2 &&
      next.poolSize[0] === 2 && next.poolSize[1] === 2 && next.strides[0] === 2 && next.strides[1] === 2 && next.padding === 'valid' &&
      (this.activation === 'relu' || this.activation === 'linear') && !this.pointwise((site as ConvSite).g);
  }

  /**
   * This layer and the 2x2 max pooling after it in one pass (inference only:
   * the convolution's own output is never stored, so nothing is kept for a
   * backward pass). Writes the pooling layer's output, the same bits as the
   * two layers run one after the other.
   */
  override forwardFused(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const w = this.kernel as Variable;
    const b = this.bias;
    const g = (ctx.site as ConvSite).g;
    convolveInPlace(ctx.backend, ctx.batch, g, xs[0].ptr, w.value, this.filters, b ? b.value : 0, ACT[this.activation as 'relu' | 'linear'], 0, ys[0].ptr, true, ctx.scratch);
  }

  backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const be = ctx.backend;
    const k = be.kernels;
    const g = (ctx.site as ConvSite).g;
    const n = ctx.batch;
    const rows = n * g.oh * g.ow;
    const [kh, kw] = this.kernelSize;
    const K = kh * kw * g.c;
    const F = this.filters;
    const w = this.kernel as Variable;
    const b = this.bias;
    const x = xs[0].ptr;
    const dy = dys[0].ptr;
    const dx = dxs[0].ptr;
    const at = this.backwardScratch(be, n, g);
    const work = ctx.scratch + at.work;
    const col = ctx.scratch + at.col;
    const dcol = ctx.scratch + at.dcol;
    if (this.activation !== 'linear') {
      k.f32_act_backward(ACT[this.activation as keyof typeof ACT], rows * F, this.activation === 'gelu' ? ctx.tape : ys[0].ptr, ys[0].ptr, dy, dy, this.alpha);
    }
    if (ctx.paramGrads && w.trainable) {
      if (this.pointwise(g)) {
        k.f32_gemm(1, 0, K, F, rows, 1, x, K, dy, F, 1, w.grad, F, 0, ACT.linear, 0, work);
      } else {
        const [src, hp, wp] = inPlaceSource(be, n, g, x, col);
        k.f32_conv2d_filter_grad_nhwc(n, hp, wp, g.c, kh, kw, this.strides[0], this.strides[1], this.dilationRate[0], this.dilationRate[1], g.oh, g.ow, src, dy, F, w.grad, work);
      }
    }
    if (b && ctx.paramGrads && b.trainable) k.f32_colsum(rows, F, dy, F, 1, b.grad);
    if (!dx) return;
    const [dh, dw] = this.dilationRate;
    if (this.transposedDirect(g)) {
      // dx = dy, zero-bordered by the window's reach, convolved with the flipped kernel.
      const [hq, wq] = [g.h + (kh - 1) * dh, g.w + (kw - 1) * dw];
      k.f32_pad_nhwc(n, g.oh, g.ow, F, (kh - 1) * dh - g.ph, (kw - 1) * dw - g.pw, hq, wq, dy, dcol);
      k.f32_conv_kernel_flip(kh, kw, g.c, F, w.value, col);
      k.f32_conv2d_direct_nhwc(n, hq, wq, F, kh, kw, 1, 1, dh, dw, g.h, g.w, dcol, col, g.c, 0, ACT.linear, 0, dx, work);
      return;
    }
    if (this.pointwise(g)) {
      k.f32_gemm(0, 1, rows, K, F, 1, dy, F, w.value, F, 0, dx, K, 0, ACT.linear, 0, work);
      return;
    }
    k.f32_gemm(0, 1, rows, K, F, 1, dy, F, w.value, F, 0, dcol, K, 0, ACT.linear, 0, work);
    k.f32_col2im_nhwc(n, g.h, g.w, g.c, kh, kw, this.strides[0], this.strides[1], g.ph, g.pw, dh, dw, g.oh, g.ow, dcol, dx);
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
