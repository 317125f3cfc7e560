import { ValueError, describe } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { add, fill, mul } from '../kernels/elementwise.js';
import { bnBackward, bnCoeffs, bnStats, bnUpdateMoving, channelAffine } from '../kernels/normalization.js';
import type { Variable } from '../params/variable.js';
import type { Backend } from '../runtime/backend.js';
import { checkInitializer, type InitializerLike } from '../params/initializers.js';
import { checkBool, checkOptions } from '../util/options.js';
import { Layer, registerLayer, type BaseLayerConfig, type BuildContext, type CallContext, type PlanArgs, type Port, type Shape, type Site } from './layer.js';

/** Options of a BatchNormalization layer (TensorFlow.js and Keras names and defaults). */
export interface BatchNormalizationConfig extends BaseLayerConfig {
  /** The normalized axis: the last one (-1, or its positive index), the features or channels. Default -1. */
  axis?: number;
  /** Weight of the old value in the moving statistics' update. Default 0.99. */
  momentum?: number;
  /** Added to the variance before its square root. Default 0.001. */
  epsilon?: number;
  /** Learn an offset beta. Default true. */
  center?: boolean;
  /** Learn a scale gamma. Default true. */
  scale?: boolean;
  /** Default 'zeros'. */
  betaInitializer?: InitializerLike;
  /** Default 'ones'. */
  gammaInitializer?: InitializerLike;
  /** Default 'zeros'. */
  movingMeanInitializer?: InitializerLike;
  /** Default 'ones'. */
  movingVarianceInitializer?: InitializerLike;
}

const BN_KEYS = [
  'name', 'inputShape', 'trainable', 'axis', 'momentum', 'epsilon', 'center', 'scale',
  'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer',
];

interface BnSite extends Site {
  /** Rows per sample: the product of every axis but the last. */
  steps: number;
  /** Channels: the last axis. */
  c: number;
}

/**
 * Batch normalization (Ioffe and Szegedy, 2015) over the last axis: in
 * training, each channel is normalized with the batch's mean and variance
 * (over the samples and every other axis), then scaled by gamma and shifted
 * by beta, and the moving mean and variance are updated,
 * moving = momentum·moving + (1 − momentum)·batch; at inference (and when the
 * layer is frozen, as in Keras) the moving statistics are used instead. The
 * moving statistics are weights that are saved and loaded but never trained.
 * Weight order is TensorFlow.js's: gamma, beta, movingMean, movingVariance.
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: InitializerLike;
  readonly gammaInitializer: InitializerLike;
  readonly movingMeanInitializer: InitializerLike;
  readonly movingVarianceInitializer: InitializerLike;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;

  constructor(config: BatchNormalizationConfig = {}) {
    checkOptions('batchNormalization', config, BN_KEYS);
    super(config, 'batch_normalization');
    const axis = config.axis ?? -1;
    if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new ValueError(`batchNormalization: axis must be an integer, got ${describe(axis)}`);
    this.axis = axis;
    const num = (name: string, v: unknown, lo: number, hi: number, fallback: number) => {
      if (v === undefined) return fallback;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw new ValueError(`batchNormalization: ${name} must be a number in [${lo}, ${hi}], got ${describe(v)}`);
      return v;
    };
    this.momentum = num('momentum', config.momentum, 0, 1, 0.99);
    this.epsilon = num('epsilon', config.epsilon, 1e-12, 1, 1e-3);
    this.center = checkBool('batchNormalization', 'center', config.center, true);
    this.scale = checkBool('batchNormalization', 'scale', config.scale, true);
    this.betaInitializer = checkInitializer('batchNormalization', 'betaInitializer', config.betaInitializer ?? 'zeros');
    this.gammaInitializer = checkInitializer('batchNormalization', 'gammaInitializer', config.gammaInitializer ?? 'ones');
    this.movingMeanInitializer = checkInitializer('batchNormalization', 'movingMeanInitializer', config.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = checkInitializer('batchNormalization', 'movingVarianceInitializer', config.movingVarianceInitializer ?? 'ones');
  }

  override computeOutputShape(inputShape: Shape): number[] {
    const rank = inputShape.length;
    if (this.axis !== -1 && this.axis !== rank) {
      throw new ValueError(
        `${this.name}: only the last axis is normalized (axis -1 or ${rank} for inputs of shape [batch, ${inputShape.join(', ')}]), got axis ${this.axis}`,
      );
    }
    return inputShape.slice();
  }

  protected override build(inputs: readonly Shape[], ctx: BuildContext): void {
    const c = inputs[0][inputs[0].length - 1];
    const spec = (name: string, initializer: InitializerLike, trainable = true) => ctx.addWeight({ name, shape: [c], initializer, fanIn: c, fanOut: c, trainable });
    if (this.scale) this.gamma = spec('gamma', this.gammaInitializer);
    if (this.center) this.beta = spec('beta', this.betaInitializer);
    this.movingMean = spec('moving_mean', this.movingMeanInitializer, false);
    this.movingVariance = spec('moving_variance', this.movingVarianceInitializer, false);
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[]): BnSite {
    const x = inputs[0];
    const c = x[x.length - 1];
    return { inputs, outputs, steps: sizeOf(x) / c, c };
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    // The batch's mean and 1 / sqrt(variance + eps), for backward.
    return p.backward ? 2 * (site as BnSite).c * 4 : 0;
  }

  override scratchBytes(site: Site): number {
    // a, b, mean, variance (forward); the two per-channel sums (backward).
    return 4 * (site as BnSite).c * 4;
  }

  /** Training-mode statistics apply: a training pass through a trainable layer. */
  private batchStatistics(ctx: CallContext): boolean {
    return ctx.training && this.trainable;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const site = ctx.site as BnSite;
    const c = site.c;
    const rows = ctx.batch * site.steps;
    const a = ctx.scratch;
    const b = a + c * 4;
    const gamma = this.gamma ? this.gamma.value : 0;
    const beta = this.beta ? this.beta.value : 0;
    const mm = this.movingMean as Variable;
    const mv = this.movingVariance as Variable;
    if (this.batchStatistics(ctx)) {
      const mean = ctx.tape || b + c * 4;
      const invstd = ctx.tape ? ctx.tape + c * 4 : 0;
      const variance = b + 2 * c * 4;
      bnStats(be, { rows, c, x: xs[0].ptr, mean, variance });
      bnCoeffs(be, { c, mean, variance, gamma, beta, eps: this.epsilon, a, b, invstd });
      bnUpdateMoving(be, { c, mean, variance, movingMean: mm.value, movingVariance: mv.value, momentum: this.momentum });
    } else {
      bnCoeffs(be, { c, mean: mm.value, variance: mv.value, gamma, beta, eps: this.epsilon, a, b });
    }
    channelAffine(be, { rows, c, x: xs[0].ptr, a, b, y: ys[0].ptr });
  }

  /** True when a call uses the moving statistics (inference, or a frozen layer), so it can be folded into the layer before it. */
  foldable(training: boolean): boolean {
    return !(training && this.trainable);
  }

  /** Scratch bytes fold() needs for a [k, c] kernel, before the kernel's own workspace. */
  static foldBytes(k: number, c: number): number {
    const pc = Math.ceil(c / 4) * 4;
    return (4 * pc + Math.ceil((k * c) / 4) * 4) * 4;
  }

  /**
   * Folds the moving statistics into the linear layer before it (Ioffe &
   * Szegedy, 2015, section 3.2): with a = gamma / sqrt(variance + eps) and
   * b = beta - mean·a, writes the kernel W·diag(a) ([k, c], channels last)
   * and the bias a·bias + b to scratch, and returns them and the first
   * free byte after them.
   */
  fold(be: Backend, kernel: number, bias: number, k: number, c: number, scratch: number): { kernel: number; bias: number; rest: number } {
    const pc = Math.ceil(c / 4) * 4;
    const a = scratch;
    const b = a + pc * 4;
    const zero = b + pc * 4;
    const nb = zero + pc * 4;
    const w = nb + pc * 4;
    bnCoeffs(be, {
      c, mean: (this.movingMean as Variable).value, variance: (this.movingVariance as Variable).value,
      gamma: this.gamma ? this.gamma.value : 0, beta: this.beta ? this.beta.value : 0, eps: this.epsilon, a, b,
    });
    fill(be, { n: c, y: zero, value: 0 });
    channelAffine(be, { rows: k, c, x: kernel, a, b: zero, y: w });
    channelAffine(be, { rows: 1, c, x: bias || zero, a, b, y: nb });
    return { kernel: w, bias: nb, rest: w + Math.ceil((k * c) / 4) * 16 };
  }

  backward(ctx: CallContext, xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const be = ctx.backend;
    const site = ctx.site as BnSite;
    const c = site.c;
    const rows = ctx.batch * site.steps;
    const gamma = this.gamma ? this.gamma.value : 0;
    const sums = ctx.scratch;
    const dx = dxs[0].ptr;
    if (this.batchStatistics(ctx)) {
      bnBackward(be, { rows, c, x: xs[0].ptr, dy: dys[0].ptr, mean: ctx.tape, invstd: ctx.tape + c * 4, gamma, sums, dx });
    } else {
      // Fixed statistics: an affine map per channel, dx = dy·a, dgamma = Σ dy·xhat, dbeta = Σ dy.
      const mm = this.movingMean as Variable;
      const mv = this.movingVariance as Variable;
      const a = sums + 2 * c * 4;
      const b = a + c * 4;
      // With gamma 1 and beta 0, a = invstd and b = −mean·invstd: the normalization alone, whose sums are the ones wanted.
      bnCoeffs(be, { c, mean: mm.value, variance: mv.value, gamma: 0, beta: 0, eps: this.epsilon, a, b, invstd: 0 });
      bnBackward(be, { rows, c, x: xs[0].ptr, dy: dys[0].ptr, mean: mm.value, invstd: a, gamma, sums, dx: 0 });
      if (dx) {
        // dx = dy · gamma · invstd: the invstd already in a, scaled by gamma.
        if (gamma) mul(be, { n: c, x: a, y: gamma, z: a });
        fill(be, { n: c, y: b, value: 0 });
        channelAffine(be, { rows, c, x: dys[0].ptr, a, b, y: dx });
      }
    }
    if (!ctx.paramGrads) return;
    if (this.beta && this.beta.trainable) add(be, { n: c, x: this.beta.grad, y: sums, z: this.beta.grad });
    if (this.gamma && this.gamma.trainable) add(be, { n: c, x: this.gamma.grad, y: sums + c * 4, z: this.gamma.grad });
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(), axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: this.betaInitializer, gammaInitializer: this.gammaInitializer,
      movingMeanInitializer: this.movingMeanInitializer, movingVarianceInitializer: this.movingVarianceInitializer,
    };
  }
}

registerLayer('BatchNormalization', (c) => new BatchNormalization(c as BatchNormalizationConfig));

/** Creates a BatchNormalization layer (TensorFlow.js: tf.layers.batchNormalization). */
export function batchNormalization(config: BatchNormalizationConfig = {}): BatchNormalization {
  return new BatchNormalization(config);
}
