// Float64 losses: values as sums, gradients with respect to the predictions.
import { softmaxRef } from './activation.js';

export function mseRef(y: ArrayLike<number>, t: ArrayLike<number>, scale: number) {
  let v = 0;
  const g = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    v += (y[i] - t[i]) ** 2;
    g[i] = scale * 2 * (y[i] - t[i]);
  }
  return { value: v, grad: g };
}

export function bceRef(p: ArrayLike<number>, t: ArrayLike<number>, scale: number, eps: number) {
  let v = 0;
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    // The clip bounds are float32 values, as in the kernel: 1 - 1e-7 rounds to 1 - 2^-23.
    const q = Math.min(Math.max(p[i], Math.fround(eps)), Math.fround(1 - eps));
    v -= t[i] * Math.log(q) + (1 - t[i]) * Math.log(1 - q);
    g[i] = (scale * (q - t[i])) / (q * (1 - q));
  }
  return { value: v, grad: g };
}

export function bceLogitsRef(z: ArrayLike<number>, t: ArrayLike<number>, scale: number) {
  let v = 0;
  const g = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) {
    const s = 1 / (1 + Math.exp(-z[i]));
    // -(t log s + (1 - t) log(1 - s)), written stably
    v += Math.max(z[i], 0) - z[i] * t[i] + Math.log1p(Math.exp(-Math.abs(z[i])));
    g[i] = scale * (s - t[i]);
  }
  return { value: v, grad: g };
}

/** Softmax + categorical CE over m rows; targets are a full m x n matrix. */
export function softmaxCeRef(m: number, n: number, z: ArrayLike<number>, t: ArrayLike<number>, scale: number) {
  const p = softmaxRef(m, n, z);
  let v = 0;
  const g = new Float64Array(m * n);
  for (let i = 0; i < m * n; i++) {
    if (t[i] !== 0) v -= t[i] * Math.log(p[i]);
    g[i] = scale * (p[i] - t[i]);
  }
  return { value: v, grad: g, probs: p };
}
