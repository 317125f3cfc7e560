import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt } from '../tensor.js';
import { upsample2d, upsample2dBackward } from '../kernels/pool.js';
import { checkOptions } from '../util/options.js';
import { BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type CallContext, type Port, type Shape } from './layer.js';

/** Options of upSampling2d() (TensorFlow.js names). */
export interface UpSampling2DConfig extends BaseLayerConfig {
  /** Factors along height and width. Default [2, 2]. */
  size?: number | [number, number];
  /** Only 'nearest' (the default). */
  interpolation?: 'nearest';
}

/**
 * Nearest-neighbour upsampling of [h, w, c] images to [h·sh, w·sw, c]
 * (Keras UpSampling2D, channels last): each pixel repeated over an sh × sw
 * block; its gradient sums each block. The way up of a convolutional
 * autoencoder's decoder, with convolutions after it.
 */
export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly size: [number, number];

  constructor(config: UpSampling2DConfig = {}) {
    checkOptions('upSampling2d', config, [...BASE_LAYER_KEYS, 'size', 'interpolation']);
    super(config, 'up_sampling2d');
    const s = config.size ?? 2;
    const pair = typeof s === 'number' ? [s, s] : s;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v >= 1 && v <= 64)) {
      throw new ValueError(`upSampling2d: size must be an integer in [1, 64] or two of them, got ${describe(s)}`);
    }
    this.size = [pair[0], pair[1]];
    if (config.interpolation !== undefined && config.interpolation !== 'nearest') {
      throw new ValueError(`upSampling2d: interpolation must be 'nearest' (the only one implemented), got ${describe(config.interpolation)}`);
    }
  }

  override computeOutputShape(inputShape: Shape): number[] {
    if (inputShape.length !== 3) throw new ShapeError(`${this.name}: expects [height, width, channels] images, got ${fmt(inputShape)}`);
    return [inputShape[0] * this.size[0], inputShape[1] * this.size[1], inputShape[2]];
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const [h, w, c] = xs[0].shape;
    upsample2d(ctx.backend, { n: ctx.batch, h, w, c, sh: this.size[0], sw: this.size[1], x: xs[0].ptr, y: ys[0].ptr });
  }

  backward(ctx: CallContext, xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    if (!dxs[0].ptr) return;
    const [h, w, c] = xs[0].shape;
    upsample2dBackward(ctx.backend, { n: ctx.batch, h, w, c, sh: this.size[0], sw: this.size[1], x: dxs[0].ptr, y: dys[0].ptr });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), size: [...this.size] };
  }
}

registerLayer('UpSampling2D', (c) => new UpSampling2D(c as UpSampling2DConfig));

/** Creates an UpSampling2D layer (TensorFlow.js: tf.layers.upSampling2d). */
export function upSampling2d(config: UpSampling2DConfig = {}): UpSampling2D {
  return new UpSampling2D(config);
}
