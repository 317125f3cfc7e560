import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';
import { bce, bceLogits, mse, pointwiseLoss, softmaxCrossEntropy } from '../kernels/loss.js';
import { Tensor, tidy } from '../tensor.js';

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
  | 'sparseCategoricalCrossentropy'
  | 'cosineSimilarity' | 'cosineProximity';

/**
 * A loss written by the user, given yTrue and yPred as [rows, units] tensors
 * (rows = samples, or samples times steps for sequence outputs). simdnn has no
 * automatic differentiation of tensor ops, so the function either returns
 * `{ loss, grad }`, the batch-mean loss and its gradient with respect to
 * yPred (checked against central differences on a few entries the first
 * time), or just the loss (a number or a tensor whose mean is the loss), whose
 * gradient is then taken by central differences, two calls per output value
 * and batch: fine for a few outputs, slow for many.
 */
export type CustomLoss = (yTrue: Tensor, yPred: Tensor) => number | Tensor | { loss: number | Tensor; grad: Tensor };

/** Canonical loss names, or a custom loss function. */
export type CanonicalLoss =
  | 'meanSquaredError' | 'meanAbsoluteError' | 'huber' | 'logCosh' | 'hinge' | 'kullbackLeiblerDivergence'
  | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'cosineSimilarity' | CustomLoss;

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
  cosineSimilarity: 'cosineSimilarity',
  cosineProximity: 'cosineSimilarity',
};

/** Validates a loss name and returns its canonical form. */
export function checkLoss(op: string, value: unknown): CanonicalLoss {
  if (typeof value === 'function') return value as CustomLoss;
  const c = typeof value === 'string' && Object.prototype.hasOwnProperty.call(ALIASES, value) ? ALIASES[value] : undefined;
  if (!c) throw new ValueError(`${op}: loss must be one of ${Object.keys(ALIASES).join(', ')} or a function (yTrue, yPred) => loss, got ${describe(value)}`);
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
  if (typeof loss === 'function') return customLoss(be, loss, inp.y, targets, rows, units, dy, gradScale);
  switch (loss) {
    case 'cosineSimilarity':
      return cosine(be, inp.y, targets, rows, units, dy, gradScale);
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

// TensorFlow.js's l2Normalize floor on the squared norm (its epsilon()).
const COSINE_EPS = 1e-7;

/**
 * Per row: -Σ t̂ ŷ with x̂ = x / sqrt(max(Σx², eps)) (TensorFlow.js
 * cosineProximity, Keras cosine_similarity as a loss); the gradient with
 * respect to y is -(t̂ - (t̂·ŷ) ŷ) / ‖y‖, or -t̂ / sqrt(eps) below the floor.
 */
function cosine(be: Backend, y: number, t: number, rows: number, units: number, dy: number, gradScale: number): number {
  const f = be.f32();
  const Y = y >>> 2;
  const T = t >>> 2;
  const D = dy >>> 2;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    let yy = 0;
    let tt = 0;
    let ty = 0;
    for (let j = 0; j < units; j++) {
      const a = f[Y + r * units + j];
      const b = f[T + r * units + j];
      yy += a * a;
      tt += b * b;
      ty += a * b;
    }
    const ny = Math.sqrt(Math.max(yy, COSINE_EPS));
    const nt = Math.sqrt(Math.max(tt, COSINE_EPS));
    const c = ty / (ny * nt);
    sum -= c;
    if (dy) {
      const clamped = yy <= COSINE_EPS;
      for (let j = 0; j < units; j++) {
        const that = f[T + r * units + j] / nt;
        const yhat = f[Y + r * units + j] / ny;
        f[D + r * units + j] = gradScale * (clamped ? -that / ny : -(that - c * yhat) / ny);
      }
    }
  }
  return sum;
}

const checked = new WeakSet<CustomLoss>();

/** The loss of a custom function as a number (a tensor's mean). */
function lossValue(v: number | Tensor, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ValueError(`custom loss: ${what} returned ${describe(v)}`);
    return v;
  }
  if (!(v instanceof Tensor)) throw new ValueError(`custom loss: ${what} must return a number, a tensor or { loss, grad }, got ${describe(v)}`);
  const d = v.toFloat32Array();
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  return d.length ? s / d.length : 0;
}

function customLoss(be: Backend, fn: CustomLoss, y: number, t: number, rows: number, units: number, dy: number, gradScale: number): number {
  const shape = [rows, units];
  const n = rows * units;
  const yTrue = new Tensor(be, shape, copy(be, t, n));
  const yPred = new Tensor(be, shape, copy(be, y, n));
  try {
    const call = (): { loss: number; grad: Float32Array | null } => tidy(() => {
      const out = fn(yTrue, yPred);
      if (out && typeof out === 'object' && !(out instanceof Tensor)) {
        const o = out as { loss: number | Tensor; grad: Tensor };
        if (!(o.grad instanceof Tensor) || o.grad.size !== n) {
          throw new ValueError(`custom loss: grad must be a tensor shaped like yPred [${rows},${units}], got ${describe(o.grad)}`);
        }
        return { loss: lossValue(o.loss, 'loss'), grad: o.grad.toFloat32Array() };
      }
      return { loss: lossValue(out as number | Tensor, 'the function'), grad: null };
    });
    const first = call();
    if (!dy) return first.loss * rows;
    const at = (i: number, h: number): number => {
      const v = yPred.view();
      const keep = v[i];
      v[i] = keep + h;
      const up = call().loss;
      yPred.view()[i] = keep - h;
      const down = call().loss;
      yPred.view()[i] = keep;
      return (up - down) / (2 * h);
    };
    const step = (i: number) => 1e-3 * Math.max(1, Math.abs(yPred.view()[i]));
    let grad = first.grad;
    if (grad && !checked.has(fn)) {
      for (let c = 0; c < Math.min(n, 6); c++) {
        const i = Math.floor((c * n) / Math.min(n, 6));
        const num = at(i, step(i));
        if (Math.abs(num - grad[i]) > 1e-2 * Math.max(1, Math.abs(num)) + 1e-3) {
          throw new ValueError(`custom loss: grad[${i}] is ${grad[i]} but central differences of the loss give ${num}; grad must be the gradient of the batch-mean loss with respect to yPred`);
        }
      }
      checked.add(fn);
    }
    if (!grad) {
      grad = new Float32Array(n);
      for (let i = 0; i < n; i++) grad[i] = at(i, step(i));
    }
    const f = be.f32();
    const scale = gradScale * rows;
    for (let i = 0; i < n; i++) f[(dy >>> 2) + i] = grad[i] * scale;
    return first.loss * rows;
  } finally {
    yTrue.dispose();
    yPred.dispose();
  }
}

function copy(be: Backend, from: number, n: number): number {
  const p = be.alloc(Math.max(1, n) * 4);
  be.u8().copyWithin(p, from, from + n * 4);
  return p;
}
