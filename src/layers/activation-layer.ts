import { ACT } from '../runtime/abi.js';
import { ValueError, describe } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { Layer, registerLayer, type StepContext } from './layer.js';
import { checkActivation, checkAlpha, type LayerActivation } from './activations.js';
import { actBackward, actForward, softmax, softmaxBackward } from '../kernels/activation.js';
import { scale } from '../kernels/elementwise.js';

/** Options of an Activation layer. */
export interface ActivationConfig {
  activation: LayerActivation;
  alpha?: number;
  inputShape?: number[];
  name?: string;
}

/** Applies an activation elementwise (softmax: over the last axis). */
export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: LayerActivation;
  readonly alpha: number;
  private size = 0;
  private last = 0;
  /** Offset of the latest input: the pre-activation, so a softmax / sigmoid output layer can fuse with its loss. */
  private input = 0;

  constructor(config: ActivationConfig) {
    if (!config || typeof config !== 'object') throw new ValueError(`activation: config must be an object, got ${describe(config)}`);
    super(config, 'activation');
    this.activation = checkActivation('activation', config.activation);
    this.alpha = checkAlpha('activation', this.activation, config.alpha);
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    return inputShape.slice();
  }

  override build(inputShape: readonly number[]): void {
    super.build(inputShape);
    this.size = sizeOf(inputShape);
    this.last = inputShape[inputShape.length - 1];
  }

  override logits(): { activation: 'softmax' | 'sigmoid'; ptr: number } | null {
    if ((this.activation === 'softmax' || this.activation === 'sigmoid') && this.input) return { activation: this.activation, ptr: this.input };
    return null;
  }

  forward(ctx: StepContext, x: number, y: number, batch: number): void {
    const be = ctx.backend;
    this.input = x;
    if (this.activation === 'softmax') softmax(be, { m: batch * (this.size / this.last), n: this.last, x, y });
    else actForward(be, { act: ACT[this.activation as keyof typeof ACT], n: batch * this.size, x, y, alpha: this.alpha });
  }

  backward(ctx: StepContext, x: number, y: number, dy: number, dx: number, batch: number, fromLogits: boolean): void {
    if (!dx) return;
    const be = ctx.backend;
    const n = batch * this.size;
    if (fromLogits) scale(be, { n, x: dy, y: dx });
    else if (this.activation === 'softmax') softmaxBackward(be, { m: batch * (this.size / this.last), n: this.last, y, dy, dx });
    else actBackward(be, { act: ACT[this.activation as keyof typeof ACT], n, x, y, dy, dx, alpha: this.alpha });
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
