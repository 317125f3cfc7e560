// Batch normalization (Ioffe and Szegedy, 2015) over the last axis of a
// row-major [rows, c] block: per-channel statistics over the rows, the
// per-channel affine map they define, and the backward pass. Channels are
// contiguous, so every loop runs four channels per v128 with the rows in a
// fixed sequential order; the scalar tail does the same operations, so the
// builds agree bit for bit.

/** mean[j] = Σ_r x[r, j] / rows; variance[j] = Σ_r (x[r, j] - mean[j])^2 / rows (two passes). */
export function f32_bn_stats(rows: i32, c: i32, x: usize, mean: usize, variance: usize): void {
  const inv = <f32>1.0 / <f32>rows;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= c; j += 4) {
      const o = <usize>j << 2;
      let s = f32x4.splat(0);
      for (let r = 0; r < rows; r++) s = f32x4.add(s, v128.load(x + ((<usize>r * <usize>c) << 2) + o));
      const m = f32x4.mul(s, f32x4.splat(inv));
      let q = f32x4.splat(0);
      for (let r = 0; r < rows; r++) {
        const d = f32x4.sub(v128.load(x + ((<usize>r * <usize>c) << 2) + o), m);
        q = f32x4.add(q, f32x4.mul(d, d));
      }
      v128.store(mean + o, m);
      v128.store(variance + o, f32x4.mul(q, f32x4.splat(inv)));
    }
  }
  for (; j < c; j++) {
    const o = <usize>j << 2;
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += load<f32>(x + ((<usize>r * <usize>c) << 2) + o);
    const m = s * inv;
    let q: f32 = 0;
    for (let r = 0; r < rows; r++) {
      const d = load<f32>(x + ((<usize>r * <usize>c) << 2) + o) - m;
      q += d * d;
    }
    store<f32>(mean + o, m);
    store<f32>(variance + o, q * inv);
  }
}

/**
 * The per-channel affine map of normalization: invstd = 1 / sqrt(variance + eps),
 * a = gamma invstd, b = beta - mean a (gamma 1 and beta 0 where their pointer
 * is 0). invstd is written when its pointer is not 0.
 */
export function f32_bn_coeffs(c: i32, mean: usize, variance: usize, gamma: usize, beta: usize, eps: f32, a: usize, b: usize, invstd: usize): void {
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2;
    const is = <f32>1.0 / sqrt<f32>(load<f32>(variance + o) + eps);
    if (invstd) store<f32>(invstd + o, is);
    const av = gamma ? load<f32>(gamma + o) * is : is;
    store<f32>(a + o, av);
    store<f32>(b + o, (beta ? load<f32>(beta + o) : <f32>0.0) - load<f32>(mean + o) * av);
  }
}

/** y[r, j] = x[r, j] a[j] + b[j]; y may alias x. */
export function f32_channel_affine(rows: i32, c: i32, x: usize, a: usize, b: usize, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * <usize>c) << 2);
    const yr = y + ((<usize>r * <usize>c) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= c; j += 4) {
        const o = <usize>j << 2;
        v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(a + o)), v128.load(b + o)));
      }
    }
    for (; j < c; j++) {
      const o = <usize>j << 2;
      store<f32>(yr + o, load<f32>(xr + o) * load<f32>(a + o) + load<f32>(b + o));
    }
  }
}

/** moving = moving momentum + batch (1 - momentum), for the mean and the variance. */
export function f32_bn_update_moving(c: i32, mean: usize, variance: usize, movingMean: usize, movingVariance: usize, momentum: f32): void {
  const k = <f32>1.0 - momentum;
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2;
    store<f32>(movingMean + o, load<f32>(movingMean + o) * momentum + load<f32>(mean + o) * k);
    store<f32>(movingVariance + o, load<f32>(movingVariance + o) * momentum + load<f32>(variance + o) * k);
  }
}

/**
 * Backward of training-mode normalization, from the input x and the batch's
 * mean and invstd: sums[j] = Σ_r dy, sums[c + j] = Σ_r dy xhat (the gradients
 * of beta and gamma), and, when dx is not 0,
 * dx = gamma invstd / rows (rows dy - Σ dy - xhat Σ dy xhat), with
 * xhat = (x - mean) invstd (gamma 1 where its pointer is 0). dx may alias dy.
 */
export function f32_bn_backward(rows: i32, c: i32, x: usize, dy: usize, mean: usize, invstd: usize, gamma: usize, sums: usize, dx: usize): void {
  const fr = <f32>rows;
  const inv = <f32>1.0 / fr;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= c; j += 4) {
      const o = <usize>j << 2;
      const m = v128.load(mean + o);
      const is = v128.load(invstd + o);
      let sd = f32x4.splat(0);
      let sdx = f32x4.splat(0);
      for (let r = 0; r < rows; r++) {
        const ro = ((<usize>r * <usize>c) << 2) + o;
        const d = v128.load(dy + ro);
        sd = f32x4.add(sd, d);
        sdx = f32x4.add(sdx, f32x4.mul(d, f32x4.mul(f32x4.sub(v128.load(x + ro), m), is)));
      }
      v128.store(sums + o, sd);
      v128.store(sums + (<usize>c << 2) + o, sdx);
      if (dx) {
        const g = gamma ? v128.load(gamma + o) : f32x4.splat(1.0);
        const k = f32x4.mul(f32x4.mul(g, is), f32x4.splat(inv));
        for (let r = 0; r < rows; r++) {
          const ro = ((<usize>r * <usize>c) << 2) + o;
          const xh = f32x4.mul(f32x4.sub(v128.load(x + ro), m), is);
          const t = f32x4.sub(f32x4.sub(f32x4.mul(v128.load(dy + ro), f32x4.splat(fr)), sd), f32x4.mul(xh, sdx));
          v128.store(dx + ro, f32x4.mul(k, t));
        }
      }
    }
  }
  for (; j < c; j++) {
    const o = <usize>j << 2;
    const m = load<f32>(mean + o);
    const is = load<f32>(invstd + o);
    let sd: f32 = 0;
    let sdx: f32 = 0;
    for (let r = 0; r < rows; r++) {
      const ro = ((<usize>r * <usize>c) << 2) + o;
      const d = load<f32>(dy + ro);
      sd += d;
      sdx += d * ((load<f32>(x + ro) - m) * is);
    }
    store<f32>(sums + o, sd);
    store<f32>(sums + (<usize>c << 2) + o, sdx);
    if (dx) {
      const g: f32 = gamma ? load<f32>(gamma + o) : <f32>1.0;
      const k = (g * is) * inv;
      for (let r = 0; r < rows; r++) {
        const ro = ((<usize>r * <usize>c) << 2) + o;
        const xh = (load<f32>(x + ro) - m) * is;
        store<f32>(dx + ro, k * ((load<f32>(dy + ro) * fr - sd) - xh * sdx));
      }
    }
  }
}
