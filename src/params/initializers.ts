import type { Backend } from '../runtime/backend.js';
import { ValueError, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { seedState } from '../runtime/backend.js';
import { fill } from '../kernels/elementwise.js';
import { randNormal, randUniform } from '../kernels/random.js';

/**
 * Weight initializers by name (TensorFlow.js names; the Keras spellings
 * 'lecunNormal' and 'lecunUniform' are accepted too). Fan sizes are those of
 * a Dense kernel [fanIn, fanOut] (a convolution kernel's include its
 * receptive field); 'orthogonal' reads the weight as a matrix of fanOut
 * columns.
 */
export type InitializerName =
  | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'leCunNormal' | 'leCunUniform' | 'lecunNormal' | 'lecunUniform'
  | 'zeros' | 'ones' | 'randomNormal' | 'randomUniform' | 'truncatedNormal' | 'varianceScaling' | 'orthogonal' | 'identity';

export const INITIALIZERS: readonly InitializerName[] = [
  'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'leCunNormal', 'leCunUniform', 'lecunNormal', 'lecunUniform', 'zeros', 'ones',
  'randomNormal', 'randomUniform', 'truncatedNormal', 'varianceScaling', 'orthogonal', 'identity',
];

/**
 * An initializer with its arguments, in the Keras / TensorFlow.js JSON form
 * ({ className: 'VarianceScaling', config: { scale: 2, mode: 'fanIn',
 * distribution: 'truncatedNormal', seed: 1 } }), as the `initializers.*`
 * functions return it. With a `seed` the weight is drawn from its own
 * generator, the same for every model; without, from the model's.
 */
export interface InitializerSpec {
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** What a layer's `*Initializer` option takes: a name or an initializer with arguments. */
export type InitializerLike = InitializerName | InitializerSpec;

/** The scaling modes of varianceScaling: the fan the variance is divided by. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** The distributions of varianceScaling. */
export type Distribution = 'normal' | 'truncatedNormal' | 'uniform';

/** Options of initializers.varianceScaling(). */
export interface VarianceScalingOptions {
  /** Variance numerator. Default 1. */
  scale?: number;
  /** Default 'fanIn'. */
  mode?: FanMode;
  /** Default 'normal'. */
  distribution?: Distribution;
  seed?: number;
}

// The canonical form every name and spec is reduced to.
type Resolved =
  | { kind: 'constant'; value: number }
  | { kind: 'scaling'; scale: number; mode: FanMode; distribution: Distribution; seed?: number }
  | { kind: 'uniform'; lo: number; hi: number; seed?: number }
  | { kind: 'normal'; mean: number; std: number; truncated: boolean; seed?: number }
  | { kind: 'orthogonal'; gain: number; seed?: number }
  | { kind: 'identity'; gain: number };

const CLASS_OF: Record<InitializerName, string> = {
  glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal', heUniform: 'HeUniform', heNormal: 'HeNormal',
  leCunNormal: 'LeCunNormal', leCunUniform: 'LeCunUniform', lecunNormal: 'LeCunNormal', lecunUniform: 'LeCunUniform',
  zeros: 'Zeros', ones: 'Ones', randomNormal: 'RandomNormal', randomUniform: 'RandomUniform', truncatedNormal: 'TruncatedNormal',
  varianceScaling: 'VarianceScaling', orthogonal: 'Orthogonal', identity: 'Identity',
};

const CONFIG_KEYS: Record<string, readonly string[]> = {
  Zeros: [], Ones: [], Constant: ['value'],
  GlorotUniform: ['seed'], GlorotNormal: ['seed'], HeUniform: ['seed'], HeNormal: ['seed'], LeCunNormal: ['seed'], LeCunUniform: ['seed'],
  VarianceScaling: ['scale', 'mode', 'distribution', 'seed'],
  RandomNormal: ['mean', 'stddev', 'seed'], TruncatedNormal: ['mean', 'stddev', 'seed'], RandomUniform: ['minval', 'maxval', 'seed'],
  Orthogonal: ['gain', 'seed'], Identity: ['gain'],
};

/** A number the weights are drawn or scaled with: finite as float32 (1e39 is not), at least min. */
function num(op: string, where: string, v: unknown, dflt: number, min = -Infinity): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(Math.fround(v)) || v < min) throw new ValueError(`${op}: ${where} must be a finite float32 number${min > -Infinity ? ` >= ${min}` : ''}, got ${describe(v)}`);
  return v;
}

/** A seed: any finite number (hashed to the generator's state). */
function seedOf(op: string, where: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${op}: ${where} must be a finite number, got ${describe(v)}`);
  return v;
}

function resolve(op: string, arg: string, init: InitializerLike): Resolved {
  const spec: InitializerSpec = typeof init === 'string' ? { className: CLASS_OF[init], config: {} } : init;
  const c = spec.config ?? {};
  const where = (k: string) => `${arg}.config.${k}`;
  const seed = c.seed === undefined || c.seed === null ? undefined : seedOf(op, where('seed'), c.seed);
  const scaling = (scale: number, mode: FanMode, distribution: Distribution): Resolved => ({ kind: 'scaling', scale, mode, distribution, seed });
  switch (spec.className) {
    case 'Zeros': return { kind: 'constant', value: 0 };
    case 'Ones': return { kind: 'constant', value: 1 };
    case 'Constant': {
      if (c.value === undefined) throw new ValueError(`${op}: ${arg} 'constant' needs a value ({ value: 0.1 }), got none`);
      return { kind: 'constant', value: num(op, where('value'), c.value, 0) };
    }
    case 'GlorotUniform': return scaling(1, 'fanAvg', 'uniform');
    case 'GlorotNormal': return scaling(1, 'fanAvg', 'truncatedNormal');
    case 'HeUniform': return scaling(2, 'fanIn', 'uniform');
    case 'HeNormal': return scaling(2, 'fanIn', 'truncatedNormal');
    case 'LeCunUniform': return scaling(1, 'fanIn', 'uniform');
    case 'LeCunNormal': return scaling(1, 'fanIn', 'truncatedNormal');
    case 'VarianceScaling': {
      const mode = c.mode ?? 'fanIn';
      if (mode !== 'fanIn' && mode !== 'fanOut' && mode !== 'fanAvg') throw new ValueError(`${op}: ${where('mode')} must be 'fanIn', 'fanOut' or 'fanAvg', got ${describe(mode)}`);
      const d = c.distribution ?? 'normal';
      if (d !== 'normal' && d !== 'truncatedNormal' && d !== 'uniform') throw new ValueError(`${op}: ${where('distribution')} must be 'normal', 'truncatedNormal' or 'uniform', got ${describe(d)}`);
      return scaling(num(op, where('scale'), c.scale, 1, 0), mode, d);
    }
    case 'RandomUniform': {
      const lo = num(op, where('minval'), c.minval, -0.05);
      const hi = num(op, where('maxval'), c.maxval, 0.05);
      if (!(lo <= hi)) throw new ValueError(`${op}: ${arg} needs minval <= maxval, got ${lo} and ${hi}`);
      return { kind: 'uniform', lo, hi, seed };
    }
    case 'RandomNormal':
    case 'TruncatedNormal':
      return { kind: 'normal', mean: num(op, where('mean'), c.mean, 0), std: num(op, where('stddev'), c.stddev, 0.05, 0), truncated: spec.className === 'TruncatedNormal', seed };
    case 'Orthogonal': return { kind: 'orthogonal', gain: num(op, where('gain'), c.gain, 1), seed };
    case 'Identity': return { kind: 'identity', gain: num(op, where('gain'), c.gain, 1) };
    default:
      throw new ValueError(`${op}: unknown initializer ${describe(spec.className)}`);
  }
}

/**
 * Throws a ValueError unless `value` is a known initializer name or a valid
 * initializer spec; returns it (a spec as a frozen copy).
 */
export function checkInitializer(op: string, arg: string, value: unknown): InitializerLike {
  if (typeof value === 'string') {
    if (!INITIALIZERS.includes(value as InitializerName)) {
      throw new ValueError(`${op}: ${arg} must be one of ${INITIALIZERS.join(', ')} or an initializer from initializers.*(), got ${describe(value)}${closest(value)}`);
    }
    return value as InitializerName;
  }
  if (!value || typeof value !== 'object' || typeof (value as InitializerSpec).className !== 'string') {
    throw new ValueError(`${op}: ${arg} must be an initializer name or an initializer from initializers.*() ({ className, config }), got ${describe(value)}`);
  }
  const v = value as InitializerSpec;
  const keys = CONFIG_KEYS[v.className];
  if (!keys) throw new ValueError(`${op}: ${arg}.className must be one of ${Object.keys(CONFIG_KEYS).join(', ')}, got ${describe(v.className)}`);
  const config = v.config ?? {};
  if (typeof config !== 'object') throw new ValueError(`${op}: ${arg}.config must be an object, got ${describe(config)}`);
  checkOptions(`${op}: ${arg}`, config, keys, 'config');
  const spec = Object.freeze({ className: v.className, config: Object.freeze({ ...config }) });
  resolve(op, arg, spec);
  return spec;
}

function closest(name: string): string {
  const lower = name.toLowerCase();
  const hit = INITIALIZERS.find((n) => n.toLowerCase() === lower);
  return hit ? ` (did you mean "${hit}"?)` : '';
}

const spec = (className: string, config: Record<string, unknown> = {}): InitializerSpec => {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined) clean[k] = v;
  return checkInitializer(`initializers.${className[0].toLowerCase()}${className.slice(1)}`, 'initializer', { className, config: clean }) as InitializerSpec;
};

/**
 * Initializers with arguments, named as in TensorFlow.js (tf.initializers):
 * pass one as a layer's `kernelInitializer`, `biasInitializer`, ... Each
 * returns the Keras JSON form, which is also what a saved model stores.
 */
export const initializers = {
  /** Every value 0. */
  zeros: (): InitializerSpec => spec('Zeros'),
  /** Every value 1. */
  ones: (): InitializerSpec => spec('Ones'),
  /** Every value `value`. */
  constant: (o: { value: number }): InitializerSpec => spec('Constant', { value: o?.value }),
  /**
   * Variance scale / n with n the fan in, fan out or their mean: 'uniform' in
   * ±sqrt(3 scale / n); 'truncatedNormal' a normal cut at two standard
   * deviations and rescaled so its variance is scale / n (Keras);
   * 'normal' an untruncated normal of that variance.
   */
  varianceScaling: (o: VarianceScalingOptions = {}): InitializerSpec => spec('VarianceScaling', { ...o }),
  /** Uniform in ±sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio, 2010). */
  glorotUniform: (o: { seed?: number } = {}): InitializerSpec => spec('GlorotUniform', { ...o }),
  /** Truncated normal of variance 2 / (fanIn + fanOut) (Glorot & Bengio, 2010). */
  glorotNormal: (o: { seed?: number } = {}): InitializerSpec => spec('GlorotNormal', { ...o }),
  /** Uniform in ±sqrt(6 / fanIn) (He et al., 2015). */
  heUniform: (o: { seed?: number } = {}): InitializerSpec => spec('HeUniform', { ...o }),
  /** Truncated normal of variance 2 / fanIn (He et al., 2015). */
  heNormal: (o: { seed?: number } = {}): InitializerSpec => spec('HeNormal', { ...o }),
  /** Uniform in ±sqrt(3 / fanIn) (LeCun et al., 1998). */
  leCunUniform: (o: { seed?: number } = {}): InitializerSpec => spec('LeCunUniform', { ...o }),
  /** Truncated normal of variance 1 / fanIn (LeCun et al., 1998). */
  leCunNormal: (o: { seed?: number } = {}): InitializerSpec => spec('LeCunNormal', { ...o }),
  /** Normal(mean, stddev); defaults 0 and 0.05. */
  randomNormal: (o: { mean?: number; stddev?: number; seed?: number } = {}): InitializerSpec => spec('RandomNormal', { ...o }),
  /** Normal(mean, stddev) redrawn outside two standard deviations; defaults 0 and 0.05 (TensorFlow.js: not rescaled). */
  truncatedNormal: (o: { mean?: number; stddev?: number; seed?: number } = {}): InitializerSpec => spec('TruncatedNormal', { ...o }),
  /** Uniform in [minval, maxval); defaults -0.05 and 0.05. */
  randomUniform: (o: { minval?: number; maxval?: number; seed?: number } = {}): InitializerSpec => spec('RandomUniform', { ...o }),
  /** A random orthogonal matrix times gain (Saxe et al., 2014). */
  orthogonal: (o: { gain?: number; seed?: number } = {}): InitializerSpec => spec('Orthogonal', { ...o }),
  /** gain times the identity (square 2-D weights only). */
  identity: (o: { gain?: number } = {}): InitializerSpec => spec('Identity', { ...o }),
};

// Keras draws its "normal" initializers from a normal truncated at two standard
// deviations, scaled so the truncated distribution keeps the intended variance.
const TRUNC_STD = 0.87962566103423978;

/**
 * Fills `n` floats at `ptr` with the initializer's values, drawing from the
 * generator at `rng` (or, for a spec with a seed, from a generator seeded
 * with it).
 */
export function initialize(
  be: Backend, init: InitializerLike, ptr: number, n: number, fanIn: number, fanOut: number, rng: number,
): void {
  const r = resolve('initialize', 'initializer', init);
  const seeded = 'seed' in r && r.seed !== undefined ? be.alloc(16) : 0;
  if (seeded) seedState(be, seeded, (r as { seed: number }).seed);
  const state = seeded || rng;
  try {
    switch (r.kind) {
      case 'constant': fill(be, { n, y: ptr, value: r.value }); return;
      case 'uniform': randUniform(be, { state, n, out: ptr, lo: r.lo, hi: r.hi }); return;
      case 'normal':
        if (r.truncated) truncatedNormal(be, ptr, n, r.std, state, r.mean);
        else randNormal(be, { state, n, out: ptr, mean: r.mean, std: r.std });
        return;
      case 'scaling': {
        const fan = r.mode === 'fanIn' ? fanIn : r.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
        const f = Math.max(1, fan);
        const variance = r.scale / f;
        if (r.distribution === 'uniform') {
          const l = Math.sqrt((3 * r.scale) / f);
          randUniform(be, { state, n, out: ptr, lo: -l, hi: l });
        } else if (r.distribution === 'normal') {
          randNormal(be, { state, n, out: ptr, mean: 0, std: Math.sqrt(variance) });
        } else {
          truncatedNormal(be, ptr, n, Math.sqrt(variance) / TRUNC_STD, state, 0);
        }
        return;
      }
      case 'orthogonal':
        orthogonal(be, ptr, n / fanOut, fanOut, state);
        if (r.gain !== 1) {
          const f = be.f32();
          for (let i = 0; i < n; i++) f[(ptr >>> 2) + i] *= r.gain;
        }
        return;
      case 'identity': {
        const rows = n / fanOut;
        if (rows !== fanOut) throw new ValueError(`initialize: the identity initializer needs a square 2-D weight, got ${rows} x ${fanOut}`);
        fill(be, { n, y: ptr, value: 0 });
        const f = be.f32();
        for (let i = 0; i < rows; i++) f[(ptr >>> 2) + i * fanOut + i] = r.gain;
        return;
      }
    }
  } finally {
    if (seeded) be.free(seeded);
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

/** Normal(mean, std) values redrawn until they fall within two standard deviations of the mean. */
function truncatedNormal(be: Backend, ptr: number, n: number, std: number, rng: number, mean: number): void {
  randNormal(be, { state: rng, n, out: ptr, mean, std });
  const one = be.alloc(16);
  try {
    // One view for the whole loop (redrawing one value allocates nothing, so memory cannot grow under it).
    const f32 = be.f32();
    const at = ptr >>> 2;
    for (let i = 0; i < n; i++) {
      let v = f32[at + i];
      while (Math.abs(v - mean) > 2 * std) {
        randNormal(be, { state: rng, n: 1, out: one, mean, std });
        v = f32[one >>> 2];
      }
      f32[at + i] = v;
    }
  } finally {
    be.free(one);
  }
}
