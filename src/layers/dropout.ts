import { ValueError, describe } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { copy, mul } from '../kernels/elementwise.js';
import { dropoutMask } from '../kernels/random.js';
import { BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type CallContext, type PlanArgs, type Port, type Shape, type Site } from './layer.js';
import { checkOptions } from '../util/options.js';

/** Options of a Dropout layer. */
export interface DropoutConfig extends BaseLayerConfig {
  /** Fraction of inputs set to zero during training, in [0, 1). */
  rate: number;
}

/**
 * Inverted dropout: while training, each input is kept with probability
 * 1 - rate and scaled by 1 / (1 - rate); at inference it is the identity.
 * The mask is drawn from the model's seeded generator in wasm and kept in the
 * call site's tape for backward.
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;

  constructor(config: DropoutConfig) {
    checkOptions('dropout', config, [...BASE_LAYER_KEYS, 'rate']);
    super(config, 'dropout');
    if (typeof config.rate !== 'number' || !(config.rate >= 0 && config.rate < 1)) {
      throw new ValueError(`dropout: rate must be a number in [0, 1), got ${describe(config.rate)}`);
    }
    this.rate = config.rate;
  }

  protected override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputShape(inputShape: Shape): number[] {
    return inputShape.slice();
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    return p.backward && this.rate > 0 ? p.batch * sizeOf(site.inputs[0]) * 4 : 0;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const n = ctx.batch * sizeOf(xs[0].shape);
    if (ctx.training && this.rate > 0) {
      // Without a tape (an executor that runs no backward) the mask goes straight into the output.
      const mask = ctx.tape || ys[0].ptr;
      dropoutMask(be, { state: ctx.rng, n, out: mask, keep: 1 - this.rate });
      mul(be, { n, x: xs[0].ptr, y: mask, z: ys[0].ptr });
    } else {
      copy(be, n, xs[0].ptr, ys[0].ptr);
    }
  }

  backward(ctx: CallContext, _xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const dx = dxs[0].ptr;
    if (!dx) return;
    const n = ctx.batch * sizeOf(dys[0].shape);
    // ctx.training is the forward pass's: after a forward pass with dropout off the layer is the identity.
    if (ctx.training && this.rate > 0) mul(ctx.backend, { n, x: dys[0].ptr, y: ctx.tape, z: dx });
    else copy(ctx.backend, n, dys[0].ptr, dx);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rate: this.rate };
  }
}

registerLayer('Dropout', (c) => new Dropout(c as unknown as DropoutConfig));

/** Creates a Dropout layer (TensorFlow.js: tf.layers.dropout). */
export function dropout(config: DropoutConfig): Dropout {
  return new Dropout(config);
}
