import { ACT } from '../runtime/abi.js';
import { ValueError, describe } from '../errors.js';
import type { Variable } from '../params/variable.js';
import { gemm, gemmWorkspaceBytes } from '../kernels/gemm.js';
import {
  conv2dFilterGrad, conv2dFilterGradScratchBytes, conv2dIgemm, conv2dIgemmMaxPool2, conv2dIgemmScratchBytes,
  conv2dInputGradCol2im, conv2dInputGradFlipped, conv2dInputGradScratchBytes,
} from '../kernels/conv.js';
import { actBackward, actForward } from '../kernels/activation.js';
import { colsum } from '../kernels/elementwise.js';
import type { ConvWindow } from '../kernels/geometry.js';
import {
  BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type BuildContext, type CallContext, type PlanArgs, type Port, type Shape, type Site,
} from './layer.js';
import { checkActivation, checkAlpha, needsPreactivation, type LayerActivation } from './activations.js';
import { checkInitializer, type InitializerLike } from '../params/initializers.js';
import { checkRegularizer, type RegularizerLike, type RegularizerSpec } from '../params/regularizers.js';
import { checkPadding, pair, windowGeometry, type Padding } from './geometry.js';
import { Pooling } from './pooling.js';
import { BatchNormalization } from './normalization.js';
import { checkOptions } from '../util/options.js';

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
  kernelInitializer?: InitializerLike;
  biasInitializer?: InitializerLike;
  /** Penalties added to the training loss: 'l1', 'l2', 'l1l2' or regularizers.*(). Default none. */
  kernelRegularizer?: RegularizerLike;
  biasRegularizer?: RegularizerLike;
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
  readonly kernelInitializer: InitializerLike;
  readonly biasInitializer: InitializerLike;
  readonly kernelRegularizer: RegularizerSpec | null;
  readonly biasRegularizer: RegularizerSpec | null;
  /** [kh, kw, inC, filters] ([kw, inC, filters] for Conv1D), once built. */
  kernel: Variable | null = null;
  /** [filters], once built with useBias. */
  bias: Variable | null = null;

  constructor(config: ConvConfig, rank: 1 | 2) {
    const op = rank === 1 ? 'conv1d' : 'conv2d';
    checkOptions(op, config, [
      ...BASE_LAYER_KEYS, 'filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'alpha', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer',
    ]);
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
    this.kernelRegularizer = checkRegularizer(op, 'kernelRegularizer', config.kernelRegularizer);
    this.biasRegularizer = checkRegularizer(op, 'biasRegularizer', config.biasRegularizer);
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
    this.kernel = ctx.addWeight({ name: 'kernel', shape: kshape, initializer: this.kernelInitializer, ...fans, regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = ctx.addWeight({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, ...fans, regularizer: this.biasRegularizer });
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
    return needsPreactivation(this.activation) ? p.batch * g.oh * g.ow * this.filters * 4 : 0;
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    const g = (site as ConvSite).g;
    const be = p.backend;
    const n = p.batch;
    const F = this.filters;
    const rows = n * g.oh * g.ow;
    // Inference-only plans may fold a batch normalization after a linear convolution into a copy of the kernel.
    const fold = !p.backward && this.activation === 'linear' && this.kernel ? BatchNormalization.foldBytes(this.kernel.size / F, F) : 0;
    if (this.pointwise(g)) {
      const ws = (a: number, b: number, c: number) => gemmWorkspaceBytes(be, a, b, c);
      return Math.max(ws(rows, F, g.c) + fold, p.backward ? Math.max(ws(g.c, F, rows), ws(rows, g.c, F)) : 0);
    }
    const fwd = conv2dIgemmScratchBytes(be, n, g, F);
    if (!p.backward) return fwd + fold;
    return Math.max(fwd, conv2dFilterGradScratchBytes(be, n, g, F), conv2dInputGradScratchBytes(be, n, g, F, this.transposedDirect(g)));
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const g = (ctx.site as ConvSite).g;
    const rows = ctx.batch * g.oh * g.ow;
    const F = this.filters;
    const w = this.kernel as Variable;
    const bias = this.bias ? this.bias.value : 0;
    const act = ACT[this.activation as keyof typeof ACT];
    const z = needsPreactivation(this.activation) ? ctx.tape : 0;
    const out = z || ys[0].ptr;
    const fused = z ? ACT.linear : act;
    if (this.pointwise(g)) {
      gemm(be, { m: rows, n: F, k: g.c, a: xs[0].ptr, b: w.value, c: out, bias, act: fused, actAlpha: this.alpha, work: ctx.scratch });
    } else {
      conv2dIgemm(be, { batch: ctx.batch, geometry: g, x: xs[0].ptr, kernel: w.value, filters: F, y: out, bias, act: fused, actAlpha: this.alpha, scratch: ctx.scratch });
    }
    if (z) actForward(be, { act, n: rows * F, x: z, y: ys[0].ptr, alpha: this.alpha });
  }

  /**
   * True when `next` is a 2x2, stride-2, 'valid' max pooling that inference
   * may fuse into this layer's forward pass (forwardFused): a 2D convolution
   * that reads its input in place, with a linear or relu activation.
   */
  override fusesWith(site: Site, next: Layer): boolean {
    if (next instanceof BatchNormalization) return this.activation === 'linear';
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
  override forwardFused(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], next?: Layer): void {
    const g = (ctx.site as ConvSite).g;
    if (next instanceof BatchNormalization) {
      // The normalization folded into the kernel and bias (inference), as Dense does.
      const be = ctx.backend;
      const F = this.filters;
      const K = (this.kernel as Variable).size / F;
      if (!next.foldable(ctx.training) || ctx.batch * g.oh * g.ow < 4 * K) {
        this.forward(ctx, xs, ys);
        const outs = (ctx.site as ConvSite).outputs;
        next.forward({ ...ctx, site: next.plan(outs, outs), tape: 0 }, ys, ys);
        return;
      }
      const f = next.fold(be, (this.kernel as Variable).value, this.bias ? this.bias.value : 0, K, F, ctx.scratch);
      if (this.pointwise(g)) {
        gemm(be, { m: ctx.batch * g.oh * g.ow, n: F, k: g.c, a: xs[0].ptr, b: f.kernel, c: ys[0].ptr, bias: f.bias, act: ACT.linear, work: f.rest });
      } else {
        conv2dIgemm(be, { batch: ctx.batch, geometry: g, x: xs[0].ptr, kernel: f.kernel, filters: F, y: ys[0].ptr, bias: f.bias, act: ACT.linear, actAlpha: 0, scratch: f.rest });
      }
      return;
    }
    conv2dIgemmMaxPool2(ctx.backend, {
      batch: ctx.batch, geometry: g, x: xs[0].ptr, kernel: (this.kernel as Variable).value, filters: this.filters, y: ys[0].ptr,
      bias: this.bias ? this.bias.value : 0, act: ACT[this.activation as 'relu' | 'linear'], scratch: ctx.scratch,
    });
  }

  backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const be = ctx.backend;
    const g = (ctx.site as ConvSite).g;
    const n = ctx.batch;
    const rows = n * g.oh * g.ow;
    const F = this.filters;
    const w = this.kernel as Variable;
    const b = this.bias;
    const x = xs[0].ptr;
    const dy = dys[0].ptr;
    const dx = dxs[0].ptr;
    const scratch = ctx.scratch;
    if (this.activation !== 'linear') {
      const y = ys[0].ptr;
      actBackward(be, { act: ACT[this.activation as keyof typeof ACT], n: rows * F, x: needsPreactivation(this.activation) ? ctx.tape : y, y, dy, dx: dy, alpha: this.alpha });
    }
    const pointwise = this.pointwise(g);
    if (ctx.paramGrads && w.trainable) {
      if (pointwise) gemm(be, { m: g.c, n: F, k: rows, a: x, b: dy, c: w.grad, transA: true, beta: 1, work: scratch });
      else conv2dFilterGrad(be, { batch: n, geometry: g, x, dy, filters: F, dW: w.grad, scratch });
    }
    if (b && ctx.paramGrads && b.trainable) colsum(be, { m: rows, n: F, x: dy, out: b.grad, beta: 1 });
    if (!dx) return;
    if (pointwise) gemm(be, { m: rows, n: g.c, k: F, a: dy, b: w.value, c: dx, transB: true, work: scratch });
    else if (this.transposedDirect(g)) conv2dInputGradFlipped(be, { batch: n, geometry: g, dy, kernel: w.value, filters: F, dx, scratch });
    else conv2dInputGradCol2im(be, { batch: n, geometry: g, dy, kernel: w.value, filters: F, dx, scratch });
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
    if (this.kernelRegularizer) c.kernelRegularizer = this.kernelRegularizer;
    if (this.biasRegularizer) c.biasRegularizer = this.biasRegularizer;
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
