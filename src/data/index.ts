/**
 * Datasets and preprocessing. parseCsv and the preprocess functions run
 * anywhere; loadMnist, loadIris and loadCsv read from disk and are Node only.
 * @packageDocumentation
 */
export type { Dataset, LabeledRows } from './dataset.js';
export { loadMnist, type LoadMnistOptions, type MnistSplit } from './mnist.js';
export { loadIris, type IrisDataset } from './iris.js';
export { parseCsv, parseCsvRecords, type CsvOptions, type CsvData, type CsvRecord } from './csv.js';
export { loadCsv } from './csv-node.js';
export {
  oneHot, trainTestSplit, standardize, applyStandardize, shuffleIndices,
  type SplitOptions, type Standardized,
} from './preprocess.js';
export { shiftAugment, type ShiftAugmentOptions, type Augmented } from './augment.js';
