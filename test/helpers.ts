import { createBackend, engineSupports, type Backend, type BuildName } from '../src/index.js';

/** The builds this engine can run; the relaxed build is tested whenever the engine validates it. */
export const BUILDS: BuildName[] = (['scalar', 'simd', 'relaxed'] as BuildName[]).filter((b) => engineSupports(b));

const cache = new Map<BuildName, Promise<Backend>>();

/** One backend per build, shared by a test file. */
export function backendFor(build: BuildName): Promise<Backend> {
  let p = cache.get(build);
  if (!p) {
    p = createBackend({ build, seed: 1 });
    cache.set(build, p);
  }
  return p;
}

/** Deterministic values in [lo, hi) (mulberry32), independent of the code under test. */
export function randArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Copies values into a fresh region of the backend; returns its offset. */
export function put(be: Backend, values: ArrayLike<number>): number {
  const ptr = be.alloc(Math.max(1, values.length) * 4);
  be.f32().set(values, ptr >>> 2);
  return ptr;
}

/** Copies n f32 values out of the backend. */
export function get(be: Backend, ptr: number, n: number): Float32Array {
  return be.readF32(ptr, n);
}

/**
 * Asserts |actual - expected| <= atol + rtol |expected| elementwise, with a
 * message naming the first offending index and both values. NaN must match NaN.
 */
export function expectClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { atol: number; rtol: number }, label = '',
): void {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length} != expected ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) throw new Error(`${label}: at ${i} got ${a}, expected ${e}`);
      continue;
    }
    if (!Number.isFinite(e)) {
      if (a !== e) throw new Error(`${label}: at ${i} got ${a}, expected ${e}`);
      continue;
    }
    const err = Math.abs(a - e);
    if (!(err <= tol.atol + tol.rtol * Math.abs(e))) {
      throw new Error(`${label}: at ${i} got ${a}, expected ${e} (error ${err.toExponential(3)}, atol ${tol.atol}, rtol ${tol.rtol})`);
    }
    worst = Math.max(worst, err);
  }
}

/** Asserts two float arrays are identical bit for bit. */
export function expectBitIdentical(a: Float32Array, b: Float32Array, label = ''): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (ua.length !== ub.length) throw new Error(`${label}: lengths differ`);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) throw new Error(`${label}: differ at ${i}: ${a[i]} vs ${b[i]}`);
  }
}

export interface OpCase {
  /** Inputs copied into wasm memory before the call. */
  inputs: ArrayLike<number>[];
  /** Float64 reference on the same inputs (as float32-rounded values). */
  reference: (inputs: Float64Array[]) => ArrayLike<number>;
  /** Runs the kernel on a backend given the input offsets; returns the output values. */
  subject: (be: Backend, ptrs: number[]) => Float32Array;
  atol: number;
  rtol: number;
}

/**
 * tinygrad-style op check: runs the kernel on every build and the float64
 * reference on the same inputs, compares, frees what it allocated, and
 * returns each build's output for cross-build comparisons.
 */
export async function checkOp(label: string, c: OpCase): Promise<Map<BuildName, Float32Array>> {
  const f64 = c.inputs.map((x) => Float64Array.from(Float32Array.from(x)));
  const expected = c.reference(f64);
  const outputs = new Map<BuildName, Float32Array>();
  for (const build of BUILDS) {
    const be = await backendFor(build);
    const before = be.memoryStats().liveBytes;
    const ptrs = c.inputs.map((x) => put(be, x));
    let out: Float32Array;
    try {
      out = c.subject(be, ptrs);
    } finally {
      for (const p of ptrs) be.free(p);
    }
    expectClose(out, expected, c, `${label} [${build}]`);
    if (be.memoryStats().liveBytes !== before) throw new Error(`${label} [${build}]: leaked ${be.memoryStats().liveBytes - before} bytes`);
    outputs.set(build, out);
  }
  return outputs;
}
