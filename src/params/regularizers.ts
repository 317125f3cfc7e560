import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { checkFiniteF32 } from '../util/finite.js';
import type { Variable } from './variable.js';

/**
 * A weight penalty in the Keras / TensorFlow.js JSON form: l1 Σ|w| + l2 Σw²
 * added to the training loss, its gradient l1 sign(w) + 2 l2 w added to the
 * weight's gradient.
 */
export interface RegularizerSpec {
  readonly className: 'L1L2';
  readonly config: { readonly l1: number; readonly l2: number };
}

/** What `kernelRegularizer` / `biasRegularizer` take: 'l1', 'l2', 'l1l2' (factors 0.01, as TensorFlow.js) or regularizers.*(). */
export type RegularizerLike = 'l1' | 'l2' | 'l1l2' | RegularizerSpec;

function factor(op: string, name: string, v: unknown): number {
  if (v === undefined) return 0;
  return checkFiniteF32(op, name, v, { min: 0 });
}

function make(op: string, l1: unknown, l2: unknown): RegularizerSpec {
  return Object.freeze({ className: 'L1L2', config: Object.freeze({ l1: factor(op, 'l1', l1), l2: factor(op, 'l2', l2) }) });
}

/** Penalties on weights (TensorFlow.js tf.regularizers; default factors 0.01). */
export const regularizers = {
  /** l1 Σ|w|. */
  l1: (o: { l1?: number } = {}): RegularizerSpec => {
    checkOptions('regularizers.l1', o, ['l1'], 'options');
    return make('regularizers.l1', o.l1 ?? 0.01, 0);
  },
  /** l2 Σw². */
  l2: (o: { l2?: number } = {}): RegularizerSpec => {
    checkOptions('regularizers.l2', o, ['l2'], 'options');
    return make('regularizers.l2', 0, o.l2 ?? 0.01);
  },
  /** l1 Σ|w| + l2 Σw². */
  l1l2: (o: { l1?: number; l2?: number } = {}): RegularizerSpec => {
    checkOptions('regularizers.l1l2', o, ['l1', 'l2'], 'options');
    return make('regularizers.l1l2', o.l1 ?? 0.01, o.l2 ?? 0.01);
  },
};

/** Validates a regularizer option; undefined and null mean none. */
export function checkRegularizer(op: string, arg: string, v: unknown): RegularizerSpec | null {
  if (v === undefined || v === null) return null;
  if (v === 'l1') return regularizers.l1();
  if (v === 'l2') return regularizers.l2();
  if (v === 'l1l2') return regularizers.l1l2();
  const s = v as RegularizerSpec;
  if (!s || typeof s !== 'object' || (s.className !== 'L1L2' && s.className !== 'L1' && s.className !== 'L2') || !s.config || typeof s.config !== 'object') {
    throw new ValueError(`${op}: ${arg} must be 'l1', 'l2', 'l1l2' or a regularizer from regularizers.l1 / l2 / l1l2(), got ${describe(v)}`);
  }
  checkOptions(`${op}: ${arg}`, s.config, ['l1', 'l2'], 'config');
  return make(`${op}: ${arg}`, s.config.l1, s.config.l2);
}

/**
 * Adds each trainable regularized weight's penalty gradient into its
 * gradient and returns the total penalty (float64 sums), 0 when no weight
 * is regularized.
 */
export function applyRegularizers(be: Backend, weights: readonly Variable[], withGrad: boolean): number {
  let total = 0;
  for (const v of weights) {
    const r = v.regularizer;
    if (!r || !v.trainable) continue;
    const { l1, l2 } = r.config;
    const f = be.f32();
    const w = v.value >>> 2;
    const g = v.grad >>> 2;
    let a = 0;
    let q = 0;
    for (let i = 0; i < v.size; i++) {
      const x = f[w + i];
      a += Math.abs(x);
      q += x * x;
      if (withGrad) f[g + i] += l1 * Math.sign(x) + 2 * l2 * x;
    }
    total += l1 * a + l2 * q;
  }
  return total;
}
