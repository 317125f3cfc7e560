// Plain float64 references for the GEMM kernel, written for clarity only.

/** Element (i, p) of op(A) where A is row-major with leading dimension lda. */
export function at(x: ArrayLike<number>, trans: boolean, ld: number, i: number, p: number): number {
  return trans ? x[p * ld + i] : x[i * ld + p];
}

/** C = act(alpha op(A) op(B) + beta C + bias) in float64; c is m x n with stride ldc. */
export function gemmRef(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, a: ArrayLike<number>, lda: number, b: ArrayLike<number>, ldb: number,
  beta: number, c: ArrayLike<number>, ldc: number, bias: ArrayLike<number> | null,
  act: (x: number) => number = (x) => x,
): Float64Array {
  const out = Float64Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(a, transA, lda, i, p) * at(b, transB, ldb, p, j);
      let v = alpha * s + (beta === 0 ? 0 : beta * c[i * ldc + j]);
      if (bias) v += bias[j];
      out[i * ldc + j] = act(v);
    }
  }
  return out;
}
