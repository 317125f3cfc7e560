// Parameter updates, one fused pass each over (w, g, state). L2 weight decay
// enters as g' = g + wd * w. Hyperparameters that depend on the step count
// (Adam's bias corrections, schedules) are computed on the TypeScript side.

/** SGD: w -= lr * (g + wd * w). */
export function f32_sgd(n: i32, g: usize, w: usize, lr: f32, wd: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(lr);
    const vwd = f32x4.splat(wd);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const wv = v128.load(w + o);
      const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
      v128.store(w + o, f32x4.sub(wv, f32x4.mul(vlr, gv)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    store<f32>(w + o, wv - lr * gv);
  }
}

/**
 * Momentum (Keras form): v = mu * v - lr * g'; w += v, or with Nesterov
 * w += mu * v - lr * g'.
 */
export function f32_momentum(nesterov: i32, n: i32, g: usize, w: usize, v: usize, lr: f32, mu: f32, wd: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(lr);
    const vmu = f32x4.splat(mu);
    const vwd = f32x4.splat(wd);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const wv = v128.load(w + o);
      const gv = f32x4.mul(vlr, f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv)));
      const vv = f32x4.sub(f32x4.mul(vmu, v128.load(v + o)), gv);
      v128.store(v + o, vv);
      v128.store(w + o, f32x4.add(wv, nesterov ? f32x4.sub(f32x4.mul(vmu, vv), gv) : vv));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = lr * (load<f32>(g + o) + wd * wv);
    const vv = mu * load<f32>(v + o) - gv;
    store<f32>(v + o, vv);
    store<f32>(w + o, wv + (nesterov ? mu * vv - gv : vv));
  }
}

/**
 * Adam: m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
 * w -= lr * (m / bc1) / (sqrt(v / bc2) + eps), with bc1 = 1 - b1^t and
 * bc2 = 1 - b2^t supplied by the caller.
 */
export function f32_adam(
  n: i32, g: usize, w: usize, m: usize, v: usize,
  lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32,
): void {
  const c1 = <f32>1.0 - b1;
  const c2 = <f32>1.0 - b2;
  const ib1 = <f32>1.0 / bc1;
  const ib2 = <f32>1.0 / bc2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vwd = f32x4.splat(wd);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const wv = v128.load(w + o);
      const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
      const mv = f32x4.add(f32x4.mul(f32x4.splat(b1), v128.load(m + o)), f32x4.mul(f32x4.splat(c1), gv));
      const vv = f32x4.add(f32x4.mul(f32x4.splat(b2), v128.load(v + o)), f32x4.mul(f32x4.splat(c2), f32x4.mul(gv, gv)));
      v128.store(m + o, mv);
      v128.store(v + o, vv);
      const den = f32x4.add(f32x4.sqrt(f32x4.mul(vv, f32x4.splat(ib2))), f32x4.splat(eps));
      const step = f32x4.div(f32x4.mul(f32x4.splat(lr), f32x4.mul(mv, f32x4.splat(ib1))), den);
      v128.store(w + o, f32x4.sub(wv, step));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    const mv = b1 * load<f32>(m + o) + c1 * gv;
    const vv = b2 * load<f32>(v + o) + c2 * (gv * gv);
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    const den = sqrt<f32>(vv * ib2) + eps;
    store<f32>(w + o, wv - (lr * (mv * ib1)) / den);
  }
}

/**
 * RMSProp (Tieleman and Hinton, 2012) as TensorFlow and Keras compute it:
 * ms = rho ms + (1 - rho) g'^2; w -= lr * g' / sqrt(ms + eps).
 */
export function f32_rmsprop(n: i32, g: usize, w: usize, ms: usize, lr: f32, rho: f32, eps: f32, wd: f32): void {
  const c = <f32>1.0 - rho;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vwd = f32x4.splat(wd);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const wv = v128.load(w + o);
      const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
      const sv = f32x4.add(f32x4.mul(f32x4.splat(rho), v128.load(ms + o)), f32x4.mul(f32x4.splat(c), f32x4.mul(gv, gv)));
      v128.store(ms + o, sv);
      const den = f32x4.sqrt(f32x4.add(sv, f32x4.splat(eps)));
      v128.store(w + o, f32x4.sub(wv, f32x4.div(f32x4.mul(f32x4.splat(lr), gv), den)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    const sv = rho * load<f32>(ms + o) + c * (gv * gv);
    store<f32>(ms + o, sv);
    store<f32>(w + o, wv - (lr * gv) / sqrt<f32>(sv + eps));
  }
}

/**
 * Adagrad (Duchi, Hazan and Singer, 2011) as TensorFlow.js computes it:
 * acc += g'^2; w -= lr * g' / sqrt(acc + eps).
 */
export function f32_adagrad(n: i32, g: usize, w: usize, acc: usize, lr: f32, eps: f32, wd: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vwd = f32x4.splat(wd);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const wv = v128.load(w + o);
      const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
      const av = f32x4.add(v128.load(acc + o), f32x4.mul(gv, gv));
      v128.store(acc + o, av);
      const den = f32x4.sqrt(f32x4.add(av, f32x4.splat(eps)));
      v128.store(w + o, f32x4.sub(wv, f32x4.div(f32x4.mul(f32x4.splat(lr), gv), den)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    const av = load<f32>(acc + o) + gv * gv;
    store<f32>(acc + o, av);
    store<f32>(w + o, wv - (lr * gv) / sqrt<f32>(av + eps));
  }
}

/**
 * Adadelta (Zeiler, 2012): ag = rho ag + (1 - rho) g'^2;
 * d = sqrt(au + eps) / sqrt(ag + eps) * g'; au = rho au + (1 - rho) d^2;
 * w -= lr * d.
 */
export function f32_adadelta(n: i32, g: usize, w: usize, ag: usize, au: usize, lr: f32, rho: f32, eps: f32, wd: f32): void {
  const c = <f32>1.0 - rho;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vwd = f32x4.splat(wd);
    const veps = f32x4.splat(eps);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const wv = v128.load(w + o);
      const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
      const agv = f32x4.add(f32x4.mul(f32x4.splat(rho), v128.load(ag + o)), f32x4.mul(f32x4.splat(c), f32x4.mul(gv, gv)));
      v128.store(ag + o, agv);
      const auv = v128.load(au + o);
      const d = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(auv, veps)), f32x4.sqrt(f32x4.add(agv, veps))), gv);
      v128.store(au + o, f32x4.add(f32x4.mul(f32x4.splat(rho), auv), f32x4.mul(f32x4.splat(c), f32x4.mul(d, d))));
      v128.store(w + o, f32x4.sub(wv, f32x4.mul(f32x4.splat(lr), d)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    const agv = rho * load<f32>(ag + o) + c * (gv * gv);
    store<f32>(ag + o, agv);
    const auv = load<f32>(au + o);
    const d = (sqrt<f32>(auv + eps) / sqrt<f32>(agv + eps)) * gv;
    store<f32>(au + o, rho * auv + c * (d * d));
    store<f32>(w + o, wv - lr * d);
  }
}

/**
 * Adamax (Kingma and Ba, 2015, section 7.1): m = b1 m + (1 - b1) g';
 * u = max(b2 u, |g'|); w -= lr / bc1 * m / (u + eps), with bc1 = 1 - b1^t
 * supplied by the caller.
 */
export function f32_adamax(n: i32, g: usize, w: usize, m: usize, u: usize, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, bc1: f32): void {
  const c1 = <f32>1.0 - b1;
  const lrt = lr / bc1;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vwd = f32x4.splat(wd);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const wv = v128.load(w + o);
      const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
      const mv = f32x4.add(f32x4.mul(f32x4.splat(b1), v128.load(m + o)), f32x4.mul(f32x4.splat(c1), gv));
      const uv = f32x4.max(f32x4.mul(f32x4.splat(b2), v128.load(u + o)), f32x4.abs(gv));
      v128.store(m + o, mv);
      v128.store(u + o, uv);
      v128.store(w + o, f32x4.sub(wv, f32x4.div(f32x4.mul(f32x4.splat(lrt), mv), f32x4.add(uv, f32x4.splat(eps)))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    const mv = b1 * load<f32>(m + o) + c1 * gv;
    const uv = max<f32>(b2 * load<f32>(u + o), abs<f32>(gv));
    store<f32>(m + o, mv);
    store<f32>(u + o, uv);
    store<f32>(w + o, wv - (lrt * mv) / (uv + eps));
  }
}
