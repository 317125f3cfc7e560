import { ACT } from '../runtime/abi.js';
import { gemm, gemmWorkspaceBytes } from '../kernels/gemm.js';
import { actBackward, actForward, softmax, softmaxBackward } from '../kernels/activation.js';
import { colsum } from '../kernels/elementwise.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import type { Variable } from '../params/variable.js';
import {
  BASE_LAYER_KEYS, Layer, registerLayer, type BaseLayerConfig, type BuildContext, type CallContext, type LossLogits, type PlanArgs, type Port, type Shape, type Site,
} from './layer.js';
import { checkActivation, checkAlpha, needsPreactivation, type LayerActivation } from './activations.js';
import { checkInitializer, type InitializerLike } from '../params/initializers.js';
import { checkRegularizer, type RegularizerLike, type RegularizerSpec } from '../params/regularizers.js';
import { checkOptions } from '../util/options.js';
import { BatchNormalization } from './normalization.js';

/** Options of a Dense layer (TensorFlow.js names). */
export interface DenseConfig extends BaseLayerConfig {
  /** Number of output units (required). */
  units: number;
  /** Activation applied to the output. Default 'linear'. */
  activation?: LayerActivation;
  /** Slope of leakyRelu / scale of elu. */
  alpha?: number;
  /** Whether to add a bias. Default true. */
  useBias?: boolean;
  /** Kernel initializer. Default 'glorotUniform'. */
  kernelInitializer?: InitializerLike;
  /** Bias initializer. Default 'zeros'. */
  biasInitializer?: InitializerLike;
  /** Penalty on the kernel, added to the training loss: 'l1', 'l2', 'l1l2' or regularizers.*(). Default none. */
  kernelRegularizer?: RegularizerLike;
  /** Penalty on the bias, added to the training loss. Default none. */
  biasRegularizer?: RegularizerLike;
  /** Input features, the same as inputShape: [inputDim] (Keras input_dim). */
  inputDim?: number;
}

/** A Dense config with inputDim turned into inputShape: [inputDim]. */
function withInputDim(config: DenseConfig): DenseConfig {
  if (config === null || typeof config !== 'object' || config.inputDim === undefined) return config;
  const d = config.inputDim;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw new ValueError(`dense: inputDim must be a positive integer, got ${describe(d)}`);
  if (config.inputShape !== undefined && (config.inputShape.length !== 1 || config.inputShape[0] !== d)) {
    throw new ValueError(`dense: inputDim ${d} and inputShape ${describe(config.inputShape)} disagree`);
  }
  const { inputDim: _, ...rest } = config;
  return { ...rest, inputShape: [d] };
}

/** A dense call site: the rows of the last axis per sample (1 for a flat input). */
interface DenseSite extends Site {
  steps: number;
}

/** Options shared by Dense and DenseTied. */
interface DenseBaseConfig extends BaseLayerConfig {
  activation?: LayerActivation;
  alpha?: number;
  useBias?: boolean;
  biasInitializer?: InitializerLike;
  biasRegularizer?: RegularizerLike;
}

/**
 * y = act(x W + b) on the last axis as one GEMM over every row of the batch
 * (samples times leading axes), with bias and activation fused in its
 * epilogue; W is the layer's own [in, units] kernel (Dense), or another
 * layer's kernel read transposed (DenseTied). Softmax, sigmoid and GELU
 * outputs keep the pre-activation z in the tape: softmax and sigmoid so a
 * cross-entropy loss can be fused with them (gradient p - t straight from z),
 * GELU because its derivative needs z.
 */
abstract class DenseBase extends Layer {
  readonly activation: LayerActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly biasInitializer: InitializerLike;
  readonly biasRegularizer: RegularizerSpec | null;
  /** [units], once built with useBias. */
  bias: Variable | null = null;
  /** The kernel is stored [units, in] and read transposed. */
  protected abstract readonly transposed: boolean;

  constructor(config: DenseBaseConfig, op: string, keys: readonly string[]) {
    checkOptions(op, config, [...BASE_LAYER_KEYS, 'activation', 'alpha', 'useBias', 'biasInitializer', 'biasRegularizer', ...keys]);
    super(config, op);
    this.activation = checkActivation(op, config.activation ?? 'linear');
    this.alpha = checkAlpha(op, this.activation, config.alpha);
    if (config.useBias !== undefined && typeof config.useBias !== 'boolean') {
      throw new ValueError(`${op}: useBias must be a boolean, got ${describe(config.useBias)}`);
    }
    this.useBias = config.useBias ?? true;
    this.biasInitializer = checkInitializer(op, 'biasInitializer', config.biasInitializer ?? 'zeros');
    this.biasRegularizer = checkRegularizer(op, 'biasRegularizer', config.biasRegularizer);
  }

  protected override get supportsMasking(): boolean {
    return true;
  }

  /** Output units. */
  abstract get units(): number;

  /** The kernel this layer multiplies by, once built. */
  protected abstract get weightKernel(): Variable;

  /** Features per row of the input. */
  get inputUnits(): number {
    const k = this.weightKernel.shape;
    return this.transposed ? k[1] : k[0];
  }

  override computeOutputShape(inputShape: Shape): number[] {
    return [...inputShape.slice(0, -1), this.units];
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[]): DenseSite {
    const x = inputs[0];
    return { inputs, outputs, steps: sizeOf(x) / x[x.length - 1] };
  }

  private keepsZ(): boolean {
    return this.activation === 'softmax' || this.activation === 'sigmoid' || needsPreactivation(this.activation);
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    return this.keepsZ() ? p.batch * (site as DenseSite).steps * this.units * 4 : 0;
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    const m = p.batch * (site as DenseSite).steps;
    const n = this.units;
    const k = this.inputUnits;
    const ws = (a: number, b: number, c: number) => gemmWorkspaceBytes(p.backend, a, b, c);
    const dw = this.transposed ? ws(n, k, m) : ws(k, n, m);
    // Inference-only plans may fold a batch normalization into a copy of the kernel.
    const fold = !p.backward && this.activation === 'linear' && !this.transposed ? BatchNormalization.foldBytes(k, n) + ws(m, n, k) : 0;
    return Math.max(ws(m, n, k), p.backward ? dw : 0, p.backward ? ws(m, k, n) : 0, fold);
  }

  /** True when `next` is a batch normalization inference may fold into this linear layer's kernel and bias (forwardFused). */
  override fusesWith(_site: Site, next: Layer): boolean {
    return next instanceof BatchNormalization && this.activation === 'linear' && !this.transposed;
  }

  /**
   * This layer and the batch normalization after it as one GEMM with the
   * normalization folded into the kernel and bias (inference: the moving
   * statistics) when there are at least four times as many rows as inputs; otherwise,
   * and for a training-mode pass through a trainable normalization, the two
   * run one after the other in the output buffer.
   */
  override forwardFused(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], next?: Layer): void {
    const bn = next as BatchNormalization;
    const be = ctx.backend;
    const m = ctx.batch * (ctx.site as DenseSite).steps;
    const n = this.units;
    const k = this.inputUnits;
    const w = this.weightKernel;
    // Folding rescales the k x n kernel on every call; it pays when that is well under the n-wide pass over m rows it saves.
    if (!bn.foldable(ctx.training) || m < 4 * k) {
      this.forward(ctx, xs, ys);
      const outs = (ctx.site as DenseSite).outputs;
      const site = bn.plan(outs, outs);
      bn.forward({ ...ctx, site, tape: 0 }, ys, ys);
      return;
    }
    const f = bn.fold(be, w.value, this.bias ? this.bias.value : 0, k, n, ctx.scratch);
    gemm(be, { m, n, k, a: xs[0].ptr, b: f.kernel, c: ys[0].ptr, bias: f.bias, act: ACT.linear, work: f.rest });
  }

  override lossLogits(): LossLogits | null {
    if (this.activation === 'softmax' || this.activation === 'sigmoid') return { activation: this.activation, from: 'tape', offset: 0 };
    return null;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const w = this.weightKernel;
    const m = ctx.batch * (ctx.site as DenseSite).steps;
    const n = this.units;
    const f = this.inputUnits;
    const x = xs[0].ptr;
    const y = ys[0].ptr;
    const bias = this.bias ? this.bias.value : 0;
    const keepsZ = this.keepsZ();
    // With z kept, the GEMM writes z and the activation runs apart; else it is fused into the GEMM's epilogue.
    const act = keepsZ ? ACT.linear : ACT[this.activation as keyof typeof ACT];
    gemm(be, { m, n, k: f, a: x, b: w.value, c: keepsZ ? ctx.tape : y, transB: this.transposed, bias, act, actAlpha: this.alpha, work: ctx.scratch });
    if (!keepsZ) return;
    if (this.activation === 'softmax') softmax(be, { m, n, x: ctx.tape, y });
    else actForward(be, { act: ACT[this.activation as keyof typeof ACT], n: m * n, x: ctx.tape, y, alpha: this.alpha });
  }

  backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const be = ctx.backend;
    const w = this.weightKernel;
    const b = this.bias;
    const m = ctx.batch * (ctx.site as DenseSite).steps;
    const n = this.units;
    const f = this.inputUnits;
    const x = xs[0].ptr;
    const y = ys[0].ptr;
    const dy = dys[0].ptr;
    const dx = dxs[0].ptr;
    const work = ctx.scratch;
    // dz overwrites dy in place.
    if (!ctx.fromLogits && this.activation !== 'linear') {
      if (this.activation === 'softmax') softmaxBackward(be, { m, n, y, dy, dx: dy });
      else actBackward(be, { act: ACT[this.activation as keyof typeof ACT], n: m * n, x: this.keepsZ() ? ctx.tape : y, y, dy, dx: dy, alpha: this.alpha });
    }
    // W [f, n]: dW += x^T dz, dx = dz W^T. Transposed W [n, f]: dW += dz^T x, dx = dz W. db += colsum(dz).
    if (ctx.paramGrads && w.trainable) {
      if (this.transposed) gemm(be, { m: n, n: f, k: m, a: dy, b: x, c: w.grad, transA: true, beta: 1, work });
      else gemm(be, { m: f, n, k: m, a: x, b: dy, c: w.grad, transA: true, beta: 1, work });
    }
    if (b && ctx.paramGrads && b.trainable) colsum(be, { m, n, x: dy, out: b.grad, beta: 1 });
    if (dx) gemm(be, { m, n: f, k: n, a: dy, b: w.value, c: dx, transB: !this.transposed, work });
  }

  protected denseConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...this.baseConfig(), activation: this.activation, useBias: this.useBias, biasInitializer: this.biasInitializer };
    if (this.activation === 'leakyRelu' || this.activation === 'elu') c.alpha = this.alpha;
    if (this.biasRegularizer) c.biasRegularizer = this.biasRegularizer;
    return c;
  }
}

/** Fully connected layer on the last axis: y = act(x W + b), W of shape [in, units] (Keras layout). */
export class Dense extends DenseBase {
  readonly className = 'Dense';
  readonly kernelInitializer: InitializerLike;
  readonly kernelRegularizer: RegularizerSpec | null;
  /** [in, units], once built. */
  kernel: Variable | null = null;
  protected readonly transposed = false;
  private readonly unitCount: number;

  constructor(config: DenseConfig) {
    super(withInputDim(config), 'dense', ['units', 'kernelInitializer', 'kernelRegularizer', 'inputDim']);
    if (typeof config.units !== 'number' || !Number.isInteger(config.units) || config.units < 1 || config.units > 1 << 24) {
      throw new ValueError(`dense: units must be a positive integer, got ${describe(config.units)}`);
    }
    this.unitCount = config.units;
    this.kernelInitializer = checkInitializer('dense', 'kernelInitializer', config.kernelInitializer ?? 'glorotUniform');
    this.kernelRegularizer = checkRegularizer('dense', 'kernelRegularizer', config.kernelRegularizer);
  }

  /** Number of output units. */
  get units(): number {
    return this.unitCount;
  }

  protected get weightKernel(): Variable {
    return this.kernel as Variable;
  }

  protected override build(inputs: readonly Shape[], ctx: BuildContext): void {
    const inSize = inputs[0][inputs[0].length - 1];
    this.kernel = ctx.addWeight({ name: 'kernel', shape: [inSize, this.units], initializer: this.kernelInitializer, fanIn: inSize, fanOut: this.units, regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = ctx.addWeight({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, fanIn: inSize, fanOut: this.units, regularizer: this.biasRegularizer });
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...this.denseConfig(), units: this.units, kernelInitializer: this.kernelInitializer };
    if (this.kernelRegularizer) c.kernelRegularizer = this.kernelRegularizer;
    return c;
  }
}

/** Options of a DenseTied layer. */
export interface DenseTiedConfig extends DenseBaseConfig {
  /** The Dense layer whose kernel this layer uses transposed (it must be applied first). */
  tiedTo: Dense;
}

/**
 * A decoder tied to an encoder (Vincent et al. 2008): y = act(x Wᵀ + b) where
 * W [in, units] is the kernel of the Dense layer `tiedTo`, so this layer maps
 * that layer's units back to its inputs. W is one variable used twice: its
 * gradient is the sum of both uses, it is counted and saved once (with the
 * encoder), and freezing the encoder freezes it. The bias is this layer's own.
 */
export class DenseTied extends DenseBase {
  readonly className = 'DenseTied';
  readonly tiedTo: Dense;
  protected readonly transposed = true;

  constructor(config: DenseTiedConfig) {
    super(config, 'denseTied', ['tiedTo']);
    if (!(config.tiedTo instanceof Dense)) throw new ValueError(`denseTied: tiedTo must be a Dense layer, got ${describe(config.tiedTo)}`);
    this.tiedTo = config.tiedTo;
  }

  /** The encoder's input size. */
  get units(): number {
    return this.weightKernel.shape[0];
  }

  protected get weightKernel(): Variable {
    const k = this.tiedTo.kernel;
    if (!k) throw new ValueError(`${this.name}: the layer it is tied to (${this.tiedTo.name}) must be applied before it`);
    return k;
  }

  override computeOutputShape(inputShape: Shape): number[] {
    const [inSize, units] = this.weightKernel.shape;
    if (inputShape[inputShape.length - 1] !== units) {
      throw new ShapeError(`${this.name}: tied to ${this.tiedTo.name} (${units} units), it expects inputs whose last axis is ${units}, got ${fmt(inputShape)}`);
    }
    return [...inputShape.slice(0, -1), inSize];
  }

  protected override build(_inputs: readonly Shape[], ctx: BuildContext): void {
    const [inSize, units] = this.weightKernel.shape;
    ctx.useWeight(this.weightKernel);
    if (this.useBias) this.bias = ctx.addWeight({ name: 'bias', shape: [inSize], initializer: this.biasInitializer, fanIn: units, fanOut: inSize });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.denseConfig(), tiedTo: this.tiedTo.name };
  }
}

registerLayer('Dense', (c) => new Dense(c as unknown as DenseConfig));
registerLayer('DenseTied', (c, resolve) => {
  const name = c.tiedTo;
  const target = typeof name === 'string' ? resolve(name) : undefined;
  if (!(target instanceof Dense)) throw new ValueError(`denseTied: tiedTo must name a Dense layer that comes before it in the model, got ${describe(name)}`);
  return new DenseTied({ ...(c as unknown as DenseTiedConfig), tiedTo: target });
});

/** Creates a Dense layer (TensorFlow.js: tf.layers.dense). */
export function dense(config: DenseConfig): Dense {
  return new Dense(config);
}

/** Creates a decoder tied to a Dense encoder: `layers.denseTied({ tiedTo: encoder, activation: 'sigmoid' })`. */
export function denseTied(config: DenseTiedConfig): DenseTied {
  return new DenseTied(config);
}
