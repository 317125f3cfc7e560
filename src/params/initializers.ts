import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';
import { fill } from '../kernels/elementwise.js';
import { randNormal, randUniform } from '../kernels/random.js';

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
  switch (name) {
    case 'zeros': fill(be, { n, y: ptr, value: 0 }); return;
    case 'ones': fill(be, { n, y: ptr, value: 1 }); return;
    case 'randomUniform': randUniform(be, { state: rng, n, out: ptr, lo: -0.05, hi: 0.05 }); return;
    case 'randomNormal': randNormal(be, { state: rng, n, out: ptr, mean: 0, std: 0.05 }); return;
    case 'glorotUniform': { const l = Math.sqrt(6 / (fanIn + fanOut)); randUniform(be, { state: rng, n, out: ptr, lo: -l, hi: l }); return; }
    case 'heUniform': { const l = Math.sqrt(6 / fanIn); randUniform(be, { state: rng, n, out: ptr, lo: -l, hi: l }); return; }
    case 'glorotNormal': truncatedNormal(be, ptr, n, Math.sqrt(2 / (fanIn + fanOut)) / TRUNC_STD, rng); return;
    case 'heNormal': truncatedNormal(be, ptr, n, Math.sqrt(2 / fanIn) / TRUNC_STD, rng); return;
    case 'lecunNormal': truncatedNormal(be, ptr, n, Math.sqrt(1 / fanIn) / TRUNC_STD, rng); return;
  }
}

/** Normal(0, std) values redrawn until they fall within two standard deviations. */
function truncatedNormal(be: Backend, ptr: number, n: number, std: number, rng: number): void {
  randNormal(be, { state: rng, n, out: ptr, mean: 0, std });
  const one = be.alloc(16);
  try {
    for (let i = 0; i < n; i++) {
      let v = be.f32()[(ptr >>> 2) + i];
      while (Math.abs(v) > 2 * std) {
        randNormal(be, { state: rng, n: 1, out: one, mean: 0, std });
        v = be.f32()[one >>> 2];
      }
      be.f32()[(ptr >>> 2) + i] = v;
    }
  } finally {
    be.free(one);
  }
}
