import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import { copy } from '../kernels/elementwise.js';
import { BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type CallContext, type Port, type Shape } from './layer.js';
import { checkOptions } from '../util/options.js';

/**
 * Reshape without moving data: the row-major NHWC layout is the same for any
 * shape of the same size, so forward and backward are plain copies into the
 * executor's buffers. Flatten is the [size] case.
 */
export class Reshape extends Layer {
  readonly className: 'Reshape' | 'Flatten';
  readonly targetShape: number[] | null;

  constructor(config: BaseLayerConfig & { targetShape?: number[] }, flatten: boolean) {
    const op = flatten ? 'flatten' : 'reshape';
    checkOptions(op, config, flatten ? BASE_LAYER_KEYS : [...BASE_LAYER_KEYS, 'targetShape']);
    super(config, op);
    this.className = flatten ? 'Flatten' : 'Reshape';
    if (flatten) {
      this.targetShape = null;
    } else {
      const t = config.targetShape;
      const free = Array.isArray(t) ? t.filter((d) => d === -1).length : 0;
      if (!Array.isArray(t) || t.length === 0 || free > 1 || !t.every((d) => d === -1 || (Number.isInteger(d) && d > 0))) {
        throw new ValueError(`reshape: targetShape must be an array of positive integers with at most one -1, got ${describe(t)}`);
      }
      this.targetShape = t.slice();
    }
  }

  override computeOutputShape(inputShape: Shape): number[] {
    const size = sizeOf(inputShape);
    if (!this.targetShape) return [size];
    const known = sizeOf(this.targetShape.filter((d) => d !== -1));
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (sizeOf(out) !== size || !out.every(Number.isInteger)) {
      throw new ShapeError(`${this.name}: cannot reshape samples of shape ${fmt(inputShape)} (size ${size}) to ${fmt(this.targetShape)}`);
    }
    return out;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    copy(ctx.backend, ctx.batch * sizeOf(xs[0].shape), xs[0].ptr, ys[0].ptr);
  }

  backward(ctx: CallContext, xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    if (dxs[0].ptr) copy(ctx.backend, ctx.batch * sizeOf(xs[0].shape), dys[0].ptr, dxs[0].ptr);
  }

  getConfig(): Record<string, unknown> {
    return this.targetShape ? { ...this.baseConfig(), targetShape: this.targetShape.slice() } : this.baseConfig();
  }
}

registerLayer('Flatten', (c) => new Reshape(c, true));
registerLayer('Reshape', (c) => new Reshape(c as { targetShape: number[] }, false));

/** Flattens each sample to one axis (TensorFlow.js: tf.layers.flatten). */
export function flatten(config: BaseLayerConfig = {}): Reshape {
  return new Reshape(config, true);
}

/** Gives each sample a new shape of the same size; one dimension may be -1. */
export function reshape(config: BaseLayerConfig & { targetShape: number[] }): Reshape {
  return new Reshape(config, false);
}
