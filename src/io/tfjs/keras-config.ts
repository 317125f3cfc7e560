// Reading Keras layer configs as TensorFlow.js and Keras write them
// (tfjs-layers serialization_utils convertPythonicToTs: snake_case keys
// become camelCase, a layer's `name` is kept as it is), with every option
// accounted for: an option simdnn cannot honour is a ModelFormatError naming
// the layer and the option, never a silent change of behaviour.
import { ModelFormatError } from '../../errors.js';
import { INITIALIZERS, type InitializerName } from '../../params/initializers.js';
import { isRecord, show } from '../json.js';

/** snake_case to camelCase (tfjs-layers generic_utils.toCamelCase). */
export function toCamel(s: string): string {
  return s.replace(/[_-]+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** camelCase to snake_case (tfjs-layers generic_utils.toSnakeCase). */
export function toSnake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * A copy of checked plain JSON with every object key in camelCase. Values
 * are kept as written (strings such as 'hard_sigmoid' are normalised where
 * they are read). Keys were checked for prototype names before this runs.
 */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key === 'name' ? key : toCamel(key)] = camelKeys(value[key]);
  return out;
}

/** Where and what: the operation, the layer's name and class. */
export interface LayerWhere {
  op: string;
  layer: string;
  className: string;
}

/** An error about one option of one layer of a TensorFlow.js / Keras file. */
export function optionError(w: LayerWhere, option: string, what: string): ModelFormatError {
  return new ModelFormatError(`${w.op}: layer ${JSON.stringify(w.layer)} (${w.className}): option ${toSnake(option)} ${what}`);
}

/** True for values that leave an option at its default: absent, null, false, an empty list or an empty object. */
export function isUnset(v: unknown): boolean {
  return v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);
}

/**
 * A layer's camelCased config, read option by option. Options no reader asks
 * for must be unset (Keras adds options over versions whose defaults change
 * nothing, such as lora_rank: null); any other is refused by finish().
 */
export class ConfigReader {
  private readonly used = new Set<string>();

  constructor(readonly where: LayerWhere, readonly config: Record<string, unknown>) {}

  /** The raw value of an option, marking it read. */
  get(key: string): unknown {
    this.used.add(key);
    return this.config[key];
  }

  /** Marks options whose value never changes what the layer computes (seeds, dtype hints, unroll). */
  ignore(...keys: string[]): void {
    for (const k of keys) this.used.add(k);
  }

  fail(key: string, what: string): ModelFormatError {
    return optionError(this.where, key, what);
  }

  /** An option that must be unset, or one of `allowed`. */
  only(key: string, allowed: readonly unknown[], why = 'is not supported by simdnn'): void {
    const v = this.get(key);
    if (isUnset(v) || allowed.some((a) => a === v || (typeof a === 'string' && typeof v === 'string' && toCamel(a) === toCamel(v)))) return;
    throw this.fail(key, `${show(v)} ${why}${allowed.length ? ` (accepted: ${allowed.map((a) => show(a)).join(', ')})` : ''}`);
  }

  /** A number option (undefined when unset). */
  num(key: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.int && !Number.isInteger(v)) || v < (opts.min ?? -Infinity) || v > (opts.max ?? Infinity)) {
      const range = opts.min !== undefined && opts.max !== undefined ? ` in [${opts.min}, ${opts.max}]` : opts.min !== undefined ? ` >= ${opts.min}` : opts.max !== undefined ? ` <= ${opts.max}` : '';
      throw this.fail(key, `must be ${opts.int ? 'an integer' : 'a finite number'}${range}, got ${show(v)}`);
    }
    return v;
  }

  /** A boolean option (undefined when unset; null reads as unset). */
  bool(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw this.fail(key, `must be a boolean, got ${show(v)}`);
    return v;
  }

  /** A string option, normalised to camelCase (undefined when unset). */
  str(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.length > 200) throw this.fail(key, `must be a string, got ${show(v)}`);
    return toCamel(v);
  }

  /** A positive integer or a list of `rank` of them (Keras writes [3, 3], [3] or 3). */
  ints(key: string, rank: 1 | 2): number | number[] | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    const list = typeof v === 'number' ? [v] : v;
    if (!Array.isArray(list) || !(list.length === 1 || list.length === rank) || !list.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 1 << 16)) {
      throw this.fail(key, `must be a positive integer or a list of ${rank}, got ${show(v)}`);
    }
    if (rank === 1) return list[0] as number;
    return list.length === 1 ? [list[0], list[0]] : (list as number[]).slice();
  }

  /** Every option not read must be unset. */
  finish(): void {
    for (const key of Object.keys(this.config)) {
      if (this.used.has(key) || isUnset(this.config[key])) continue;
      throw this.fail(key, `${show(this.config[key])} is not supported by simdnn`);
    }
  }
}

/** Keras / TensorFlow.js activation names (camelCased) and the simdnn activation each is. */
const ACTIVATIONS: Record<string, string> = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', elu: 'elu', selu: 'selu',
  softplus: 'softplus', softsign: 'softsign', hardSigmoid: 'hardSigmoid', swish: 'swish', silu: 'silu', mish: 'mish',
  // Keras 3's leaky_relu activation, whose negative slope defaults to 0.2 as simdnn's does.
  leakyRelu: 'leakyRelu',
  // TensorFlow.js's gelu_new is the tanh approximation (Hendrycks & Gimpel 2016) simdnn computes.
  geluNew: 'gelu',
};

/**
 * An activation option as a simdnn activation name. Keras's 'gelu' is the
 * exact erf form and Keras 3's hard_sigmoid has slope 1/6 (Keras 2 and
 * TensorFlow.js: 0.2, as simdnn): both are refused rather than approximated.
 */
export function readActivation(r: ConfigReader, key: string, keras3: boolean): string | undefined {
  const raw = r.get(key);
  if (raw === undefined || raw === null) return undefined;
  let name: unknown = raw;
  // Keras 3 may serialise an activation as { class_name: 'function', config: 'relu' } or a registered object.
  if (isRecord(raw) && typeof raw.config === 'string') name = raw.config;
  else if (isRecord(raw) && typeof raw.className === 'string') name = raw.className;
  if (typeof name !== 'string' || name.length > 100) throw r.fail(key, `must be an activation name, got ${show(raw)}`);
  const camel = toCamel(name);
  if (camel === 'gelu') throw r.fail(key, `"gelu" is the exact (erf) GELU; simdnn computes the tanh approximation (TensorFlow.js "gelu_new") and will not substitute it`);
  if (camel === 'hardSigmoid' && keras3) throw r.fail(key, `Keras 3's hard_sigmoid (slope 1/6) differs from simdnn's (slope 0.2, as Keras 2 and TensorFlow.js)`);
  const ours = ACTIVATIONS[camel];
  if (!ours) throw r.fail(key, `activation ${show(name)} is not available in simdnn (known: ${Object.keys(ACTIVATIONS).map(toSnake).join(', ')})`);
  return ours;
}

/**
 * An initializer option as a simdnn initializer name. Initializers only
 * decide how a layer is re-initialised (loaded weights replace them), so one
 * simdnn lacks (lecun_uniform, a custom scale, a truncated range) reads as
 * the layer's default rather than refusing a trained model.
 */
export function readInitializer(r: ConfigReader, key: string): InitializerName | undefined {
  const raw = r.get(key);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') {
    const c = toCamel(raw);
    return (INITIALIZERS as readonly string[]).includes(c) ? (c as InitializerName) : undefined;
  }
  if (!isRecord(raw) || typeof raw.className !== 'string') throw r.fail(key, `must be an initializer { class_name, config }, got ${show(raw)}`);
  const cfg = isRecord(raw.config) ? raw.config : {};
  switch (raw.className) {
    case 'Zeros': return 'zeros';
    case 'Ones': return 'ones';
    case 'GlorotUniform': return 'glorotUniform';
    case 'GlorotNormal': return 'glorotNormal';
    case 'HeUniform': return 'heUniform';
    case 'HeNormal': return 'heNormal';
    case 'LecunNormal': return 'lecunNormal';
    case 'Orthogonal': return cfg.gain === undefined || cfg.gain === 1 ? 'orthogonal' : undefined;
    case 'RandomNormal': return (cfg.mean ?? 0) === 0 && (cfg.stddev ?? 0.05) === 0.05 ? 'randomNormal' : undefined;
    case 'RandomUniform': return (cfg.minval ?? -0.05) === -0.05 && (cfg.maxval ?? 0.05) === 0.05 ? 'randomUniform' : undefined;
    case 'VarianceScaling': {
      const mode = typeof cfg.mode === 'string' ? toCamel(cfg.mode) : 'fanIn';
      const dist = typeof cfg.distribution === 'string' ? toCamel(cfg.distribution) : 'truncatedNormal';
      const normal = dist === 'normal' || dist === 'truncatedNormal';
      const scale = cfg.scale ?? 1;
      if (scale === 1 && mode === 'fanAvg') return dist === 'uniform' ? 'glorotUniform' : normal ? 'glorotNormal' : undefined;
      if (scale === 2 && mode === 'fanIn') return dist === 'uniform' ? 'heUniform' : normal ? 'heNormal' : undefined;
      if (scale === 1 && mode === 'fanIn' && normal) return 'lecunNormal';
      return undefined;
    }
    default: return undefined;
  }
}

/** A simdnn initializer (a name, or an initializers.*() spec) as Keras writes it (what tf.loadLayersModel reads). */
export function writeInitializer(init: unknown): Record<string, unknown> {
  const vs = (scale: number, mode: string, distribution: string) => ({ class_name: 'VarianceScaling', config: { scale, mode, distribution, seed: null } });
  if (init && typeof init === 'object') {
    const spec = init as { className: string; config?: Record<string, unknown> };
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(spec.config ?? {})) config[toSnake(k)] = k === 'mode' || k === 'distribution' ? toSnake(String(v)) : v;
    if (['VarianceScaling', 'RandomNormal', 'RandomUniform', 'TruncatedNormal', 'Orthogonal', 'GlorotUniform', 'GlorotNormal', 'HeUniform', 'HeNormal', 'LeCunNormal', 'LeCunUniform'].includes(spec.className)) config.seed ??= null;
    return { class_name: spec.className, config };
  }
  const name = init as string;
  switch (name) {
    case 'leCunNormal': return vs(1, 'fan_in', 'normal');
    case 'leCunUniform':
    case 'lecunUniform': return vs(1, 'fan_in', 'uniform');
    case 'truncatedNormal': return { class_name: 'TruncatedNormal', config: { mean: 0, stddev: 0.05, seed: null } };
    case 'varianceScaling': return vs(1, 'fan_in', 'normal');
    case 'identity': return { class_name: 'Identity', config: { gain: 1 } };
    case 'zeros': return { class_name: 'Zeros', config: {} };
    case 'ones': return { class_name: 'Ones', config: {} };
    case 'glorotNormal': return vs(1, 'fan_avg', 'normal');
    case 'heUniform': return vs(2, 'fan_in', 'uniform');
    case 'heNormal': return vs(2, 'fan_in', 'normal');
    case 'lecunNormal': return vs(1, 'fan_in', 'normal');
    case 'randomNormal': return { class_name: 'RandomNormal', config: { mean: 0, stddev: 0.05, seed: null } };
    case 'randomUniform': return { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } };
    case 'orthogonal': return { class_name: 'Orthogonal', config: { gain: 1, seed: null } };
    default: return vs(1, 'fan_avg', 'uniform');
  }
}
