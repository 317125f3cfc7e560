/**
 * simdnn for Node: everything in the main entry, plus loaders that read from
 * disk (the bundled MNIST digits, Iris, CSV files) and saving models to files.
 * @packageDocumentation
 */
export * from './index.js';
export { loadMnist, loadIris, loadCsv, type LoadMnistOptions, type MnistSplit, type IrisDataset } from './data/index.js';
export { shiftAugment, type ShiftAugmentOptions, type Augmented } from './data/index.js';
export { saveModel, loadModel } from './io/node.js';
export { loadLayersModel, saveLayersModel } from './io/tfjs/node.js';
export { saveOnnx } from './io/onnx/node.js';
