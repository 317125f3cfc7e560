import { dense, denseTied } from './dense.js';
import { activation } from './activation-layer.js';
import { dropout } from './dropout.js';
import { conv1d, conv2d } from './conv.js';
import { poolingLayers } from './pooling.js';
import { flatten, reshape } from './reshape.js';
import { add, concatenate } from './merge.js';
import { gru, lstm, simpleRNN } from './recurrent/cells.js';
import { bidirectional, timeDistributed } from './recurrent/wrappers.js';
import { embedding, masking } from './embedding.js';
import { batchNormalization } from './normalization.js';
import { gaussianNoise, maskingNoise, saltAndPepperNoise } from './noise.js';
import { upSampling2d } from './upsampling.js';
import { conv2dTranspose } from './conv-transpose.js';

export {
  Layer, layerFromJSON, registerLayer, LAYER_REGISTRY,
  type LayerJSON, type BaseLayerConfig, type BuildContext, type CallContext, type PlanArgs, type Port, type Shape, type Site, type LossLogits, type LayerResolver,
} from './layer.js';
export { Dense, DenseTied, type DenseConfig, type DenseTiedConfig } from './dense.js';
export { Activation, type ActivationConfig } from './activation-layer.js';
export { Dropout, type DropoutConfig } from './dropout.js';
export { Conv, type ConvConfig } from './conv.js';
export { Pooling, GlobalAveragePooling, type PoolingConfig } from './pooling.js';
export { Reshape } from './reshape.js';
export { Add, Concatenate, type ConcatenateConfig } from './merge.js';
export { SimpleRNN, LSTM, GRU, type SimpleRNNConfig, type LSTMConfig, type GRUConfig } from './recurrent/cells.js';
export { Recurrent, type RecurrentConfig, type RecurrentActivation, type RecurrentSite } from './recurrent/base.js';
export { TimeDistributed, Bidirectional, type TimeDistributedConfig, type BidirectionalConfig, type MergeMode } from './recurrent/wrappers.js';
export { Embedding, Masking, type EmbeddingConfig, type MaskingConfig } from './embedding.js';
export { BatchNormalization, type BatchNormalizationConfig } from './normalization.js';
export { UpSampling2D, type UpSampling2DConfig } from './upsampling.js';
export { Conv2DTranspose, type Conv2DTransposeConfig } from './conv-transpose.js';
export {
  GaussianNoise, MaskingNoise, SaltAndPepperNoise, type GaussianNoiseConfig, type MaskingNoiseConfig, type SaltAndPepperNoiseConfig,
} from './noise.js';
export { type Padding } from './geometry.js';
export { type LayerActivation } from './activations.js';
export { type InitializerName, type InitializerLike, type InitializerSpec, initializers } from '../params/initializers.js';

/** Layer factories with TensorFlow.js names: layers.dense({ units, activation, inputShape }), layers.conv2d(...), ... */
export const layers = {
  dense, denseTied, activation, dropout, conv1d, conv2d, flatten, reshape, add, concatenate, ...poolingLayers, simpleRNN, lstm, gru,
  embedding, masking, timeDistributed, bidirectional, batchNormalization, gaussianNoise, maskingNoise, saltAndPepperNoise, upSampling2d, conv2dTranspose,
};
