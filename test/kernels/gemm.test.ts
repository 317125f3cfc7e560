import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ACT, createBackend, type Backend } from '../../src/index.js';
import { gemmRef } from '../reference/gemm.js';
import { actRef, type Act } from '../reference/activation.js';
import { BUILDS, backendFor, checkOp, expectBitIdentical, get, put, randArray } from '../helpers.js';

interface Case {
  m: number; n: number; k: number;
  transA?: boolean; transB?: boolean;
  alpha?: number; beta?: number; bias?: boolean;
  act?: Act; actAlpha?: number;
  /** Extra columns of padding in each leading dimension (a submatrix of a wider array). */
  pad?: number;
}

/** Runs f32_gemm on a backend; allocates and frees everything it uses. */
function runGemm(be: Backend, c: Case, a: Float32Array, b: Float32Array, c0: Float32Array, bias: Float32Array | null): Float32Array {
  const { m, n, k, transA = false, transB = false, alpha = 1, beta = 0, act = 'linear', actAlpha = 0, pad = 0 } = c;
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const ldc = n + pad;
  const pa = put(be, a);
  const pb = put(be, b);
  const pc = put(be, c0);
  const pbias = bias ? put(be, bias) : 0;
  const work = be.gemmWorkspace(m, n, k);
  be.abi.f32_gemm(transA ? 1 : 0, transB ? 1 : 0, ACT[act], m, n, k, pa, lda, pb, ldb, pbias, pc, ldc, alpha, beta, actAlpha, work);
  const out = get(be, pc, c0.length);
  for (const p of [pa, pb, pc]) be.free(p);
  if (pbias) be.free(pbias);
  void lda; void ldb;
  return out;
}

function inputs(c: Case, seed: number) {
  const { m, n, k, transA = false, transB = false, pad = 0 } = c;
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const ldc = n + pad;
  const a = randArray((transA ? k : m) * lda, seed);
  const b = randArray((transB ? n : k) * ldb, seed + 1);
  const c0 = randArray(m * ldc, seed + 2);
  const bias = c.bias ? randArray(n, seed + 3) : null;
  return { a, b, c0, bias, lda, ldb, ldc };
}

async function check(c: Case, seed = 7): Promise<Map<string, Float32Array>> {
  const { m, n, k, transA = false, transB = false, alpha = 1, beta = 0, act = 'linear', actAlpha = 0 } = c;
  const { a, b, c0, bias, lda, ldb, ldc } = inputs(c, seed);
  // Float32 accumulation over k terms of size <= 1: the error grows like sqrt(k) ulps of k.
  const atol = 2e-6 * Math.max(1, k) ** 0.75 + 1e-6;
  const label = `gemm ${JSON.stringify(c)}`;
  return checkOp(label, {
    inputs: bias ? [a, b, c0, bias] : [a, b, c0],
    reference: ([ra, rb, rc, rbias]) =>
      gemmRef(transA, transB, m, n, k, alpha, ra, lda, rb, ldb, beta, rc, ldc, rbias ?? null, (x) => actRef(act, x, actAlpha)),
    subject: (be) => runGemm(be, c, a, b, c0, bias),
    atol,
    rtol: 1e-5,
  });
}

describe('f32_gemm against a float64 reference', () => {
  // Edge shapes named after what they exercise: the SIMD micro-kernel is
  // MR=5 x NR=8 (scalar 4 x 4), K is blocked by 256, M by 120, N by 1024.
  const edge: [string, Case][] = [
    ['1x1x1', { m: 1, n: 1, k: 1 }],
    ['k = 1', { m: 9, n: 17, k: 1 }],
    ['m below MR', { m: 3, n: 16, k: 7 }],
    ['m = MR, n = NR', { m: 5, n: 8, k: 9 }],
    ['m = MR + 1 (one full tile and a 1-row tail)', { m: 6, n: 8, k: 9 }],
    ['n not a multiple of NR', { m: 12, n: 13, k: 11 }],
    ['primes', { m: 7, n: 11, k: 13 }],
    ['n = 1 (matrix-vector)', { m: 31, n: 1, k: 29 }],
    ['m = 1 (vector-matrix)', { m: 1, n: 37, k: 41 }],
    ['k at the K block', { m: 13, n: 9, k: 256 }],
    ['k above the K block', { m: 13, n: 9, k: 257 }],
    ['k over two K blocks', { m: 7, n: 19, k: 600 }],
    ['m above the M block', { m: 121, n: 10, k: 5 }],
    ['n above the N block', { m: 3, n: 1031, k: 4 }],
    ['all blocks at once', { m: 130, n: 1030, k: 300 }],
    ['training forward 64x784x128', { m: 64, n: 128, k: 784 }],
  ];
  for (const [name, c] of edge) {
    it(`${name} (${c.m}x${c.n}x${c.k})`, async () => {
      await check(c);
    });
  }

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA} transB=${transB} on awkward shapes, with padded leading dimensions`, async () => {
        for (const [m, n, k] of [[7, 13, 5], [6, 8, 257], [19, 23, 29], [1, 9, 3]]) {
          await check({ m, n, k, transA, transB });
          await check({ m, n, k, transA, transB, pad: 3 });
        }
      });
    }
  }

  it('alpha and beta, including beta over several K blocks', async () => {
    await check({ m: 9, n: 10, k: 11, alpha: 0.5, beta: 2 });
    await check({ m: 9, n: 10, k: 600, alpha: -1.5, beta: 0.25 });
    await check({ m: 7, n: 5, k: 3, alpha: 2, beta: 1, transA: true });
  });

  it('fused bias and every activation in the epilogue', async () => {
    const acts: Act[] = ['linear', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'gelu', 'step', 'sign'];
    for (const act of acts) {
      await check({ m: 13, n: 21, k: 17, bias: true, act, actAlpha: act === 'leakyRelu' ? 0.1 : act === 'elu' ? 1.3 : 0 });
      await check({ m: 7, n: 9, k: 300, bias: true, act, beta: 1, actAlpha: act === 'leakyRelu' ? 0.1 : act === 'elu' ? 1.3 : 0 });
    }
  });

  it('k = 0 leaves act(beta C + bias)', async () => {
    await check({ m: 3, n: 5, k: 0, beta: 0.5, bias: true, act: 'relu' });
  });

  it('beta = 0 never reads C (NaN in C does not leak into the result)', async () => {
    for (const build of BUILDS) {
      const be = await backendFor(build);
      const c: Case = { m: 7, n: 9, k: 300 };
      const { a, b } = inputs(c, 3);
      const out = runGemm(be, c, a, b, new Float32Array(63).fill(NaN), null);
      expect(out.some(Number.isNaN), build).toBe(false);
    }
  });

  it('reads stay inside A and B: operands that end exactly at the end of wasm memory', async () => {
    for (const build of BUILDS) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        // A fresh backend, so the allocator's top is its high-water mark.
        const be = await createBackend({ build });
        // m = 7 and n = 3 leave partial tiles; k = 9.
        const [m, n, k] = [7, 3, 9];
        const a = randArray(m * k, 1);
        const b = randArray(k * n, 2);
        const pc = be.alloc(m * n * 4);
        const work = be.gemmWorkspace(m, n, k);
        const pb = put(be, b);
        // Place A so that its last byte is the last byte of linear memory.
        const s = be.memoryStats();
        const top = be.abi.heap_base() + s.reservedBytes;
        const aBytes = Math.ceil((m * k * 4) / 16) * 16;
        // End A on the first page boundary past top (the filler's allocation grows memory to exactly there).
        const end = Math.max(be.memory.buffer.byteLength, Math.ceil((top + aBytes + 16) / 65536) * 65536);
        const filler = be.alloc(end - top - aBytes);
        const pa = be.alloc(aBytes);
        expect(pa + aBytes).toBe(be.memory.buffer.byteLength);
        // Left-align A's values to its end so the final element is the final float of memory.
        const start = pa + aBytes - m * k * 4;
        be.f32().set(a, start >>> 2);
        be.abi.f32_gemm(transA ? 1 : 0, transB ? 1 : 0, 0, m, n, k, start, transA ? m : k, pb, transB ? k : n, 0, pc, n, 1, 0, 0, work);
        const ref = gemmRef(transA, transB, m, n, k, 1, a, transA ? m : k, b, transB ? k : n, 0, new Float64Array(m * n), n, null);
        const got = get(be, pc, m * n);
        for (let i = 0; i < m * n; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThan(1e-5);
        for (const p of [pa, filler, pb, pc]) be.free(p);
      }
    }
  });

  it('random shapes, transposes and scalars (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          m: fc.integer({ min: 1, max: 40 }),
          n: fc.integer({ min: 1, max: 40 }),
          k: fc.integer({ min: 0, max: 300 }),
          transA: fc.boolean(),
          transB: fc.boolean(),
          alpha: fc.constantFrom(1, -0.5, 2),
          beta: fc.constantFrom(0, 1, 0.5),
          bias: fc.boolean(),
          pad: fc.integer({ min: 0, max: 2 }),
        }),
        async (c) => {
          await check(c, 11);
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it('SIMD128 and scalar builds agree bit for bit (same order of IEEE operations)', async () => {
    const results = await check({ m: 37, n: 29, k: 513, bias: true, act: 'tanh', beta: 0.5, alpha: 1.25 });
    expectBitIdentical(results.get('simd')!, results.get('scalar')!, 'simd vs scalar');
  });
});

describe('f32_gemm_packed: op(B) packed once', () => {
  it('gives f32_gemm\'s bits on every build, over several K and N blocks, transposes, strides, bias, beta and activations', async () => {
    const cases: Case[] = [
      { m: 32, n: 256, k: 64 },
      { m: 7, n: 13, k: 5, transB: true, pad: 3, bias: true, act: 'tanh' },
      { m: 33, n: 1030, k: 300, transA: true, beta: 0.5, pad: 2 },
      { m: 5, n: 9, k: 257, transB: true, beta: 1, act: 'relu', bias: true },
      { m: 1, n: 1, k: 1 },
      { m: 12, n: 40, k: 3, act: 'elu', actAlpha: 0.7, alpha: -1.5 },
    ];
    for (const build of BUILDS) {
      const be = await backendFor(build);
      for (const c of cases) {
        const { m, n, k, transA = false, transB = false, alpha = 1, beta = 0, act = 'linear', actAlpha = 0 } = c;
        const { a, b, c0, bias, lda, ldb, ldc } = inputs(c, 11);
        const expected = runGemm(be, c, a, b, c0, bias);
        const before = be.memoryStats().liveBytes;
        const pa = put(be, a), pb = put(be, b), pc = put(be, c0), pbias = bias ? put(be, bias) : 0;
        const packed = be.alloc(be.abi.f32_gemm_packed_b_bytes(n, k));
        be.abi.f32_gemm_pack_b(transB ? 1 : 0, n, k, pb, ldb, packed);
        // The packed B serves several products.
        for (let rep = 0; rep < 2; rep++) {
          be.f32().set(c0, pc >>> 2);
          be.abi.f32_gemm_packed(transA ? 1 : 0, ACT[act], m, n, k, pa, lda, packed, pbias, pc, ldc, alpha, beta, actAlpha, be.gemmWorkspace(m, n, k));
          expectBitIdentical(get(be, pc, c0.length), expected, `packed ${build} ${JSON.stringify(c)}`);
        }
        for (const p of [pa, pb, pc, packed]) be.free(p);
        if (pbias) be.free(pbias);
        expect(be.memoryStats().liveBytes).toBe(before);
      }
    }
  });
});
