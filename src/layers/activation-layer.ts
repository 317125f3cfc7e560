import { ACT } from '../runtime/abi.js';
import { ValueError, describe } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { actBackward, actForward, softmax, softmaxBackward } from '../kernels/activation.js';
import { copy } from '../kernels/elementwise.js';
import { BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type CallContext, type LossLogits, type Port, type Shape } from './layer.js';
import { checkActivation, checkAlpha, type LayerActivation } from './activations.js';
import { checkOptions } from '../util/options.js';

/** Options of an Activation layer. */
export interface ActivationConfig extends BaseLayerConfig {
  activation: LayerActivation;
  alpha?: number;
}

/** Applies an activation elementwise (softmax: over the last axis). */
export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: LayerActivation;
  readonly alpha: number;

  constructor(config: ActivationConfig) {
    checkOptions('activation', config, [...BASE_LAYER_KEYS, 'activation', 'alpha']);
    super(config, 'activation');
    this.activation = checkActivation('activation', config.activation);
    this.alpha = checkAlpha('activation', this.activation, config.alpha);
  }

  protected override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputShape(inputShape: Shape): number[] {
    return inputShape.slice();
  }

  /** A softmax / sigmoid output layer's pre-activation is its input, so a loss can fuse with it. */
  override lossLogits(): LossLogits | null {
    if (this.activation === 'softmax' || this.activation === 'sigmoid') return { activation: this.activation, from: 'input', offset: 0 };
    return null;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const s = xs[0].shape;
    const size = sizeOf(s);
    const last = s[s.length - 1];
    if (this.activation === 'softmax') softmax(be, { m: ctx.batch * (size / last), n: last, x: xs[0].ptr, y: ys[0].ptr });
    else actForward(be, { act: ACT[this.activation as keyof typeof ACT], n: ctx.batch * size, x: xs[0].ptr, y: ys[0].ptr, alpha: this.alpha });
  }

  backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const dx = dxs[0].ptr;
    if (!dx) return;
    const be = ctx.backend;
    const s = xs[0].shape;
    const size = sizeOf(s);
    const last = s[s.length - 1];
    const n = ctx.batch * size;
    if (ctx.fromLogits) copy(be, n, dys[0].ptr, dx);
    else if (this.activation === 'softmax') softmaxBackward(be, { m: ctx.batch * (size / last), n: last, y: ys[0].ptr, dy: dys[0].ptr, dx });
    else actBackward(be, { act: ACT[this.activation as keyof typeof ACT], n, x: xs[0].ptr, y: ys[0].ptr, dy: dys[0].ptr, dx, alpha: this.alpha });
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...this.baseConfig(), activation: this.activation };
    if (this.activation === 'leakyRelu' || this.activation === 'elu') c.alpha = this.alpha;
    return c;
  }
}

registerLayer('Activation', (c) => new Activation(c as unknown as ActivationConfig));

/** Creates an Activation layer (TensorFlow.js: tf.layers.activation). */
export function activation(config: ActivationConfig): Activation {
  return new Activation(config);
}
