import { ACT } from '../runtime/abi.js';
import { ValueError, describe } from '../errors.js';
import { sizeOf } from '../tensor.js';
import type { Variable } from '../params/variable.js';
import {
  Layer, registerLayer, type BaseLayerConfig, type BuildContext, type CallContext, type LossLogits, type PlanArgs, type Port, type Shape, type Site,
} from './layer.js';
import { checkActivation, checkAlpha, type LayerActivation } from './activations.js';
import { checkInitializer, type InitializerName } from './initializers.js';

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
  kernelInitializer?: InitializerName;
  /** Bias initializer. Default 'zeros'. */
  biasInitializer?: InitializerName;
}

/** A dense call site: the rows of the last axis per sample (1 for a flat input). */
interface DenseSite extends Site {
  steps: number;
}

/**
 * Fully connected layer on the last axis: y = act(x W + b), W of shape
 * [in, units] (Keras layout), computed as one GEMM over every row of the
 * batch (samples times leading axes) with bias and activation fused in its
 * epilogue. Softmax, sigmoid and GELU outputs keep the pre-activation z in
 * the tape: softmax and sigmoid so a cross-entropy loss can be fused with
 * them (gradient p - t straight from z), GELU because its derivative needs z.
 */
export class Dense extends Layer {
  readonly className: string = 'Dense';
  readonly units: number;
  readonly activation: LayerActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  /** [in, units], once built. */
  kernel: Variable | null = null;
  /** [units], once built with useBias. */
  bias: Variable | null = null;

  constructor(config: DenseConfig, op = 'dense') {
    if (!config || typeof config !== 'object') throw new ValueError(`${op}: config must be an object, got ${describe(config)}`);
    super(config, op);
    if (typeof config.units !== 'number' || !Number.isInteger(config.units) || config.units < 1 || config.units > 1 << 24) {
      throw new ValueError(`${op}: units must be a positive integer, got ${describe(config.units)}`);
    }
    this.units = config.units;
    this.activation = checkActivation(op, config.activation ?? 'linear');
    this.alpha = checkAlpha(op, this.activation, config.alpha);
    if (config.useBias !== undefined && typeof config.useBias !== 'boolean') {
      throw new ValueError(`${op}: useBias must be a boolean, got ${describe(config.useBias)}`);
    }
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = checkInitializer(op, 'kernelInitializer', config.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = checkInitializer(op, 'biasInitializer', config.biasInitializer ?? 'zeros');
  }

  override computeOutputShape(inputShape: Shape): number[] {
    return [...inputShape.slice(0, -1), this.units];
  }

  protected override build(inputs: readonly Shape[], ctx: BuildContext): void {
    const inSize = inputs[0][inputs[0].length - 1];
    this.kernel = ctx.addWeight({ name: 'kernel', shape: [inSize, this.units], initializer: this.kernelInitializer, fanIn: inSize, fanOut: this.units });
    if (this.useBias) this.bias = ctx.addWeight({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, fanIn: inSize, fanOut: this.units });
  }

  /** Features per row of the input (the kernel's first axis). */
  get inputUnits(): number {
    return (this.kernel as Variable).shape[0];
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[]): DenseSite {
    const x = inputs[0];
    return { inputs, outputs, steps: sizeOf(x) / x[x.length - 1] };
  }

  private keepsZ(): boolean {
    return this.activation === 'softmax' || this.activation === 'sigmoid' || this.activation === 'gelu';
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    return this.keepsZ() ? p.batch * (site as DenseSite).steps * this.units * 4 : 0;
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    const m = p.batch * (site as DenseSite).steps;
    const n = this.units;
    const k = this.inputUnits;
    const ws = p.backend.kernels.f32_gemm_workspace;
    return Math.max(ws(m, n, k), p.backward ? ws(k, n, m) : 0, p.backward ? ws(m, k, n) : 0);
  }

  override lossLogits(): LossLogits | null {
    if (this.activation === 'softmax' || this.activation === 'sigmoid') return { activation: this.activation, from: 'tape', offset: 0 };
    return null;
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const k = ctx.backend.kernels;
    const w = this.kernel as Variable;
    const bias = this.bias ? this.bias.value : 0;
    const m = ctx.batch * (ctx.site as DenseSite).steps;
    const n = this.units;
    const f = w.shape[0];
    const x = xs[0].ptr;
    const y = ys[0].ptr;
    if (this.keepsZ()) {
      const z = ctx.tape;
      k.f32_gemm(0, 0, m, n, f, 1, x, f, w.value, n, 0, z, n, bias, ACT.linear, 0, ctx.scratch);
      if (this.activation === 'softmax') k.f32_softmax(m, n, z, y);
      else k.f32_act_forward(ACT[this.activation as keyof typeof ACT], m * n, z, y, this.alpha);
    } else {
      k.f32_gemm(0, 0, m, n, f, 1, x, f, w.value, n, 0, y, n, bias, ACT[this.activation as keyof typeof ACT], this.alpha, ctx.scratch);
    }
  }

  backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const k = ctx.backend.kernels;
    const w = this.kernel as Variable;
    const b = this.bias;
    const m = ctx.batch * (ctx.site as DenseSite).steps;
    const n = this.units;
    const f = w.shape[0];
    const x = xs[0].ptr;
    const y = ys[0].ptr;
    const dy = dys[0].ptr;
    const dx = dxs[0].ptr;
    // dz overwrites dy in place.
    if (!ctx.fromLogits && this.activation !== 'linear') {
      if (this.activation === 'softmax') k.f32_softmax_backward(m, n, y, dy, dy);
      else k.f32_act_backward(ACT[this.activation as keyof typeof ACT], m * n, this.keepsZ() ? ctx.tape : y, y, dy, dy, this.alpha);
    }
    // dW += x^T dz ; db += colsum(dz) ; dx = dz W^T
    if (ctx.paramGrads && w.trainable) k.f32_gemm(1, 0, f, n, m, 1, x, f, dy, n, 1, w.grad, n, 0, ACT.linear, 0, ctx.scratch);
    if (b && ctx.paramGrads && b.trainable) k.f32_colsum(m, n, dy, n, 1, b.grad);
    if (dx) k.f32_gemm(0, 1, m, f, n, 1, dy, n, w.value, n, 0, dx, f, 0, ACT.linear, 0, ctx.scratch);
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
    if (this.activation === 'leakyRelu' || this.activation === 'elu') c.alpha = this.alpha;
    return c;
  }
}

registerLayer('Dense', (c) => new Dense(c as unknown as DenseConfig));

/** Creates a Dense layer (TensorFlow.js: tf.layers.dense). */
export function dense(config: DenseConfig): Dense {
  return new Dense(config);
}
