import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ACT, POOL } from '../../src/runtime/abi.js';
import { createBackend, type Backend } from '../../src/index.js';
import { conv2dRef, poolBackwardRef, poolRef, type Geo } from '../reference/conv.js';
import { backendFor, checkOp, expectBitIdentical, expectClose, get, put, randArray } from '../helpers.js';

function geo(n: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, same: boolean, dh = 1, dw = 1): Geo {
  const ax = (inp: number, k: number, s: number, d: number) => {
    const ek = (k - 1) * d + 1;
    if (!same) return { out: Math.floor((inp - ek) / s) + 1, pad: 0 };
    const out = Math.ceil(inp / s);
    return { out, pad: Math.floor(Math.max((out - 1) * s + ek - inp, 0) / 2) };
  };
  const y = ax(h, kh, sh, dh);
  const x = ax(w, kw, sw, dw);
  return { n, h, w, c, kh, kw, sh, sw, ph: y.pad, pw: x.pad, dh, dw, oh: y.out, ow: x.out };
}

/** im2col + GEMM, as the Conv layer runs it. */
function convViaIm2col(be: Backend, g: Geo, px: number, pk: number, f: number): Float32Array {
  const rows = g.n * g.oh * g.ow;
  const K = g.kh * g.kw * g.c;
  const col = be.alloc(rows * K * 4);
  const y = be.alloc(rows * f * 4);
  be.abi.f32_im2col_nhwc(g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, px, col);
  be.abi.f32_gemm(0, 0, ACT.linear, rows, f, K, col, K, pk, f, 0, y, f, 1, 0, 0, be.gemmWorkspace(rows, f, K));
  const out = get(be, y, rows * f);
  be.free(col);
  be.free(y);
  return out;
}

// Awkward shapes: 1x1, kernels larger than the stride, odd sizes, padding, dilation, many channels.
const CASES: [string, Geo, number][] = [
  ['1x1 kernel', geo(2, 5, 5, 3, 1, 1, 1, 1, false), 4],
  ['3x3 valid', geo(2, 7, 6, 2, 3, 3, 1, 1, false), 5],
  ['3x3 same', geo(1, 7, 6, 2, 3, 3, 1, 1, true), 3],
  ['5x5 stride 2 same, odd size', geo(2, 9, 11, 3, 5, 5, 2, 2, true), 7],
  ['kernel larger than stride, stride 3', geo(1, 10, 10, 1, 4, 4, 3, 3, false), 2],
  ['dilation 2', geo(1, 9, 9, 2, 3, 3, 1, 1, false, 2, 2), 3],
  ['dilation 2 same', geo(1, 8, 7, 2, 3, 3, 1, 1, true, 2, 2), 2],
  ['many channels', geo(1, 4, 4, 37, 3, 3, 1, 1, true), 9],
  ['1D as height 1', geo(3, 1, 20, 4, 1, 5, 1, 2, false), 6],
  ['LeNet conv2', geo(2, 12, 12, 8, 5, 5, 1, 1, false), 16],
];

describe('convolution by im2col + GEMM against direct convolution', () => {
  for (const [name, g, f] of CASES) {
    it(`${name}: ${g.h}x${g.w}x${g.c}, ${g.kh}x${g.kw}, stride ${g.sh}, pad ${g.ph},${g.pw}, dilation ${g.dh} -> ${g.oh}x${g.ow}x${f}`, async () => {
      const x = randArray(g.n * g.h * g.w * g.c, 1);
      const k = randArray(g.kh * g.kw * g.c * f, 2);
      const outs = await checkOp(name, {
        inputs: [x, k],
        reference: ([rx, rk]) => conv2dRef(g, rx, rk, f),
        subject: (be, [px, pk]) => convViaIm2col(be, g, px, pk, f),
        atol: 2e-5, rtol: 1e-5,
      });
      expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, 'simd vs scalar');
    });
  }

  it('col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)> (property)', async () => {
    const be = await backendFor('simd');
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }), c: fc.integer({ min: 1, max: 5 }),
          kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 2 }), d: fc.integer({ min: 1, max: 2 }),
          same: fc.boolean(),
        }),
        (r) => {
          const g = geo(r.n, r.h, r.w, r.c, r.kh, r.kw, r.d > 1 ? 1 : r.s, r.d > 1 ? 1 : r.s, r.same, r.d, r.d);
          if (g.oh < 1 || g.ow < 1) return;
          const rows = g.n * g.oh * g.ow;
          const K = g.kh * g.kw * g.c;
          const x = randArray(g.n * g.h * g.w * g.c, 3);
          const cv = randArray(rows * K, 4);
          const px = put(be, x);
          const pc = put(be, cv);
          const col = be.alloc(rows * K * 4);
          const dx = be.alloc(x.length * 4);
          be.abi.f32_im2col_nhwc(g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, px, col);
          be.abi.f32_col2im_nhwc(g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, pc, dx);
          const lhs = be.abi.f32_dot(rows * K, col, pc);
          const rhs = be.abi.f32_dot(x.length, px, dx);
          for (const p of [px, pc, col, dx]) be.free(p);
          expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
        },
      ),
      { numRuns: 100, seed: 3 },
    );
  });
});

describe('direct convolution (implicit im2col) for windows inside the image', () => {
  const DIRECT: [string, Geo, number][] = [
    ['LeNet conv1: one channel, 5x5', geo(3, 28, 28, 1, 5, 5, 1, 1, false), 8],
    ['LeNet conv2: 8 channels, 16 filters', geo(2, 12, 12, 8, 5, 5, 1, 1, false), 16],
    ['odd widths, partial tiles, 13 filters', geo(2, 9, 11, 3, 3, 3, 1, 1, false), 13],
    ['stride 2', geo(1, 11, 10, 2, 3, 3, 2, 2, false), 5],
    ['dilation 2', geo(1, 9, 9, 2, 3, 3, 1, 1, false, 2, 2), 3],
    ['1D, one channel', geo(4, 1, 30, 1, 1, 7, 1, 1, false), 6],
    ['one channel, stride 2, tiles across rows', geo(2, 13, 12, 1, 3, 3, 2, 2, false), 8],
    ['K = 360 > one 256-tap block, 20 filters', geo(2, 6, 7, 40, 3, 3, 1, 1, false), 20],
  ];
  for (const [name, g, f] of DIRECT) {
    it(`${name}: against direct convolution, bias and activation, and bit-identical to im2col + GEMM`, async () => {
      const x = randArray(g.n * g.h * g.w * g.c, 11);
      const k = randArray(g.kh * g.kw * g.c * f, 12);
      const bias = randArray(f, 13);
      const rows = g.n * g.oh * g.ow;
      const K = g.kh * g.kw * g.c;
      const outs = await checkOp(`direct ${name}`, {
        inputs: [x, k, bias],
        reference: ([rx, rk, rb]) => Array.from(conv2dRef(g, rx, rk, f), (v, i) => Math.tanh(v + rb[i % f])),
        subject: (be, [px, pk, pb]) => {
          const y = be.alloc(rows * f * 4);
          const work = be.scratch(be.abi.f32_conv2d_igemm_workspace(K, f));
          be.abi.f32_conv2d_igemm_nhwc(ACT.tanh, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, f, px, pk, pb, y, 0, work);
          const out = get(be, y, rows * f);
          be.free(y);
          return out;
        },
        atol: 2e-5, rtol: 1e-5,
      });
      expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, 'simd vs scalar');
      // The same bits as the im2col path (for the SIMD build), so a layer may use either.
      const be = await backendFor('simd');
      const px = put(be, x);
      const pk = put(be, k);
      const pb = put(be, bias);
      const col = be.alloc(rows * K * 4);
      const y = be.alloc(rows * f * 4);
      be.abi.f32_im2col_nhwc(g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, px, col);
      be.abi.f32_gemm(0, 0, ACT.tanh, rows, f, K, col, K, pk, f, pb, y, f, 1, 0, 0, be.gemmWorkspace(rows, f, K));
      expectBitIdentical(outs.get('simd')!, get(be, y, rows * f), 'direct vs im2col');
      for (const p of [px, pk, pb, col, y]) be.free(p);
    });
  }

  it('never reads outside the input: an image that ends exactly at the end of wasm memory', async () => {
    for (const build of ['simd', 'scalar'] as const) {
      const be = await createBackend({ build });
      const g = geo(1, 6, 7, 1, 3, 3, 1, 1, false);
      const f = 3;
      const K = 9;
      const k = put(be, randArray(K * f, 2));
      const y = be.alloc(g.oh * g.ow * f * 4);
      const work = be.scratch(be.abi.f32_conv2d_igemm_workspace(K, f));
      const top = be.abi.heap_base() + be.memoryStats().reservedBytes;
      const bytes = Math.ceil((g.h * g.w * 4) / 16) * 16;
      const end = Math.max(be.memory.buffer.byteLength, Math.ceil((top + bytes + 16) / 65536) * 65536);
      be.alloc(end - top - bytes);
      const px = be.alloc(bytes) + bytes - g.h * g.w * 4;
      expect(px + g.h * g.w * 4).toBe(be.memory.buffer.byteLength);
      be.f32().set(randArray(g.h * g.w, 3), px >>> 2);
      be.abi.f32_conv2d_igemm_nhwc(ACT.linear, 1, g.h, g.w, 1, 3, 3, 1, 1, 1, 1, g.oh, g.ow, f, px, k, 0, y, 0, work);
      expect(Array.from(get(be, y, g.oh * g.ow * f)).every(Number.isFinite)).toBe(true);
    }
  });
});

describe('padded convolution as the Conv layer runs it: f32_pad_nhwc, then the direct kernel', () => {
  for (const [name, g, f] of CASES) {
    it(`${name}: against direct convolution, simd and scalar bit-identical`, async () => {
      const x = randArray(g.n * g.h * g.w * g.c, 21);
      const k = randArray(g.kh * g.kw * g.c * f, 22);
      const rows = g.n * g.oh * g.ow;
      const K = g.kh * g.kw * g.c;
      const hp = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1;
      const wp = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
      const outs = await checkOp(`padded direct ${name}`, {
        inputs: [x, k],
        reference: ([rx, rk]) => conv2dRef(g, rx, rk, f),
        subject: (be, [px, pk]) => {
          const padded = be.alloc(g.n * hp * wp * g.c * 4);
          // Garbage first: every element must be written.
          be.f32().fill(NaN, padded >>> 2, (padded >>> 2) + g.n * hp * wp * g.c);
          be.abi.f32_pad_nhwc(g.n, g.h, g.w, g.c, g.ph, g.pw, hp, wp, px, padded);
          const y = be.alloc(rows * f * 4);
          const work = be.scratch(be.abi.f32_conv2d_igemm_workspace(K, f));
          be.abi.f32_conv2d_igemm_nhwc(ACT.linear, g.n, hp, wp, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, f, padded, pk, 0, y, 0, work);
          const out = get(be, y, rows * f);
          be.free(y);
          be.free(padded);
          return out;
        },
        atol: 2e-5, rtol: 1e-5,
      });
      expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, 'simd vs scalar');
    });
  }
});

describe('filter gradient without columns (f32_conv2d_filter_grad_nhwc)', () => {
  const GRAD: [string, Geo, number][] = [
    ...CASES,
    ['LeNet conv1, a batch of 3', geo(3, 28, 28, 1, 5, 5, 1, 1, false), 8],
    ['pixels > one 256 block, 70 filters (9 panels, a partial one)', geo(2, 14, 13, 3, 3, 3, 1, 1, true), 70],
  ];
  for (const [name, g, f] of GRAD) {
    it(`${name}: adds the same bits as im2col + GEMM(colsᵀ · dy, beta 1), both builds`, async () => {
      const x = randArray(g.n * g.h * g.w * g.c, 41);
      const dy = randArray(g.n * g.oh * g.ow * f, 42);
      const K = g.kh * g.kw * g.c;
      const start = randArray(K * f, 43);
      const rows = g.n * g.oh * g.ow;
      const hp = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1;
      const wp = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
      const outs = new Map<string, Float32Array>();
      for (const build of ['simd', 'scalar'] as const) {
        const be = await backendFor(build);
        const [px, pdy] = [put(be, x), put(be, dy)];
        const viaCols = put(be, start);
        const direct = put(be, start);
        const col = be.alloc(rows * K * 4);
        be.abi.f32_im2col_nhwc(g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, px, col);
        be.abi.f32_gemm(1, 0, ACT.linear, K, f, rows, col, K, pdy, f, 0, viaCols, f, 1, 1, 0, be.gemmWorkspace(K, f, rows));
        const padded = be.alloc(g.n * hp * wp * g.c * 4);
        be.abi.f32_pad_nhwc(g.n, g.h, g.w, g.c, g.ph, g.pw, hp, wp, px, padded);
        const work = be.scratch(be.abi.f32_conv2d_filter_grad_workspace(f));
        be.abi.f32_conv2d_filter_grad_nhwc(g.n, hp, wp, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, f, padded, pdy, direct, work);
        const got = get(be, direct, K * f);
        expectBitIdentical(got, get(be, viaCols, K * f), `${build}: direct vs im2col + GEMM`);
        outs.set(build, got);
        for (const p of [px, pdy, viaCols, direct, col, padded]) be.free(p);
      }
      expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, 'simd vs scalar');
      // And against float64: start + sum over pixels of window value * dy.
      const ref = new Float64Array(start);
      for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
        const q = (b * g.oh + oy) * g.ow + ox;
        for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
          const iy = oy * g.sh - g.ph + ky * g.dh;
          const ix = ox * g.sw - g.pw + kx * g.dw;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          for (let ci = 0; ci < g.c; ci++) {
            const v = x[((b * g.h + iy) * g.w + ix) * g.c + ci];
            const p = (ky * g.kw + kx) * g.c + ci;
            for (let j = 0; j < f; j++) ref[p * f + j] += v * dy[q * f + j];
          }
        }
      }
      const got = outs.get('simd')!;
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThanOrEqual(1e-4 + 1e-5 * Math.abs(ref[i]));
    });
  }
});

describe('stride-1 input gradient as a convolution of the zero-bordered dy with the flipped kernel', () => {
  const STRIDE1 = CASES.filter(([, g]) => g.sh === 1 && g.sw === 1 && !(g.kh === 1 && g.kw === 1));
  for (const [name, g, f] of STRIDE1) {
    it(`${name}: against float64 (the adjoint of the convolution), simd and scalar bit-identical`, async () => {
      const dy = randArray(g.n * g.oh * g.ow * f, 51);
      const k = randArray(g.kh * g.kw * g.c * f, 52);
      const nx = g.n * g.h * g.w * g.c;
      const [hq, wq] = [g.h + (g.kh - 1) * g.dh, g.w + (g.kw - 1) * g.dw];
      const outs = await checkOp(`transposed ${name}`, {
        inputs: [dy, k],
        reference: ([rdy, rk]) => {
          // dx[b, iy, ix, ci] = sum of dy[b, oy, ox, j] * k[ky, kx, ci, j] over the windows that read (iy, ix).
          const dx = new Float64Array(nx);
          for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
            for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
              const iy = oy - g.ph + ky * g.dh;
              const ix = ox - g.pw + kx * g.dw;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
              for (let ci = 0; ci < g.c; ci++) for (let j = 0; j < f; j++) {
                dx[((b * g.h + iy) * g.w + ix) * g.c + ci] += rdy[((b * g.oh + oy) * g.ow + ox) * f + j] * rk[((ky * g.kw + kx) * g.c + ci) * f + j];
              }
            }
          }
          return dx;
        },
        subject: (be, [pdy, pk]) => {
          const padded = be.alloc(g.n * hq * wq * f * 4);
          be.abi.f32_pad_nhwc(g.n, g.oh, g.ow, f, (g.kh - 1) * g.dh - g.ph, (g.kw - 1) * g.dw - g.pw, hq, wq, pdy, padded);
          const flipped = be.alloc(g.kh * g.kw * g.c * f * 4);
          be.abi.f32_conv2d_kernel_flip(g.kh, g.kw, g.c, f, pk, flipped);
          const dx = be.alloc(nx * 4);
          const work = be.scratch(be.abi.f32_conv2d_igemm_workspace(g.kh * g.kw * f, g.c));
          be.abi.f32_conv2d_igemm_nhwc(ACT.linear, g.n, hq, wq, f, g.kh, g.kw, 1, 1, g.dh, g.dw, g.h, g.w, g.c, padded, flipped, 0, dx, 0, work);
          const out = get(be, dx, nx);
          for (const p of [padded, flipped, dx]) be.free(p);
          return out;
        },
        atol: 2e-5, rtol: 1e-5,
      });
      expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, 'simd vs scalar');
    });
  }
});

describe('conv kernels as the layer runs them, on random geometries (property)', () => {
  it('forward, filter gradient and input gradient agree with float64 sums', async () => {
    const be = await backendFor('simd');
    const k = be.abi;
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }), c: fc.integer({ min: 1, max: 6 }),
          kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 2 }),
          f: fc.integer({ min: 1, max: 11 }), same: fc.boolean(), seed: fc.integer({ min: 1, max: 1000 }),
        }),
        (r) => {
          const st = r.d > 1 ? 1 : r.s;
          const ek = (kk: number) => (kk - 1) * r.d + 1;
          if (!r.same && (ek(r.kh) > r.h || ek(r.kw) > r.w)) return;
          const g = geo(r.n, r.h, r.w, r.c, r.kh, r.kw, st, st, r.same, r.d, r.d);
          const f = r.f;
          const K = g.kh * g.kw * g.c;
          const rows = g.n * g.oh * g.ow;
          const x = randArray(g.n * g.h * g.w * g.c, r.seed);
          const kern = randArray(K * f, r.seed + 1);
          const dy = randArray(rows * f, r.seed + 2);
          const hp = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1;
          const wp = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
          const [px, pk, pdy] = [put(be, x), put(be, kern), put(be, dy)];
          const padded = be.alloc(g.n * hp * wp * g.c * 4);
          const y = be.alloc(rows * f * 4);
          const dW = put(be, new Float32Array(K * f));
          const dx = be.alloc(g.n * g.h * g.w * g.c * 4);
          const scratch: number[] = [];
          try {
            k.f32_pad_nhwc(g.n, g.h, g.w, g.c, g.ph, g.pw, hp, wp, px, padded);
            k.f32_conv2d_igemm_nhwc(ACT.linear, g.n, hp, wp, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, f, padded, pk, 0, y, 0, be.scratch(k.f32_conv2d_igemm_workspace(K, f)));
            expectClose(get(be, y, rows * f), conv2dRef(g, x, kern, f), { atol: 1e-4, rtol: 1e-5 }, 'forward');
            k.f32_conv2d_filter_grad_nhwc(g.n, hp, wp, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, f, padded, pdy, dW, be.scratch(k.f32_conv2d_filter_grad_workspace(f)));
            // References from the adjoint identities: <conv(x, W), dy> is linear in x and in W.
            const dWRef = new Float64Array(K * f);
            const dxRef = new Float64Array(g.n * g.h * g.w * g.c);
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
                    dWRef[p * f + j] += x[xi] * dy[q];
                    dxRef[xi] += kern[p * f + j] * dy[q];
                  }
                }
              }
            }
            expectClose(get(be, dW, K * f), dWRef, { atol: 1e-4, rtol: 1e-5 }, 'filter gradient');
            if (g.sh === 1 && g.oh === g.h && g.ow === g.w && K > g.c) {
              const [hq, wq] = [g.h + (g.kh - 1) * g.dh, g.w + (g.kw - 1) * g.dw];
              const dyPad = be.alloc(g.n * hq * wq * f * 4);
              const flipped = be.alloc(K * f * 4);
              scratch.push(dyPad, flipped);
              k.f32_pad_nhwc(g.n, g.oh, g.ow, f, (g.kh - 1) * g.dh - g.ph, (g.kw - 1) * g.dw - g.pw, hq, wq, pdy, dyPad);
              k.f32_conv2d_kernel_flip(g.kh, g.kw, g.c, f, pk, flipped);
              k.f32_conv2d_igemm_nhwc(ACT.linear, g.n, hq, wq, f, g.kh, g.kw, 1, 1, g.dh, g.dw, g.h, g.w, g.c, dyPad, flipped, 0, dx, 0, be.scratch(k.f32_conv2d_igemm_workspace(g.kh * g.kw * f, g.c)));
            } else {
              const dcol = be.alloc(rows * K * 4);
              scratch.push(dcol);
              k.f32_gemm(0, 1, ACT.linear, rows, K, f, pdy, f, pk, f, 0, dcol, K, 1, 0, 0, be.gemmWorkspace(rows, K, f));
              k.f32_col2im_nhwc(g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, dcol, dx);
            }
            expectClose(get(be, dx, dxRef.length), dxRef, { atol: 1e-4, rtol: 1e-5 }, 'input gradient');
          } finally {
            for (const p of [px, pk, pdy, padded, y, dW, dx, ...scratch]) be.free(p);
          }
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });
});

describe('convolution fused with 2x2 max pooling (inference)', () => {
  const FUSED: [string, Geo, number, 'relu' | 'linear'][] = [
    ['LeNet conv1', geo(2, 28, 28, 1, 5, 5, 1, 1, false), 8, 'relu'],
    ['LeNet conv2', geo(3, 12, 12, 8, 5, 5, 1, 1, false), 16, 'relu'],
    ['odd conv output (7x9: last row and column dropped), 13 filters', geo(2, 9, 11, 3, 3, 3, 1, 1, false), 13, 'linear'],
    ['stride 2, dilation-free, 5 filters', geo(1, 15, 13, 2, 3, 3, 2, 2, false), 5, 'relu'],
    ['K = 360 > one 256-tap block', geo(1, 6, 7, 40, 3, 3, 1, 1, false), 20, 'relu'],
  ];
  for (const [name, g, f, act] of FUSED) {
    it(`${name}: the same bits as the conv kernel then the max-pooling kernel, both builds`, async () => {
      const x = randArray(g.n * g.h * g.w * g.c, 31);
      const k = randArray(g.kh * g.kw * g.c * f, 32);
      const bias = randArray(f, 33);
      const rows = g.n * g.oh * g.ow;
      const K = g.kh * g.kw * g.c;
      const [qh, qw] = [g.oh >> 1, g.ow >> 1];
      const nq = g.n * qh * qw * f;
      const outs = new Map<string, Float32Array>();
      for (const build of ['simd', 'scalar'] as const) {
        const be = await backendFor(build);
        const [px, pk, pb] = [put(be, x), put(be, k), put(be, bias)];
        const conv = be.alloc(rows * f * 4);
        const pooled = be.alloc(nq * 4);
        const fused = be.alloc(nq * 4);
        const work = be.scratch(be.abi.f32_conv2d_igemm_workspace(K, f));
        be.abi.f32_conv2d_igemm_nhwc(ACT[act], g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, f, px, pk, pb, conv, 0, work);
        be.abi.f32_pool2d_nhwc(POOL.max, g.n, g.oh, g.ow, f, 2, 2, 2, 2, 0, 0, qh, qw, conv, pooled, 0);
        be.f32().fill(NaN, fused >>> 2, (fused >>> 2) + nq);
        be.abi.f32_conv2d_igemm_maxpool2_nhwc(ACT[act], g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, f, px, pk, pb, fused, work);
        const got = get(be, fused, nq);
        expectBitIdentical(got, get(be, pooled, nq), `${build}: fused vs conv + pool`);
        outs.set(build, got);
        // Against float64: max over each window of act(conv + bias).
        const ref = conv2dRef(g, x, k, f);
        for (let b = 0; b < g.n; b++) for (let py = 0; py < qh; py++) for (let q = 0; q < qw; q++) for (let j = 0; j < f; j++) {
          let m = -Infinity;
          for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
            const v = ref[((b * g.oh + 2 * py + dy) * g.ow + 2 * q + dx) * f + j] + bias[j];
            m = Math.max(m, act === 'relu' ? Math.max(v, 0) : v);
          }
          const i = ((b * qh + py) * qw + q) * f + j;
          expect(Math.abs(got[i] - m)).toBeLessThanOrEqual(2e-5 + 1e-5 * Math.abs(m));
        }
        for (const p of [px, pk, pb, conv, pooled, fused]) be.free(p);
      }
      expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, 'simd vs scalar');
    });
  }
});

describe('pooling against float64 references', () => {
  const POOLS: [string, Geo][] = [
    ['2x2 stride 2', geo(2, 6, 6, 3, 2, 2, 2, 2, false)],
    ['3x3 stride 2 same, odd size', geo(1, 7, 9, 5, 3, 3, 2, 2, true)],
    ['3x3 stride 1 (overlapping)', geo(1, 5, 5, 4, 3, 3, 1, 1, false)],
    ['2x2 same on odd size', geo(2, 5, 5, 8, 2, 2, 2, 2, true)],
    ['1D', geo(2, 1, 11, 6, 1, 3, 1, 2, false)],
  ];
  for (const mode of ['max', 'avg', 'l2'] as const) {
    for (const [name, g] of POOLS) {
      it(`${mode} ${name}: forward and backward`, async () => {
        // Distinct values so the max is unique (ties go to the first maximum in both).
        const x = randArray(g.n * g.h * g.w * g.c, 5, -3, 3);
        const dy = randArray(g.n * g.oh * g.ow * g.c, 6);
        const nx = x.length;
        const ny = dy.length;
        await checkOp(`${mode} pool ${name}`, {
          inputs: [x],
          reference: ([rx]) => poolRef(mode, g, rx),
          subject: (be, [px]) => {
            const y = be.alloc(ny * 4);
            const am = be.alloc(ny * 4);
            be.abi.f32_pool2d_nhwc(POOL[mode], g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, px, y, am);
            const out = get(be, y, ny);
            be.free(y);
            be.free(am);
            return out;
          },
          atol: 1e-6, rtol: 1e-5,
        });
        if (mode === 'max') {
          // Inference keeps no argmax: the same values, bit for bit, including ties and NaN.
          const xt = Float32Array.from(x, (v, i) => (i % 7 === 0 ? NaN : i % 3 === 0 ? 1 : v));
          for (const build of ['simd', 'scalar'] as const) {
            const be = await backendFor(build);
            const px = put(be, xt);
            const a = be.alloc(ny * 4);
            const b = be.alloc(ny * 4);
            const am = be.alloc(ny * 4);
            be.abi.f32_pool2d_nhwc(POOL.max, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, px, a, am);
            be.abi.f32_pool2d_nhwc(POOL.max, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, px, b, 0);
            expectBitIdentical(get(be, b, ny), get(be, a, ny), `${build}: max pool without argmax`);
            const amv = be.i32().slice(am >>> 2, (am >>> 2) + ny);
            const av = get(be, a, ny);
            for (let i = 0; i < ny; i++) expect(Object.is(xt[amv[i]], av[i])).toBe(true);
            for (const p of [px, a, b, am]) be.free(p);
          }
        }
        const outs = await checkOp(`${mode} pool backward ${name}`, {
          inputs: [x, dy],
          reference: ([rx, rdy]) => poolBackwardRef(mode, g, rx, rdy),
          subject: (be, [px, pdy]) => {
            const y = be.alloc(ny * 4);
            const am = be.alloc(ny * 4);
            const dx = be.alloc(nx * 4);
            be.abi.f32_pool2d_nhwc(POOL[mode], g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, px, y, am);
            if (mode === 'max') be.abi.f32_maxpool_backward(ny, nx, pdy, am, dx);
            else be.abi.f32_pool2d_backward_nhwc(POOL[mode], g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, px, y, pdy, dx);
            const out = get(be, dx, nx);
            for (const p of [y, am, dx]) be.free(p);
            return out;
          },
          atol: 1e-6, rtol: 1e-5,
        });
        expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, 'simd vs scalar');
      });
    }
  }

  it('global average pooling and its backward', async () => {
    const [n, hw, c] = [3, 10, 7];
    const x = randArray(n * hw * c, 7);
    const dy = randArray(n * c, 8);
    await checkOp('global avg', {
      inputs: [x, dy],
      reference: ([rx, rdy]) => {
        const out: number[] = [];
        for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) { let s = 0; for (let p = 0; p < hw; p++) s += rx[(b * hw + p) * c + ch]; out.push(s / hw); }
        for (let b = 0; b < n; b++) for (let p = 0; p < hw; p++) for (let ch = 0; ch < c; ch++) out.push(rdy[b * c + ch] / hw);
        return out;
      },
      subject: (be, [px, pdy]) => {
        const y = be.alloc(n * c * 4);
        const dx = be.alloc(n * hw * c * 4);
        be.abi.f32_global_avgpool(n, hw, c, px, y);
        be.abi.f32_global_avgpool_backward(n, hw, c, pdy, dx);
        const out = Float32Array.from([...get(be, y, n * c), ...get(be, dx, n * hw * c)]);
        be.free(y);
        be.free(dx);
        return out;
      },
      atol: 1e-6, rtol: 1e-5,
    });
  });
});

