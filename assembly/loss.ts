// Loss functions: value (returned as an f64 sum over elements or rows, in a
// fixed order) and gradient with respect to the predictions, scaled by
// gradScale (the TypeScript side passes 1/batch for a mean). The gradient
// pointer may be 0 when only the value is wanted.
import { exp_f32, log_f32, sigmoid_f32, tanh_f32 } from "./math";

/** sum (y - t)^2; dy = gradScale * 2 * (y - t). dy may alias y. */
export function f32_mse(n: i32, y: usize, t: usize, dy: usize, gradScale: f32): f64 {
  let s: f64 = 0;
  const g2 = gradScale * 2;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(y + o) - load<f32>(t + o);
    s += <f64>d * <f64>d;
    if (dy) store<f32>(dy + o, g2 * d);
  }
  return s;
}

/**
 * Binary cross-entropy from probabilities p (clipped to [eps, 1 - eps]):
 * sum -(t log p + (1 - t) log(1 - p)); dy = gradScale * (p - t) / (p (1 - p)).
 */
export function f32_bce(n: i32, p: usize, t: usize, dy: usize, gradScale: f32, eps: f32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pv = min<f32>(max<f32>(load<f32>(p + o), eps), <f32>1.0 - eps);
    const tv = load<f32>(t + o);
    s -= <f64>(tv * log_f32(pv) + (<f32>1.0 - tv) * log_f32(<f32>1.0 - pv));
    if (dy) store<f32>(dy + o, gradScale * (pv - tv) / (pv * (<f32>1.0 - pv)));
  }
  return s;
}

/**
 * Binary cross-entropy from logits z, fused with the sigmoid and stable for
 * any z: sum max(z, 0) - z t + log(1 + exp(-|z|)); dz = gradScale * (sigmoid(z) - t).
 */
export function f32_bce_logits(n: i32, z: usize, t: usize, dz: usize, gradScale: f32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const zv = load<f32>(z + o);
    const tv = load<f32>(t + o);
    s += <f64>(max<f32>(zv, 0) - zv * tv + log_f32(<f32>1.0 + exp_f32(-abs<f32>(zv))));
    if (dz) store<f32>(dz + o, gradScale * (sigmoid_f32(zv) - tv));
  }
  return s;
}

/**
 * Fused softmax + categorical cross-entropy over m rows of n logits.
 * Targets are one-hot (or any distribution) rows at `targets`, or, when
 * targets is 0, integer class labels (i32) at `labels`. Writes the softmax
 * probabilities to probs (may be 0) and dz = gradScale * (p - t) (may be 0;
 * may alias z). Returns sum over rows of -sum_j t_j log p_j, computed as
 * t_j (logsumexp - z_j). Returns -1 if a label is out of range.
 */
export function f32_softmax_ce(
  m: i32, n: i32, z: usize, targets: usize, labels: usize, probs: usize, dz: usize, gradScale: f32,
): f64 {
  let s: f64 = 0;
  for (let r = 0; r < m; r++) {
    const off = (<usize>r * <usize>n) << 2;
    const zr = z + off;
    let mx: f32 = -Infinity;
    for (let j = 0; j < n; j++) mx = max<f32>(mx, load<f32>(zr + (<usize>j << 2)));
    let sum: f32 = 0;
    for (let j = 0; j < n; j++) sum += exp_f32(load<f32>(zr + (<usize>j << 2)) - mx);
    const lse = mx + log_f32(sum);
    const inv: f32 = <f32>1.0 / sum;
    let label = -1;
    if (!targets) {
      label = load<i32>(labels + (<usize>r << 2));
      if (label < 0 || label >= n) return -1;
      s += <f64>(lse - load<f32>(zr + (<usize>label << 2)));
    }
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      const zv = load<f32>(zr + o);
      const p = exp_f32(zv - mx) * inv;
      let tv: f32;
      if (targets) {
        tv = load<f32>(targets + off + o);
        if (tv != 0) s += <f64>(tv * (lse - zv));
      } else {
        tv = j == label ? <f32>1.0 : <f32>0.0;
      }
      if (probs) store<f32>(probs + off + o, p);
      if (dz) store<f32>(dz + off + o, gradScale * (p - tv));
    }
  }
  return s;
}

/** y[i] = log(x[i]) elementwise (Cephes logf), for cross-engine reproducibility. */
export function f32_log(n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, log_f32(load<f32>(x + o)));
  }
}

/** Elementwise losses of f32_pointwise_loss. */
export const LOSS_MAE: i32 = 0;
export const LOSS_HUBER: i32 = 1;
export const LOSS_LOG_COSH: i32 = 2;
export const LOSS_HINGE: i32 = 3;
export const LOSS_KLD: i32 = 4;

/**
 * Losses that are a sum of one term per output, with d = y − t:
 * mean absolute error |d| (gradient sign(d), 0 at 0); Huber (Huber 1964)
 * d²/2 for |d| ≤ delta, else delta (|d| − delta/2); log-cosh log(cosh d),
 * computed as |d| + log(1 + e^(−2|d|)) − log 2 (gradient tanh d); hinge
 * max(1 − t' y, 0) with t' = 2t − 1 for targets in {0, 1} (Keras's
 * conversion; targets already ±1 are kept); Kullback-Leibler divergence
 * t log(t / y) with t and y clipped to [eps, 1] (gradient −t / y inside
 * the clip, 0 outside). Returns the sum; dy = gradScale · the term's
 * derivative with respect to y (dy 0: none).
 */
export function f32_pointwise_loss(kind: i32, n: i32, y: usize, t: usize, dy: usize, gradScale: f32, delta: f32, eps: f32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const yv = load<f32>(y + o);
    const tv = load<f32>(t + o);
    let v: f32 = 0;
    let g: f32 = 0;
    if (kind == LOSS_MAE) {
      const d = yv - tv;
      v = abs<f32>(d);
      g = d > 0 ? <f32>1.0 : d < 0 ? <f32>-1.0 : <f32>0.0;
    } else if (kind == LOSS_HUBER) {
      const d = yv - tv;
      const a = abs<f32>(d);
      if (a <= delta) {
        v = <f32>0.5 * d * d;
        g = d;
      } else {
        v = delta * (a - <f32>0.5 * delta);
        g = d > 0 ? delta : -delta;
      }
    } else if (kind == LOSS_LOG_COSH) {
      const d = yv - tv;
      const a = abs<f32>(d);
      v = a + log_f32(<f32>1.0 + exp_f32(<f32>-2.0 * a)) - <f32>0.6931471805599453;
      g = tanh_f32(d);
    } else if (kind == LOSS_HINGE) {
      const tt = tv == <f32>0.0 || tv == <f32>1.0 ? <f32>2.0 * tv - <f32>1.0 : tv;
      const m = <f32>1.0 - tt * yv;
      v = max<f32>(m, 0);
      g = m > 0 ? -tt : <f32>0.0;
    } else {
      const tc = min<f32>(max<f32>(tv, eps), 1);
      const yc = min<f32>(max<f32>(yv, eps), 1);
      v = tc * log_f32(tc / yc);
      g = yv > eps && yv < <f32>1.0 ? -tc / yc : <f32>0.0;
    }
    s += <f64>v;
    if (dy) store<f32>(dy + o, gradScale * g);
  }
  return s;
}
