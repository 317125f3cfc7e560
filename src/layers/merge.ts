import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import { add as addValues, copy, copy2d } from '../kernels/elementwise.js';
import { BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type CallContext, type Port, type Shape, type Site } from './layer.js';
import { checkOptions } from '../util/options.js';

/** Elementwise sum of several inputs of one shape (Keras Add): residual and skip connections. */
export class Add extends Layer {
  readonly className = 'Add';

  constructor(config: BaseLayerConfig = {}) {
    checkOptions('add', config, BASE_LAYER_KEYS);
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

/** Options of a Concatenate layer. */
export interface ConcatenateConfig extends BaseLayerConfig {
  /** The axis to join along, counting the batch axis as 0 (Keras): -1 (the default) is the last. */
  axis?: number;
}

/** A concatenate call site: the rows before the axis and each input's row length from the axis on. */
interface ConcatSite extends Site {
  outer: number;
  inner: number[];
  total: number;
}

/**
 * Joins inputs along one axis (Keras Concatenate): every other axis must
 * agree. Each input is a block of `outer` rows of its own length in the
 * output rows; forward and backward are strided block copies.
 */
export class Concatenate extends Layer {
  readonly className = 'Concatenate';
  readonly axis: number;

  constructor(config: ConcatenateConfig = {}) {
    checkOptions('concatenate', config, [...BASE_LAYER_KEYS, 'axis']);
    super(config, 'concatenate');
    const axis = config.axis ?? -1;
    if (!Number.isInteger(axis) || axis === 0) {
      throw new ValueError(`concatenate: axis must be a non-zero integer (0 is the batch axis; -1 the last), got ${describe(axis)}`);
    }
    this.axis = axis;
  }

  /** The axis within a per-sample shape of this rank. */
  private sampleAxis(rank: number): number {
    const a = this.axis < 0 ? rank + this.axis : this.axis - 1;
    if (a < 0 || a >= rank) throw new ShapeError(`${this.name}: axis ${this.axis} does not exist for per-sample inputs of rank ${rank}`);
    return a;
  }

  override computeOutputShapes(inputs: readonly Shape[]): number[][] {
    if (inputs.length < 2) throw new ShapeError(`${this.name}: concatenate needs at least 2 inputs, got ${inputs.length}`);
    const s = inputs[0];
    const a = this.sampleAxis(s.length);
    let joined = 0;
    inputs.forEach((t, i) => {
      if (t.length !== s.length || t.some((d, j) => j !== a && d !== s[j])) {
        throw new ShapeError(`${this.name}: concatenate along axis ${this.axis} needs the other axes to agree; input 0 is ${fmt(s)}, input ${i} is ${fmt(t)}`);
      }
      joined += t[a];
    });
    const out = s.slice();
    out[a] = joined;
    return [out];
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[]): ConcatSite {
    const a = this.sampleAxis(inputs[0].length);
    const inner = inputs.map((s) => sizeOf(s.slice(a)));
    return { inputs, outputs, outer: sizeOf(inputs[0].slice(0, a)), inner, total: inner.reduce((x, y) => x + y, 0) };
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const { outer, inner, total } = ctx.site as ConcatSite;
    let at = 0;
    xs.forEach((x, i) => {
      copy2d(ctx.backend, { m: ctx.batch * outer, n: inner[i], x: x.ptr, y: ys[0].ptr + at * 4, ldy: total });
      at += inner[i];
    });
  }

  backward(ctx: CallContext, _xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const { outer, inner, total } = ctx.site as ConcatSite;
    let at = 0;
    dxs.forEach((dx, i) => {
      if (dx.ptr) copy2d(ctx.backend, { m: ctx.batch * outer, n: inner[i], x: dys[0].ptr + at * 4, ldx: total, y: dx.ptr });
      at += inner[i];
    });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), axis: this.axis };
  }
}

registerLayer('Concatenate', (c) => new Concatenate(c as ConcatenateConfig));

/** Creates a Concatenate layer (TensorFlow.js: tf.layers.concatenate): `layers.concatenate().apply([a, b])`. */
export function concatenate(config: ConcatenateConfig = {}): Concatenate {
  return new Concatenate(config);
}
