import { ValueError, checkFinite, checkInt, describe } from '../errors.js';
import { Tensor } from '../tensor.js';
import { input } from '../graph/input.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { Dense, DenseTied, dense, denseTied } from '../layers/dense.js';
import { checkActivation, type LayerActivation } from '../layers/activations.js';
import { gaussianNoise, maskingNoise, saltAndPepperNoise } from '../layers/noise.js';
import type { Layer } from '../layers/layer.js';
import { getOptimizer, type Optimizer, type OptimizerName, type LBFGS } from '../optimizers/index.js';
import type { Backend } from '../runtime/backend.js';
import { checkBool, checkOptions } from '../util/options.js';
import { model, type Model } from './model.js';
import { sequential, type Sequential } from './sequential.js';
import type { FitArgs, History } from './trainer.js';

/** The corruption of a denoising autoencoder: masking ('mask', rate), additive Gaussian ('gaussian', stddev) or salt and pepper ('saltAndPepper', rate). */
export type NoiseSpec = { type: 'mask'; rate: number } | { type: 'gaussian'; stddev: number } | { type: 'saltAndPepper'; rate: number; low?: number; high?: number };

/** Options of autoencoder(). */
export interface AutoencoderConfig {
  /** Features per sample (the input and the reconstruction). */
  inputDim: number;
  /** Units of the encoder's dense layers, outermost first; the last is the code. E.g. [128, 32]. */
  units: number[];
  /** Activation of the hidden and code layers. Default 'relu'. */
  activation?: LayerActivation;
  /** Activation of the code layer. Default: `activation`. */
  codeActivation?: LayerActivation;
  /** Activation of the reconstruction: 'sigmoid' for inputs in [0, 1] (default), 'linear' for unbounded ones. */
  outputActivation?: LayerActivation;
  /** Decoder kernels are the transposed encoder kernels (W' = Wᵀ): one variable each, half the parameters. Default false. */
  tied?: boolean;
  /** Corrupt the input in training (a denoising autoencoder); the target stays the clean input. */
  noise?: NoiseSpec;
  /** Reconstruction loss: 'mse' (‖x − x̄‖², default) or 'binaryCrossentropy' (inputs in [0, 1], sigmoid output). */
  loss?: 'mse' | 'meanSquaredError' | 'binaryCrossentropy';
  /** Default 'adam'. */
  optimizer?: OptimizerName | Optimizer | LBFGS;
  /** Seed of the initial weights, shuffling and noise. */
  seed?: number;
  backend?: Backend;
  name?: string;
}

const AE_KEYS = ['inputDim', 'units', 'activation', 'codeActivation', 'outputActivation', 'tied', 'noise', 'loss', 'optimizer', 'seed', 'backend', 'name'];

/** Rows of samples: a flat Float32Array (n × inputDim), nested arrays, or a tensor. */
export type AutoencoderInput = Float32Array | readonly (readonly number[])[] | Tensor;

/**
 * An autoencoder h_{w,b}(x) ≈ x (Rumelhart, Hinton and Williams 1986; the
 * denoising form of Vincent et al. 2008): dense encoder layers down to a
 * code, dense (or tied, W' = Wᵀ) decoder layers back up, trained to
 * reconstruct its input, optionally from a corrupted copy. `model` is the
 * whole network (an ordinary model: save, load, evaluate); `encoder` and
 * `decoder` are models over the same weights (training one trains the
 * others). Dispose it when done.
 */
export class Autoencoder {
  readonly inputDim: number;
  readonly codeDim: number;
  readonly tied: boolean;
  /** input → reconstruction (the noise layer first when denoising). */
  readonly model: Model;
  /** input → code. */
  readonly encoder: Model;
  /** code → reconstruction. */
  readonly decoder: Model;
  /** The encoder's dense layers, outermost first. */
  readonly encoderLayers: Dense[];
  /** The decoder's layers, innermost first. */
  readonly decoderLayers: (Dense | DenseTied)[];

  constructor(config: AutoencoderConfig) {
    const op = 'autoencoder';
    checkOptions(op, config, AE_KEYS);
    this.inputDim = checkInt(op, 'inputDim', config.inputDim, 1, 1 << 24);
    const units = config.units;
    if (!Array.isArray(units) || units.length === 0) throw new ValueError(`${op}: units must be a non-empty array of layer sizes (the last is the code), got ${describe(units)}`);
    units.forEach((u, i) => checkInt(op, `units[${i}]`, u, 1, 1 << 24));
    this.codeDim = units[units.length - 1];
    const act = checkActivation(op, config.activation ?? 'relu');
    const codeAct = checkActivation(op, config.codeActivation ?? act);
    const outAct = checkActivation(op, config.outputActivation ?? 'sigmoid');
    this.tied = checkBool(op, 'tied', config.tied, false);
    const loss = config.loss ?? 'mse';
    if (loss !== 'mse' && loss !== 'meanSquaredError' && loss !== 'binaryCrossentropy') {
      throw new ValueError(`${op}: loss must be 'mse' or 'binaryCrossentropy', got ${describe(loss)}`);
    }
    if (loss === 'binaryCrossentropy' && outAct !== 'sigmoid') throw new ValueError(`${op}: binaryCrossentropy needs outputActivation 'sigmoid', got ${describe(outAct)}`);
    const noise = config.noise === undefined ? null : noiseLayer(op, config.noise);
    const seed = config.seed;

    const x = input({ shape: [this.inputDim] });
    let h: SymbolicTensor = noise ? (noise.apply(x) as SymbolicTensor) : x;
    this.encoderLayers = units.map((u, i) => dense({ units: u, activation: i === units.length - 1 ? codeAct : act }));
    for (const l of this.encoderLayers) h = l.apply(h) as SymbolicTensor;
    const code = h;
    const sizes = [this.inputDim, ...units];
    this.decoderLayers = [];
    for (let i = units.length - 1; i >= 0; i--) {
      const activation = i === 0 ? outAct : act;
      this.decoderLayers.push(this.tied ? denseTied({ tiedTo: this.encoderLayers[i], activation }) : dense({ units: sizes[i], activation }));
    }
    let y = code;
    for (const l of this.decoderLayers) y = l.apply(y) as SymbolicTensor;
    const base = { seed, backend: config.backend };
    this.model = model({ ...base, name: config.name ?? 'autoencoder', inputs: x, outputs: y });
    this.model.compile({ optimizer: config.optimizer === undefined ? 'adam' : getOptimizer(op, config.optimizer), loss });
    this.encoder = model({ ...base, name: `${this.model.name}_encoder`, inputs: x, outputs: code });
    const z = input({ shape: [this.codeDim] });
    let d: SymbolicTensor = z;
    for (const l of this.decoderLayers) d = l.apply(d) as SymbolicTensor;
    this.decoder = model({ ...base, name: `${this.model.name}_decoder`, inputs: z, outputs: d });
  }

  /** Trains the network to reconstruct `x` (the targets are the clean inputs); fit's options. */
  fit(x: AutoencoderInput, args: FitArgs = {}): Promise<History> {
    return this.model.fit(x as never, x as never, args);
  }

  /** The codes of `x`, [n, codeDim]. */
  encode(x: AutoencoderInput): Tensor {
    return this.encoder.predict(x as never) as Tensor;
  }

  /** Reconstructions from codes, [n, inputDim]. */
  decode(codes: AutoencoderInput): Tensor {
    return this.decoder.predict(codes as never) as Tensor;
  }

  /** decode(encode(x)) in one pass (no noise: it is active in training only). */
  reconstruct(x: AutoencoderInput): Tensor {
    return this.model.predict(x as never) as Tensor;
  }

  /** Mean squared reconstruction error of each sample, ‖x − x̄‖² / inputDim. */
  reconstructionError(x: AutoencoderInput): Float32Array {
    const flat = rowsOf('reconstructionError', x, this.inputDim);
    const r = this.reconstruct(x);
    const y = r.toFloat32Array();
    r.dispose();
    const d = this.inputDim;
    const n = flat.length / d;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (flat[i * d + j] - y[i * d + j]) ** 2;
      out[i] = s / d;
    }
    return out;
  }

  /**
   * The autoencoder of a saved one: `Autoencoder.fromModel(loadModel(path))`
   * (or deserializeModel) on the `model` of an autoencoder, whose first half of
   * dense layers is the encoder. It takes ownership of `full`.
   */
  static fromModel(full: Model): Autoencoder {
    const op = 'Autoencoder.fromModel';
    if (!full || typeof full !== 'object' || !Array.isArray(full.layers)) throw new ValueError(`${op}: expected a model, got ${describe(full)}`);
    const dense = full.layers.filter((l): l is Dense | DenseTied => l instanceof Dense || l instanceof DenseTied);
    const other = full.layers.filter((l) => !(l instanceof Dense || l instanceof DenseTied) && l.className !== 'InputLayer');
    const k = dense.length / 2;
    const ok = full.inputs.length === 1 && full.outputs.length === 1 && dense.length >= 2 && Number.isInteger(k) &&
      dense.slice(0, k).every((l) => l instanceof Dense) && other.every((l) => ['GaussianNoise', 'MaskingNoise', 'SaltAndPepperNoise'].includes(l.className));
    if (!ok) {
      throw new ValueError(`${op}: ${full.name} is not an autoencoder (one input and output, an optional noise layer, dense encoder layers then as many decoder layers); its layers: ${full.layers.map((l) => l.className).join(', ')}`);
    }
    const ae = Object.create(Autoencoder.prototype) as { -readonly [K in keyof Autoencoder]: Autoencoder[K] };
    const enc = dense.slice(0, k) as Dense[];
    ae.encoderLayers = enc;
    ae.decoderLayers = dense.slice(k);
    ae.inputDim = full.inputs[0].shape[0];
    ae.codeDim = enc[k - 1].units;
    ae.tied = ae.decoderLayers.some((l) => l instanceof DenseTied);
    ae.model = full;
    ae.encoder = model({ name: `${full.name}_encoder`, inputs: full.inputs[0], outputs: enc[k - 1].output as SymbolicTensor });
    const z = input({ shape: [ae.codeDim] });
    let d: SymbolicTensor = z;
    for (const l of ae.decoderLayers) d = l.apply(d) as SymbolicTensor;
    ae.decoder = model({ name: `${full.name}_decoder`, inputs: z, outputs: d });
    return ae as Autoencoder;
  }

  /** Parameters of the whole network (tied kernels counted once). */
  countParams(): number {
    return this.model.weights.reduce((s, v) => s + v.size, 0);
  }

  /** Frees the weights and buffers of the three models. */
  dispose(): void {
    this.decoder.dispose();
    this.encoder.dispose();
    this.model.dispose();
  }
}

/** Creates an autoencoder: `autoencoder({ inputDim: 784, units: [128, 32], tied: true, noise: { type: 'mask', rate: 0.3 } })`. */
export function autoencoder(config: AutoencoderConfig): Autoencoder {
  return new Autoencoder(config);
}

function noiseLayer(op: string, spec: NoiseSpec): Layer {
  if (spec === null || typeof spec !== 'object') throw new ValueError(`${op}: noise must be { type: 'mask' | 'gaussian' | 'saltAndPepper', ... }, got ${describe(spec)}`);
  switch (spec.type) {
    case 'mask':
      checkOptions(`${op}: noise`, spec, ['type', 'rate'], 'options');
      return maskingNoise({ rate: spec.rate });
    case 'gaussian':
      checkOptions(`${op}: noise`, spec, ['type', 'stddev'], 'options');
      return gaussianNoise({ stddev: spec.stddev });
    case 'saltAndPepper':
      checkOptions(`${op}: noise`, spec, ['type', 'rate', 'low', 'high'], 'options');
      return saltAndPepperNoise({ rate: spec.rate, low: spec.low, high: spec.high });
    default:
      throw new ValueError(`${op}: noise.type must be 'mask', 'gaussian' or 'saltAndPepper', got ${describe((spec as { type: unknown }).type)}`);
  }
}

/** Samples as one flat Float32Array of n × d values (validated). */
function rowsOf(op: string, x: AutoencoderInput, d: number): Float32Array {
  let flat: Float32Array;
  if (x instanceof Tensor) flat = x.toFloat32Array();
  else if (x instanceof Float32Array) flat = x;
  else if (Array.isArray(x)) flat = Float32Array.from((x as readonly (readonly number[])[]).flat());
  else throw new ValueError(`${op}: x must be a Float32Array, an array of rows or a tensor, got ${describe(x)}`);
  if (flat.length === 0 || flat.length % d !== 0) throw new ValueError(`${op}: x must hold whole samples of ${d} values, got ${flat.length} values`);
  return flat;
}

// ------------------------------------------------------------ stacked --

/** Options of stackedAutoencoder(). */
export interface StackedAutoencoderConfig {
  inputDim: number;
  /** Sizes of the stacked hidden layers, e.g. [256, 64]: one autoencoder per layer. */
  units: number[];
  /** Hidden activation. Default 'sigmoid'. */
  activation?: LayerActivation;
  /** Tied decoders. Default false. */
  tied?: boolean;
  /** The corruption of each layer's autoencoder: one for all, or one per layer (null: none). */
  noise?: NoiseSpec | (NoiseSpec | null)[];
  /** Loss of the first autoencoder: 'mse' or 'binaryCrossentropy' (inputs in [0, 1]). Deeper ones reconstruct codes with 'mse'. Default 'mse'. */
  loss?: 'mse' | 'binaryCrossentropy';
  seed?: number;
  backend?: Backend;
}

/** Options of StackedAutoencoder.pretrain(). */
export interface PretrainOptions {
  /** Epochs per layer. Default 10. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Called after each layer's autoencoder is trained, with its index and history. */
  onLayerEnd?: (layer: number, history: History) => void | Promise<void>;
}

/** Options of StackedAutoencoder.toClassifier(). */
export interface ToClassifierOptions {
  /** Units of the new output layer. */
  units: number;
  /** Default 'softmax'. */
  activation?: LayerActivation;
  /** The pretrained layers start frozen (set `trainable = true` on them to fine-tune end to end). Default false. */
  freezeEncoders?: boolean;
  name?: string;
  seed?: number;
}

/**
 * Stacked autoencoders with greedy layer-wise pretraining (Bengio et al.
 * 2007; Vincent et al. 2010): autoencoder 1 learns to reconstruct x, 2 the
 * codes of 1, and so on, each with its own noise; toClassifier() then stacks
 * the pretrained encoder layers (their weights copied) under a new output
 * layer, an ordinary Sequential model to fine-tune end to end with labels.
 */
export class StackedAutoencoder {
  readonly inputDim: number;
  readonly units: number[];
  readonly activation: LayerActivation;
  /** One autoencoder per stacked layer. */
  readonly stages: Autoencoder[];
  private pretrained = 0;

  constructor(config: StackedAutoencoderConfig) {
    const op = 'stackedAutoencoder';
    checkOptions(op, config, ['inputDim', 'units', 'activation', 'tied', 'noise', 'loss', 'seed', 'backend']);
    this.inputDim = checkInt(op, 'inputDim', config.inputDim, 1, 1 << 24);
    if (!Array.isArray(config.units) || config.units.length === 0) throw new ValueError(`${op}: units must be a non-empty array of layer sizes, got ${describe(config.units)}`);
    this.units = config.units.map((u, i) => checkInt(op, `units[${i}]`, u, 1, 1 << 24));
    this.activation = checkActivation(op, config.activation ?? 'sigmoid');
    const noises = Array.isArray(config.noise) ? config.noise : this.units.map(() => config.noise ?? null);
    if (noises.length !== this.units.length) throw new ValueError(`${op}: noise lists ${noises.length} entries for ${this.units.length} layers`);
    const seed = config.seed === undefined ? undefined : checkFinite(op, 'seed', config.seed);
    this.stages = [];
    try {
      this.units.forEach((u, i) => {
        this.stages.push(
          autoencoder({
            inputDim: i === 0 ? this.inputDim : this.units[i - 1],
            units: [u],
            activation: this.activation,
            // The first reconstructs inputs in [0, 1]; deeper ones reconstruct unbounded codes.
            outputActivation: i === 0 ? 'sigmoid' : 'linear',
            loss: i === 0 ? config.loss ?? 'mse' : 'mse',
            tied: config.tied,
            ...(noises[i] ? { noise: noises[i] as NoiseSpec } : {}),
            ...(seed === undefined ? {} : { seed: seed + i }),
            backend: config.backend,
            name: `stacked_ae_${i}`,
          }),
        );
      });
    } catch (e) {
      for (const s of this.stages) s.dispose();
      throw e;
    }
  }

  /** Greedy layer-wise pretraining on unlabelled samples x (n × inputDim). */
  async pretrain(x: AutoencoderInput, options: PretrainOptions = {}): Promise<History[]> {
    const op = 'StackedAutoencoder.pretrain';
    checkOptions(op, options, ['epochs', 'batchSize', 'onLayerEnd'], 'options');
    const epochs = checkInt(op, 'epochs', options.epochs ?? 10, 1, 1e6);
    const batchSize = checkInt(op, 'batchSize', options.batchSize ?? 64, 1, 1 << 20);
    let data: Float32Array = rowsOf(op, x, this.inputDim);
    const histories: History[] = [];
    for (let i = 0; i < this.stages.length; i++) {
      const h = await this.stages[i].fit(data, { epochs, batchSize });
      histories.push(h);
      await options.onLayerEnd?.(i, h);
      if (i + 1 < this.stages.length) {
        const codes = this.stages[i].encode(data);
        data = codes.toFloat32Array();
        codes.dispose();
      }
    }
    this.pretrained = this.stages.length;
    return histories;
  }

  /**
   * A classifier: the pretrained encoder layers (weights copied, so it owns
   * them) under a new dense output layer; compile and fit it with labels.
   */
  toClassifier(options: ToClassifierOptions): Sequential {
    const op = 'StackedAutoencoder.toClassifier';
    checkOptions(op, options, ['units', 'activation', 'freezeEncoders', 'name', 'seed'], 'options');
    if (this.pretrained < this.stages.length) throw new ValueError(`${op}: pretrain() first`);
    const units = checkInt(op, 'units', options.units, 1, 1 << 24);
    const activation = checkActivation(op, options.activation ?? 'softmax');
    const freeze = checkBool(op, 'freezeEncoders', options.freezeEncoders, false);
    const hidden = this.units.map((u, i) =>
      dense({ units: u, activation: this.activation, ...(i === 0 ? { inputShape: [this.inputDim] } : {}), name: `${options.name ?? 'classifier'}_pretrained_${i}` }),
    );
    const net = sequential({ name: options.name ?? 'classifier', seed: options.seed, layers: [...hidden, dense({ units, activation })] });
    net.build();
    // Copy each stage's encoder kernel and bias into the classifier's layer.
    const ws = net.getWeights();
    try {
      let at = 0;
      this.stages.forEach((s) => {
        const enc = s.encoderLayers[0];
        const src = s.model.getWeights();
        const kIndex = s.model.weights.indexOf(enc.kernel!);
        const bIndex = s.model.weights.indexOf(enc.bias!);
        ws[at].dispose();
        ws[at] = src[kIndex];
        ws[at + 1].dispose();
        ws[at + 1] = src[bIndex];
        src.forEach((t, j) => j !== kIndex && j !== bIndex && t.dispose());
        at += 2;
      });
      net.setWeights(ws);
    } finally {
      for (const t of ws) t.dispose();
    }
    if (freeze) for (const l of hidden) l.trainable = false;
    return net;
  }

  dispose(): void {
    for (const s of this.stages) s.dispose();
  }
}

/** Creates stacked autoencoders for greedy layer-wise pretraining. */
export function stackedAutoencoder(config: StackedAutoencoderConfig): StackedAutoencoder {
  return new StackedAutoencoder(config);
}
