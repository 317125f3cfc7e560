import { Tensor, empty } from '../tensor.js';
import { checkFiniteF32 } from '../util/finite.js';
import { getBackend } from '../runtime/init.js';
import { seedState, type Backend } from '../runtime/backend.js';
import { ValueError, checkFinite, describe } from '../errors.js';
import { randBernoulli, randNormal, randUniform } from '../kernels/random.js';

/**
 * Runs `fill(statePtr)` with the backend's generator, or, when `seed` is
 * given, with a fresh generator seeded from it (so the call is reproducible
 * and leaves the backend's stream untouched).
 */
function withState(backend: Backend, seed: number | undefined, fill: (state: number) => void): void {
  if (seed === undefined) {
    fill(backend.rngState);
    return;
  }
  const state = backend.alloc(16);
  try {
    seedState(backend, state, seed);
    fill(state);
  } finally {
    backend.free(state);
  }
}

/** Uniform values on [minval, maxval). */
export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, seed?: number, backend?: Backend): Tensor {
  checkFiniteF32('randomUniform', 'minval', minval);
  checkFiniteF32('randomUniform', 'maxval', maxval);
  if (!(minval <= maxval)) throw new ValueError(`randomUniform: minval must be <= maxval, got ${describe(minval)} > ${describe(maxval)}`);
  if (seed !== undefined) checkFinite('randomUniform', 'seed', seed);
  if (seed !== undefined) checkFinite('randomNormal', 'seed', seed);
  if (seed !== undefined) checkFinite('randomBernoulli', 'seed', seed);
  const be = backend ?? getBackend();
  const t = empty(shape, be);
  withState(be, seed, (state) => randUniform(be, { state, n: t.size, out: t.ptr, lo: minval, hi: maxval }));
  return t;
}

/** Normal values with the given mean and standard deviation. */
export function randomNormal(shape: readonly number[], mean = 0, stdDev = 1, seed?: number, backend?: Backend): Tensor {
  checkFiniteF32('randomNormal', 'mean', mean);
  checkFiniteF32('randomNormal', 'stdDev', stdDev, { min: 0 });
  const be = backend ?? getBackend();
  const t = empty(shape, be);
  withState(be, seed, (state) => randNormal(be, { state, n: t.size, out: t.ptr, mean, std: stdDev }));
  return t;
}

/** 1 with probability p, else 0. */
export function randomBernoulli(shape: readonly number[], p = 0.5, seed?: number, backend?: Backend): Tensor {
  checkFinite('randomBernoulli', 'p', p, 0, 1);
  const be = backend ?? getBackend();
  const t = empty(shape, be);
  withState(be, seed, (state) => randBernoulli(be, { state, n: t.size, out: t.ptr, p }));
  return t;
}
