import { describe, it, expect } from 'vitest';
import { Xoshiro128 } from '../reference/xoshiro.js';
import { BUILDS, backendFor, get } from '../helpers.js';
import type { Backend } from '../../src/index.js';

function fill(be: Backend, seed: number, n: number, f: (state: number, out: number) => void): Float32Array {
  const state = be.alloc(16);
  const out = be.alloc(n * 4);
  be.abi.rng_seed(state, seed >>> 0, Math.floor(seed / 2 ** 32));
  f(state, out);
  const r = get(be, out, n);
  be.free(state);
  be.free(out);
  return r;
}

function moments(x: Float32Array) {
  let s = 0, s2 = 0;
  for (const v of x) { s += v; s2 += v * v; }
  const mean = s / x.length;
  return { mean, variance: s2 / x.length - mean * mean };
}

describe('xoshiro128** random generator in wasm', () => {
  it('raw outputs match an independent TypeScript implementation, seeds up to 2^53', async () => {
    for (const build of BUILDS) {
      const be = await backendFor(build);
      for (const seed of [0, 1, 42, 2 ** 32 + 7, 2 ** 53 - 1]) {
        const state = be.alloc(16);
        be.abi.rng_seed(state, seed >>> 0, Math.floor(seed / 2 ** 32));
        const ref = new Xoshiro128(BigInt(seed));
        for (let i = 0; i < 100; i++) expect(be.abi.rng_next_u32(state) >>> 0).toBe(ref.next());
        be.free(state);
      }
    }
  });

  it('uniform: same seed same numbers in every build, right moments and range', async () => {
    const n = 100_000;
    const per = [];
    for (const build of BUILDS) {
      const be = await backendFor(build);
      per.push(fill(be, 9, n, (s, o) => be.abi.f32_rand_uniform(s, n, o, -2, 3)));
    }
    for (const r of per) expect(Array.from(r.slice(0, 50))).toEqual(Array.from(per[0].slice(0, 50)));
    const x = per[0];
    expect(Math.min(...x.slice(0, 10000))).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...x.slice(0, 10000))).toBeLessThan(3);
    const { mean, variance } = moments(x);
    // mean 0.5, variance 25/12; tolerances are > 5 standard errors
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.025);
    expect(Math.abs(variance - 25 / 12)).toBeLessThan(0.05);
    const be = await backendFor('simd');
    const other = fill(be, 10, 50, (s, o) => be.abi.f32_rand_uniform(s, 50, o, -2, 3));
    expect(Array.from(other)).not.toEqual(Array.from(x.slice(0, 50)));
  });

  it('normal: moments, symmetry, and an odd count', async () => {
    const be = await backendFor('simd');
    const n = 100_001;
    const x = fill(be, 3, n, (s, o) => be.abi.f32_rand_normal(s, n, o, 1.5, 2));
    const { mean, variance } = moments(x);
    expect(Math.abs(mean - 1.5)).toBeLessThan(0.04);
    expect(Math.abs(variance - 4)).toBeLessThan(0.1);
    // Fraction within one standard deviation: 68.27%
    const within = x.filter((v) => Math.abs(v - 1.5) < 2).length / n;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.01);
    expect(x.every(Number.isFinite)).toBe(true);
  });

  it('bernoulli, sampling from probabilities, and the dropout mask', async () => {
    const be = await backendFor('simd');
    const n = 50_000;
    const b = fill(be, 4, n, (s, o) => be.abi.f32_rand_bernoulli(s, n, o, 0.3));
    expect(b.every((v) => v === 0 || v === 1)).toBe(true);
    expect(Math.abs(moments(b).mean - 0.3)).toBeLessThan(0.015);
    const probs = be.alloc(n * 4);
    const pv = be.f32().subarray(probs >>> 2, (probs >>> 2) + n);
    for (let i = 0; i < n; i++) pv[i] = i % 2 ? 0.9 : 0.1;
    const g = fill(be, 5, n, (s, o) => be.abi.f32_sample_bernoulli(s, n, probs, o));
    be.free(probs);
    const odd = g.filter((_, i) => i % 2 === 1);
    const even = g.filter((_, i) => i % 2 === 0);
    expect(Math.abs(moments(odd).mean - 0.9)).toBeLessThan(0.02);
    expect(Math.abs(moments(even).mean - 0.1)).toBeLessThan(0.02);
    const d = fill(be, 6, n, (s, o) => be.abi.f32_dropout_mask(s, n, o, 0.8));
    expect(d.every((v) => v === 0 || Math.abs(v - 1.25) < 1e-6)).toBe(true);
    // Inverted dropout keeps the expectation at 1.
    expect(Math.abs(moments(d).mean - 1)).toBeLessThan(0.02);
  });
});
