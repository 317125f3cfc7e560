/**
 * A labelled classification dataset held row-major in plain typed arrays:
 * sample i is x[i * features .. (i + 1) * features), its class is y[i].
 */
export interface Dataset {
  /** Features, row-major, n x features. */
  x: Float32Array;
  /** Class indices in [0, classes). */
  y: Int32Array;
  /** Number of samples. */
  n: number;
  /** Values per sample (the product of `shape`). */
  features: number;
  /** Number of classes. */
  classes: number;
  /** Shape of one sample, e.g. [28, 28, 1] (NHWC without the batch) for an image. */
  shape: number[];
}

/** The minimum trainTestSplit() needs: rows of features and one label (class or value) per row. */
export interface LabeledRows {
  /** Features, row-major, n x features. */
  x: Float32Array;
  /** One label per row: class indices (Int32Array) or regression targets (Float32Array). */
  y: Int32Array | Float32Array;
  /** Number of rows. */
  n: number;
  /** Values per row. */
  features: number;
}
