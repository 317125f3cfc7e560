import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import { copy, fill } from '../kernels/elementwise.js';
import { gatherRows, maskRows, scatterAddRows, stepMask } from '../kernels/recurrent.js';
import type { Variable } from '../params/variable.js';
import { checkInitializer, type InitializerLike } from '../params/initializers.js';
import type { MaskSource, SymbolicTensor } from '../graph/symbolic.js';
import { checkBool, checkOptions } from '../util/options.js';
import { Layer, registerLayer, type BaseLayerConfig, type BuildContext, type CallContext, type PlanArgs, type Port, type Shape, type Site } from './layer.js';

/** Options of an Embedding layer (TensorFlow.js names). */
export interface EmbeddingConfig extends BaseLayerConfig {
  /** Size of the vocabulary: ids are integers in [0, inputDim). */
  inputDim: number;
  /** Length of each id's vector. */
  outputDim: number;
  /** Default 'randomUniform' (uniform in [-0.05, 0.05], as Keras). */
  embeddingsInitializer?: InitializerLike;
  /** Id 0 is padding: the steps holding it are masked for the recurrent layers after (Keras mask_zero). Default false. */
  maskZero?: boolean;
  /** Sequence length, the same as inputShape: [inputLength]. */
  inputLength?: number;
}

const EMBEDDING_KEYS = ['name', 'inputShape', 'trainable', 'inputDim', 'outputDim', 'embeddingsInitializer', 'maskZero', 'inputLength'];

/**
 * A trainable lookup table from integer ids to vectors (Bengio et al. 2003):
 * [..., ] ids (stored as numbers, e.g. [steps]) to [..., outputDim]. Its
 * gradient adds each output row's gradient into the row of its id, in order,
 * so repeated ids accumulate deterministically. An id that is not an integer
 * in [0, inputDim) is an error naming it; nothing is changed.
 */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: InitializerLike;
  readonly maskZero: boolean;
  /** [inputDim, outputDim], once built. */
  embeddings: Variable | null = null;

  constructor(config: EmbeddingConfig) {
    checkOptions('embedding', config, EMBEDDING_KEYS);
    const c = { ...config };
    if (config.inputLength !== undefined) {
      if (!Number.isInteger(config.inputLength) || config.inputLength < 1) {
        throw new ValueError(`embedding: inputLength must be a positive integer, got ${describe(config.inputLength)}`);
      }
      if (config.inputShape === undefined) c.inputShape = [config.inputLength];
    }
    super(c, 'embedding');
    const dim = (name: string, v: unknown) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1 << 24) throw new ValueError(`embedding: ${name} must be an integer in [1, 16777216], got ${describe(v)}`);
      return v;
    };
    this.inputDim = dim('inputDim', config.inputDim);
    this.outputDim = dim('outputDim', config.outputDim);
    this.embeddingsInitializer = checkInitializer('embedding', 'embeddingsInitializer', config.embeddingsInitializer ?? 'randomUniform');
    this.maskZero = checkBool('embedding', 'maskZero', config.maskZero, false);
  }

  override computeOutputShape(inputShape: Shape): number[] {
    return [...inputShape, this.outputDim];
  }

  protected override checkCompatible(): void {}

  protected override outputMasks(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): (MaskSource | null)[] {
    return outputs.map(() => (this.maskZero ? { tensor: inputs[0], value: 0 } : null));
  }

  protected override build(_inputs: readonly Shape[], ctx: BuildContext): void {
    this.embeddings = ctx.addWeight({
      name: 'embeddings', shape: [this.inputDim, this.outputDim], initializer: this.embeddingsInitializer, fanIn: this.inputDim, fanOut: this.outputDim,
    });
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const n = ctx.batch * sizeOf(xs[0].shape);
    const e = this.embeddings as Variable;
    const bad = gatherRows(ctx.backend, { n, d: this.outputDim, vocab: this.inputDim, ids: xs[0].ptr, table: e.value, y: ys[0].ptr });
    if (bad >= 0) this.badId(ctx, xs[0], bad);
  }

  backward(ctx: CallContext, xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const be = ctx.backend;
    const n = ctx.batch * sizeOf(xs[0].shape);
    const e = this.embeddings as Variable;
    if (ctx.paramGrads && e.trainable) scatterAddRows(be, { n, d: this.outputDim, vocab: this.inputDim, ids: xs[0].ptr, dy: dys[0].ptr, dtable: e.grad });
    // Ids are integers: nothing flows back to them.
    if (dxs[0].ptr) fill(be, { n, y: dxs[0].ptr, value: 0 });
  }

  private badId(ctx: CallContext, x: Port, at: number): never {
    const per = sizeOf(x.shape);
    const v = ctx.backend.f32()[(x.ptr >>> 2) + at];
    throw new ValueError(`${this.name}: ids must be integers in [0, ${this.inputDim}), got ${describe(v)} in sample ${Math.floor(at / per)} at position ${at % per}`);
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(), inputDim: this.inputDim, outputDim: this.outputDim, embeddingsInitializer: this.embeddingsInitializer, maskZero: this.maskZero,
    };
  }
}

/** Options of a Masking layer. */
export interface MaskingConfig extends BaseLayerConfig {
  /** A step whose features all equal it is padding. Default 0. */
  maskValue?: number;
}

/**
 * Marks padded steps of [steps, ...features] sequences (Keras Masking): a
 * step whose features all equal maskValue is zeroed here and skipped by the
 * recurrent layers after (their state carries over it).
 */
export class Masking extends Layer {
  readonly className = 'Masking';
  readonly maskValue: number;

  constructor(config: MaskingConfig = {}) {
    checkOptions('masking', config, ['name', 'inputShape', 'trainable', 'maskValue']);
    super(config, 'masking');
    const v = config.maskValue ?? 0;
    if (typeof v !== 'number' || Number.isNaN(v)) throw new ValueError(`masking: maskValue must be a number, got ${describe(v)}`);
    this.maskValue = v;
  }

  override computeOutputShape(inputShape: Shape): number[] {
    if (inputShape.length < 2) throw new ShapeError(`${this.name}: masking needs sequences [steps, features...], got ${fmt(inputShape)}`);
    return inputShape.slice();
  }

  protected override outputMasks(inputs: readonly SymbolicTensor[]): (MaskSource | null)[] {
    return [{ tensor: inputs[0], value: this.maskValue }];
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    return p.batch * site.inputs[0][0] * 4;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const s = xs[0].shape;
    const steps = ctx.batch * s[0];
    const w = sizeOf(s) / s[0];
    stepMask(be, { n: steps, w, x: xs[0].ptr, out: ctx.tape, value: this.maskValue });
    copy(be, steps * w, xs[0].ptr, ys[0].ptr);
    maskRows(be, { mode: 'set', n: steps, w, mask: ctx.tape, x: 0, y: ys[0].ptr });
  }

  backward(ctx: CallContext, xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const dx = dxs[0].ptr;
    if (!dx) return;
    const be = ctx.backend;
    const s = xs[0].shape;
    const steps = ctx.batch * s[0];
    const w = sizeOf(s) / s[0];
    copy(be, steps * w, dys[0].ptr, dx);
    maskRows(be, { mode: 'set', n: steps, w, mask: ctx.tape, x: 0, y: dx });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), maskValue: this.maskValue };
  }
}

registerLayer('Embedding', (c) => new Embedding(c as unknown as EmbeddingConfig));
registerLayer('Masking', (c) => new Masking(c as unknown as MaskingConfig));

/** Creates an Embedding layer (TensorFlow.js: tf.layers.embedding). */
export function embedding(config: EmbeddingConfig): Embedding {
  return new Embedding(config);
}

/** Creates a Masking layer (TensorFlow.js: tf.layers.masking). */
export function masking(config: MaskingConfig = {}): Masking {
  return new Masking(config);
}
