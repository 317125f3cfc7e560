// Float64 activations and their derivatives, straight from the definitions.

export type Act =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu' | 'elu' | 'gelu' | 'step' | 'sign' | 'hardSigmoid'
  | 'softplus' | 'softsign' | 'selu' | 'swish' | 'silu' | 'mish';

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
/** log(1 + e^x) in float64 without overflow. */
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const C = Math.sqrt(2 / Math.PI);

/** Forward value. */
export function actRef(name: Act, x: number, alpha = 0): number {
  switch (name) {
    case 'relu': return Math.max(x, 0);
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'tanh': return Math.tanh(x);
    case 'leakyRelu': return x > 0 ? x : alpha * x;
    case 'elu': return x > 0 ? x : alpha * (Math.exp(x) - 1);
    case 'gelu': return 0.5 * x * (1 + Math.tanh(C * (x + 0.044715 * x ** 3)));
    case 'step': return x >= 0 ? 1 : 0;
    case 'sign': return x >= 0 ? 1 : -1;
    case 'hardSigmoid': return Math.min(Math.max(0.2 * x + 0.5, 0), 1);
    case 'softplus': return softplus(x);
    case 'softsign': return x / (1 + Math.abs(x));
    case 'selu': return x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * (Math.exp(x) - 1);
    case 'swish': case 'silu': return x * sigmoid(x);
    case 'mish': return x * Math.tanh(softplus(x));
    default: return x;
  }
}

/** Derivative d act / dx at x (0 for step and sign, the subgradient 0 for relu at 0). */
export function actGradRef(name: Act, x: number, alpha = 0): number {
  switch (name) {
    case 'relu': return x > 0 ? 1 : 0;
    case 'sigmoid': { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); }
    case 'tanh': return 1 - Math.tanh(x) ** 2;
    case 'leakyRelu': return x > 0 ? 1 : alpha;
    case 'elu': return x > 0 ? 1 : alpha * Math.exp(x);
    case 'gelu': {
      const u = C * (x + 0.044715 * x ** 3);
      const t = Math.tanh(u);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x);
    }
    case 'step': case 'sign': return 0;
    case 'hardSigmoid': return x > -2.5 && x < 2.5 ? 0.2 : 0;
    case 'softplus': return sigmoid(x);
    case 'softsign': return 1 / (1 + Math.abs(x)) ** 2;
    case 'selu': return x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x);
    case 'swish': case 'silu': { const s = sigmoid(x); return s + x * s * (1 - s); }
    case 'mish': { const t = Math.tanh(softplus(x)); return t + x * (1 - t * t) * sigmoid(x); }
    default: return 1;
  }
}

/** Row-wise softmax of an m x n matrix. */
export function softmaxRef(m: number, n: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    let mx = -Infinity;
    for (let j = 0; j < n; j++) mx = Math.max(mx, x[r * n + j]);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[r * n + j] - mx);
    for (let j = 0; j < n; j++) y[r * n + j] = Math.exp(x[r * n + j] - mx) / s;
  }
  return y;
}
