import { ACT } from '../runtime/abi.js';
import type { Backend } from '../runtime/backend.js';
import { ShapeError, ValueError, describe } from '../errors.js';
import { fmt } from '../tensor.js';
import { Layer, registerLayer, type StepContext } from './layer.js';
import { checkActivation, checkAlpha, type LayerActivation } from './activations.js';
import { checkInitializer, type InitializerName } from './initializers.js';
import { actBackward, actForward, softmax, softmaxBackward } from '../kernels/activation.js';
import { colsum } from '../kernels/elementwise.js';
import { gemm, gemmWorkspaceBytes, reserveGemmWorkspace } from '../kernels/gemm.js';

/** Options of a Dense layer (TensorFlow.js names). */
export interface DenseConfig {
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
  /** Per-sample input shape, for the first layer of a model. */
  inputShape?: number[];
  name?: string;
}

/**
 * Fully connected layer: y = act(x W + b), W of shape [in, units] (Keras
 * layout), computed as one GEMM with bias and activation fused in its epilogue.
 * Softmax, sigmoid and GELU outputs keep the pre-activation z as well: softmax
 * and sigmoid so a cross-entropy loss can be fused with them (gradient p - t
 * straight from z), GELU because its derivative needs z.
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: LayerActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  private inSize = 0;
  private z = 0;
  private capacity = 0;

  constructor(config: DenseConfig) {
    if (!config || typeof config !== 'object') throw new ValueError(`dense: config must be an object, got ${describe(config)}`);
    super(config, 'dense');
    if (typeof config.units !== 'number' || !Number.isInteger(config.units) || config.units < 1 || config.units > 1 << 24) {
      throw new ValueError(`dense: units must be a positive integer, got ${describe(config.units)}`);
    }
    this.units = config.units;
    this.activation = checkActivation('dense', config.activation ?? 'linear');
    this.alpha = checkAlpha('dense', this.activation, config.alpha);
    if (config.useBias !== undefined && typeof config.useBias !== 'boolean') {
      throw new ValueError(`dense: useBias must be a boolean, got ${describe(config.useBias)}`);
    }
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = checkInitializer('dense', 'kernelInitializer', config.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = checkInitializer('dense', 'biasInitializer', config.biasInitializer ?? 'zeros');
  }

  computeOutputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 1) {
      throw new ShapeError(`${this.name}: dense expects a flat per-sample input of shape [features], got ${fmt(inputShape)}; add a flatten layer first`);
    }
    return [this.units];
  }

  override build(inputShape: readonly number[]): void {
    super.build(inputShape);
    this.inSize = inputShape[0];
    this.weightSpecs = [{ name: 'kernel', shape: [this.inSize, this.units], initializer: this.kernelInitializer, fanIn: this.inSize, fanOut: this.units }];
    if (this.useBias) {
      this.weightSpecs.push({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, fanIn: this.inSize, fanOut: this.units });
    }
  }

  private keepsZ(): boolean {
    return this.activation === 'softmax' || this.activation === 'sigmoid' || this.activation === 'gelu';
  }

  override plan(be: Backend, batch: number, training: boolean): void {
    this.unplan(be);
    this.capacity = batch;
    if (this.keepsZ()) this.z = be.alloc(batch * this.units * 4);
    // Size the shared GEMM scratch now so steps never allocate.
    reserveGemmWorkspace(be, Math.max(
      gemmWorkspaceBytes(be, batch, this.units, this.inSize),
      training ? gemmWorkspaceBytes(be, this.inSize, this.units, batch) : 0,
      training ? gemmWorkspaceBytes(be, batch, this.inSize, this.units) : 0,
    ));
  }

  override unplan(be: Backend): void {
    if (this.z && be.isLive(this.z)) be.free(this.z);
    this.z = 0;
    this.capacity = 0;
  }

  override logits(): { activation: 'softmax' | 'sigmoid'; ptr: number } | null {
    if ((this.activation === 'softmax' || this.activation === 'sigmoid') && this.z) return { activation: this.activation, ptr: this.z };
    return null;
  }

  forward(ctx: StepContext, x: number, y: number, batch: number): void {
    const be = ctx.backend;
    const [w, b] = this.paramList;
    const bias = b ? b.value : 0;
    const n = this.units;
    if (this.keepsZ()) {
      gemm(be, { m: batch, n, k: this.inSize, a: x, b: w.value, c: this.z, bias });
      if (this.activation === 'softmax') softmax(be, { m: batch, n, x: this.z, y });
      else actForward(be, { act: ACT[this.activation as keyof typeof ACT], n: batch * n, x: this.z, y, alpha: this.alpha });
    } else {
      const act = ACT[this.activation as keyof typeof ACT];
      gemm(be, { m: batch, n, k: this.inSize, a: x, b: w.value, c: y, bias, act, actAlpha: this.alpha });
    }
  }

  backward(ctx: StepContext, x: number, y: number, dy: number, dx: number, batch: number, fromLogits: boolean): void {
    const be = ctx.backend;
    const n = this.units;
    const [w, b] = this.paramList;
    // dz overwrites dy in place.
    if (!fromLogits && this.activation !== 'linear') {
      if (this.activation === 'softmax') softmaxBackward(be, { m: batch, n, y, dy, dx: dy });
      else actBackward(be, { act: ACT[this.activation as keyof typeof ACT], n: batch * n, x: this.keepsZ() ? this.z : y, y, dy, dx: dy, alpha: this.alpha });
    }
    // dW += x^T dz ; db += colsum(dz) ; dx = dz W^T
    gemm(be, { transA: true, m: this.inSize, n, k: batch, a: x, b: dy, c: w.grad, beta: 1 });
    if (b) colsum(be, { m: batch, n, x: dy, out: b.grad, beta: 1 });
    if (dx) gemm(be, { transB: true, m: batch, n: this.inSize, k: n, a: dy, b: w.value, c: dx });
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

  /** Capacity (rows) the layer's scratch was planned for. */
  get plannedBatch(): number {
    return this.capacity;
  }
}

registerLayer('Dense', (c) => new Dense(c as unknown as DenseConfig));

/** Creates a Dense layer (TensorFlow.js: tf.layers.dense). */
export function dense(config: DenseConfig): Dense {
  return new Dense(config);
}
