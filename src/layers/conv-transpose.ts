import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt } from '../tensor.js';
import { ACT } from '../runtime/abi.js';
import { actBackward, actForward } from '../kernels/activation.js';
import {
  conv2dFilterGrad, conv2dFilterGradScratchBytes, conv2dIgemm, conv2dIgemmScratchBytes, conv2dInputGradCol2im, conv2dInputGradScratchBytes,
} from '../kernels/conv.js';
import { biasAdd, colsum } from '../kernels/elementwise.js';
import type { ConvWindow } from '../kernels/geometry.js';
import type { Variable } from '../params/variable.js';
import { checkInitializer, type InitializerLike } from '../params/initializers.js';
import { checkOptions } from '../util/options.js';
import { checkActivation, checkAlpha, needsPreactivation, type LayerActivation } from './activations.js';
import { checkPadding, pair, type Padding } from './geometry.js';
import { BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type BuildContext, type CallContext, type PlanArgs, type Port, type Shape, type Site } from './layer.js';

/** Options of conv2dTranspose() (TensorFlow.js names). */
export interface Conv2DTransposeConfig extends BaseLayerConfig {
  filters: number;
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** 'valid' (default): out = (in − 1)·stride + kernel; 'same': out = in·stride. */
  padding?: Padding;
  /** Default 'linear'. */
  activation?: LayerActivation;
  alpha?: number;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerLike;
  /** Default 'zeros'. */
  biasInitializer?: InitializerLike;
}

interface TransposeSite extends Site {
  /** The convolution this layer is the transpose of: from this layer's output [H, W, filters] to its input [h, w, c]. */
  g: ConvWindow;
}

/**
 * Transposed convolution (Keras Conv2DTranspose; Zeiler et al. 2010's
 * deconvolution), channels last: the gradient of a convolution with respect
 * to its input, used as a layer that grows [h, w, c] images to [H, W,
 * filters]. Its kernel is [kh, kw, filters, c] as in Keras. The forward pass
 * is the convolution input-gradient kernel (dy · Wᵀ, then col2im), the input
 * gradient is that convolution's forward pass (the implicit GEMM), and the
 * kernel gradient is its filter gradient with the roles of input and output
 * swapped.
 */
export class Conv2DTranspose extends Layer {
  readonly className = 'Conv2DTranspose';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: LayerActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerLike;
  readonly biasInitializer: InitializerLike;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(config: Conv2DTransposeConfig) {
    const op = 'conv2dTranspose';
    checkOptions(op, config, [
      ...BASE_LAYER_KEYS, 'filters', 'kernelSize', 'strides', 'padding', 'activation', 'alpha', 'useBias', 'kernelInitializer', 'biasInitializer',
    ]);
    super(config, 'conv2d_transpose');
    if (typeof config.filters !== 'number' || !Number.isInteger(config.filters) || config.filters < 1 || config.filters > 1 << 16) {
      throw new ValueError(`${op}: filters must be a positive integer, got ${describe(config.filters)}`);
    }
    this.filters = config.filters;
    this.kernelSize = pair(op, 'kernelSize', config.kernelSize, 2);
    this.strides = pair(op, 'strides', config.strides ?? 1, 2);
    this.padding = checkPadding(op, config.padding ?? 'valid');
    this.activation = checkActivation(op, config.activation ?? 'linear');
    if (this.activation === 'softmax') throw new ValueError(`${op}: activation 'softmax' is not supported here; add an activation layer`);
    this.alpha = checkAlpha(op, this.activation, config.alpha);
    if (config.useBias !== undefined && typeof config.useBias !== 'boolean') throw new ValueError(`${op}: useBias must be a boolean, got ${describe(config.useBias)}`);
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = checkInitializer(op, 'kernelInitializer', config.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = checkInitializer(op, 'biasInitializer', config.biasInitializer ?? 'zeros');
  }

  /** The convolution from [H, W, filters] back to [h, w, c] whose input gradient this layer computes. */
  private window(inputShape: Shape): ConvWindow {
    if (inputShape.length !== 3) throw new ShapeError(`${this.name}: expects [height, width, channels] images, got ${fmt(inputShape)}`);
    const [h, w, c] = inputShape;
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.strides;
    const same = this.padding === 'same';
    const H = same ? h * sh : (h - 1) * sh + kh;
    const W = same ? w * sw : (w - 1) * sw + kw;
    // TensorFlow's 'same' rule for the convolution from H to h: total padding max((h − 1)s + k − H, 0), the smaller half before.
    const ph = same ? Math.floor(Math.max((h - 1) * sh + kh - H, 0) / 2) : 0;
    const pw = same ? Math.floor(Math.max((w - 1) * sw + kw - W, 0) / 2) : 0;
    return { h: H, w: W, c: this.filters, oh: h, ow: w, ph, pw, kernel: [kh, kw], strides: [sh, sw], dilation: [1, 1] };
  }

  override computeOutputShape(inputShape: Shape): number[] {
    const g = this.window(inputShape);
    return [g.h, g.w, this.filters];
  }

  protected override build(inputs: readonly Shape[], ctx: BuildContext): void {
    const c = inputs[0][2];
    const [kh, kw] = this.kernelSize;
    const fans = { fanIn: kh * kw * c, fanOut: kh * kw * this.filters };
    this.kernel = ctx.addWeight({ name: 'kernel', shape: [kh, kw, this.filters, c], initializer: this.kernelInitializer, ...fans });
    if (this.useBias) this.bias = ctx.addWeight({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, ...fans });
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[]): TransposeSite {
    return { inputs, outputs, g: this.window(inputs[0]) };
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    const g = (site as TransposeSite).g;
    return p.backward && needsPreactivation(this.activation) ? p.batch * g.h * g.w * this.filters * 4 : 0;
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    const g = (site as TransposeSite).g;
    const c = site.inputs[0][2];
    const fwd = conv2dInputGradScratchBytes(p.backend, p.batch, g, c, false);
    if (!p.backward) return fwd;
    return Math.max(fwd, conv2dFilterGradScratchBytes(p.backend, p.batch, g, c), conv2dIgemmScratchBytes(p.backend, p.batch, g, c));
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const g = (ctx.site as TransposeSite).g;
    const c = xs[0].shape[2];
    const rows = ctx.batch * g.h * g.w;
    const keep = ctx.tape && needsPreactivation(this.activation);
    const z = keep ? ctx.tape : ys[0].ptr;
    conv2dInputGradCol2im(be, { batch: ctx.batch, geometry: g, dy: xs[0].ptr, kernel: (this.kernel as Variable).value, filters: c, dx: z, scratch: ctx.scratch });
    if (this.bias) biasAdd(be, { m: rows, n: this.filters, x: z, bias: this.bias.value, y: z });
    if (this.activation !== 'linear') actForward(be, { act: ACT[this.activation as keyof typeof ACT], n: rows * this.filters, x: z, y: ys[0].ptr, alpha: this.alpha });
  }

  backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const be = ctx.backend;
    const g = (ctx.site as TransposeSite).g;
    const n = ctx.batch;
    const c = xs[0].shape[2];
    const rows = n * g.h * g.w;
    const w = this.kernel as Variable;
    const dy = dys[0].ptr;
    if (this.activation !== 'linear') {
      const y = ys[0].ptr;
      actBackward(be, { act: ACT[this.activation as keyof typeof ACT], n: rows * this.filters, x: needsPreactivation(this.activation) ? ctx.tape : y, y, dy, dx: dy, alpha: this.alpha });
    }
    // The convolution from [H, W, filters] to [h, w, c]: its "input" is this layer's output gradient, its "output" this layer's input.
    if (ctx.paramGrads && w.trainable) conv2dFilterGrad(be, { batch: n, geometry: g, x: dy, dy: xs[0].ptr, filters: c, dW: w.grad, scratch: ctx.scratch });
    if (this.bias && ctx.paramGrads && this.bias.trainable) colsum(be, { m: rows, n: this.filters, x: dy, out: this.bias.grad, beta: 1 });
    const dx = dxs[0].ptr;
    if (dx) conv2dIgemm(be, { batch: n, geometry: g, x: dy, kernel: w.value, filters: c, y: dx, scratch: ctx.scratch });
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(), filters: this.filters, kernelSize: this.kernelSize.slice(), strides: this.strides.slice(), padding: this.padding,
      activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer,
    };
    if (this.activation === 'leakyRelu' || this.activation === 'elu') c.alpha = this.alpha;
    return c;
  }
}

registerLayer('Conv2DTranspose', (c) => new Conv2DTranspose(c as unknown as Conv2DTransposeConfig));

/** Creates a Conv2DTranspose layer (TensorFlow.js: tf.layers.conv2dTranspose). */
export function conv2dTranspose(config: Conv2DTransposeConfig): Conv2DTranspose {
  return new Conv2DTranspose(config);
}
