import { ValueError, checkFinite, describe } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { add, copy, fill, mul, scale, sub } from '../kernels/elementwise.js';
import { randBernoulli, randNormal } from '../kernels/random.js';
import { checkOptions } from '../util/options.js';
import { BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type CallContext, type PlanArgs, type Port, type Shape, type Site } from './layer.js';

/**
 * The corruption C(x̃ | x) of a denoising autoencoder (Vincent et al. 2008):
 * active in training only (the identity at inference), drawn from the
 * model's seeded generator in wasm like dropout, so the same seed gives the
 * same corruption bit for bit.
 */
abstract class Noise extends Layer {
  protected override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputShape(inputShape: Shape): number[] {
    return inputShape.slice();
  }

  backward(ctx: CallContext, _xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const dx = dxs[0].ptr;
    if (!dx) return;
    const n = ctx.batch * sizeOf(dys[0].shape);
    // A multiplicative corruption passes the gradient where it kept the input; an additive one passes all of it.
    if (ctx.training && this.active() && this.masks()) mul(ctx.backend, { n, x: dys[0].ptr, y: ctx.tape, z: dx });
    else copy(ctx.backend, n, dys[0].ptr, dx);
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    return p.backward && this.masks() && this.active() ? p.batch * sizeOf(site.inputs[0]) * 4 : 0;
  }

  /** The corruption keeps some inputs and replaces the others: backward needs the 0/1 mask (in the tape). */
  protected abstract masks(): boolean;
  /** False when the corruption is the identity (rate or stddev 0). */
  protected abstract active(): boolean;
}

/** Options of gaussianNoise(). */
export interface GaussianNoiseConfig extends BaseLayerConfig {
  /** Standard deviation of the added noise, ≥ 0. */
  stddev: number;
}

/** Additive Gaussian noise (Keras GaussianNoise): x + N(0, stddev²) in training. */
export class GaussianNoise extends Noise {
  readonly className = 'GaussianNoise';
  readonly stddev: number;

  constructor(config: GaussianNoiseConfig) {
    checkOptions('gaussianNoise', config, [...BASE_LAYER_KEYS, 'stddev']);
    super(config, 'gaussian_noise');
    const s = config.stddev;
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) throw new ValueError(`gaussianNoise: stddev must be a finite number >= 0, got ${describe(s)}`);
    this.stddev = s;
  }

  protected masks(): boolean {
    return false;
  }

  protected active(): boolean {
    return this.stddev > 0;
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    return p.batch * sizeOf(site.inputs[0]) * 4;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const n = ctx.batch * sizeOf(xs[0].shape);
    if (!ctx.training || !this.active()) {
      copy(be, n, xs[0].ptr, ys[0].ptr);
      return;
    }
    randNormal(be, { n, out: ctx.scratch, mean: 0, std: this.stddev, state: ctx.rng });
    add(be, { n, x: xs[0].ptr, y: ctx.scratch, z: ys[0].ptr });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), stddev: this.stddev };
  }
}

/** Options of maskingNoise(). */
export interface MaskingNoiseConfig extends BaseLayerConfig {
  /** Fraction of inputs set to zero, in [0, 1). */
  rate: number;
}

/**
 * Masking noise (Vincent et al. 2008): each input is set to 0 with
 * probability `rate` in training, and, unlike dropout, the others are not
 * rescaled: the corrupted input is what the network must learn to repair.
 */
export class MaskingNoise extends Noise {
  readonly className = 'MaskingNoise';
  readonly rate: number;

  constructor(config: MaskingNoiseConfig) {
    checkOptions('maskingNoise', config, [...BASE_LAYER_KEYS, 'rate']);
    super(config, 'masking_noise');
    this.rate = checkRate('maskingNoise', config.rate);
  }

  protected masks(): boolean {
    return true;
  }

  protected active(): boolean {
    return this.rate > 0;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const n = ctx.batch * sizeOf(xs[0].shape);
    if (!ctx.training || !this.active()) {
      copy(be, n, xs[0].ptr, ys[0].ptr);
      return;
    }
    const mask = ctx.tape || ys[0].ptr;
    randBernoulli(be, { n, out: mask, p: 1 - this.rate, state: ctx.rng });
    mul(be, { n, x: xs[0].ptr, y: mask, z: ys[0].ptr });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rate: this.rate };
  }
}

/** Options of saltAndPepperNoise(). */
export interface SaltAndPepperNoiseConfig extends BaseLayerConfig {
  /** Fraction of inputs replaced, in [0, 1). */
  rate: number;
  /** The "pepper" value. Default 0. */
  low?: number;
  /** The "salt" value. Default 1. */
  high?: number;
}

/**
 * Salt-and-pepper noise (Vincent et al. 2010): each input is replaced, with
 * probability `rate` in training, by `low` or `high` with equal probability.
 */
export class SaltAndPepperNoise extends Noise {
  readonly className = 'SaltAndPepperNoise';
  readonly rate: number;
  readonly low: number;
  readonly high: number;

  constructor(config: SaltAndPepperNoiseConfig) {
    checkOptions('saltAndPepperNoise', config, [...BASE_LAYER_KEYS, 'rate', 'low', 'high']);
    super(config, 'salt_and_pepper_noise');
    this.rate = checkRate('saltAndPepperNoise', config.rate);
    this.low = checkFinite('saltAndPepperNoise', 'low', config.low ?? 0);
    this.high = checkFinite('saltAndPepperNoise', 'high', config.high ?? 1);
  }

  protected masks(): boolean {
    return true;
  }

  protected active(): boolean {
    return this.rate > 0;
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    return 2 * p.batch * sizeOf(site.inputs[0]) * 4;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const n = ctx.batch * sizeOf(xs[0].shape);
    if (!ctx.training || !this.active()) {
      copy(be, n, xs[0].ptr, ys[0].ptr);
      return;
    }
    const keep = ctx.tape || ctx.scratch + n * 4;
    const v = ctx.scratch;
    randBernoulli(be, { n, out: keep, p: 1 - this.rate, state: ctx.rng });
    // v = low + (high - low)·b with b ~ Bernoulli(1/2): the replacement value.
    randBernoulli(be, { n, out: v, p: 0.5, state: ctx.rng });
    scale(be, { n, x: v, y: v, alpha: this.high - this.low });
    const y = ys[0].ptr;
    fill(be, { n, y, value: this.low });
    add(be, { n, x: v, y, z: v });
    // y = keep·(x − v) + v
    sub(be, { n, x: xs[0].ptr, y: v, z: y });
    mul(be, { n, x: y, y: keep, z: y });
    add(be, { n, x: y, y: v, z: y });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rate: this.rate, low: this.low, high: this.high };
  }
}

function checkRate(op: string, rate: unknown): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new ValueError(`${op}: rate must be a number in [0, 1), got ${describe(rate)}`);
  return rate;
}

registerLayer('GaussianNoise', (c) => new GaussianNoise(c as unknown as GaussianNoiseConfig));
registerLayer('MaskingNoise', (c) => new MaskingNoise(c as unknown as MaskingNoiseConfig));
registerLayer('SaltAndPepperNoise', (c) => new SaltAndPepperNoise(c as unknown as SaltAndPepperNoiseConfig));

/** Additive Gaussian noise in training (TensorFlow.js: tf.layers.gaussianNoise). */
export function gaussianNoise(config: GaussianNoiseConfig): GaussianNoise {
  return new GaussianNoise(config);
}

/** Masking noise in training: inputs set to 0 with probability `rate`, not rescaled. */
export function maskingNoise(config: MaskingNoiseConfig): MaskingNoise {
  return new MaskingNoise(config);
}

/** Salt-and-pepper noise in training: inputs replaced by `low` or `high` with probability `rate`. */
export function saltAndPepperNoise(config: SaltAndPepperNoiseConfig): SaltAndPepperNoise {
  return new SaltAndPepperNoise(config);
}
