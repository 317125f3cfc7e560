import { describe, it, expect } from 'vitest';
import { BUILDS, backendFor, checkOp, get, put, randArray } from '../helpers.js';
import type { Backend } from '../../src/index.js';

const SIZES = [0, 1, 3, 4, 5, 8, 31, 1000];
const TOL = { atol: 1e-7, rtol: 1e-6 };

/** Runs a kernel that writes n outputs into a fresh region and returns them. */
function out(be: Backend, n: number, fn: (p: number) => void): Float32Array {
  const p = be.alloc(n * 4);
  fn(p);
  const r = get(be, p, n);
  be.free(p);
  return r;
}

describe('elementwise kernels', () => {
  it('add, sub, mul (Hadamard)', async () => {
    for (const n of SIZES) {
      const x = randArray(n, 1);
      const y = randArray(n, 2);
      await checkOp(`add ${n}`, { inputs: [x, y], reference: ([a, b]) => a.map((v, i) => v + b[i]), subject: (be, [a, b]) => out(be, n, (z) => be.abi.f32_add(n, a, b, z)), ...TOL });
      await checkOp(`sub ${n}`, { inputs: [x, y], reference: ([a, b]) => a.map((v, i) => v - b[i]), subject: (be, [a, b]) => out(be, n, (z) => be.abi.f32_sub(n, a, b, z)), ...TOL });
      await checkOp(`mul ${n}`, { inputs: [x, y], reference: ([a, b]) => a.map((v, i) => v * b[i]), subject: (be, [a, b]) => out(be, n, (z) => be.abi.f32_mul(n, a, b, z)), ...TOL });
    }
  });

  it('axpy, scale, fill, clip', async () => {
    for (const n of SIZES) {
      const x = randArray(n, 3, -5, 5);
      const y = randArray(n, 4);
      await checkOp(`axpy ${n}`, {
        inputs: [x, y],
        reference: ([a, b]) => a.map((v, i) => -0.75 * v + b[i]),
        subject: (be, [a, b]) => { be.abi.f32_axpy(n, a, b, -0.75); return get(be, b, n); },
        ...TOL,
      });
      await checkOp(`scale ${n}`, {
        inputs: [x],
        reference: ([a]) => a.map((v) => 1.5 * v - 2),
        subject: (be, [a]) => { be.abi.f32_scale(n, a, a, 1.5, -2); return get(be, a, n); },
        ...TOL,
      });
      await checkOp(`fill ${n}`, { inputs: [], reference: () => new Float64Array(n).fill(0.1 as number), subject: (be) => out(be, n, (p) => be.abi.f32_fill(n, p, 0.1)), atol: 1e-8, rtol: 1e-7 });
      await checkOp(`clip ${n}`, {
        inputs: [x],
        reference: ([a]) => a.map((v) => Math.min(Math.max(v, -1), 2)),
        subject: (be, [a]) => out(be, n, (p) => be.abi.f32_clip(n, a, p, -1, 2)),
        ...TOL,
      });
    }
  });

  it('bias add and column sums (bias gradients), with accumulation', async () => {
    for (const [m, n] of [[1, 1], [3, 5], [4, 8], [7, 13], [64, 10]]) {
      const x = randArray(m * n, m + n);
      const b = randArray(n, 9);
      await checkOp(`bias_add ${m}x${n}`, {
        inputs: [x, b],
        reference: ([rx, rb]) => rx.map((v, i) => v + rb[i % n]),
        subject: (be, [px, pb]) => out(be, m * n, (p) => be.abi.f32_bias_add(m, n, px, pb, p)),
        ...TOL,
      });
      await checkOp(`colsum ${m}x${n} beta=1`, {
        inputs: [x, b],
        reference: ([rx, rb]) => rb.map((v, j) => { let s = v; for (let i = 0; i < m; i++) s += rx[i * n + j]; return s; }),
        subject: (be, [px, pb]) => { be.abi.f32_colsum(m, n, px, n, pb, 1); return get(be, pb, n); },
        atol: 1e-6, rtol: 1e-6,
      });
      await checkOp(`colsum ${m}x${n} beta=0 ignores NaN in out`, {
        inputs: [x, new Float32Array(n).fill(NaN)],
        reference: ([rx]) => Array.from({ length: n }, (_, j) => { let s = 0; for (let i = 0; i < m; i++) s += rx[i * n + j]; return s; }),
        subject: (be, [px, pb]) => { be.abi.f32_colsum(m, n, px, n, pb, 0); return get(be, pb, n); },
        atol: 1e-6, rtol: 1e-6,
      });
    }
  });

  it('transpose on shapes around its 8x8 tile', async () => {
    for (const [m, n] of [[1, 1], [1, 9], [8, 8], [9, 17], [33, 5]]) {
      const x = randArray(m * n, 5);
      await checkOp(`transpose ${m}x${n}`, {
        inputs: [x],
        reference: ([rx]) => Array.from({ length: m * n }, (_, k) => rx[(k % m) * n + Math.floor(k / m)]),
        subject: (be, [px]) => out(be, m * n, (p) => be.abi.f32_transpose(m, n, px, n, p, m)),
        atol: 0, rtol: 0,
      });
    }
  });

  it('copy_2d moves a block between row strides bit for bit (-0 and NaN payloads included)', async () => {
    for (const [m, n, ldx, ldy] of [[1, 1, 1, 1], [3, 5, 5, 9], [7, 4, 11, 4], [2, 13, 13, 13], [5, 1, 3, 2]]) {
      const x = randArray(m * ldx, 8);
      x[0] = -0;
      await checkOp(`copy_2d ${m}x${n} ldx ${ldx} ldy ${ldy}`, {
        inputs: [x, new Float32Array(m * ldy).fill(7)],
        reference: ([rx, ry]) => ry.map((v, k) => (k % ldy < n ? rx[Math.floor(k / ldy) * ldx + (k % ldy)] : v)),
        subject: (be, [px, py]) => { be.abi.f32_copy_2d(m, n, px, ldx, py, ldy); return get(be, py, m * ldy); },
        atol: 0, rtol: 0,
      });
    }
    const be = await backendFor(BUILDS[0]);
    const px = put(be, [-0]);
    const py = put(be, [1]);
    be.abi.f32_copy_2d(1, 1, px, 1, py, 1);
    expect(Object.is(be.f32()[py >>> 2], -0)).toBe(true);
    be.free(px);
    be.free(py);
  });

  it('reductions: sum, sum of squares, dot, non-finite count, row argmax', async () => {
    for (const build of BUILDS) {
      const be = await backendFor(build);
      const x = randArray(1001, 6);
      const y = randArray(1001, 7);
      const px = put(be, x);
      const py = put(be, y);
      let s = 0, ss = 0, d = 0;
      for (let i = 0; i < x.length; i++) { s += x[i]; ss += x[i] * x[i]; d += x[i] * y[i]; }
      expect(be.abi.f32_sum(1001, px)).toBeCloseTo(s, 10);
      expect(be.abi.f32_sumsq(1001, px)).toBeCloseTo(ss, 10);
      expect(be.abi.f32_dot(1001, px, py)).toBeCloseTo(d, 10);
      const bad = put(be, [1, NaN, Infinity, -Infinity, 3.4e38, 0]);
      expect(be.abi.f32_count_nonfinite(6, bad)).toBe(3);
      // Vector body and scalar tail: 1,003 values with non-finite ones at both ends and in between.
      const long = randArray(1003, 9);
      for (const i of [0, 4, 501, 998, 1002]) long[i] = i % 2 ? NaN : -Infinity;
      const pl = put(be, long);
      expect(be.abi.f32_count_nonfinite(1003, pl)).toBe(5);
      expect(be.abi.f32_count_nonfinite(1000, pl + 12)).toBe(4);
      be.free(pl);
      const m = put(be, [1, 5, 5, 2, /* row 2 */ -1, -2, -3, -0.5, /* row 3 */ 0, 0, 0, 0]);
      const idx = be.alloc(12);
      be.abi.f32_argmax_rows(3, 4, m, idx);
      expect(Array.from(be.i32().subarray(idx >>> 2, (idx >>> 2) + 3))).toEqual([1, 3, 0]);
      for (const p of [px, py, bad, m, idx]) be.free(p);
    }
  });
});
