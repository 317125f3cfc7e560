// xoshiro128** (Blackman and Vigna) with its 16-byte state in wasm memory at
// `state`, seeded through splitmix64. Sequential by nature, so one scalar
// code path serves every build and every build draws the same numbers.
import { log_f32 } from "./math";

// @ts-ignore: decorator
@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

// @ts-ignore: decorator
@inline function next_u32(state: usize): u32 {
  let s0 = load<u32>(state, 0);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  store<u32>(state, s0, 0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

// @ts-ignore: decorator
@inline function next_unit(state: usize): f32 {
  // 24 random bits: uniform on [0, 1) with every value exactly representable.
  return <f32>(next_u32(state) >>> 8) * <f32>5.9604644775390625e-8;
}

function splitmix64(x: u64): u64 {
  let z = x + 0x9e3779b97f4a7c15;
  z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >>> 27)) * 0x94d049bb133111eb;
  return z ^ (z >>> 31);
}

/** Seeds the generator at `state` from a 64-bit seed given as two 32-bit halves. */
export function rng_seed(state: usize, lo: u32, hi: u32): void {
  const seed = (<u64>hi << 32) | <u64>lo;
  const a = splitmix64(seed);
  const b = splitmix64(seed + 0x9e3779b97f4a7c15);
  store<u32>(state, <u32>a, 0);
  store<u32>(state, <u32>(a >>> 32), 4);
  store<u32>(state, <u32>b, 8);
  store<u32>(state, <u32>(b >>> 32) | 1, 12);
}

/** The next raw 32-bit output (as i32 for the JS boundary). */
export function rng_next_u32(state: usize): u32 {
  return next_u32(state);
}

/** out[i] = uniform on [lo, hi). */
export function f32_rand_uniform(state: usize, n: i32, out: usize, lo: f32, hi: f32): void {
  const w = hi - lo;
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), lo + w * next_unit(state));
}

/** out[i] = mean + std * N(0, 1), by Marsaglia's polar method. */
export function f32_rand_normal(state: usize, n: i32, out: usize, mean: f32, std: f32): void {
  let i = 0;
  while (i < n) {
    let u: f32, v: f32, s: f32;
    do {
      u = <f32>2.0 * next_unit(state) - <f32>1.0;
      v = <f32>2.0 * next_unit(state) - <f32>1.0;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    const f = sqrt<f32>(<f32>-2.0 * log_f32(s) / s);
    store<f32>(out + (<usize>i << 2), mean + std * (u * f));
    i++;
    if (i < n) {
      store<f32>(out + (<usize>i << 2), mean + std * (v * f));
      i++;
    }
  }
}

/** out[i] = 1 with probability p, else 0. */
export function f32_rand_bernoulli(state: usize, n: i32, out: usize, p: f32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), next_unit(state) < p ? <f32>1.0 : <f32>0.0);
}

/** out[i] = 1 with probability probs[i], else 0 (Gibbs sampling); out may alias probs. */
export function f32_sample_bernoulli(state: usize, n: i32, probs: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, next_unit(state) < load<f32>(probs + o) ? <f32>1.0 : <f32>0.0);
  }
}

/** Inverted-dropout mask: out[i] = 1 / keep with probability keep, else 0. */
export function f32_dropout_mask(state: usize, n: i32, out: usize, keep: f32): void {
  const scale: f32 = <f32>1.0 / keep;
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), next_unit(state) < keep ? scale : <f32>0.0);
}
