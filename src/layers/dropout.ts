import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { Layer, registerLayer, type StepContext } from './layer.js';
import { mul, scale } from '../kernels/elementwise.js';
import { dropoutMask } from '../kernels/random.js';

/** Options of a Dropout layer. */
export interface DropoutConfig {
  /** Fraction of inputs set to zero during training, in [0, 1). */
  rate: number;
  inputShape?: number[];
  name?: string;
}

/**
 * Inverted dropout: while training, each input is kept with probability
 * 1 - rate and scaled by 1 / (1 - rate); at inference it is the identity.
 * The mask is drawn from the model's seeded generator in wasm.
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  private size = 0;
  private mask = 0;
  /** Whether the latest forward pass applied a mask (backward then applies the same one). */
  private masked = false;

  constructor(config: DropoutConfig) {
    if (!config || typeof config !== 'object') throw new ValueError(`dropout: config must be an object, got ${describe(config)}`);
    super(config, 'dropout');
    if (typeof config.rate !== 'number' || !(config.rate >= 0 && config.rate < 1)) {
      throw new ValueError(`dropout: rate must be a number in [0, 1), got ${describe(config.rate)}`);
    }
    this.rate = config.rate;
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    return inputShape.slice();
  }

  override build(inputShape: readonly number[]): void {
    super.build(inputShape);
    this.size = sizeOf(inputShape);
  }

  override plan(be: Backend, batch: number, training: boolean): void {
    this.unplan(be);
    if (training) this.mask = be.alloc(batch * this.size * 4);
  }

  override unplan(be: Backend): void {
    if (this.mask && be.isLive(this.mask)) be.free(this.mask);
    this.mask = 0;
  }

  forward(ctx: StepContext, x: number, y: number, batch: number, training: boolean): void {
    const be = ctx.backend;
    const n = batch * this.size;
    this.masked = training && this.rate > 0;
    if (this.masked) {
      dropoutMask(be, { state: ctx.rng, n, out: this.mask, keep: 1 - this.rate });
      mul(be, { n, x, y: this.mask, z: y });
    } else {
      scale(be, { n, x, y });
    }
  }

  backward(ctx: StepContext, _x: number, _y: number, dy: number, dx: number, batch: number): void {
    if (!dx) return;
    const n = batch * this.size;
    // After a forward pass with dropout off (gradientsFlat without training) the layer is the identity.
    if (this.masked) mul(ctx.backend, { n, x: dy, y: this.mask, z: dx });
    else scale(ctx.backend, { n, x: dy, y: dx });
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
