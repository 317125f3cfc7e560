import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';

/** Weight initializers (Keras names). Fan sizes are those of a Dense kernel [fanIn, fanOut]. */
export type InitializerName =
  | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunNormal' | 'zeros' | 'ones'
  | 'randomNormal' | 'randomUniform';

export const INITIALIZERS: readonly InitializerName[] = [
  'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunNormal', 'zeros', 'ones', 'randomNormal', 'randomUniform',
];

/** Throws a ValueError unless `name` is a known initializer. */
export function checkInitializer(op: string, arg: string, name: unknown): InitializerName {
  if (typeof name !== 'string' || !INITIALIZERS.includes(name as InitializerName)) {
    throw new ValueError(`${op}: ${arg} must be one of ${INITIALIZERS.join(', ')}, got ${describe(name)}`);
  }
  return name as InitializerName;
}

// Keras draws its "normal" initializers from a normal truncated at two standard
// deviations, scaled so the truncated distribution keeps the intended variance.
const TRUNC_STD = 0.87962566103423978;

/**
 * Fills `n` floats at `ptr` with the initializer's values, drawing from the
 * generator at `rng`.
 */
export function initialize(
  be: Backend, name: InitializerName, ptr: number, n: number, fanIn: number, fanOut: number, rng: number,
): void {
  const k = be.kernels;
  switch (name) {
    case 'zeros': k.f32_fill(n, 0, ptr); return;
    case 'ones': k.f32_fill(n, 1, ptr); return;
    case 'randomUniform': k.f32_rand_uniform(rng, n, -0.05, 0.05, ptr); return;
    case 'randomNormal': k.f32_rand_normal(rng, n, 0, 0.05, ptr); return;
    case 'glorotUniform': { const l = Math.sqrt(6 / (fanIn + fanOut)); k.f32_rand_uniform(rng, n, -l, l, ptr); return; }
    case 'heUniform': { const l = Math.sqrt(6 / fanIn); k.f32_rand_uniform(rng, n, -l, l, ptr); return; }
    case 'glorotNormal': truncatedNormal(be, ptr, n, Math.sqrt(2 / (fanIn + fanOut)) / TRUNC_STD, rng); return;
    case 'heNormal': truncatedNormal(be, ptr, n, Math.sqrt(2 / fanIn) / TRUNC_STD, rng); return;
    case 'lecunNormal': truncatedNormal(be, ptr, n, Math.sqrt(1 / fanIn) / TRUNC_STD, rng); return;
  }
}

/** Normal(0, std) values redrawn until they fall within two standard deviations. */
function truncatedNormal(be: Backend, ptr: number, n: number, std: number, rng: number): void {
  be.kernels.f32_rand_normal(rng, n, 0, std, ptr);
  const one = be.alloc(16);
  try {
    for (let i = 0; i < n; i++) {
      let v = be.f32()[(ptr >>> 2) + i];
      while (Math.abs(v) > 2 * std) {
        be.kernels.f32_rand_normal(rng, 1, 0, std, one);
        v = be.f32()[one >>> 2];
      }
      be.f32()[(ptr >>> 2) + i] = v;
    }
  } finally {
    be.free(one);
  }
}
