// Keras / TensorFlow.js layer configs to simdnn layer configs, one translator
// per class. Each reads every option it knows and leaves the rest to
// ConfigReader.finish(), which refuses any option that would change what the
// layer computes.
import { ModelFormatError } from '../../errors.js';
import { isRecord, show } from '../json.js';
import { ConfigReader, readActivation, readInitializer, type LayerWhere } from './keras-config.js';

/** A translated layer: simdnn's class and config. */
export interface Translated {
  className: string;
  config: Record<string, unknown>;
}

/** What a translator is told besides the config. */
export interface TranslateContext {
  keras3: boolean;
  /** Translates a nested layer (TimeDistributed, Bidirectional). */
  nested(json: unknown, where: string): Translated;
}

type Translator = (r: ConfigReader, ctx: TranslateContext) => Translated;

/** Options every layer may carry: the shape and dtype keys are read by the topology (input shapes), the rest change nothing. */
function base(r: ConfigReader): Record<string, unknown> {
  const c: Record<string, unknown> = { name: r.where.layer };
  r.get('name');
  const trainable = r.bool('trainable');
  if (trainable === false) c.trainable = false;
  r.ignore('batchInputShape', 'batchShape', 'inputShape', 'inputDim', 'batchSize', 'inputDtype');
  const dtype = r.get('dtype');
  const dname = isRecord(dtype) && isRecord(dtype.config) ? dtype.config.name : dtype;
  if (!(dname === undefined || dname === null || dname === 'float32' || dname === 'int32')) {
    throw r.fail('dtype', `${show(dname)} is not supported: simdnn computes in float32`);
  }
  r.only('activityRegularizer', []);
  return c;
}

function put(c: Record<string, unknown>, key: string, v: unknown): void {
  if (v !== undefined) c[key] = v;
}

/** Options of a layer with a kernel and a bias. */
function weighted(r: ConfigReader, c: Record<string, unknown>, kernel = 'kernelInitializer'): void {
  put(c, 'useBias', r.bool('useBias'));
  put(c, 'kernelInitializer', readInitializer(r, kernel));
  put(c, 'biasInitializer', readInitializer(r, 'biasInitializer'));
  for (const k of ['kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint']) r.only(k, [], 'is not supported by simdnn (regularizers and constraints)');
  r.ignore('loraRank', 'loraAlpha', 'quantizationConfig');
}

function channelsLast(r: ConfigReader): void {
  r.only('dataFormat', ['channels_last', 'channelsLast'], 'is not supported: simdnn is channels-last (NHWC)');
}

function activationOf(r: ConfigReader, c: Record<string, unknown>, ctx: TranslateContext): void {
  put(c, 'activation', readActivation(r, 'activation', ctx.keras3));
}

const dense: Translator = (r, ctx) => {
  const c = base(r);
  c.units = r.num('units', { int: true, min: 1, max: 1 << 24 });
  if (c.units === undefined) throw r.fail('units', 'is required');
  activationOf(r, c, ctx);
  weighted(r, c);
  return { className: 'Dense', config: c };
};

const conv = (rank: 1 | 2): Translator => (r, ctx) => {
  const c = base(r);
  c.filters = r.num('filters', { int: true, min: 1, max: 1 << 16 });
  if (c.filters === undefined) throw r.fail('filters', 'is required');
  c.kernelSize = r.ints('kernelSize', rank);
  if (c.kernelSize === undefined) throw r.fail('kernelSize', 'is required');
  put(c, 'strides', r.ints('strides', rank));
  put(c, 'dilationRate', r.ints('dilationRate', rank));
  put(c, 'padding', r.str('padding'));
  if (c.padding !== undefined && c.padding !== 'valid' && c.padding !== 'same') throw r.fail('padding', `${show(c.padding)} is not supported (accepted: "valid", "same")`);
  r.only('groups', [1]);
  channelsLast(r);
  activationOf(r, c, ctx);
  weighted(r, c);
  return { className: rank === 1 ? 'Conv1D' : 'Conv2D', config: c };
};

const conv2dTranspose: Translator = (r, ctx) => {
  const c = base(r);
  c.filters = r.num('filters', { int: true, min: 1, max: 1 << 16 });
  c.kernelSize = r.ints('kernelSize', 2);
  if (c.filters === undefined || c.kernelSize === undefined) throw r.fail(c.filters === undefined ? 'filters' : 'kernelSize', 'is required');
  put(c, 'strides', r.ints('strides', 2));
  put(c, 'padding', r.str('padding'));
  if (c.padding !== undefined && c.padding !== 'valid' && c.padding !== 'same') throw r.fail('padding', `${show(c.padding)} is not supported`);
  r.only('dilationRate', [1]);
  const dil = r.config.dilationRate;
  if (Array.isArray(dil) && !dil.every((d) => d === 1)) throw r.fail('dilationRate', `${show(dil)} is not supported (only 1)`);
  r.only('outputPadding', []);
  r.only('groups', [1]);
  channelsLast(r);
  activationOf(r, c, ctx);
  weighted(r, c);
  return { className: 'Conv2DTranspose', config: c };
};

const pooling = (cls: string, rank: 1 | 2): Translator => (r) => {
  const c = base(r);
  put(c, 'poolSize', r.ints('poolSize', rank));
  put(c, 'strides', r.ints('strides', rank));
  put(c, 'padding', r.str('padding'));
  if (c.padding !== undefined && c.padding !== 'valid' && c.padding !== 'same') throw r.fail('padding', `${show(c.padding)} is not supported`);
  channelsLast(r);
  return { className: cls, config: c };
};

const globalAvg = (rank: 1 | 2): Translator => (r) => {
  const c = base(r);
  channelsLast(r);
  r.only('keepdims', [false]);
  return { className: rank === 1 ? 'GlobalAveragePooling1D' : 'GlobalAveragePooling2D', config: c };
};

const flatten: Translator = (r) => {
  const c = base(r);
  channelsLast(r);
  return { className: 'Flatten', config: c };
};

const reshape: Translator = (r) => {
  const c = base(r);
  const t = r.get('targetShape');
  if (!Array.isArray(t) || t.length === 0 || t.length > 8 || !t.every((d) => d === -1 || d === null || (Number.isInteger(d) && d >= 1 && d <= 1 << 24))) {
    throw r.fail('targetShape', `must be a list of positive integers (one may be -1), got ${show(t)}`);
  }
  c.targetShape = t.map((d) => (d === null ? -1 : d));
  return { className: 'Reshape', config: c };
};

const dropout: Translator = (r) => {
  const c = base(r);
  c.rate = r.num('rate', { min: 0, max: 1 }) ?? 0;
  r.only('noiseShape', []);
  r.ignore('seed');
  return { className: 'Dropout', config: c };
};

const activation: Translator = (r, ctx) => {
  const c = base(r);
  c.activation = readActivation(r, 'activation', ctx.keras3);
  if (c.activation === undefined) throw r.fail('activation', 'is required');
  return { className: 'Activation', config: c };
};

const leakyRelu: Translator = (r) => {
  const c = base(r);
  // Keras 2 and TensorFlow.js: alpha (default 0.3); Keras 3: negative_slope (default 0.3).
  c.activation = 'leakyRelu';
  c.alpha = r.num('negativeSlope', { min: 0 }) ?? r.num('alpha', { min: 0 }) ?? 0.3;
  return { className: 'Activation', config: c };
};

const elu: Translator = (r) => {
  const c = base(r);
  c.activation = 'elu';
  c.alpha = r.num('alpha', { min: 0 }) ?? 1;
  return { className: 'Activation', config: c };
};

const relu: Translator = (r) => {
  const c = base(r);
  r.only('maxValue', []);
  r.only('negativeSlope', [0]);
  r.only('threshold', [0]);
  c.activation = 'relu';
  return { className: 'Activation', config: c };
};

const softmaxLayer: Translator = (r) => {
  const c = base(r);
  const axis = r.get('axis');
  if (!(axis === undefined || axis === null || axis === -1 || (Array.isArray(axis) && axis.length === 1 && axis[0] === -1))) {
    throw r.fail('axis', `${show(axis)} is not supported (softmax over the last axis only)`);
  }
  c.activation = 'softmax';
  return { className: 'Activation', config: c };
};

const batchNorm: Translator = (r) => {
  const c = base(r);
  let axis = r.get('axis');
  if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
  if (axis !== undefined && axis !== null) {
    if (typeof axis !== 'number' || !Number.isInteger(axis)) throw r.fail('axis', `must be an integer, got ${show(axis)}`);
    c.axis = axis;
  }
  put(c, 'momentum', r.num('momentum', { min: 0, max: 1 }));
  put(c, 'epsilon', r.num('epsilon', { min: 1e-12, max: 1 }));
  put(c, 'center', r.bool('center'));
  put(c, 'scale', r.bool('scale'));
  for (const k of ['beta', 'gamma', 'movingMean', 'movingVariance']) put(c, `${k}Initializer`, readInitializer(r, `${k}Initializer`));
  for (const k of ['betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint']) r.only(k, [], 'is not supported by simdnn (regularizers and constraints)');
  r.only('renorm', [false]);
  r.only('synchronized', [false]);
  r.ignore('renormClipping', 'renormMomentum', 'fused', 'virtualBatchSize', 'adjustment');
  return { className: 'BatchNormalization', config: c };
};

const recurrent = (cls: 'SimpleRNN' | 'LSTM' | 'GRU'): Translator => (r, ctx) => {
  const c = base(r);
  c.units = r.num('units', { int: true, min: 1, max: 1 << 16 });
  if (c.units === undefined) throw r.fail('units', 'is required');
  const act = readActivation(r, 'activation', ctx.keras3);
  if (act !== undefined && !['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'hardSigmoid'].includes(act)) {
    throw r.fail('activation', `${show(act)} is not available in a simdnn recurrent cell`);
  }
  put(c, 'activation', act);
  if (cls !== 'SimpleRNN') {
    const ra = readActivation(r, 'recurrentActivation', ctx.keras3);
    if (ra !== undefined && !['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'hardSigmoid'].includes(ra)) throw r.fail('recurrentActivation', `${show(ra)} is not available in a simdnn recurrent cell`);
    // Keras defaults to sigmoid, TensorFlow.js to hard_sigmoid: both write it, and an absent one is Keras's default.
    c.recurrentActivation = ra ?? 'sigmoid';
  }
  weighted(r, c);
  put(c, 'recurrentInitializer', readInitializer(r, 'recurrentInitializer'));
  r.only('recurrentRegularizer', [], 'is not supported by simdnn (regularizers and constraints)');
  r.only('recurrentConstraint', [], 'is not supported by simdnn (regularizers and constraints)');
  put(c, 'dropout', r.num('dropout', { min: 0, max: 1 }));
  r.only('recurrentDropout', [0], 'is not supported by simdnn (only 0)');
  for (const k of ['returnSequences', 'returnState', 'goBackwards', 'stateful']) put(c, k, r.bool(k));
  r.ignore('unroll', 'implementation', 'seed', 'timeMajor', 'zeroOutputForMask', 'useCudnn');
  if (r.config.timeMajor === true) throw r.fail('timeMajor', 'true is not supported');
  if (cls === 'LSTM') put(c, 'unitForgetBias', r.bool('unitForgetBias') ?? false);
  // Keras 2 and 3 default reset_after to true; TensorFlow.js writes false (its only form).
  if (cls === 'GRU') c.resetAfter = r.bool('resetAfter') ?? true;
  return { className: cls, config: c };
};

const embedding: Translator = (r) => {
  const c = base(r);
  c.inputDim = r.num('inputDim', { int: true, min: 1, max: 1 << 24 });
  c.outputDim = r.num('outputDim', { int: true, min: 1, max: 1 << 24 });
  if (c.inputDim === undefined || c.outputDim === undefined) throw r.fail(c.inputDim === undefined ? 'inputDim' : 'outputDim', 'is required');
  put(c, 'embeddingsInitializer', readInitializer(r, 'embeddingsInitializer'));
  r.only('embeddingsRegularizer', [], 'is not supported by simdnn (regularizers and constraints)');
  r.only('embeddingsConstraint', [], 'is not supported by simdnn (regularizers and constraints)');
  put(c, 'maskZero', r.bool('maskZero'));
  const len = r.get('inputLength');
  if (len !== undefined && len !== null && !(typeof len === 'number' && Number.isInteger(len) && len >= 1) && !(Array.isArray(len))) {
    throw r.fail('inputLength', `must be a positive integer, got ${show(len)}`);
  }
  r.ignore('sparse', 'loraRank', 'loraAlpha');
  return { className: 'Embedding', config: c };
};

const masking: Translator = (r) => {
  const c = base(r);
  c.maskValue = r.num('maskValue') ?? 0;
  return { className: 'Masking', config: c };
};

const gaussianNoise: Translator = (r) => {
  const c = base(r);
  c.stddev = r.num('stddev', { min: 0 });
  r.ignore('seed');
  return { className: 'GaussianNoise', config: c };
};

const upSampling2d: Translator = (r) => {
  const c = base(r);
  put(c, 'size', r.ints('size', 2));
  r.only('interpolation', ['nearest'], 'is not supported by simdnn');
  channelsLast(r);
  return { className: 'UpSampling2D', config: c };
};

const add: Translator = (r) => ({ className: 'Add', config: base(r) });

const concatenate: Translator = (r) => {
  const c = base(r);
  put(c, 'axis', r.num('axis', { int: true, min: -8, max: 8 }));
  if (c.axis === 0) throw r.fail('axis', '0 is the batch axis');
  return { className: 'Concatenate', config: c };
};

const timeDistributed: Translator = (r, ctx) => {
  const c = base(r);
  c.layer = ctx.nested(r.get('layer'), 'layer');
  return { className: 'TimeDistributed', config: c };
};

const bidirectional: Translator = (r, ctx) => {
  const c = base(r);
  const inner = ctx.nested(r.get('layer'), 'layer');
  if (!['SimpleRNN', 'LSTM', 'GRU'].includes(inner.className)) throw r.fail('layer', `must be a recurrent layer (SimpleRNN, LSTM, GRU), got ${inner.className}`);
  c.layer = inner;
  const mode = r.str('mergeMode');
  if (mode === undefined) throw r.fail('mergeMode', 'null (a list of both outputs) is not supported');
  if (!['concat', 'sum', 'mul', 'ave'].includes(mode)) throw r.fail('mergeMode', `${show(mode)} is not supported (concat, sum, mul, ave)`);
  c.mergeMode = mode;
  r.only('backwardLayer', [], 'is not supported: simdnn mirrors the forward layer');
  r.ignore('numConstants');
  return { className: 'Bidirectional', config: c };
};

/** Every Keras / TensorFlow.js class simdnn reads, by class name. */
export const TRANSLATORS: Record<string, Translator> = {
  Dense: dense,
  Conv1D: conv(1),
  Conv2D: conv(2),
  Conv2DTranspose: conv2dTranspose,
  MaxPooling1D: pooling('MaxPooling1D', 1),
  MaxPooling2D: pooling('MaxPooling2D', 2),
  AveragePooling1D: pooling('AveragePooling1D', 1),
  AveragePooling2D: pooling('AveragePooling2D', 2),
  MaxPool1D: pooling('MaxPooling1D', 1),
  MaxPool2D: pooling('MaxPooling2D', 2),
  AvgPool1D: pooling('AveragePooling1D', 1),
  AvgPool2D: pooling('AveragePooling2D', 2),
  GlobalAveragePooling1D: globalAvg(1),
  GlobalAveragePooling2D: globalAvg(2),
  GlobalAvgPool1D: globalAvg(1),
  GlobalAvgPool2D: globalAvg(2),
  Flatten: flatten,
  Reshape: reshape,
  Dropout: dropout,
  Activation: activation,
  LeakyReLU: leakyRelu,
  ELU: elu,
  ReLU: relu,
  Softmax: softmaxLayer,
  BatchNormalization: batchNorm,
  SimpleRNN: recurrent('SimpleRNN'),
  LSTM: recurrent('LSTM'),
  GRU: recurrent('GRU'),
  Embedding: embedding,
  Masking: masking,
  GaussianNoise: gaussianNoise,
  UpSampling2D: upSampling2d,
  Add: add,
  Concatenate: concatenate,
  TimeDistributed: timeDistributed,
  Bidirectional: bidirectional,
};

/** Translates one layer's { className, config } (camelCased); `w` says where it is for errors. */
export function translateLayer(w: LayerWhere, cls: string, config: Record<string, unknown>, ctx: TranslateContext): Translated {
  const t = Object.prototype.hasOwnProperty.call(TRANSLATORS, cls) ? TRANSLATORS[cls] : undefined;
  if (!t) {
    throw new ModelFormatError(`${w.op}: layer ${JSON.stringify(w.layer)}: class ${show(cls)} is not supported by simdnn (supported: ${Object.keys(TRANSLATORS).join(', ')})`);
  }
  const r = new ConfigReader(w, config);
  const out = t(r, ctx);
  r.finish();
  return out;
}

