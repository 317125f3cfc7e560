import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';
import { fill } from '../kernels/elementwise.js';
import { randNormal, randUniform } from '../kernels/random.js';

/**
 * Weight initializers (Keras names). Fan sizes are those of a Dense kernel
 * [fanIn, fanOut]; 'orthogonal' reads the weight as a matrix of fanOut columns.
 */
export type InitializerName =
  | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunNormal' | 'zeros' | 'ones'
  | 'randomNormal' | 'randomUniform' | 'orthogonal';

export const INITIALIZERS: readonly InitializerName[] = [
  'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunNormal', 'zeros', 'ones', 'randomNormal', 'randomUniform', 'orthogonal',
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
    case 'orthogonal': orthogonal(be, ptr, n / fanOut, fanOut, rng); return;
  }
}

/**
 * A random orthogonal matrix (Saxe et al. 2014), as Keras draws it: the Q of
 * the QR factorisation of a standard normal matrix with the signs of R's
 * diagonal taken out, transposed when there are fewer rows than columns (so
 * the rows, or else the columns, are orthonormal). Gram-Schmidt in float64
 * (run twice per column for stability) gives the Q whose R has a positive
 * diagonal, which is that matrix.
 */
function orthogonal(be: Backend, ptr: number, rows: number, cols: number, rng: number): void {
  const big = Math.max(rows, cols);
  const small = Math.min(rows, cols);
  randNormal(be, { state: rng, n: rows * cols, out: ptr, mean: 0, std: 1 });
  const a = Float64Array.from(be.readF32(ptr, rows * cols));
  // a is big x small, row-major; orthonormalise its columns.
  const col = new Float64Array(big);
  for (let j = 0; j < small; j++) {
    for (let i = 0; i < big; i++) col[i] = a[i * small + j];
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let d = 0;
        for (let i = 0; i < big; i++) d += a[i * small + k] * col[i];
        for (let i = 0; i < big; i++) col[i] -= d * a[i * small + k];
      }
    }
    let norm = 0;
    for (let i = 0; i < big; i++) norm += col[i] * col[i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < big; i++) a[i * small + j] = col[i] / norm;
  }
  const out = new Float32Array(rows * cols);
  if (rows >= cols) out.set(a);
  else for (let i = 0; i < big; i++) for (let j = 0; j < small; j++) out[j * big + i] = a[i * small + j];
  be.writeF32(ptr, out);
}

/** Normal(0, std) values redrawn until they fall within two standard deviations. */
function truncatedNormal(be: Backend, ptr: number, n: number, std: number, rng: number): void {
  randNormal(be, { state: rng, n, out: ptr, mean: 0, std });
  const one = be.alloc(16);
  try {
    // One view for the whole loop (redrawing one value allocates nothing, so memory cannot grow under it).
    const f32 = be.f32();
    const at = ptr >>> 2;
    for (let i = 0; i < n; i++) {
      let v = f32[at + i];
      while (Math.abs(v) > 2 * std) {
        randNormal(be, { state: rng, n: 1, out: one, mean: 0, std });
        v = f32[one >>> 2];
      }
      f32[at + i] = v;
    }
  } finally {
    be.free(one);
  }
}
