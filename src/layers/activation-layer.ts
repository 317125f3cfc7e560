import { ACT } from '../runtime/abi.js';
import { ValueError, describe } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { Layer, registerLayer, type BaseLayerConfig, type CallContext, type LossLogits, type Port, type Shape } from './layer.js';
import { checkActivation, checkAlpha, type LayerActivation } from './activations.js';

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
    if (!config || typeof config !== 'object') throw new ValueError(`activation: config must be an object, got ${describe(config)}`);
    super(config, 'activation');
    this.activation = checkActivation('activation', config.activation);
    this.alpha = checkAlpha('activation', this.activation, config.alpha);
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
    const k = ctx.backend.kernels;
    const s = xs[0].shape;
    const size = sizeOf(s);
    const last = s[s.length - 1];
    if (this.activation === 'softmax') k.f32_softmax(ctx.batch * (size / last), last, xs[0].ptr, ys[0].ptr);
    else k.f32_act_forward(ACT[this.activation as keyof typeof ACT], ctx.batch * size, xs[0].ptr, ys[0].ptr, this.alpha);
  }

  backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const dx = dxs[0].ptr;
    if (!dx) return;
    const k = ctx.backend.kernels;
    const s = xs[0].shape;
    const size = sizeOf(s);
    const last = s[s.length - 1];
    const n = ctx.batch * size;
    if (ctx.fromLogits) k.f32_scale(n, 1, 0, dys[0].ptr, dx);
    else if (this.activation === 'softmax') k.f32_softmax_backward(ctx.batch * (size / last), last, ys[0].ptr, dys[0].ptr, dx);
    else k.f32_act_backward(ACT[this.activation as keyof typeof ACT], n, xs[0].ptr, ys[0].ptr, dys[0].ptr, dx, this.alpha);
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
