/**
 * Everything the entry points share: all of simdnn but the functions that
 * instantiate the wasm (each entry embeds different builds).
 */
export { getBackend, backendInfo, memoryStats, setSeed } from './runtime/init.js';
export { Backend, type BackendInfo, type InitOptions } from './runtime/backend.js';
export type { MemoryStats } from './runtime/allocator.js';
export { ACT, type ActivationName, type BuildName, type KernelExports } from './runtime/abi.js';
export {
  SimdnnError, ShapeError, ValueError, OutOfMemoryError, DisposedError, InitError, ModelFormatError, KernelAssertionError,
} from './errors.js';
export {
  Tensor, tensor, empty, zeros, ones, fill, tidy, keep, sizeOf,
  type DType, type NestedArray, type TensorLike,
} from './tensor.js';
export { matmul, type MatmulOptions } from './ops/matmul.js';
export { conv2d, maxPool2d, avgPool2d, type Conv2dOptions, type Pool2dOptions } from './ops/conv.js';
export {
  activation, relu, sigmoid, tanh, leakyRelu, elu, gelu, softplus, softsign, selu, swish, mish, hardSigmoid, step, sign, softmax, exp, log,
  add, sub, mul, clipByValue, transpose, sum, argMax,
} from './ops/elementwise.js';
export { randomUniform, randomNormal, randomBernoulli } from './ops/random.js';
export {
  scalar, tensor1d, tensor2d, tensor3d, tensor4d, linspace, range, zerosLike, onesLike,
  div, pow, maximum, minimum, squaredDifference, sqrt, square, abs, neg, reciprocal, round, floor, ceil,
  mean, max, min, prod, argMin, concat, stack, slice, gather, expandDims, squeeze, broadcastShapes, util, type TensorInput,
} from './ops/tfjs.js';
export { NonFiniteLossError } from './errors.js';
export {
  layers, Layer, Dense, DenseTied, Activation, Dropout, Conv, Pooling, GlobalAveragePooling, Reshape, Add, Concatenate, layerFromJSON, registerLayer, LAYER_REGISTRY,
  type ConvConfig, type PoolingConfig, type Padding, type BaseLayerConfig, type BuildContext, type CallContext, type PlanArgs, type Port, type Shape, type Site,
  type DenseConfig, type DenseTiedConfig, type ActivationConfig, type DropoutConfig, type LayerActivation, type InitializerName, type InitializerLike, type InitializerSpec, type LayerJSON,
} from './layers/index.js';
export {
  SimpleRNN, LSTM, GRU, Recurrent, TimeDistributed, Bidirectional, Embedding, Masking, BatchNormalization, type BatchNormalizationConfig, GaussianNoise, MaskingNoise, SaltAndPepperNoise, UpSampling2D, Conv2DTranspose, type SimpleRNNConfig, type LSTMConfig, type GRUConfig,
  type RecurrentConfig, type RecurrentActivation, type RecurrentSite, type TimeDistributedConfig, type BidirectionalConfig, type MergeMode,
  type EmbeddingConfig, type MaskingConfig,
} from './layers/index.js';
export { JordanNetwork, jordanNetwork, type JordanConfig, type JordanGenerateOptions } from './recurrent/jordan.js';
export { type SampleOptions } from './recurrent/sampling.js';
export { CharVocabulary, nextStepWindows, sampleText, type SampleTextOptions } from './recurrent/text.js';
export * as kernels from './kernels/index.js';
export { Variable, type VariableSpec } from './params/variable.js';
export { initializers, type VarianceScalingOptions, type FanMode, type Distribution } from './params/initializers.js';
export { regularizers, type RegularizerLike, type RegularizerSpec } from './params/regularizers.js';
export { ParamStore, type Segment } from './params/store.js';
export { SymbolicTensor, Node, type MaskSource } from './graph/symbolic.js';
export { input, InputLayer, type InputConfig } from './graph/input.js';
export {
  Model, model, type BatchSource, type DatasetBatch, type FitDatasetArgs, type ModelConfig, type ModelBaseConfig, type CompileArgs, type FitArgs, type History, type ModelInput, type GradientsArgs, type Gradients,
} from './models/model.js';
export { Sequential, sequential, type SequentialConfig } from './models/sequential.js';
export {
  Autoencoder, autoencoder, StackedAutoencoder, stackedAutoencoder,
  type AutoencoderConfig, type AutoencoderInput, type NoiseSpec, type StackedAutoencoderConfig, type PretrainOptions, type ToClassifierOptions,
} from './models/autoencoder.js';
export { callbacks, EarlyStopping, type Callback, type Logs, type EarlyStoppingOptions } from './models/callbacks.js';
export {
  optimizers, Optimizer, SGD, Momentum, Adam, RMSProp, Adagrad, Adadelta, Adamax, LBFGS, stepDecay, exponentialDecay, cosineDecay,
  type OptimizerOptions, type LBFGSOptions, type OptimizerName, type Schedule,
} from './optimizers/index.js';
export type { LossName, CustomLoss } from './losses/index.js';
export { Perceptron, type PerceptronOptions, type PerceptronJSON, type PerceptronTrainOptions, type PerceptronTrainResult } from './linear/perceptron.js';
export {
  parseCsv, parseCsvRecords, oneHot, trainTestSplit, standardize, applyStandardize, shuffleIndices, polynomialFeatures,
  type PolynomialFeaturesOptions, type PolynomialFeatures, type CsvOptions, type CsvData, type CsvRecord, type Dataset, type LabeledRows,
} from './data/browser.js';
export { serializeModel, deserializeModel, encodeModelFile, decodeModelFile, modelFromJSONAndWeights, DEFAULT_MEMORY_LIMIT, type ModelArtifacts } from './io/index.js';
export type { ModelJSON, WeightEntry, TrainingConfig, SerializeOptions, LoadOptions } from './io/index.js';
export {
  loadLayersModel, saveLayersModel, toLayersArtifacts, layersModelFromArtifacts,
  type LayersModelArtifacts, type LayersLoadHandler, type LayersSaveHandler, type LayersWeightSpec, type LayersArtifactsOut, type LoadLayersOptions,
} from './io/tfjs/index.js';
export { toOnnx, ONNX_OPSET } from './io/onnx/export.js';
export {
  Hopfield, type HopfieldOptions, type HopfieldRecallOptions, type HopfieldRecallResult, type HopfieldJSON, type HopfieldRule, type HopfieldStates,
} from './energy/hopfield.js';
export {
  BoltzmannMachine, type BoltzmannOptions, type BoltzmannSampleOptions, type BoltzmannAnnealOptions, type BoltzmannAnnealResult,
  type BoltzmannFitOptions, type BoltzmannLogs, type BoltzmannJSON, type AnnealSchedule,
} from './energy/boltzmann.js';
export {
  RBM, type RBMOptions, type RBMFitOptions, type RBMSampleOptions, type RBMSample, type RBMWeights, type RBMJSON, type RBMVisibleType, type RBMInput,
} from './energy/rbm.js';
export { encodePng, filtersToPng, imagesToPng, type FilterGridOptions, type ImageGridOptions } from './viz/png.js';
export { DBN, type DBNOptions, type DBNPretrainOptions, type DBNSequentialOptions, type DBNJSON } from './energy/dbn.js';
export { layerFiltersToPng, type LayerFilterOptions } from './explain/filters.js';
export * from './explain/index.js';
export type { ColorMap } from './viz/canvas.js';
export {
  NeuralNetwork, type NeuralNetworkOptions, type BrainTrainOptions, type BrainExample, type BrainValues, type BrainActivation, type NeuralNetworkJSON,
} from './compat/brain.js';
