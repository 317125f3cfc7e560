// matmul keeps the packed copy of a right operand it sees twice. The cached
// product must be the same bits as packing anew, must follow every change of
// b made through view(), and must give its memory back with b.
import { describe, it, expect } from 'vitest';
import { Tensor, createBackend, tensor, matmul, tidy, type Backend } from '../../src/index.js';
import { PACKED_CACHE_BYTES, packedCacheBytes } from '../../src/ops/packed-cache.js';
import { gemmRef } from '../reference/gemm.js';
import { BUILDS, backendFor, expectBitIdentical, expectClose, randArray } from '../helpers.js';

const live = (be: Backend) => be.memoryStats().liveBytes;

/** float64 reference of act(op(a) · op(b) + bias). */
function ref(av: Float32Array, bv: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean, bias: Float32Array | null = null, act?: (x: number) => number) {
  return gemmRef(ta, tb, m, n, k, 1, av, ta ? m : k, bv, tb ? k : n, 0, new Float64Array(m * n), n, bias, act);
}

describe('matmul: the packed right operand kept with b', () => {
  for (const build of BUILDS) {
    it(`${build}: cached products are bit-identical to packing anew (shapes, transposes, bias, activations)`, async () => {
      const be = await backendFor(build);
      const start = live(be);
      for (const [m, n, k] of [[1, 1, 1], [5, 7, 3], [64, 10, 128], [13, 29, 300], [70, 130, 90]]) {
        for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
          for (const options of [{}, { bias: randArray(n, 7), activation: 'relu' as const }, { activation: 'elu' as const, alpha: 0.5 }]) {
            const label = `${build} ${m}x${n}x${k} ${ta} ${tb} ${JSON.stringify(Object.keys(options))}`;
            const av = randArray(m * k, m * 31 + k);
            const bv = randArray(k * n, n * 17 + k);
            const a = tensor(av, ta ? [k, m] : [m, k], 'float32', be);
            const b = tensor(bv, tb ? [n, k] : [k, n], 'float32', be);
            const opts = { transposeA: ta, transposeB: tb, ...options };
            const bytes0 = packedCacheBytes(be);
            const first = matmul(a, b, opts); // used once: the plain GEMM, nothing kept
            expect(packedCacheBytes(be), label).toBe(bytes0);
            const second = matmul(a, b, opts); // packs b and keeps it
            expect(packedCacheBytes(be), label).toBeGreaterThan(bytes0);
            const third = matmul(a, b, opts); // reuses the kept panels
            const fresh = b.clone(); // a tensor never seen: packed anew
            const uncached = matmul(a, fresh, opts);
            const f = first.toFloat32Array();
            expectBitIdentical(second.toFloat32Array(), f, `${label} second`);
            expectBitIdentical(third.toFloat32Array(), f, `${label} third`);
            expectBitIdentical(uncached.toFloat32Array(), f, `${label} uncached`);
            if (!('activation' in options)) expectClose(f, ref(av, bv, m, n, k, ta, tb), { atol: 1e-5, rtol: 1e-5 }, label);
            for (const t of [a, b, first, second, third, fresh, uncached]) t.dispose();
            expect(packedCacheBytes(be), label).toBe(bytes0);
          }
        }
      }
      expect(live(be)).toBe(start);
    });
  }

  it('a change of b through view() after a cached product shows in the next product', async () => {
    const be = await backendFor('simd');
    const [m, n, k] = [9, 21, 33];
    const av = randArray(m * k, 1);
    const bv = randArray(k * n, 2);
    const a = tensor(av, [m, k], 'float32', be);
    const b = tensor(bv, [k, n], 'float32', be);
    matmul(a, b).dispose();
    const cached = matmul(a, b); // b is packed and kept now
    const before = packedCacheBytes(be);
    expect(before).toBeGreaterThan(0);
    // Room for the products below, so the view taken next stays valid across them.
    tensor(new Float32Array(1 << 16), undefined, 'float32', be).dispose();
    const v = b.view();
    const afterView = packedCacheBytes(be);
    expect(afterView).toBeLessThan(before); // view() frees what was derived from b
    const same = matmul(a, b);
    expectBitIdentical(same.toFloat32Array(), cached.toFloat32Array(), 'unchanged b');
    // Write through the view taken before those products, then through a new one.
    v[0] = 100;
    bv[0] = 100;
    const afterOld = matmul(a, b);
    expect(afterOld.toFloat32Array()[0]).not.toBe(cached.toFloat32Array()[0]);
    expectClose(afterOld.toFloat32Array(), ref(av, bv, m, n, k, false, false), { atol: 1e-5, rtol: 1e-5 }, 'after a write through the old view');
    b.view()[5 * n + 3] = -7;
    bv[5 * n + 3] = -7;
    for (let i = 0; i < 3; i++) {
      const c = matmul(a, b);
      expectClose(c.toFloat32Array(), ref(av, bv, m, n, k, false, false), { atol: 1e-5, rtol: 1e-5 }, `after a write through view(), call ${i}`);
      c.dispose();
    }
    expect(packedCacheBytes(be)).toBe(afterView); // nothing kept for b again
    for (const t of [a, b, cached, same, afterOld]) t.dispose();
    expect(packedCacheBytes(be)).toBe(0);
  });

  it('nothing is kept for b given as an array, or for a tensor wrapping a region its creator knows', async () => {
    const be = await backendFor('simd');
    const a = tensor(randArray(4 * 6, 3), [4, 6], 'float32', be);
    const bv = randArray(6 * 5, 4);
    const nested = Array.from({ length: 6 }, (_, i) => Array.from(bv.subarray(i * 5, i * 5 + 5)));
    for (let i = 0; i < 3; i++) matmul(a, nested).dispose();
    expect(packedCacheBytes(be)).toBe(0);
    const ptr = be.alloc(bv.length * 4);
    be.f32().set(bv, ptr >>> 2);
    const wrapped = new Tensor(be, [6, 5], ptr);
    const c1 = matmul(a, wrapped);
    const c2 = matmul(a, wrapped);
    expect(packedCacheBytes(be)).toBe(0);
    be.f32()[ptr >>> 2] += 1; // the creator writes through its offset
    const c3 = matmul(a, wrapped);
    expect(c3.toFloat32Array()[0]).not.toBe(c2.toFloat32Array()[0]);
    expectBitIdentical(c1.toFloat32Array(), c2.toFloat32Array(), 'wrapped');
    for (const t of [a, wrapped, c1, c2, c3]) t.dispose();
  });

  it('one b used with and without transposeB keeps the right packing for each', async () => {
    const be = await backendFor('simd');
    const n = 12;
    const av = randArray(7 * n, 5);
    const bv = randArray(n * n, 6);
    const a = tensor(av, [7, n], 'float32', be);
    const b = tensor(bv, [n, n], 'float32', be);
    for (const tb of [false, false, true, true, false, true, false]) {
      const c = matmul(a, b, { transposeB: tb });
      expectClose(c.toFloat32Array(), ref(av, bv, 7, n, n, false, tb), { atol: 1e-5, rtol: 1e-5 }, `transposeB ${tb}`);
      c.dispose();
    }
    a.dispose();
    b.dispose();
    expect(packedCacheBytes(be)).toBe(0);
  });

  it(`thousands of products on kept and fresh operands leave live bytes where they started; the cache stays under ${PACKED_CACHE_BYTES >> 20} MiB`, async () => {
    const be = await backendFor('simd');
    const start = live(be);
    const a = tensor(randArray(8 * 64, 7), [8, 64], 'float32', be);
    const w = tensor(randArray(64 * 32, 8), [64, 32], 'float32', be);
    const once = matmul(a, w);
    const expected = once.toFloat32Array();
    once.dispose();
    for (let i = 0; i < 3000; i++) {
      const c = matmul(a, w, { transposeB: false });
      if (i % 500 === 0) expectBitIdentical(c.toFloat32Array(), expected, `call ${i}`);
      c.dispose();
      if (i % 3 === 0) {
        const fresh = tensor(randArray(64 * 16, i), [64, 16], 'float32', be);
        matmul(a, fresh).dispose();
        matmul(a, fresh).dispose(); // kept, then freed with fresh
        fresh.dispose();
      }
      if (i % 7 === 0) {
        tidy(() => {
          matmul(a, matmul(w, tensor(randArray(32 * 8, i), [32, 8], 'float32', be)));
        });
      }
    }
    expect(packedCacheBytes(be)).toBeGreaterThan(0); // w's panels
    a.dispose();
    w.dispose();
    expect(packedCacheBytes(be)).toBe(0);
    expect(live(be)).toBe(start);
  });

  it('with worker threads the cached product has the single-thread bits (split over rows, and over columns where nothing is kept)', async () => {
    const one = await createBackend({ deterministic: true, seed: 1 });
    const two = await createBackend({ deterministic: true, seed: 1, threads: 2 });
    try {
      for (const [m, n, k] of [[300, 64, 256], [4, 1000, 600]]) {
        const av = randArray(m * k, m);
        const bv = randArray(k * n, n);
        const runs = [one, two].map((be) => {
          const a = tensor(av, [m, k], 'float32', be);
          const b = tensor(bv, [k, n], 'float32', be);
          const outs = [0, 1, 2].map(() => {
            const c = matmul(a, b, { activation: 'relu' });
            const v = c.toFloat32Array();
            c.dispose();
            return v;
          });
          a.dispose();
          b.dispose();
          return outs;
        });
        for (const v of [...runs[0], ...runs[1]]) expectBitIdentical(v, runs[0][0], `${m}x${n}x${k}`);
      }
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it('past the cache budget the least recently used panels are dropped and products stay right', async () => {
    const be = await backendFor('simd');
    const start = live(be);
    const k = 1024;
    const n = 1024; // 4 MiB of panels each: 20 of them overflow the budget
    const av = randArray(k, 9);
    const a = tensor(av, [1, k], 'float32', be);
    const bs: Tensor[] = [];
    const bvs: Float32Array[] = [];
    for (let i = 0; i < 20; i++) {
      bvs.push(randArray(k * n, 100 + i));
      bs.push(tensor(bvs[i], [k, n], 'float32', be));
      matmul(a, bs[i]).dispose();
      matmul(a, bs[i]).dispose();
      expect(packedCacheBytes(be)).toBeLessThanOrEqual(PACKED_CACHE_BYTES);
    }
    expect(packedCacheBytes(be)).toBeGreaterThan(PACKED_CACHE_BYTES / 2);
    for (const i of [0, 19, 3]) {
      const c = matmul(a, bs[i]);
      expectClose(c.toFloat32Array(), ref(av, bvs[i], 1, n, k, false, false), { atol: 1e-4, rtol: 1e-4 }, `b ${i}`);
      c.dispose();
    }
    for (const b of bs) b.dispose();
    a.dispose();
    expect(packedCacheBytes(be)).toBe(0);
    expect(live(be)).toBe(start);
  });
});
