// Float64 parameter updates, one step each, mutating the given arrays.

export function sgdRef(w: Float64Array, g: ArrayLike<number>, lr: number, wd: number) {
  for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] + wd * w[i]);
}

export function momentumRef(w: Float64Array, g: ArrayLike<number>, v: Float64Array, lr: number, mu: number, wd: number, nesterov: boolean) {
  for (let i = 0; i < w.length; i++) {
    const gp = g[i] + wd * w[i];
    v[i] = mu * v[i] - lr * gp;
    w[i] += nesterov ? mu * v[i] - lr * gp : v[i];
  }
}

export function adamRef(
  w: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, t: number,
  lr: number, b1: number, b2: number, eps: number, wd: number,
) {
  for (let i = 0; i < w.length; i++) {
    const gp = g[i] + wd * w[i];
    m[i] = b1 * m[i] + (1 - b1) * gp;
    v[i] = b2 * v[i] + (1 - b2) * gp * gp;
    const mh = m[i] / (1 - b1 ** t);
    const vh = v[i] / (1 - b2 ** t);
    w[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
  }
}

export function rmspropRef(w: Float64Array, g: ArrayLike<number>, ms: Float64Array, lr: number, rho: number, eps: number, wd: number) {
  for (let i = 0; i < w.length; i++) {
    const gp = g[i] + wd * w[i];
    ms[i] = rho * ms[i] + (1 - rho) * gp * gp;
    w[i] -= (lr * gp) / Math.sqrt(ms[i] + eps);
  }
}

export function adagradRef(w: Float64Array, g: ArrayLike<number>, acc: Float64Array, lr: number, eps: number, wd: number) {
  for (let i = 0; i < w.length; i++) {
    const gp = g[i] + wd * w[i];
    acc[i] += gp * gp;
    w[i] -= (lr * gp) / Math.sqrt(acc[i] + eps);
  }
}

export function adadeltaRef(w: Float64Array, g: ArrayLike<number>, ag: Float64Array, au: Float64Array, lr: number, rho: number, eps: number, wd: number) {
  for (let i = 0; i < w.length; i++) {
    const gp = g[i] + wd * w[i];
    ag[i] = rho * ag[i] + (1 - rho) * gp * gp;
    const d = (Math.sqrt(au[i] + eps) / Math.sqrt(ag[i] + eps)) * gp;
    au[i] = rho * au[i] + (1 - rho) * d * d;
    w[i] -= lr * d;
  }
}

export function adamaxRef(
  w: Float64Array, g: ArrayLike<number>, m: Float64Array, u: Float64Array, t: number,
  lr: number, b1: number, b2: number, eps: number, wd: number,
) {
  for (let i = 0; i < w.length; i++) {
    const gp = g[i] + wd * w[i];
    m[i] = b1 * m[i] + (1 - b1) * gp;
    u[i] = Math.max(b2 * u[i], Math.abs(gp));
    w[i] -= ((lr / (1 - b1 ** t)) * m[i]) / (u[i] + eps);
  }
}
