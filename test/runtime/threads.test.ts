import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackend, initSync, kernels, layers, sequential, ValueError, type Backend } from '../../src/index.js';
import { gemmSplit } from '../../src/kernels/gemm.js';
import type { ConvWindow } from '../../src/kernels/geometry.js';
import { ACT } from '../../src/runtime/abi.js';
import { expectBitIdentical, expectClose, get, put, randArray } from '../helpers.js';

// Two workers besides the caller: three-way splits exercise uneven cuts.
let one: Backend;
let three: Backend;
beforeAll(async () => {
  one = await createBackend({ deterministic: true, seed: 3 });
  three = await createBackend({ deterministic: true, seed: 3, threads: 3 });
  // Every job on every thread (not as measured), so the tests run the blocks.
  three.threads!.policy = 'shared';
});
afterAll(() => {
  one.dispose();
  three.dispose();
});

/** The kernels `fn` hands to the worker threads of `be`. */
function splitKernels(be: Backend, fn: () => void): string[] {
  const pool = be.threads!;
  const run = pool.run;
  const seen: string[] = [];
  pool.run = (job) => {
    const blocks = job.blocks();
    seen.push(`${job.kernel} x${blocks.length}`);
    run.call(pool, { ...job, blocks: () => blocks });
  };
  try {
    fn();
  } finally {
    pool.run = run;
  }
  return seen;
}

interface GemmCase { m: number; n: number; k: number; transA: boolean; transB: boolean; bias: boolean; beta: number; act: number }

function runGemm(be: Backend, c: GemmCase, packed: boolean): Float32Array {
  const a = put(be, randArray(c.m * c.k, 1));
  const b = put(be, randArray(c.k * c.n, 2));
  const out = put(be, randArray(c.m * c.n, 3));
  const bias = c.bias ? put(be, randArray(c.n, 4)) : 0;
  if (packed) {
    const p = be.alloc(kernels.gemmPackedBBytes(be, c.n, c.k));
    kernels.gemmPackB(be, { n: c.n, k: c.k, b, transB: c.transB, packed: p });
    kernels.gemmPacked(be, { m: c.m, n: c.n, k: c.k, a, transA: c.transA, packed: p, c: out, bias, beta: c.beta, act: c.act, actAlpha: 0.1 });
    be.free(p);
  } else {
    kernels.gemm(be, { m: c.m, n: c.n, k: c.k, a, b, c: out, transA: c.transA, transB: c.transB, bias, beta: c.beta, act: c.act, actAlpha: 0.1 });
  }
  const r = get(be, out, c.m * c.n);
  for (const p of [a, b, out, bias]) if (p) be.free(p);
  return r;
}

describe('threads: init', () => {
  it('runs the asked number of threads in Node, on shared memory', () => {
    const info = three.info();
    expect(info.threads).toBe(3);
    expect(info.threadsUnavailable).toBeUndefined();
    expect(three.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(one.info().threads).toBe(1);
  });

  it('rejects a thread count that is not an integer in [1, 64], and threads without async init', async () => {
    for (const bad of [0, 1.5, 65, Number.NaN, '2']) {
      await expect(createBackend({ threads: bad as number })).rejects.toThrow(ValueError);
      await expect(createBackend({ threads: bad as number })).rejects.toThrow(/threads must be an integer in \[1, 64\]/);
    }
    expect(() => initSync({ threads: 2 })).toThrow(/use `await init\(\{ threads \}\)`/);
  });

  it("falls back to one thread, saying why, on a browser's main thread and without SharedArrayBuffer", async () => {
    vi.stubGlobal('document', {});
    try {
      const be = await createBackend({ threads: 2 });
      expect(be.info().threads).toBe(1);
      expect(be.info().threadsUnavailable).toMatch(/main thread may not block.*Web Worker/);
      be.dispose();
    } finally {
      vi.unstubAllGlobals();
    }
    vi.stubGlobal('crossOriginIsolated', false);
    try {
      const be = await createBackend({ threads: 2 });
      expect(be.info().threadsUnavailable).toMatch(/cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin/);
      be.dispose();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('threads: GEMM split over rows or columns gives the single-thread bits', () => {
  const cases: GemmCase[] = [
    { m: 257, n: 130, k: 129, transA: false, transB: false, bias: true, beta: 0, act: ACT.relu },
    { m: 64, n: 1031, k: 70, transA: false, transB: true, bias: true, beta: 0.5, act: ACT.linear },
    { m: 301, n: 13, k: 300, transA: true, transB: false, bias: false, beta: 1, act: ACT.tanh },
    { m: 33, n: 517, k: 260, transA: true, transB: true, bias: true, beta: 0, act: ACT.leakyRelu },
    { m: 784, n: 128, k: 256, transA: true, transB: false, bias: false, beta: 0, act: ACT.linear },
  ];
  for (const c of cases) {
    const split = gemmSplit(c.m, c.n, c.k, 3);
    it(`${c.m}x${c.n}x${c.k} transA ${c.transA} transB ${c.transB} (split over ${split?.rows ? 'rows' : 'columns'})`, () => {
      expect(split).not.toBeNull();
      let r: Float32Array = new Float32Array(0);
      expect(splitKernels(three, () => (r = runGemm(three, c, false)))).toEqual([`f32_gemm x${split!.cuts.length - 1}`]);
      expectBitIdentical(r, runGemm(one, c, false), 'gemm');
      if (split!.rows) expectBitIdentical(runGemm(three, c, true), runGemm(one, c, true), 'gemmPacked');
    });
  }

  it('keeps small products on one thread, and cuts into blocks on micro-tile boundaries', () => {
    expect(gemmSplit(8, 8, 8, 2)).toBeNull();
    expect(gemmSplit(512, 512, 512, 1)).toBeNull();
    expect(gemmSplit(512, 512, 512, 2)).toEqual({ rows: true, cuts: [0, 260, 512] });
    expect(gemmSplit(4, 1000, 1000, 2)).toEqual({ rows: false, cuts: [0, 504, 1000] });
    expect(gemmSplit(128, 128, 64, 2)).toEqual({ rows: true, cuts: [0, 65, 128] });
    // Blocks of at least 2^18 multiply-adds: 2^20 makes 4 blocks, not 8.
    expect(gemmSplit(128, 128, 64, 8)).toEqual({ rows: true, cuts: [0, 35, 70, 105, 128] });
    // At most 64 blocks, however many threads.
    expect(gemmSplit(4096, 512, 512, 64)!.cuts.length).toBe(65);
  });

  it('runs each block exactly once over many back-to-back jobs (C += A·B accumulates every block once)', () => {
    const cases: GemmCase[] = [
      { m: 300, n: 96, k: 200, transA: false, transB: false, bias: false, beta: 1, act: ACT.linear },
      { m: 12, n: 900, k: 300, transA: false, transB: true, bias: true, beta: 1, act: ACT.linear },
    ];
    const want = cases.map((c) => runGemm(one, c, false));
    for (let i = 0; i < 300; i++) expectBitIdentical(runGemm(three, cases[i % 2], false), want[i % 2], `job ${i}`);
  });
});

describe('threads: graceful under contention', () => {
  /** Runs `jobs` GEMMs on a fresh two-thread backend whose clock makes shared job i take `shared(i)` ms and one run alone 1 ms; counts the shared jobs from `from` on. */
  async function adapt(shared: (i: number) => number, jobs: number, from = 0) {
    const be = await createBackend({ deterministic: true, seed: 1, threads: 2 });
    const pool = be.threads!;
    let t = 0;
    let i = 0;
    let ends = false;
    let seen = pool.sharedJobs;
    pool.clock = () => {
      // Called at the start of a job and at its end.
      if (ends) {
        t += pool.sharedJobs !== seen ? shared(i) : 1;
        seen = pool.sharedJobs;
      }
      ends = !ends;
      return t;
    };
    const c: GemmCase = { m: 16, n: 512, k: 256, transA: false, transB: false, bias: false, beta: 0, act: ACT.linear };
    expect(gemmSplit(c.m, c.n, c.k, 2)?.rows).toBe(false);
    const want = runGemm(one, c, false);
    const a = put(be, randArray(c.m * c.k, 1));
    const b = put(be, randArray(c.k * c.n, 2));
    const out = be.alloc(c.m * c.n * 4);
    let before = { shared: 0, alone: 0 };
    for (i = 0; i < jobs; i++) {
      if (i === from) before = { shared: pool.sharedJobs, alone: pool.soloJobs };
      kernels.gemm(be, { m: c.m, n: c.n, k: c.k, a, b, c: out });
    }
    expectBitIdentical(get(be, out, c.m * c.n), want, 'gemm');
    const r = { shared: pool.sharedJobs - before.shared, alone: pool.soloJobs - before.alone };
    be.dispose();
    return r;
  }

  it('runs a kind of job alone when sharing it is slower, trying to share less and less often', async () => {
    const r = await adapt(() => 10, 2000);
    // Trials of 4 shared jobs (40 ms of clock): after the first job, then at least 16 x 40 ms apart.
    expect(r.shared).toBe(16);
    expect(r.alone).toBe(1984);
  });

  it('shares a kind of job when that is faster', async () => {
    const r = await adapt(() => 0.5, 2000);
    // The first job, then trials of 4 jobs alone (4 ms) 10, 20, 40, ..., 250, 250 ms of clock apart (about 1,000 ms in all).
    expect(r.alone).toBe(25);
    expect(r.shared).toBe(1975);
  });

  it('goes back to sharing within a second once the other core is free again', async () => {
    // Sharing is slow for 1,000 jobs (about 1.1 s of clock), then fast: the next trial (at most 16 x 40 ms later) wins.
    const r = await adapt((i) => (i < 1000 ? 10 : 0.5), 4000, 1000);
    expect(r.shared).toBeGreaterThan(2600);
  });

  it('gives the same bits alone and shared, the filter gradient included', () => {
    const pool = three.threads!;
    const g: ConvWindow = { h: 12, w: 12, c: 4, oh: 10, ow: 10, ph: 0, pw: 0, kernel: [3, 3], strides: [1, 1], dilation: [1, 1] };
    const run = () => {
      const x = put(three, randArray(16 * 12 * 12 * 4, 8));
      const dy = put(three, randArray(16 * 10 * 10 * 8, 9));
      const dW = put(three, randArray(9 * 4 * 8, 10));
      kernels.conv2dFilterGrad(three, { batch: 16, geometry: g, x, dy, filters: 8, dW });
      const r = get(three, dW, 9 * 4 * 8);
      for (const p of [x, dy, dW]) three.free(p);
      return r;
    };
    const shared = run();
    pool.policy = 'alone';
    try {
      expectBitIdentical(run(), shared, 'filter gradient alone');
      const c: GemmCase = { m: 257, n: 130, k: 129, transA: false, transB: false, bias: true, beta: 0, act: ACT.relu };
      expectBitIdentical(runGemm(three, c, false), runGemm(one, c, false), 'gemm alone');
    } finally {
      pool.policy = 'shared';
    }
  });
});

describe('threads: convolutions split over the batch', () => {
  const g: ConvWindow = { h: 14, w: 13, c: 8, oh: 12, ow: 11, ph: 0, pw: 0, kernel: [3, 3], strides: [1, 1], dilation: [1, 1] };
  const n = 9;
  const F = 16;
  function conv(be: Backend, pool: boolean): Float32Array {
    const x = put(be, randArray(n * g.h * g.w * g.c, 5));
    const k = put(be, randArray(9 * g.c * F, 6));
    const bias = put(be, randArray(F, 7));
    const rows = pool ? n * (g.oh >> 1) * (g.ow >> 1) : n * g.oh * g.ow;
    const y = be.alloc(rows * F * 4);
    const o = { batch: n, geometry: g, x, kernel: k, filters: F, y, bias, act: ACT.relu };
    if (pool) kernels.conv2dIgemmMaxPool2(be, o);
    else kernels.conv2dIgemm(be, o);
    const r = get(be, y, rows * F);
    for (const p of [x, k, bias, y]) be.free(p);
    return r;
  }
  function filterGrad(be: Backend): Float32Array {
    const x = put(be, randArray(n * g.h * g.w * g.c, 8));
    const dy = put(be, randArray(n * g.oh * g.ow * F, 9));
    const dW = put(be, randArray(9 * g.c * F, 10));
    kernels.conv2dFilterGrad(be, { batch: n, geometry: g, x, dy, filters: F, dW });
    const r = get(be, dW, 9 * g.c * F);
    for (const p of [x, dy, dW]) be.free(p);
    return r;
  }

  it('forward and the fused max pooling: the single-thread bits', () => {
    let r: Float32Array = new Float32Array(0);
    expect(splitKernels(three, () => (r = conv(three, false)))).toEqual(['f32_conv2d_igemm_nhwc x3']);
    expectBitIdentical(r, conv(one, false), 'conv');
    expectBitIdentical(conv(three, true), conv(one, true), 'conv + pool');
  });

  it('input gradient by col2im: the GEMM over rows and the scatter over the batch, the single-thread bits', () => {
    const g2: ConvWindow = { h: 29, w: 28, c: 32, oh: 15, ow: 14, ph: 1, pw: 1, kernel: [3, 3], strides: [2, 2], dilation: [1, 1] };
    const nb = 18;
    const inputGrad = (be: Backend) => {
      const dy = put(be, randArray(nb * 15 * 14 * F, 11));
      const k = put(be, randArray(9 * g2.c * F, 12));
      const dx = put(be, randArray(nb * 29 * 28 * g2.c, 13));
      kernels.conv2dInputGradCol2im(be, { batch: nb, geometry: g2, dy, kernel: k, filters: F, dx });
      const r = get(be, dx, nb * 29 * 28 * g2.c);
      for (const p of [dy, k, dx]) be.free(p);
      return r;
    };
    let r: Float32Array = new Float32Array(0);
    expect(splitKernels(three, () => (r = inputGrad(three)))).toEqual(['f32_gemm x3', 'f32_col2im_nhwc x3']);
    expectBitIdentical(r, inputGrad(one), 'col2im');
  });

  it('filter gradient: partial sums added in block order, the same bits run to run, within float rounding of one thread', () => {
    let a: Float32Array = new Float32Array(0);
    expect(splitKernels(three, () => (a = filterGrad(three)))).toEqual(['f32_conv2d_filter_grad_nhwc x3']);
    for (let i = 0; i < 20; i++) expectBitIdentical(filterGrad(three), a, `run ${i}`);
    expectBitIdentical(filterGrad(three), a, 'run to run');
    expectClose(a, filterGrad(one), { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('threads: models', () => {
  it('an MLP trains to the single-thread bits (dense layers only cut GEMMs over rows or columns)', async () => {
    const x = randArray(256 * 64, 11);
    const y = new Int32Array(256).map((_, i) => (x[i * 64] * x[i * 64 + 1] > 0 ? 1 : 0));
    const weights: Float32Array[] = [];
    for (const backend of [one, three]) {
      const model = sequential({ backend, seed: 5, layers: [layers.dense({ units: 96, activation: 'relu', inputShape: [64] }), layers.dense({ units: 2, activation: 'softmax' })] });
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await model.fit(x, y, { epochs: 3, batchSize: 128, shuffle: false });
      weights.push(model.getWeightsFlat());
      model.dispose();
    }
    expectBitIdentical(weights[1], weights[0], 'weights');
  });

  it('a CNN trains to the same bits run to run with threads, and close to one thread', async () => {
    const x = randArray(32 * 64, 12);
    const y = new Int32Array(32).map((_, i) => (x[i * 64 + 9] > 0 ? 1 : 0));
    const train = async (backend: Backend) => {
      const model = sequential({
        backend, seed: 6, layers: [
          layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
          layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
          layers.flatten(),
          layers.dense({ units: 2, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      await model.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false });
      const w = model.getWeightsFlat();
      model.dispose();
      return w;
    };
    const a = await train(three);
    expectBitIdentical(await train(three), a, 'run to run');
    expectClose(a, await train(one), { rtol: 1e-4, atol: 1e-5 });
  });

  it('leaves live bytes where they started after many threaded calls', () => {
    const before = three.memoryStats();
    const c: GemmCase = { m: 200, n: 100, k: 100, transA: false, transB: false, bias: true, beta: 0, act: ACT.relu };
    for (let i = 0; i < 200; i++) runGemm(three, c, i % 2 === 0);
    const after = three.memoryStats();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveAllocations).toBe(before.liveAllocations);
  });
});
