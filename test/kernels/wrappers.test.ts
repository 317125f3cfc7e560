import { describe, it, expect } from 'vitest';
import { ACT, POOL } from '../../src/runtime/abi.js';
import { createBackend } from '../../src/index.js';
import { gemm, gemmWorkspaceBytes, reserveGemmWorkspace } from '../../src/kernels/gemm.js';
import {
  conv2dFilterGrad, conv2dIgemm, conv2dIgemmMaxPool2, conv2dInputGradCol2im, conv2dInputGradFlipped,
  conv2dFilterGradScratchBytes, conv2dIgemmScratchBytes, conv2dInputGradScratchBytes,
} from '../../src/kernels/conv.js';
import type { ConvWindow } from '../../src/kernels/geometry.js';
import { maxPoolBackward, pool2d } from '../../src/kernels/pool.js';
import { colsum, transpose } from '../../src/kernels/elementwise.js';
import { randUniform } from '../../src/kernels/random.js';
import { conv2dRef, poolBackwardRef, type Geo } from '../reference/conv.js';
import { BUILDS, backendFor, expectBitIdentical, expectClose, get, put, randArray } from '../helpers.js';

// The wrappers in src/kernels/ derive strides, sizes and scratch from named
// options; these tests check what they derive, against the raw ABI or float64.

describe('gemm wrapper', () => {
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    it(`transA ${transA}, transB ${transB}: default strides and workspace give the raw call's bits`, async () => {
      const [m, n, k] = [7, 19, 11];
      const a = randArray(m * k, 1);
      const b = randArray(k * n, 2);
      const bias = randArray(n, 3);
      for (const build of BUILDS) {
        const be = await backendFor(build);
        const [pa, pb, pbias] = [put(be, a), put(be, b), put(be, bias)];
        const [c1, c2] = [be.alloc(m * n * 4), be.alloc(m * n * 4)];
        gemm(be, { m, n, k, a: pa, b: pb, c: c1, transA, transB, bias: pbias, act: ACT.tanh });
        be.abi.f32_gemm(transA ? 1 : 0, transB ? 1 : 0, ACT.tanh, m, n, k, pa, transA ? m : k, pb, transB ? k : n, pbias, c2, n, 1, 0, 0, be.gemmWorkspace(m, n, k));
        expectBitIdentical(get(be, c1, m * n), get(be, c2, m * n), build);
        for (const p of [pa, pb, pbias, c1, c2]) be.free(p);
      }
    });
  }

  it('explicit leading dimensions, alpha and beta reach the kernel', async () => {
    const be = await backendFor('simd');
    const [m, n, k, lda, ldb, ldc] = [5, 9, 6, 8, 12, 11];
    const [pa, pb] = [put(be, randArray(m * lda, 4)), put(be, randArray(k * ldb, 5))];
    const start = randArray(m * ldc, 6);
    const [c1, c2] = [put(be, start), put(be, start)];
    gemm(be, { m, n, k, a: pa, b: pb, c: c1, lda, ldb, ldc, alpha: 0.5, beta: 2 });
    be.abi.f32_gemm(0, 0, ACT.linear, m, n, k, pa, lda, pb, ldb, 0, c2, ldc, 0.5, 2, 0, be.gemmWorkspace(m, n, k));
    expectBitIdentical(get(be, c1, m * ldc), get(be, c2, m * ldc));
    for (const p of [pa, pb, c1, c2]) be.free(p);
  });

  it('reserveGemmWorkspace(gemmWorkspaceBytes) leaves nothing for gemm() to allocate', async () => {
    const be = await createBackend({ build: 'simd', seed: 1 });
    const [m, n, k] = [130, 70, 300];
    expect(gemmWorkspaceBytes(be, m, n, k)).toBe(be.abi.f32_gemm_workspace(m, n, k));
    const [pa, pb, pc] = [be.alloc(m * k * 4), be.alloc(k * n * 4), be.alloc(m * n * 4)];
    reserveGemmWorkspace(be, gemmWorkspaceBytes(be, m, n, k));
    const before = be.memoryStats();
    gemm(be, { m, n, k, a: pa, b: pb, c: pc });
    expect(be.memoryStats()).toEqual(before);
  });
});

/** A ConvWindow and the reference's Geo for the same geometry (TensorFlow's 'same' split). */
function window(n: number, h: number, w: number, c: number, kh: number, kw: number, s: number, d: number, same: boolean): [ConvWindow, Geo] {
  const ax = (inp: number, k: number) => {
    const ek = (k - 1) * d + 1;
    if (!same) return { out: Math.floor((inp - ek) / s) + 1, pad: 0 };
    const out = Math.ceil(inp / s);
    return { out, pad: Math.floor(Math.max((out - 1) * s + ek - inp, 0) / 2) };
  };
  const y = ax(h, kh);
  const x = ax(w, kw);
  const win: ConvWindow = { h, w, c, oh: y.out, ow: x.out, ph: y.pad, pw: x.pad, kernel: [kh, kw], strides: [s, s], dilation: [d, d] };
  return [win, { n, h, w, c, kh, kw, sh: s, sw: s, ph: y.pad, pw: x.pad, dh: d, dw: d, oh: y.out, ow: x.out }];
}

/** Float64 dW and dx of <conv(x, k), dy>. */
function convBackwardRef(g: Geo, x: Float32Array, k: Float32Array, dy: Float32Array, f: number): [Float64Array, Float64Array] {
  const dW = new Float64Array(g.kh * g.kw * g.c * f);
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
      const iy = oy * g.sh - g.ph + ky * g.dh;
      const ix = ox * g.sw - g.pw + kx * g.dw;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      for (let ci = 0; ci < g.c; ci++) {
        const xi = ((b * g.h + iy) * g.w + ix) * g.c + ci;
        const p = (ky * g.kw + kx) * g.c + ci;
        for (let j = 0; j < f; j++) {
          const q = ((b * g.oh + oy) * g.ow + ox) * f + j;
          dW[p * f + j] += x[xi] * dy[q];
          dx[xi] += k[p * f + j] * dy[q];
        }
      }
    }
  }
  return [dW, dx];
}

describe('conv wrappers: geometry, padding and scratch derived from a ConvWindow', () => {
  const CASES: [string, ConvWindow, Geo, number][] = [
    ['5x5 stride 2 same (padded, odd size)', ...window(2, 9, 11, 3, 5, 5, 2, 1, true), 7],
    ['3x3 valid (read in place)', ...window(2, 8, 7, 2, 3, 3, 1, 1, false), 5],
    ['3x3 same dilation 2 (stride 1: flipped-kernel input gradient)', ...window(1, 8, 7, 2, 3, 3, 1, 2, true), 6],
  ];
  for (const [name, win, g, f] of CASES) {
    it(`${name}: forward, fused pooling, filter and input gradients against float64`, async () => {
      const x = randArray(g.n * g.h * g.w * g.c, 21);
      const k = randArray(g.kh * g.kw * g.c * f, 22);
      const dy = randArray(g.n * g.oh * g.ow * f, 23);
      const [dWRef, dxRef] = convBackwardRef(g, x, k, dy, f);
      const tol = { atol: 1e-4, rtol: 1e-5 };
      for (const build of BUILDS) {
        const be = await backendFor(build);
        const [px, pk, pdy] = [put(be, x), put(be, k), put(be, dy)];
        const y = be.alloc(g.n * g.oh * g.ow * f * 4);
        conv2dIgemm(be, { batch: g.n, geometry: win, x: px, kernel: pk, filters: f, y });
        expectClose(get(be, y, g.n * g.oh * g.ow * f), conv2dRef(g, x, k, f), tol, `${build} forward`);
        if (g.ph === 0 && g.pw === 0) {
          // The fused pooling is the conv output pooled 2x2.
          const [qh, qw] = [g.oh >> 1, g.ow >> 1];
          const [pooled, fused] = [be.alloc(g.n * qh * qw * f * 4), be.alloc(g.n * qh * qw * f * 4)];
          pool2d(be, { mode: POOL.max, batch: g.n, geometry: { h: g.oh, w: g.ow, c: f, oh: qh, ow: qw, ph: 0, pw: 0 }, window: [2, 2], strides: [2, 2], x: y, y: pooled });
          conv2dIgemmMaxPool2(be, { batch: g.n, geometry: win, x: px, kernel: pk, filters: f, y: fused });
          expectBitIdentical(get(be, fused, g.n * qh * qw * f), get(be, pooled, g.n * qh * qw * f), `${build} fused pooling`);
          be.free(pooled);
          be.free(fused);
        }
        const dW = put(be, new Float32Array(k.length));
        conv2dFilterGrad(be, { batch: g.n, geometry: win, x: px, dy: pdy, filters: f, dW });
        expectClose(get(be, dW, k.length), dWRef, tol, `${build} filter gradient`);
        const dx = be.alloc(x.length * 4);
        conv2dInputGradCol2im(be, { batch: g.n, geometry: win, dy: pdy, kernel: pk, filters: f, dx });
        expectClose(get(be, dx, x.length), dxRef, tol, `${build} input gradient (col2im)`);
        if (g.sh === 1 && g.oh === g.h && g.ow === g.w) {
          conv2dInputGradFlipped(be, { batch: g.n, geometry: win, dy: pdy, kernel: pk, filters: f, dx });
          expectClose(get(be, dx, x.length), dxRef, tol, `${build} input gradient (flipped kernel)`);
        }
        for (const p of [px, pk, pdy, y, dW, dx]) be.free(p);
      }
    });

    it(`${name}: in a scratch region of the *ScratchBytes size, no conv wrapper allocates and the bits are those of the shared slots`, async () => {
      const be = await createBackend({ build: 'simd', seed: 1 });
      const K = g.kh * g.kw * g.c;
      const rows = g.n * g.oh * g.ow;
      const x = randArray(g.n * g.h * g.w * g.c, 24);
      const k = randArray(K * f, 25);
      const dy = randArray(rows * f, 26);
      const [px, pk, pdy] = [put(be, x), put(be, k), put(be, dy)];
      const flip = g.sh === 1 && g.oh === g.h && g.ow === g.w;
      const bytes = Math.max(
        conv2dIgemmScratchBytes(be, g.n, win, f), conv2dFilterGradScratchBytes(be, g.n, win, f),
        conv2dInputGradScratchBytes(be, g.n, win, f, false), conv2dInputGradScratchBytes(be, g.n, win, f, true),
      );
      const scratch = be.alloc(bytes);
      const run = (s: number | undefined) => {
        const [y, dW, dx, dx2] = [be.alloc(rows * f * 4), put(be, new Float32Array(K * f)), be.alloc(x.length * 4), be.alloc(x.length * 4)];
        conv2dIgemm(be, { batch: g.n, geometry: win, x: px, kernel: pk, filters: f, y, scratch: s });
        conv2dFilterGrad(be, { batch: g.n, geometry: win, x: px, dy: pdy, filters: f, dW, scratch: s });
        conv2dInputGradCol2im(be, { batch: g.n, geometry: win, dy: pdy, kernel: pk, filters: f, dx, scratch: s });
        if (flip) conv2dInputGradFlipped(be, { batch: g.n, geometry: win, dy: pdy, kernel: pk, filters: f, dx: dx2, scratch: s });
        const out = [get(be, y, rows * f), get(be, dW, K * f), get(be, dx, x.length), get(be, dx2, flip ? x.length : 0)];
        for (const p of [y, dW, dx, dx2]) be.free(p);
        return out;
      };
      const before = be.memoryStats();
      const own = run(scratch);
      expect(be.memoryStats().internalBytes).toBe(before.internalBytes);
      const shared = run(undefined);
      own.forEach((o, i) => expectBitIdentical(o, shared[i], `${name} result ${i}`));
      for (const p of [px, pk, pdy, scratch]) be.free(p);
      be.dispose();
    });
  }
});

describe('pool, elementwise and random wrappers: derived sizes and defaults', () => {
  it('maxPoolBackward sizes dy and dx from the geometry', async () => {
    const [win, g] = window(2, 7, 6, 3, 3, 3, 2, 1, true);
    const x = randArray(g.n * g.h * g.w * g.c, 31);
    const dy = randArray(g.n * g.oh * g.ow * g.c, 32);
    for (const build of BUILDS) {
      const be = await backendFor(build);
      const [px, pdy] = [put(be, x), put(be, dy)];
      const [y, argmax, dx] = [be.alloc(dy.length * 4), be.alloc(dy.length * 4), be.alloc(x.length * 4)];
      pool2d(be, { mode: POOL.max, batch: g.n, geometry: win, window: [3, 3], strides: [2, 2], x: px, y, argmax });
      maxPoolBackward(be, { batch: g.n, geometry: win, dy: pdy, argmax, dx });
      expectClose(get(be, dx, x.length), poolBackwardRef('max', g, x, dy), { atol: 1e-6, rtol: 0 }, build);
      for (const p of [px, pdy, y, argmax, dx]) be.free(p);
    }
  });

  it('colsum reads rows n apart and transpose writes rows m apart by default', async () => {
    const be = await backendFor('simd');
    const [m, n] = [5, 7];
    const x = randArray(m * n, 41);
    const px = put(be, x);
    const [out, t] = [be.alloc(n * 4), be.alloc(m * n * 4)];
    colsum(be, { m, n, x: px, out });
    transpose(be, { m, n, a: px, b: t });
    const sums = Array.from({ length: n }, (_, j) => Array.from({ length: m }, (_, i) => x[i * n + j]).reduce((s, v) => Math.fround(s + v), 0));
    expect(Array.from(get(be, out, n))).toEqual(sums);
    const tr = get(be, t, m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(tr[j * m + i]).toBe(x[i * n + j]);
    for (const p of [px, out, t]) be.free(p);
  });

  it('random kernels draw from the backend generator when no state is given', async () => {
    const a = await createBackend({ build: 'simd', seed: 5 });
    const b = await createBackend({ build: 'simd', seed: 5 });
    const [pa, pb] = [a.alloc(40), b.alloc(40)];
    randUniform(a, { n: 10, out: pa, lo: -1, hi: 1 });
    b.abi.f32_rand_uniform(b.rngState, 10, pb, -1, 1);
    expectBitIdentical(get(a, pa, 10), get(b, pb, 10));
  });
});
