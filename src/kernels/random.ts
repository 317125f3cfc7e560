import type { Backend } from '../runtime/backend.js';

// Every draw comes from a 16-byte xoshiro128** state in wasm memory: `state`,
// or the backend's own generator (be.rngState) when it is left out.

/** Options of randUniform(): out = uniform on [lo, hi). */
export interface RandUniformOptions {
  n: number;
  out: number;
  lo: number;
  hi: number;
  /** Generator state; default the backend's. */
  state?: number;
}

/** Options of randNormal(): out = mean + std · N(0, 1). */
export interface RandNormalOptions {
  n: number;
  out: number;
  mean: number;
  std: number;
  /** Generator state; default the backend's. */
  state?: number;
}

/** Options of randBernoulli(): out = 1 with probability p, else 0. */
export interface RandBernoulliOptions {
  n: number;
  out: number;
  p: number;
  /** Generator state; default the backend's. */
  state?: number;
}

/** Options of sampleBernoulli(): out[i] = 1 with probability probs[i], else 0. */
export interface SampleBernoulliOptions {
  n: number;
  probs: number;
  /** May alias probs. */
  out: number;
  /** Generator state; default the backend's. */
  state?: number;
}

/** Options of dropoutMask(): out = 1 / keep with probability keep, else 0. */
export interface DropoutMaskOptions {
  n: number;
  out: number;
  keep: number;
  /** Generator state; default the backend's. */
  state?: number;
}

/** Options of nextU32(). */
export interface NextU32Options {
  /** Generator state; default the backend's. */
  state?: number;
}

/** Uniform values on [lo, hi). */
export function randUniform(be: Backend, o: RandUniformOptions): void {
  be.abi.f32_rand_uniform(o.state ?? be.rngState, o.n, o.out, o.lo, o.hi);
}

/** Normal values (Marsaglia's polar method). */
export function randNormal(be: Backend, o: RandNormalOptions): void {
  be.abi.f32_rand_normal(o.state ?? be.rngState, o.n, o.out, o.mean, o.std);
}

/** 0/1 values, 1 with probability p. */
export function randBernoulli(be: Backend, o: RandBernoulliOptions): void {
  be.abi.f32_rand_bernoulli(o.state ?? be.rngState, o.n, o.out, o.p);
}

/** 0/1 values, each 1 with its own probability (Gibbs sampling). */
export function sampleBernoulli(be: Backend, o: SampleBernoulliOptions): void {
  be.abi.f32_sample_bernoulli(o.state ?? be.rngState, o.n, o.probs, o.out);
}

/** An inverted-dropout mask. */
export function dropoutMask(be: Backend, o: DropoutMaskOptions): void {
  be.abi.f32_dropout_mask(o.state ?? be.rngState, o.n, o.out, o.keep);
}

/** The generator's next raw 32-bit output, as an unsigned number. */
export function nextU32(be: Backend, o: NextU32Options): number {
  return be.abi.rng_next_u32(o.state ?? be.rngState) >>> 0;
}
