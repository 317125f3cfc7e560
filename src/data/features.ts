// Polynomial feature maps: a fixed nonlinear preprocessing after which a
// linear unit may separate what it could not before (Minsky & Papert 1969 on
// XOR): Φ(x_u, x_v) = (x_u, x_v, x_u·x_v) makes XOR linearly separable,
// so one perceptron learns it (polynomialFeatures(x, 2, { interactionOnly: true })).
import { ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { checkBool, checkOptions } from '../util/options.js';

/** Options of polynomialFeatures(). */
export interface PolynomialFeaturesOptions {
  /** Highest total degree of a product of features. Default 2. */
  degree?: number;
  /** Only products of distinct features (x_u·x_v, not x_u²). Default false. */
  interactionOnly?: boolean;
  /** Start each row with the constant 1. Default false. */
  includeBias?: boolean;
}

/** What polynomialFeatures() returns. */
export interface PolynomialFeatures {
  /** n rows of `features` values. */
  x: Float32Array;
  features: number;
  /** Each output column as the input columns it multiplies ([] for the bias). */
  terms: number[][];
}

/**
 * Every product of up to `degree` of a row's features (scikit-learn's
 * PolynomialFeatures order: by degree, then lexicographically), for rows of
 * `features` values laid end to end.
 */
export function polynomialFeatures(x: ArrayLike<number>, features: number, options: PolynomialFeaturesOptions = {}): PolynomialFeatures {
  const op = 'polynomialFeatures';
  const o = checkOptions(op, options, ['degree', 'interactionOnly', 'includeBias'], 'options');
  const f = checkInt(op, 'features', features, 1, 1 << 16);
  const degree = checkInt(op, 'degree', o.degree ?? 2, 1, 16);
  const interactionOnly = checkBool(op, 'interactionOnly', o.interactionOnly, false);
  const includeBias = checkBool(op, 'includeBias', o.includeBias, false);
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number') throw new ValueError(`${op}: x must be an array of numbers, got ${describe(x)}`);
  if (x.length % f !== 0) throw new ShapeError(`${op}: x has ${x.length} values, not a whole number of rows of ${f} features`);
  const terms: number[][] = includeBias ? [[]] : [];
  const grow = (prefix: number[], from: number, left: number) => {
    for (let j = from; j < f; j++) {
      const t = [...prefix, j];
      if (left === 1) terms.push(t);
      else grow(t, interactionOnly ? j + 1 : j, left - 1);
    }
  };
  for (let d = 1; d <= degree; d++) grow([], 0, d);
  if (terms.length > 1 << 16) throw new ValueError(`${op}: ${terms.length} output features for ${f} inputs at degree ${degree} is too many`);
  const n = x.length / f;
  const out = new Float32Array(n * terms.length);
  for (let i = 0; i < n; i++) {
    terms.forEach((t, k) => {
      let v = 1;
      for (const j of t) v *= x[i * f + j];
      if (!Number.isFinite(v)) throw new ValueError(`${op}: row ${i}, term ${k} is ${describe(v)} (x must be finite)`);
      out[i * terms.length + k] = v;
    });
  }
  return { x: out, features: terms.length, terms };
}
