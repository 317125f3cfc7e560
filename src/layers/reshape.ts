import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import { Layer, registerLayer, type StepContext } from './layer.js';
import { scale } from '../kernels/elementwise.js';

/**
 * Reshape without moving data: the row-major NHWC layout is the same for any
 * shape of the same size, so forward and backward are plain copies into the
 * model's buffers. Flatten is the [size] case.
 */
export class Reshape extends Layer {
  readonly className: 'Reshape' | 'Flatten';
  readonly targetShape: number[] | null;
  private size = 0;

  constructor(config: { targetShape?: number[]; inputShape?: number[]; name?: string }, flatten: boolean) {
    const op = flatten ? 'flatten' : 'reshape';
    if (config === null || typeof config !== 'object') throw new ValueError(`${op}: config must be an object, got ${describe(config)}`);
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

  computeOutputShape(inputShape: readonly number[]): number[] {
    const size = sizeOf(inputShape);
    if (!this.targetShape) return [size];
    const known = sizeOf(this.targetShape.filter((d) => d !== -1));
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (sizeOf(out) !== size || !out.every(Number.isInteger)) {
      throw new ShapeError(`${this.name}: cannot reshape samples of shape ${fmt(inputShape)} (size ${size}) to ${fmt(this.targetShape)}`);
    }
    return out;
  }

  override build(inputShape: readonly number[]): void {
    super.build(inputShape);
    this.size = sizeOf(inputShape);
  }

  forward(ctx: StepContext, x: number, y: number, batch: number): void {
    scale(ctx.backend, { n: batch * this.size, x, y });
  }

  backward(ctx: StepContext, _x: number, _y: number, dy: number, dx: number, batch: number): void {
    if (dx) scale(ctx.backend, { n: batch * this.size, x: dy, y: dx });
  }

  getConfig(): Record<string, unknown> {
    return this.targetShape ? { ...this.baseConfig(), targetShape: this.targetShape.slice() } : this.baseConfig();
  }
}

registerLayer('Flatten', (c) => new Reshape(c, true));
registerLayer('Reshape', (c) => new Reshape(c as { targetShape: number[] }, false));

/** Flattens each sample to one axis (TensorFlow.js: tf.layers.flatten). */
export function flatten(config: { inputShape?: number[]; name?: string } = {}): Reshape {
  return new Reshape(config, true);
}

/** Gives each sample a new shape of the same size; one dimension may be -1. */
export function reshape(config: { targetShape: number[]; inputShape?: number[]; name?: string }): Reshape {
  return new Reshape(config, false);
}
