import { ShapeError, ValueError, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { Layer, registerLayer, type Shape } from '../layers/layer.js';
import { Node, SymbolicTensor } from './symbolic.js';

/** Options of input(). */
export interface InputConfig {
  /** Per-sample shape (no batch axis), e.g. [28, 28, 1]. */
  shape: readonly number[];
  name?: string;
}

/** The source of a model input: holds no weights and computes nothing (the executor loads its rows). */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  readonly shape: number[];

  constructor(config: InputConfig) {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new ValueError(`input: config must be an object, got ${describe(config)}`);
    checkOptions('input', config, ['shape', 'name']);
    super({ name: config.name }, 'input');
    const s = config.shape;
    if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ShapeError(`input: shape must be a non-empty array of positive integers, got ${describe(s)}`);
    }
    if (s.reduce((a: number, d: number) => a * d, 1) > 2 ** 30) throw new ShapeError(`input: shape ${describe(s)} has more than 2^30 values per sample`);
    this.shape = s.slice();
  }

  override computeOutputShapes(inputs: readonly Shape[]): number[][] {
    if (inputs.length !== 0) throw new ValueError(`${this.name}: an input takes no inputs`);
    return [this.shape.slice()];
  }

  forward(): void {
    throw new ValueError(`${this.name}: an input layer does not run`);
  }

  backward(): void {
    throw new ValueError(`${this.name}: an input layer does not run`);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, shape: this.shape.slice() };
  }
}

registerLayer('InputLayer', (c) => new InputLayer(c as unknown as InputConfig));

/** A symbolic model input (TensorFlow.js tf.input): `const x = input({ shape: [784] })`. */
export function input(config: InputConfig): SymbolicTensor {
  const layer = new InputLayer(config);
  layer.applyShapes([]);
  const node = new Node(layer, [], [layer.shape]);
  layer.inboundNodes.push(node);
  return node.outputs[0];
}
