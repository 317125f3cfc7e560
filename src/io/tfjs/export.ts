/**
 * Writing simdnn models as TensorFlow.js Layers artifacts: the Keras model
 * config TensorFlow.js writes (snake_case keys, `batch_input_shape` on the
 * first layer, initializers as `{ class_name, config }`) and one buffer of
 * float32 weights named as tfjs-layers names them (`<layer>/<param>`, a
 * TimeDistributed layer's as `<wrapper>/<param>`, a Bidirectional layer's as
 * `<wrapper>/forward_<inner>/<param>`), which `tf.loadLayersModel` reads.
 * A layer or option TensorFlow.js lacks is a ValueError naming the layer.
 */
import { DisposedError, ValueError, describe } from '../../errors.js';
import { Model } from '../../models/model.js';
import type { Layer } from '../../layers/layer.js';
import { TimeDistributed, Bidirectional } from '../../layers/recurrent/wrappers.js';
import type { Variable } from '../../params/variable.js';
import { writeF32LE } from '../weights.js';
import { toSnake, writeInitializer } from './keras-config.js';

/** The artifacts saveLayersModel hands a TensorFlow.js IOHandler (tf.io.ModelArtifacts). */
export interface LayersArtifactsOut {
  modelTopology: Record<string, unknown>;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  weightData: ArrayBuffer;
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
}

/** A TensorFlow.js IOHandler that can save (tf.io.withSaveHandler(...), tf.io.browserDownloads(), ...). */
export interface LayersSaveHandler {
  save(artifacts: LayersArtifactsOut): Promise<unknown>;
}

/** The generatedBy field of what simdnn writes. */
export const GENERATED_BY = 'simdnn';

type Json = Record<string, unknown>;

/** TensorFlow.js's activation names, by simdnn activation. */
const ACTIVATION_OUT: Record<string, string> = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', elu: 'elu', selu: 'selu',
  softplus: 'softplus', softsign: 'softsign', hardSigmoid: 'hard_sigmoid', swish: 'swish', silu: 'swish', mish: 'mish',
};

function fail(op: string, layer: Layer, what: string): ValueError {
  return new ValueError(`${op}: layer ${JSON.stringify(layer.name)} (${layer.className}): ${what}`);
}

function activationName(op: string, layer: Layer, c: Json, key = 'activation'): string {
  const a = c[key] as string;
  if ((a === 'elu' && c.alpha !== undefined && c.alpha !== 1) || a === 'leakyRelu') {
    throw fail(op, layer, `activation ${a} with alpha ${describe(c.alpha)} fused into the layer has no TensorFlow.js form; use a separate activation layer (LeakyReLU / ELU)`);
  }
  const out = ACTIVATION_OUT[a];
  if (!out) throw fail(op, layer, `activation ${JSON.stringify(a)} has no TensorFlow.js equivalent (TensorFlow.js's gelu is the exact form; step and sign do not exist)`);
  return out;
}

function pairList(v: unknown): number[] {
  return Array.isArray(v) ? v.slice() : [v as number];
}

const NULLS = (...keys: string[]): Json => Object.fromEntries(keys.map((k) => [k, null]));

/** One layer as Keras config { class_name, config } (without the input shape). */
function layerConfig(op: string, layer: Layer): { class_name: string; config: Json } {
  const c = layer.getConfig();
  const base: Json = { name: layer.name, trainable: layer.trainable, dtype: 'float32' };
  const inits = (...keys: string[]) => Object.fromEntries(keys.map((k) => [toSnake(k), writeInitializer(c[k] as string)]));
  switch (layer.className) {
    case 'Dense':
      return {
        class_name: 'Dense',
        config: {
          ...base, units: c.units, activation: activationName(op, layer, c), use_bias: c.useBias, ...inits('kernelInitializer', 'biasInitializer'),
          ...NULLS('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
        },
      };
    case 'Activation': {
      const a = c.activation as string;
      if (a === 'leakyRelu') return { class_name: 'LeakyReLU', config: { ...base, alpha: c.alpha } };
      if (a === 'elu' && c.alpha !== 1) return { class_name: 'ELU', config: { ...base, alpha: c.alpha } };
      return { class_name: 'Activation', config: { ...base, activation: activationName(op, layer, c) } };
    }
    case 'Dropout':
      return { class_name: 'Dropout', config: { ...base, rate: c.rate, noise_shape: null, seed: null } };
    case 'Conv1D':
    case 'Conv2D':
      return {
        class_name: layer.className,
        config: {
          ...base, filters: c.filters, kernel_size: pairList(c.kernelSize), strides: pairList(c.strides), padding: c.padding, data_format: 'channels_last',
          dilation_rate: pairList(c.dilationRate), activation: activationName(op, layer, c), use_bias: c.useBias, ...inits('kernelInitializer', 'biasInitializer'),
          ...NULLS('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
        },
      };
    case 'Conv2DTranspose':
      return {
        class_name: 'Conv2DTranspose',
        config: {
          ...base, filters: c.filters, kernel_size: pairList(c.kernelSize), strides: pairList(c.strides), padding: c.padding, data_format: 'channels_last',
          dilation_rate: [1, 1], activation: activationName(op, layer, c), use_bias: c.useBias, ...inits('kernelInitializer', 'biasInitializer'),
          ...NULLS('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
        },
      };
    case 'MaxPooling1D':
    case 'MaxPooling2D':
    case 'AveragePooling1D':
    case 'AveragePooling2D':
      return {
        class_name: layer.className,
        config: { ...base, pool_size: pairList(c.poolSize), strides: pairList(c.strides), padding: c.padding, data_format: 'channels_last' },
      };
    case 'GlobalAveragePooling1D':
    case 'GlobalAveragePooling2D':
      return { class_name: layer.className, config: { ...base, data_format: 'channels_last' } };
    case 'Flatten':
      return { class_name: 'Flatten', config: { ...base } };
    case 'Reshape':
      return { class_name: 'Reshape', config: { ...base, target_shape: c.targetShape } };
    case 'BatchNormalization':
      return {
        class_name: 'BatchNormalization',
        config: {
          ...base, axis: c.axis, momentum: c.momentum, epsilon: c.epsilon, center: c.center, scale: c.scale,
          ...inits('betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer'),
          ...NULLS('beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'),
        },
      };
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU': {
      if (c.stateful) throw fail(op, layer, 'stateful: true needs a fixed batch size in TensorFlow.js; save it with stateful false');
      if (layer.className === 'GRU' && c.resetAfter) {
        throw fail(op, layer, 'reset_after: true (the Keras and cuDNN GRU) is not supported by TensorFlow.js; only reset_after: false loads there');
      }
      const cfg: Json = {
        ...base, units: c.units, activation: activationName(op, layer, c), use_bias: c.useBias,
        ...inits('kernelInitializer', 'recurrentInitializer', 'biasInitializer'),
        ...NULLS('kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint'),
        dropout: c.dropout, recurrent_dropout: 0, return_sequences: c.returnSequences, return_state: c.returnState, go_backwards: c.goBackwards,
        stateful: false, unroll: false,
      };
      if (layer.className !== 'SimpleRNN') cfg.recurrent_activation = activationName(op, layer, c, 'recurrentActivation');
      if (layer.className === 'LSTM') cfg.unit_forget_bias = c.unitForgetBias;
      if (layer.className === 'GRU') cfg.reset_after = false;
      return { class_name: layer.className, config: cfg };
    }
    case 'Embedding':
      return {
        class_name: 'Embedding',
        config: {
          ...base, input_dim: c.inputDim, output_dim: c.outputDim, embeddings_initializer: writeInitializer(c.embeddingsInitializer as string),
          mask_zero: c.maskZero, ...NULLS('embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint'),
        },
      };
    case 'Masking':
      return { class_name: 'Masking', config: { ...base, mask_value: c.maskValue } };
    case 'GaussianNoise':
      return { class_name: 'GaussianNoise', config: { ...base, stddev: c.stddev } };
    case 'UpSampling2D':
      return { class_name: 'UpSampling2D', config: { ...base, size: pairList(c.size), interpolation: 'nearest', data_format: 'channels_last' } };
    case 'Add':
      return { class_name: 'Add', config: { ...base } };
    case 'Concatenate':
      return { class_name: 'Concatenate', config: { ...base, axis: c.axis } };
    case 'TimeDistributed':
      return { class_name: 'TimeDistributed', config: { ...base, layer: layerConfig(op, (layer as TimeDistributed).layer) } };
    case 'Bidirectional': {
      const b = layer as Bidirectional;
      const inner = layerConfig(op, b.forwardLayer);
      inner.config.name = (b.forwardLayer.name).replace(/^forward_/, '');
      inner.config.go_backwards = false;
      return { class_name: 'Bidirectional', config: { ...base, layer: inner, merge_mode: c.mergeMode } };
    }
    case 'DenseTied':
      throw fail(op, layer, 'a dense layer tied to another layer\'s kernel has no TensorFlow.js form (untie it: a Dense layer with the transposed kernel)');
    case 'L2Pooling1D':
    case 'L2Pooling2D':
      throw fail(op, layer, 'L2 pooling has no TensorFlow.js layer');
    case 'MaskingNoise':
    case 'SaltAndPepperNoise':
      throw fail(op, layer, 'this corruption layer has no TensorFlow.js layer (it is inactive at inference: rebuild the model without it to export)');
    default:
      throw fail(op, layer, 'this layer has no TensorFlow.js equivalent');
  }
}

/** TensorFlow.js's name for a weight: its layer's, or its wrapper's scope. */
function weightName(model: Model, v: Variable): string {
  for (const l of model.layers) {
    if (l instanceof TimeDistributed && l.layer === v.owner) return `${l.name}/${v.name}`;
    if (l instanceof Bidirectional && (l.forwardLayer === v.owner || l.backwardLayer === v.owner)) return `${l.name}/${v.owner.name}/${v.name}`;
  }
  return v.path;
}

/**
 * A built model as TensorFlow.js Layers artifacts (in memory): what
 * `tf.loadLayersModel(tf.io.fromMemory(artifacts))` reads. Throws a
 * ValueError naming the layer when a layer or option has no TensorFlow.js form.
 */
export function toLayersArtifacts(model: Model, op = 'toLayersArtifacts'): LayersArtifactsOut {
  if (!(model instanceof Model)) throw new ValueError(`${op}: expected a Sequential model or a graph Model, got ${describe(model)}`);
  if (model.isDisposed) throw new DisposedError(`${op}: model ${model.name} was disposed`);
  if (!model.built) throw new ValueError(`${op}: the model is not built yet (give the first layer an inputShape, or fit / predict first)`);
  const json = model.toJSON();
  let modelTopology: Json;
  if (json.className === 'Sequential') {
    const layers = model.layers.map((l) => layerConfig(op, l));
    layers[0].config.batch_input_shape = [null, ...model.inputs[0].shape];
    modelTopology = { class_name: 'Sequential', config: { name: model.name, layers } };
  } else {
    const byName = new Map(model.layers.map((l) => [l.name, l]));
    const refs = (list: unknown) => (list as [string, number, number][]).map((r) => [r[0], r[1], r[2]]);
    const layers = json.config.layers.map((l) => {
      if (l.className === 'InputLayer') {
        const name = l.config.name as string;
        return { name, class_name: 'InputLayer', config: { batch_input_shape: [null, ...(l.config.shape as number[])], dtype: 'float32', sparse: false, name }, inbound_nodes: [] };
      }
      const layer = byName.get(l.config.name as string) as Layer;
      const out = layerConfig(op, layer);
      return { name: layer.name, ...out, inbound_nodes: (l.inboundNodes ?? []).map((node) => node.map((r) => [r[0], r[1], r[2], {}])) };
    });
    modelTopology = {
      class_name: 'Model',
      config: { name: model.name, layers, input_layers: refs(json.config.inputLayers), output_layers: refs(json.config.outputLayers) },
    };
  }
  modelTopology.keras_version = `${GENERATED_BY}`;
  modelTopology.backend = 'tensor_flow.js';
  const vars = model.weights;
  const tensors = model.getWeights();
  const values = tensors.map((t) => t.toFloat32Array());
  for (const t of tensors) t.dispose();
  const weightSpecs = vars.map((v) => ({ name: weightName(model, v), shape: v.shape.slice(), dtype: 'float32' as const }));
  const bytes = new Uint8Array(values.reduce((a, v) => a + v.length * 4, 0));
  let at = 0;
  values.forEach((v) => {
    writeF32LE(bytes, at, v);
    at += v.length * 4;
  });
  return { modelTopology, weightSpecs, weightData: bytes.buffer, format: 'layers-model', generatedBy: GENERATED_BY, convertedBy: null };
}

/** True when `v` looks like a TensorFlow.js IOHandler with save(). */
export function isSaveHandler(v: unknown): v is LayersSaveHandler {
  return typeof v === 'object' && v !== null && typeof (v as { save?: unknown }).save === 'function';
}

