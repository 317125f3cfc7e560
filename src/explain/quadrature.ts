// Quadrature rules for the path integral of integrated gradients
// (Sundararajan, Taly & Yan 2017): nodes α_j in [0, 1] and weights w_j that
// sum to 1, so Σ_j w_j g(α_j) approximates ∫₀¹ g(α) dα.
import { ValueError, describe } from '../errors.js';

/** How the path integral is summed over `steps` gradient evaluations. */
export type IntegrationRule = 'trapezoid' | 'riemannRight' | 'midpoint' | 'gaussLegendre';

const RULES: IntegrationRule[] = ['trapezoid', 'riemannRight', 'midpoint', 'gaussLegendre'];

/**
 * Nodes and weights of a rule with `steps` evaluations: 'trapezoid' (both
 * ends included, steps − 1 intervals; a single evaluation falls back to the
 * midpoint), 'riemannRight' (α = j / steps, the sum of the paper),
 * 'midpoint', or 'gaussLegendre' (exact for polynomials of degree
 * 2·steps − 1).
 */
export function integrationRule(op: string, rule: IntegrationRule, steps: number): { alpha: Float64Array; weight: Float64Array } {
  if (!RULES.includes(rule)) throw new ValueError(`${op}: rule must be one of ${RULES.join(', ')}, got ${describe(rule)}`);
  const alpha = new Float64Array(steps);
  const weight = new Float64Array(steps);
  if (rule === 'trapezoid' && steps > 1) {
    for (let j = 0; j < steps; j++) {
      alpha[j] = j / (steps - 1);
      weight[j] = (j === 0 || j === steps - 1 ? 0.5 : 1) / (steps - 1);
    }
  } else if (rule === 'riemannRight') {
    for (let j = 0; j < steps; j++) {
      alpha[j] = (j + 1) / steps;
      weight[j] = 1 / steps;
    }
  } else if (rule === 'gaussLegendre') {
    gaussLegendre(steps, alpha, weight);
  } else {
    // The midpoint rule, and a one-point trapezoid (which has no interval).
    for (let j = 0; j < steps; j++) {
      alpha[j] = (j + 0.5) / steps;
      weight[j] = 1 / steps;
    }
  }
  return { alpha, weight };
}

/** Gauss-Legendre nodes and weights mapped to [0, 1]: Newton's method on P_m from Chebyshev starting points. */
function gaussLegendre(m: number, alpha: Float64Array, weight: Float64Array): void {
  for (let i = 0; i < Math.ceil(m / 2); i++) {
    let t = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let dp = 1;
    for (let iter = 0; iter < 100; iter++) {
      // P_m(t) by the three-term recurrence, and its derivative.
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= m; k++) {
        const p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (m * (t * p1 - p0)) / (t * t - 1);
      const step = p1 / dp;
      t -= step;
      if (Math.abs(step) < 1e-15) break;
    }
    const w = 2 / ((1 - t * t) * dp * dp);
    alpha[i] = (1 - t) / 2;
    alpha[m - 1 - i] = (1 + t) / 2;
    weight[i] = w / 2;
    weight[m - 1 - i] = w / 2;
  }
}
