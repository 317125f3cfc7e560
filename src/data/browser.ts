/** The parts of src/data that run on every runtime (no file system). */
export type { Dataset, LabeledRows } from './dataset.js';
export { parseCsv, parseCsvRecords, type CsvOptions, type CsvData, type CsvRecord } from './csv.js';
export {
  oneHot, trainTestSplit, standardize, applyStandardize, shuffleIndices,
  type SplitOptions, type Standardized,
} from './preprocess.js';
export { polynomialFeatures, type PolynomialFeaturesOptions, type PolynomialFeatures } from './features.js';
