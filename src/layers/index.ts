import { dense } from './dense.js';
import { activation } from './activation-layer.js';
import { dropout } from './dropout.js';

export { Layer, layerFromJSON, registerLayer, type Param, type WeightSpec, type LayerJSON, type StepContext } from './layer.js';
export { Dense, type DenseConfig } from './dense.js';
export { Activation, type ActivationConfig } from './activation-layer.js';
export { Dropout, type DropoutConfig } from './dropout.js';
export { type LayerActivation } from './activations.js';
export { type InitializerName } from './initializers.js';

/** Layer factories with TensorFlow.js names: layers.dense({ units, activation, inputShape }). */
export const layers = { dense, activation, dropout };
