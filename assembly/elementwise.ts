// Bulk elementwise arithmetic and reductions over contiguous f32 arrays.
// Arguments follow the order written down in index.ts; each op says whether
// its output may alias an input. Reductions accumulate in f64 in a fixed
// sequential order, so every build returns the same value.

// @ts-ignore: decorator
@inline const OP_ADD: i32 = 0;
// @ts-ignore: decorator
@inline const OP_SUB: i32 = 1;
// @ts-ignore: decorator
@inline const OP_MUL: i32 = 2;

// @ts-ignore: decorator
@inline function binary_loop(n: i32, x: usize, y: usize, z: usize, op: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const a = v128.load(x + o);
      const b = v128.load(y + o);
      v128.store(z + o, op == OP_ADD ? f32x4.add(a, b) : op == OP_SUB ? f32x4.sub(a, b) : f32x4.mul(a, b));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const a = load<f32>(x + o);
    const b = load<f32>(y + o);
    store<f32>(z + o, op == OP_ADD ? a + b : op == OP_SUB ? a - b : a * b);
  }
}

/** z = x + y; z may alias x or y. */
export function f32_add(n: i32, x: usize, y: usize, z: usize): void {
  binary_loop(n, x, y, z, OP_ADD);
}

/** z = x - y; z may alias x or y. */
export function f32_sub(n: i32, x: usize, y: usize, z: usize): void {
  binary_loop(n, x, y, z, OP_SUB);
}

/** z = x * y (Hadamard product); z may alias x or y. */
export function f32_mul(n: i32, x: usize, y: usize, z: usize): void {
  binary_loop(n, x, y, z, OP_MUL);
}

/** y = alpha * x + y (BLAS axpy). */
export function f32_axpy(n: i32, x: usize, y: usize, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(f32x4.mul(va, v128.load(x + o)), v128.load(y + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, alpha * load<f32>(x + o) + load<f32>(y + o));
  }
}

/** y = alpha * x + beta; y may alias x. */
export function f32_scale(n: i32, x: usize, y: usize, alpha: f32, beta: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    const vb = f32x4.splat(beta);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(f32x4.mul(va, v128.load(x + o)), vb));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, alpha * load<f32>(x + o) + beta);
  }
}

/** y = value for n elements. */
export function f32_fill(n: i32, y: usize, value: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v);
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), value);
}

/** y = min(max(x, lo), hi); y may alias x. NaN stays NaN. */
export function f32_clip(n: i32, x: usize, y: usize, lo: f32, hi: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo);
    const vhi = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, min<f32>(max<f32>(load<f32>(x + o), lo), hi));
  }
}

/** y[r, :] = x[r, :] + bias for an m x n matrix (row stride n); y may alias x. */
export function f32_bias_add(m: i32, n: i32, x: usize, bias: usize, y: usize): void {
  for (let r = 0; r < m; r++) {
    const off = (<usize>r * <usize>n) << 2;
    binary_loop(n, x + off, bias, y + off, OP_ADD);
  }
}

/**
 * out[j] = beta * out[j] + sum_i x[i, j] for an m x n matrix with row stride ldx:
 * the bias gradient (beta = 1 accumulates into an existing gradient).
 */
export function f32_colsum(m: i32, n: i32, x: usize, ldx: i32, out: usize, beta: f32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vbeta = f32x4.splat(beta);
    for (; j + 4 <= n; j += 4) {
      let acc = f32x4.splat(0);
      let p = x + (<usize>j << 2);
      for (let i = 0; i < m; i++) {
        acc = f32x4.add(acc, v128.load(p));
        p += <usize>ldx << 2;
      }
      const o = out + (<usize>j << 2);
      v128.store(o, beta != 0 ? f32x4.add(f32x4.mul(vbeta, v128.load(o)), acc) : acc);
    }
  }
  for (; j < n; j++) {
    let acc: f32 = 0;
    let p = x + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      acc += load<f32>(p);
      p += <usize>ldx << 2;
    }
    const o = out + (<usize>j << 2);
    store<f32>(o, beta != 0 ? beta * load<f32>(o) + acc : acc);
  }
}

/** b = transpose(a) for an m x n matrix a (row stride lda) into n x m b (row stride ldb). */
export function f32_transpose(m: i32, n: i32, a: usize, lda: i32, b: usize, ldb: i32): void {
  // 8x8 tiles keep both the reads and the writes within a few cache lines.
  for (let i0 = 0; i0 < m; i0 += 8) {
    const i1 = min(i0 + 8, m);
    for (let j0 = 0; j0 < n; j0 += 8) {
      const j1 = min(j0 + 8, n);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          store<f32>(b + ((<usize>j * <usize>ldb + <usize>i) << 2), load<f32>(a + ((<usize>i * <usize>lda + <usize>j) << 2)));
        }
      }
    }
  }
}

/**
 * Copies an m x n block of floats from rows ldx apart to rows ldy apart, bit
 * for bit: concatenation and splitting along an inner axis (the blocks must
 * not overlap).
 */
export function f32_copy_2d(m: i32, n: i32, x: usize, ldx: i32, y: usize, ldy: i32): void {
  const bytes = <usize>n << 2;
  for (let i = 0; i < m; i++) memory.copy(y + ((<usize>i * <usize>ldy) << 2), x + ((<usize>i * <usize>ldx) << 2), bytes);
}

/** Sum of x, accumulated in f64 in index order. */
export function f32_sum(n: i32, x: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  return s;
}

/** Sum of squares of x, accumulated in f64 in index order (gradient norms). */
export function f32_sumsq(n: i32, x: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

/** Dot product of x and y, accumulated in f64 in index order. */
export function f32_dot(n: i32, x: usize, y: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    s += <f64>load<f32>(x + o) * <f64>load<f32>(y + o);
  }
  return s;
}

/** Number of elements of x that are NaN or infinite. */
export function f32_count_nonfinite(n: i32, x: usize): i32 {
  let c = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Lanes of an all-ones exponent compare to -1; subtracting them counts.
    const exp = i32x4.splat(0x7f800000);
    let acc = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      acc = i32x4.sub(acc, i32x4.eq(v128.and(v128.load(x + (<usize>i << 2)), exp), exp));
    }
    c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  }
  for (; i < n; i++) {
    const bits = load<u32>(x + (<usize>i << 2));
    if ((bits & 0x7f800000) == 0x7f800000) c++;
  }
  return c;
}

/** Index of the largest value of each row of an m x n matrix (first on ties), as i32. */
export function f32_argmax_rows(m: i32, n: i32, x: usize, out: usize): void {
  for (let r = 0; r < m; r++) {
    const row = x + ((<usize>r * <usize>n) << 2);
    let best = 0;
    let bv = load<f32>(row);
    for (let j = 1; j < n; j++) {
      const v = load<f32>(row + (<usize>j << 2));
      if (v > bv) { bv = v; best = j; }
    }
    store<i32>(out + (<usize>r << 2), best);
  }
}
