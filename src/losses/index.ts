import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';
import { bce, bceLogits, mse, pointwiseLoss, softmaxCrossEntropy } from '../kernels/loss.js';

/** Loss names (Keras / TensorFlow.js), with the short aliases users type. */
export type LossName =
  | 'meanSquaredError' | 'mse'
  | 'meanAbsoluteError' | 'mae'
  | 'huber' | 'huberLoss'
  | 'logCosh' | 'logcosh'
  | 'hinge'
  | 'kullbackLeiblerDivergence' | 'kld'
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy';

/** Canonical loss names. */
export type CanonicalLoss =
  | 'meanSquaredError' | 'meanAbsoluteError' | 'huber' | 'logCosh' | 'hinge' | 'kullbackLeiblerDivergence'
  | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

const ALIASES: Record<string, CanonicalLoss> = {
  meanSquaredError: 'meanSquaredError',
  mse: 'meanSquaredError',
  meanAbsoluteError: 'meanAbsoluteError',
  mae: 'meanAbsoluteError',
  huber: 'huber',
  huberLoss: 'huber',
  logCosh: 'logCosh',
  logcosh: 'logCosh',
  hinge: 'hinge',
  kullbackLeiblerDivergence: 'kullbackLeiblerDivergence',
  kld: 'kullbackLeiblerDivergence',
  binaryCrossentropy: 'binaryCrossentropy',
  categoricalCrossentropy: 'categoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
};

/** Validates a loss name and returns its canonical form. */
export function checkLoss(op: string, value: unknown): CanonicalLoss {
  const c = typeof value === 'string' && Object.prototype.hasOwnProperty.call(ALIASES, value) ? ALIASES[value] : undefined;
  if (!c) throw new ValueError(`${op}: loss must be one of ${Object.keys(ALIASES).join(', ')}, got ${describe(value)}`);
  return c;
}

/** Where the loss reads the network output. */
export interface LossInput {
  /** Output of the last layer (probabilities for softmax / sigmoid layers). */
  y: number;
  /** Pre-activation of a softmax / sigmoid output layer, when the loss is fused with it (else 0). */
  logits: number;
  /** Treat y itself as logits (a linear output layer with fromLogits). */
  yIsLogits: boolean;
}

/**
 * Computes the summed loss over `rows` samples of `units` outputs and writes
 * its gradient, times gradScale, to dy: with respect to the logits when a
 * fused or fromLogits form is used (the caller then skips the activation's
 * backward pass), else with respect to y. Per-sample losses follow Keras:
 * mean over outputs for MSE, MAE, Huber (delta 1), log-cosh, hinge and binary
 * cross-entropy, sum over outputs for Kullback-Leibler and over classes for
 * categorical cross-entropy. Returns the sum of per-sample losses.
 */
export function computeLoss(
  be: Backend, loss: CanonicalLoss, inp: LossInput, targets: number, labels: number,
  rows: number, units: number, dy: number, gradScale: number,
): number {
  const n = rows * units;
  switch (loss) {
    case 'meanSquaredError':
      return mse(be, { n, y: inp.y, t: targets, dy, gradScale: gradScale / units }) / units;
    case 'meanAbsoluteError':
    case 'huber':
    case 'logCosh':
    case 'hinge':
      // Keras: the mean over the outputs of each sample.
      return pointwiseLoss(be, { kind: loss, n, y: inp.y, t: targets, dy, gradScale: gradScale / units }) / units;
    case 'kullbackLeiblerDivergence':
      // Keras: the sum over the outputs of each sample.
      return pointwiseLoss(be, { kind: loss, n, y: inp.y, t: targets, dy, gradScale });
    case 'binaryCrossentropy': {
      const z = inp.logits || (inp.yIsLogits ? inp.y : 0);
      if (z) return bceLogits(be, { n, z, t: targets, dz: dy, gradScale: gradScale / units }) / units;
      return bce(be, { n, p: inp.y, t: targets, dy, gradScale: gradScale / units, eps: 1e-7 }) / units;
    }
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy': {
      const z = inp.logits || inp.y;
      const sparse = loss === 'sparseCategoricalCrossentropy';
      const s = softmaxCrossEntropy(be, { m: rows, n: units, z, targets: sparse ? 0 : targets, labels: sparse ? labels : 0, dz: dy, gradScale });
      if (s < 0) throw new ValueError(`${loss}: a label is outside [0, ${units - 1}]`);
      return s;
    }
  }
}
