import type { Backend } from '../runtime/backend.js';
import { DisposedError, ValueError, checkFinite, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { checkFiniteF32 } from '../util/finite.js';
import type { ParamStore, Segment, StateArena } from '../params/store.js';
import { clip, fill, scale, sumsq } from '../kernels/elementwise.js';
import { adadelta, adagrad, adam, adamax, momentum, rmsprop, sgd } from '../kernels/optim.js';
import { rateAt, scheduleFromConfig, type Schedule } from './schedules.js';

export { stepDecay, exponentialDecay, cosineDecay, type Schedule } from './schedules.js';

/** Options shared by every first-order optimizer. */
export interface OptimizerOptions {
  /** A number or a schedule (step => rate). */
  learningRate?: number | Schedule;
  /** L2 weight decay: g += weightDecay * w, on every parameter. Default 0. */
  weightDecay?: number;
  /** Rescale the whole gradient when its global L2 norm exceeds this. */
  clipNorm?: number;
  /** Clamp every gradient component to [-clipValue, clipValue]. */
  clipValue?: number;
}

/** What an optimizer is bound to: the model it trains (for error messages and ownership). */
export interface OptimizerOwner {
  readonly name: string;
  readonly isDisposed: boolean;
}

/** Ownership and disposal shared by every optimizer: one instance trains one model at a time. */
abstract class Owned {
  abstract readonly className: string;
  // Weak, so a model dropped without dispose() can still be collected (its
  // reclaimer holds this optimizer, which must not hold the model in turn).
  private _owner: WeakRef<OptimizerOwner> | null = null;
  private disposed = false;

  /** The model this optimizer trains, or null. */
  get owner(): OptimizerOwner | null {
    const owner = this._owner?.deref();
    return owner && !owner.isDisposed ? owner : null;
  }

  /**
   * Claims the optimizer for a model; a ValueError names the model that
   * already uses it (an optimizer's state belongs to one model's weights).
   */
  claim(op: string, owner: OptimizerOwner): void {
    this.checkLive(op);
    const current = this.owner;
    if (current && current !== owner) {
      throw new ValueError(`${op}: this ${this.className} optimizer is already used by model ${describe(current.name)}; give each model its own optimizer instance`);
    }
    this._owner = new WeakRef(owner);
  }

  /** Frees the state and lets another model claim the optimizer. */
  release(): void {
    this.reset();
    this._owner = null;
  }

  /** Clears the state. */
  abstract reset(): void;

  /** True once disposed. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the state; the optimizer cannot be used again (DisposedError). */
  dispose(): void {
    this.release();
    this.disposed = true;
  }

  protected checkLive(op: string): void {
    if (this.disposed) throw new DisposedError(`${this.className}.${op}: the optimizer was disposed`);
  }
}

/**
 * A first-order optimizer: its state arenas are attached to the model's
 * ParamStore (same layout as the parameters), so each step is one fused wasm
 * pass per contiguous trainable segment. One optimizer instance trains one
 * model at a time.
 */
export abstract class Optimizer extends Owned {
  readonly learningRate: number | Schedule;
  readonly weightDecay: number;
  readonly clipNorm: number | undefined;
  readonly clipValue: number | undefined;
  /** Optimizer steps taken (drives schedules and Adam's bias correction). */
  iterations = 0;
  private arena: StateArena | null = null;
  private store: ParamStore | null = null;
  /** The state slots' pointers at the segment being updated (reused by every step). */
  private readonly stateAt: number[] = [];

  constructor(op: string, opts: OptimizerOptions, defaultRate: number, keys: readonly string[] = []) {
    super();
    checkOptions(op, opts, ['learningRate', 'weightDecay', 'clipNorm', 'clipValue', ...keys], 'options');
    const lr = opts.learningRate ?? defaultRate;
    // Rates and scales reach the kernels as float32: 1e39 would arrive as Infinity.
    if (typeof lr !== 'function') checkFiniteF32(op, 'learningRate', lr, { min: 0 });
    this.learningRate = lr;
    this.weightDecay = checkFiniteF32(op, 'weightDecay', opts.weightDecay ?? 0, { min: 0 });
    this.clipNorm = opts.clipNorm === undefined ? undefined : checkFinite(op, 'clipNorm', opts.clipNorm, Number.MIN_VALUE);
    this.clipValue = opts.clipValue === undefined ? undefined : checkFinite(op, 'clipValue', opts.clipValue, Number.MIN_VALUE);
  }

  /** Number of state arrays per parameter. */
  protected abstract readonly slots: number;

  /** The value every element of state array `slot` starts from (0 unless a subclass says otherwise). */
  protected initialState(_slot: number): number {
    return 0;
  }

  private fillInitialState(): void {
    if (!this.store || !this.arena || this.store.isDisposed) return;
    this.arena.slots.forEach((p, i) => fill(this.store!.backend, { n: this.store!.size, y: p, value: this.initialState(i) }));
  }

  /** Allocates zeroed state in the store's layout (kept if already there); OutOfMemoryError leaves it unbound. */
  bind(store: ParamStore): void {
    this.checkLive('bind');
    if (this.store === store && this.arena) return;
    this.unbind();
    this.arena = store.attach(this.slots);
    this.store = store;
    if (this.arena.slots.some((_, i) => this.initialState(i) !== 0)) this.fillInitialState();
  }

  /** Frees the state. */
  unbind(): void {
    if (this.store && this.arena) this.store.detach(this.arena);
    this.arena = null;
    this.store = null;
  }

  /** True while state is allocated. */
  get bound(): boolean {
    return this.arena !== null;
  }

  /** Zeroes the state and the step count. */
  reset(): void {
    this.iterations = 0;
    this.fillInitialState();
  }

  /** Learning rate of the next step. */
  currentLearningRate(): number {
    return rateAt(this.className, this.learningRate, this.iterations);
  }

  /**
   * Clips the gradients of the segments (clipNorm over all of them together),
   * then updates the parameters in place, one kernel call per segment.
   */
  step(segments: readonly Segment[]): void {
    this.checkLive('step');
    const store = this.store;
    if (!store || !this.arena) throw new ValueError(`${this.className}.step: the optimizer is not bound to a model's weights`);
    const be = store.backend;
    const grad = (s: Segment) => store.grads + s.offset * 4;
    if (this.clipValue !== undefined) {
      for (const s of segments) clip(be, { n: s.size, x: grad(s), y: grad(s), lo: -this.clipValue, hi: this.clipValue });
    }
    if (this.clipNorm !== undefined) {
      let sq = 0;
      for (const s of segments) sq += sumsq(be, { n: s.size, x: grad(s) });
      const norm = Math.sqrt(sq);
      if (norm > this.clipNorm) for (const s of segments) scale(be, { n: s.size, x: grad(s), y: grad(s), alpha: this.clipNorm / norm });
    }
    const lr = this.currentLearningRate();
    const slots = this.arena.slots;
    const state = this.stateAt;
    state.length = slots.length;
    for (const s of segments) {
      const at = s.offset * 4;
      for (let i = 0; i < slots.length; i++) state[i] = slots[i] + at;
      this.update(be, store.values + at, store.grads + at, s.size, lr, state);
    }
    this.iterations++;
  }

  /** Updates `n` parameters at w from gradients at g with state arrays at `state` (one pointer per slot). */
  protected abstract update(be: Backend, w: number, g: number, n: number, lr: number, state: number[]): void;

  /** Hyperparameters specific to the subclass. */
  protected abstract extraConfig(): Record<string, unknown>;

  /** Serialisable description. */
  getConfig(): Record<string, unknown> {
    const lr = typeof this.learningRate === 'function' ? this.learningRate.config ?? null : this.learningRate;
    const c: Record<string, unknown> = { className: this.className, learningRate: lr, weightDecay: this.weightDecay, ...this.extraConfig() };
    if (this.clipNorm !== undefined) c.clipNorm = this.clipNorm;
    if (this.clipValue !== undefined) c.clipValue = this.clipValue;
    return c;
  }

  /** Frees the state and lets another model claim the optimizer. */
  override release(): void {
    this.unbind();
    super.release();
  }
}

/** Plain gradient descent: w -= lr * g. */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  protected readonly slots = 0;
  constructor(opts: OptimizerOptions = {}) {
    super('sgd', opts, 0.01, []);
  }
  protected update(be: Backend, w: number, g: number, n: number, lr: number): void {
    sgd(be, { n, w, g, lr, wd: this.weightDecay });
  }
  protected extraConfig(): Record<string, unknown> {
    return {};
  }
}

/** Momentum (optionally Nesterov): v = momentum * v - lr * g; w += v. */
export class Momentum extends Optimizer {
  readonly className = 'Momentum';
  protected readonly slots = 1;
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(opts: OptimizerOptions & { momentum?: number; nesterov?: boolean } = {}) {
    super('momentum', opts, 0.01, ['momentum', 'nesterov']);
    this.momentum = checkFinite('momentum', 'momentum', opts.momentum ?? 0.9, 0, 1);
    if (opts.nesterov !== undefined && typeof opts.nesterov !== 'boolean') throw new ValueError(`momentum: nesterov must be a boolean, got ${describe(opts.nesterov)}`);
    this.nesterov = opts.nesterov ?? false;
  }
  protected update(be: Backend, w: number, g: number, n: number, lr: number, state: number[]): void {
    momentum(be, { n, w, g, v: state[0], lr, mu: this.momentum, wd: this.weightDecay, nesterov: this.nesterov });
  }
  protected extraConfig(): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

/** Adam (Kingma and Ba) with bias correction. */
export class Adam extends Optimizer {
  readonly className = 'Adam';
  protected readonly slots = 2;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(opts: OptimizerOptions & { beta1?: number; beta2?: number; epsilon?: number } = {}) {
    super('adam', opts, 0.001, ['beta1', 'beta2', 'epsilon']);
    this.beta1 = checkFinite('adam', 'beta1', opts.beta1 ?? 0.9, 0, 0.999999);
    this.beta2 = checkFinite('adam', 'beta2', opts.beta2 ?? 0.999, 0, 0.999999999);
    this.epsilon = checkFinite('adam', 'epsilon', opts.epsilon ?? 1e-7, Number.MIN_VALUE);
  }
  protected update(be: Backend, w: number, g: number, n: number, lr: number, state: number[]): void {
    const t = this.iterations + 1;
    adam(be, { n, w, g, m: state[0], v: state[1], lr, b1: this.beta1, b2: this.beta2, eps: this.epsilon, wd: this.weightDecay, bc1: 1 - this.beta1 ** t, bc2: 1 - this.beta2 ** t });
  }
  protected extraConfig(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * RMSProp: ms = rho ms + (1 - rho) g^2; w -= lr g / sqrt(ms + eps), with epsilon
 * under the square root as in TensorFlow.js and Keras (so their updates match to
 * float32 rounding).
 */
export class RMSProp extends Optimizer {
  readonly className = 'RMSProp';
  protected readonly slots = 1;
  readonly rho: number;
  readonly epsilon: number;
  constructor(opts: OptimizerOptions & { rho?: number; epsilon?: number } = {}) {
    super('rmsprop', opts, 0.001, ['rho', 'epsilon']);
    this.rho = checkFinite('rmsprop', 'rho', opts.rho ?? 0.9, 0, 1);
    this.epsilon = checkFinite('rmsprop', 'epsilon', opts.epsilon ?? 1e-7, Number.MIN_VALUE);
  }
  protected update(be: Backend, w: number, g: number, n: number, lr: number, state: number[]): void {
    rmsprop(be, { n, w, g, ms: state[0], lr, rho: this.rho, eps: this.epsilon, wd: this.weightDecay });
  }
  protected extraConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}

/**
 * Adagrad (Duchi, Hazan and Singer, 2011): acc += g^2; w -= lr g / sqrt(acc + eps),
 * the accumulators starting at initialAccumulatorValue (TensorFlow.js's form and defaults).
 */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  protected readonly slots = 1;
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(opts: OptimizerOptions & { initialAccumulatorValue?: number; epsilon?: number } = {}) {
    super('adagrad', opts, 0.01, ['initialAccumulatorValue', 'epsilon']);
    this.initialAccumulatorValue = checkFinite('adagrad', 'initialAccumulatorValue', opts.initialAccumulatorValue ?? 0.1, 0);
    this.epsilon = checkFinite('adagrad', 'epsilon', opts.epsilon ?? 1e-7, Number.MIN_VALUE);
  }
  protected override initialState(): number {
    return this.initialAccumulatorValue;
  }
  protected update(be: Backend, w: number, g: number, n: number, lr: number, state: number[]): void {
    adagrad(be, { n, w, g, acc: state[0], lr, eps: this.epsilon, wd: this.weightDecay });
  }
  protected extraConfig(): Record<string, unknown> {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

/**
 * Adadelta (Zeiler, 2012): running means of squared gradients and squared
 * updates set each parameter's step size; TensorFlow.js's defaults (learning
 * rate 0.001, rho 0.95, epsilon 1e-7; Zeiler's update is learning rate 1).
 */
export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  protected readonly slots = 2;
  readonly rho: number;
  readonly epsilon: number;
  constructor(opts: OptimizerOptions & { rho?: number; epsilon?: number } = {}) {
    super('adadelta', opts, 0.001, ['rho', 'epsilon']);
    this.rho = checkFinite('adadelta', 'rho', opts.rho ?? 0.95, 0, 1);
    this.epsilon = checkFinite('adadelta', 'epsilon', opts.epsilon ?? 1e-7, Number.MIN_VALUE);
  }
  protected update(be: Backend, w: number, g: number, n: number, lr: number, state: number[]): void {
    adadelta(be, { n, w, g, ag: state[0], au: state[1], lr, rho: this.rho, eps: this.epsilon, wd: this.weightDecay });
  }
  protected extraConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}

/** Adamax (Kingma and Ba, 2015): Adam with the infinity norm in place of the second moment. */
export class Adamax extends Optimizer {
  readonly className = 'Adamax';
  protected readonly slots = 2;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(opts: OptimizerOptions & { beta1?: number; beta2?: number; epsilon?: number } = {}) {
    super('adamax', opts, 0.002, ['beta1', 'beta2', 'epsilon']);
    this.beta1 = checkFinite('adamax', 'beta1', opts.beta1 ?? 0.9, 0, 0.999999);
    this.beta2 = checkFinite('adamax', 'beta2', opts.beta2 ?? 0.999, 0, 1);
    this.epsilon = checkFinite('adamax', 'epsilon', opts.epsilon ?? 1e-7, Number.MIN_VALUE);
  }
  protected update(be: Backend, w: number, g: number, n: number, lr: number, state: number[]): void {
    const t = this.iterations + 1;
    adamax(be, { n, w, g, m: state[0], u: state[1], lr, b1: this.beta1, b2: this.beta2, eps: this.epsilon, wd: this.weightDecay, bc1: 1 - this.beta1 ** t });
  }
  protected extraConfig(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Options of L-BFGS. */
export interface LBFGSOptions {
  /** Number of (s, y) pairs kept. Default 10. */
  historySize?: number;
  /** Maximum function evaluations of one backtracking line search. Default 20. */
  maxLineSearch?: number;
  /** Stop when the gradient's infinity norm falls below this. Default 1e-7. */
  gradientTolerance?: number;
}

/**
 * Limited-memory BFGS (Nocedal and Wright, algorithm 7.4) with a backtracking
 * Armijo line search, for small full-batch problems: the seeds' Newton step
 * w -= H^-1 g with the inverse Hessian H^-1 built from the last few gradient
 * differences instead of second derivatives. The model runs one iteration per
 * epoch over the whole training set; the arithmetic here is on float64 copies
 * of the parameter vector (small problems by design).
 */
export class LBFGS extends Owned {
  readonly className = 'LBFGS';
  readonly historySize: number;
  readonly maxLineSearch: number;
  readonly gradientTolerance: number;
  iterations = 0;
  private s: Float64Array[] = [];
  private y: Float64Array[] = [];

  constructor(opts: LBFGSOptions = {}) {
    super();
    checkOptions('lbfgs', opts, ['historySize', 'maxLineSearch', 'gradientTolerance'], 'options');
    this.historySize = checkInt('lbfgs', 'historySize', opts.historySize ?? 10, 1, 1000);
    this.maxLineSearch = checkFinite('lbfgs', 'maxLineSearch', opts.maxLineSearch ?? 20, 1, 1000);
    this.gradientTolerance = checkFinite('lbfgs', 'gradientTolerance', opts.gradientTolerance ?? 1e-7, 0);
  }

  /** Forgets the curvature history. */
  reset(): void {
    this.s = [];
    this.y = [];
    this.iterations = 0;
  }

  /**
   * One iteration from w with loss f and gradient g; `evaluate(w)` returns
   * the loss and gradient at another point. Returns the accepted point.
   */
  iterate(w: Float64Array, f: number, g: Float64Array, evaluate: (w: Float64Array) => { loss: number; grad: Float64Array }): { w: Float64Array; loss: number; grad: Float64Array; converged: boolean } {
    const n = w.length;
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i]));
    if (gmax <= this.gradientTolerance) return { w, loss: f, grad: g, converged: true };
    // Two-loop recursion: d = -H g.
    const q = Float64Array.from(g);
    const m = this.s.length;
    const alpha = new Float64Array(m);
    const rho = new Float64Array(m);
    for (let i = m - 1; i >= 0; i--) {
      rho[i] = 1 / dot(this.y[i], this.s[i]);
      alpha[i] = rho[i] * dot(this.s[i], q);
      axpy(-alpha[i], this.y[i], q);
    }
    if (m > 0) {
      const gamma = dot(this.s[m - 1], this.y[m - 1]) / dot(this.y[m - 1], this.y[m - 1]);
      for (let i = 0; i < n; i++) q[i] *= gamma;
    } else {
      // First step: a unit-length step along -g.
      const scale = 1 / Math.sqrt(dot(g, g));
      for (let i = 0; i < n; i++) q[i] *= scale;
    }
    for (let i = 0; i < m; i++) {
      const beta = rho[i] * dot(this.y[i], q);
      axpy(alpha[i] - beta, this.s[i], q);
    }
    const d = q.map((v) => -v);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart along -g.
      this.s = [];
      this.y = [];
      for (let i = 0; i < n; i++) d[i] = -g[i];
      slope = -dot(g, g);
    }
    // Backtracking line search with the Armijo condition.
    let t = 1;
    for (let ls = 0; ls < this.maxLineSearch; ls++) {
      const wn = new Float64Array(n);
      for (let i = 0; i < n; i++) wn[i] = w[i] + t * d[i];
      const r = evaluate(wn);
      if (Number.isFinite(r.loss) && r.loss <= f + 1e-4 * t * slope) {
        const s = new Float64Array(n);
        const y = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          s[i] = wn[i] - w[i];
          y[i] = r.grad[i] - g[i];
        }
        // Keep the pair only when it carries positive curvature.
        if (dot(s, y) > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y))) {
          this.s.push(s);
          this.y.push(y);
          if (this.s.length > this.historySize) {
            this.s.shift();
            this.y.shift();
          }
        }
        this.iterations++;
        return { w: wn, loss: r.loss, grad: r.grad, converged: false };
      }
      t *= 0.5;
    }
    this.iterations++;
    return { w, loss: f, grad: g, converged: true };
  }

  /** Serialisable description. */
  getConfig(): Record<string, unknown> {
    return { className: this.className, historySize: this.historySize, maxLineSearch: this.maxLineSearch, gradientTolerance: this.gradientTolerance };
  }

}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

/** Optimizer names accepted by compile(). */
export type OptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax' | 'lbfgs';

/** Creates an optimizer from a name (default hyperparameters) or passes an instance through. */
export function getOptimizer(op: string, value: unknown): Optimizer | LBFGS {
  if (value instanceof Optimizer || value instanceof LBFGS) return value;
  switch (value) {
    case 'sgd': return new SGD();
    case 'momentum': return new Momentum();
    case 'nesterov': return new Momentum({ nesterov: true });
    case 'adam': return new Adam();
    case 'rmsprop': return new RMSProp();
    case 'adagrad': return new Adagrad();
    case 'adadelta': return new Adadelta();
    case 'adamax': return new Adamax();
    case 'lbfgs': return new LBFGS();
    default: throw new ValueError(`${op}: optimizer must be one of sgd, momentum, nesterov, adam, rmsprop, adagrad, adadelta, adamax, lbfgs or an optimizer instance, got ${describe(value)}`);
  }
}

/** Recreates an optimizer from getConfig() output. */
export function optimizerFromConfig(c: Record<string, unknown>): Optimizer | LBFGS {
  const { className: _, ...rest } = c;
  const lr = c.learningRate;
  const opts = { ...rest, learningRate: lr && typeof lr === 'object' ? scheduleFromConfig(lr as Record<string, unknown>) : (lr as number | undefined) };
  switch (c.className) {
    case 'SGD': return new SGD(opts);
    case 'Momentum': return new Momentum(opts);
    case 'Adam': return new Adam(opts);
    case 'RMSProp': return new RMSProp(opts);
    case 'Adagrad': return new Adagrad(opts);
    case 'Adadelta': return new Adadelta(opts);
    case 'Adamax': return new Adamax(opts);
    case 'LBFGS': return new LBFGS(rest as LBFGSOptions);
    default: throw new ValueError(`optimizer: unknown className ${describe(c.className)}`);
  }
}

/** Factories with TensorFlow.js-like names. */
export const optimizers = {
  sgd: (opts?: OptimizerOptions) => new SGD(opts),
  momentum: (opts?: OptimizerOptions & { momentum?: number; nesterov?: boolean }) => new Momentum(opts),
  nesterov: (opts: OptimizerOptions & { momentum?: number } = {}) => new Momentum({ ...checkOptions('nesterov', opts, ['learningRate', 'weightDecay', 'clipNorm', 'clipValue', 'momentum'], 'options'), nesterov: true }),
  adam: (opts?: OptimizerOptions & { beta1?: number; beta2?: number; epsilon?: number }) => new Adam(opts),
  rmsprop: (opts?: OptimizerOptions & { rho?: number; epsilon?: number }) => new RMSProp(opts),
  adagrad: (opts?: OptimizerOptions & { initialAccumulatorValue?: number; epsilon?: number }) => new Adagrad(opts),
  adadelta: (opts?: OptimizerOptions & { rho?: number; epsilon?: number }) => new Adadelta(opts),
  adamax: (opts?: OptimizerOptions & { beta1?: number; beta2?: number; epsilon?: number }) => new Adamax(opts),
  lbfgs: (opts?: LBFGSOptions) => new LBFGS(opts),
};
