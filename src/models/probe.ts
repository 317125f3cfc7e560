import type { Backend } from '../runtime/backend.js';
import { ValueError } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { fill } from '../kernels/elementwise.js';
import type { Engine } from './engine.js';

/**
 * Repeated input-gradient passes through a model's own planned executor, for
 * loops that run forward and backward many times on inputs they keep in wasm
 * memory: adversarial steps, SmoothGrad's noisy copies, the points of an
 * integrated-gradients path, activation maximisation. Per batch the caller
 * writes rows into `input`, runs forward(), writes the gradient of its
 * objective into `outputGrad` (with respect to output k, or to its
 * pre-activation `logits` when it calls backward with fromLogits), runs
 * backward() and reads `inputGrad`. The weights and their gradients are
 * untouched, and nothing is allocated after construction: the buffers are the
 * model's planned ones (planned with backward once, for `capacity` rows).
 *
 * Library-internal (src/explain): the offsets stay valid until the model
 * plans again (a larger batch elsewhere, or dispose), so a probe is made and
 * used within one call. Dropout and noise run in inference mode.
 */
export class InputGradientProbe {
  readonly backend: Backend;
  /** Rows one pass takes. */
  readonly capacity: number;
  /** Values per sample of the input and of output k. */
  readonly inputSize: number;
  readonly outputSize: number;
  /** Last axis of output k (classes or units). */
  readonly units: number;
  /** 'softmax' or 'sigmoid' when output k's pre-activation is available as `logits`, else null. */
  readonly logitActivation: 'softmax' | 'sigmoid' | null;
  private readonly engine: Engine;
  private readonly k: number;

  constructor(engine: Engine, capacity: number, output = 0) {
    if (engine.topo.inputs.length !== 1) throw new ValueError(`InputGradientProbe: the model has ${engine.topo.inputs.length} inputs; one is supported`);
    this.engine = engine;
    this.backend = engine.backend;
    this.k = output;
    engine.ensurePlan(capacity, true);
    this.capacity = engine.capacity;
    this.inputSize = engine.inputSize(0);
    this.outputSize = engine.outputSize(output);
    this.units = engine.outputUnits(output);
    this.logitActivation = engine.logitsOf(output)?.activation ?? null;
  }

  /** The input buffer: capacity x inputSize floats. */
  get input(): number {
    return this.engine.exec.act[0];
  }

  /** Output k after forward(): capacity x outputSize floats. */
  get output(): number {
    return this.engine.outputPtr(this.k);
  }

  /** Output k's pre-activation after forward() (softmax / sigmoid outputs), else 0. */
  get logits(): number {
    return this.engine.logitsOf(this.k)?.ptr ?? 0;
  }

  /** Where the caller writes the gradient of its objective before backward(). */
  get outputGrad(): number {
    const exec = this.engine.exec;
    return exec.gradOf(this.engine.topo.outputs[this.k]);
  }

  /** The gradient with respect to the input after backward(). */
  get inputGrad(): number {
    const exec = this.engine.exec;
    return exec.gradOf(this.engine.topo.inputs[0]);
  }

  /** Runs the model on the first `rows` rows of `input`, keeping what backward reads. */
  forward(rows: number): void {
    this.engine.exec.forward(rows, false, true);
  }

  /**
   * Runs the model on the first `rows` rows of `input` for its outputs only:
   * the inference schedule (fused layers, no tape), so neither `logits` nor
   * backward() may follow.
   */
  predict(rows: number): void {
    this.engine.exec.forward(rows, false, false);
  }

  /**
   * Backpropagates the gradient in `outputGrad` (with respect to the
   * pre-activation with `fromLogits`) to the input; the other outputs of the
   * model contribute nothing.
   */
  backward(rows: number, fromLogits = false): void {
    const engine = this.engine;
    const exec = engine.exec;
    const outs = engine.topo.outputs;
    for (let j = 0; j < outs.length; j++) {
      if (j !== this.k) fill(this.backend, { n: rows * sizeOf(outs[j].shape), y: exec.gradOf(outs[j]), value: 0 });
    }
    if (fromLogits && !this.logitActivation) throw new ValueError(`InputGradientProbe: output ${this.k} keeps no pre-activation to start from`);
    exec.backwardPass(rows, { params: false, inputs: true, fromLogits: outs.map((_, j) => fromLogits && j === this.k) });
  }
}
