import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import { add as addValues, copy } from '../kernels/elementwise.js';
import { Layer, registerLayer, type BaseLayerConfig, type CallContext, type Port, type Shape } from './layer.js';

/** Elementwise sum of several inputs of one shape (Keras Add): residual and skip connections. */
export class Add extends Layer {
  readonly className = 'Add';

  constructor(config: BaseLayerConfig = {}) {
    if (config === null || typeof config !== 'object') throw new ValueError(`add: config must be an object, got ${describe(config)}`);
    super(config, 'add');
  }

  override computeOutputShapes(inputs: readonly Shape[]): number[][] {
    if (inputs.length < 2) throw new ShapeError(`${this.name}: add needs at least 2 inputs, got ${inputs.length}`);
    const s = inputs[0];
    inputs.forEach((t, i) => {
      if (t.length !== s.length || t.some((d, j) => d !== s[j])) {
        throw new ShapeError(`${this.name}: add needs inputs of one shape; input 0 is ${fmt(s)}, input ${i} is ${fmt(t)}`);
      }
    });
    return [s.slice()];
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const n = ctx.batch * sizeOf(xs[0].shape);
    const y = ys[0].ptr;
    addValues(be, { n, x: xs[0].ptr, y: xs[1].ptr, z: y });
    for (let i = 2; i < xs.length; i++) addValues(be, { n, x: y, y: xs[i].ptr, z: y });
  }

  backward(ctx: CallContext, xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const n = ctx.batch * sizeOf(xs[0].shape);
    for (const dx of dxs) if (dx.ptr) copy(ctx.backend, n, dys[0].ptr, dx.ptr);
  }

  getConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}

registerLayer('Add', (c) => new Add(c));

/** Creates an Add layer (TensorFlow.js: tf.layers.add): `layers.add().apply([a, b])`. */
export function add(config: BaseLayerConfig = {}): Add {
  return new Add(config);
}
