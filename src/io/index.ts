// The browser-safe part of saving and loading; files on disk are in ./node.ts (simdnn/node).
export {
  serializeModel, deserializeModel, modelFromJSONAndWeights, MODEL_FORMAT, MODEL_FORMAT_VERSION, DEFAULT_MEMORY_LIMIT,
  type ModelArtifacts, type ModelJSON, type WeightEntry, type TrainingConfig, type SerializeOptions, type LoadOptions,
} from './format.js';
export { encodeModelFile, decodeModelFile } from './container.js';
