// Hopfield network (Hopfield 1982) as the seeds define it: symmetric weights
// with a zero diagonal, net_i = Σ_j w_ij v_j − θ_i, and the sign activation
// with the seeds' tie rule (net_i ≥ 0 gives the high state).
//
// Memory layout (one backend region each, allocated at construction):
//   W      N x N f32, row-major, symmetric, zero diagonal
//   negT   N f32, −θ (the starting value of the field before the GEMV adds W s)
//   state  N f32, the state being updated
//   field  N f32, d = W s − θ for the current state
//
// The field d = W s − θ of a state is one GEMV (f32_gemm with n = 1, onto
// d = −θ). Recall then keeps d up to date instead of recomputing it: deciding
// a unit costs one comparison, and only a flip costs work, one SIMD axpy
// d += (new − old) W[i, :] (W is symmetric, so row i is column i). Near a
// fixed point almost no unit flips, so an asynchronous sweep or a synchronous
// step costs O(N) instead of the O(N^2) of N dot products or a new GEMV.
// The float32 field drifts by a few rounding errors per flip; a unit whose
// |d_i| is within a bound on that drift is decided by an exact dot product
// instead (f32_dot accumulates the exact float32 products in float64), so the
// tie rule and the energy descent hold as in exact arithmetic. The field is
// recomputed by a GEMV once N flips have accumulated.
import { forget, reclaimOnCollect, release, type Holdings } from '../runtime/reclaim.js';
import type { Backend } from '../runtime/backend.js';
import { getBackend } from '../runtime/init.js';
import { axpy, dot, fill, scale } from '../kernels/elementwise.js';
import { gemm } from '../kernels/gemm.js';
import { DisposedError, ModelFormatError, ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { ModelRng } from '../models/rng.js';
import { checkSeed, randomSeed } from '../util/seed.js';
import { jsonNumbers } from './json.js';
import { stateRow, stateRows } from './states.js';
import { symmetricOf, symmetrizeUpper, vectorOf } from './weights.js';

/** Learning rule of Hopfield.store(). */
export type HopfieldRule = 'hebbian' | 'pseudoinverse';

/** State coding of a Hopfield network: 'bipolar' (−1 / +1) or 'binary' (0 / 1). */
export type HopfieldStates = 'bipolar' | 'binary';

/** Options of new Hopfield(). */
export interface HopfieldOptions {
  /** Number of units N, an integer in [1, 16384]. */
  size: number;
  /**
   * How store() sets the weights: 'hebbian' (W = (1/N) Σ_p x_p x_pᵀ, capacity
   * about 0.138 N random patterns) or 'pseudoinverse' (the projection rule
   * W = X X⁺, which makes every stored pattern a fixed point up to N − 1
   * linearly independent patterns). Default 'hebbian'.
   */
  rule?: HopfieldRule;
  /** State coding; default 'bipolar'. */
  states?: HopfieldStates;
  /** Seed of the random visiting order of asynchronous recall; default a random one. */
  seed?: number;
  /** Backend to allocate in; default the one init() created. */
  backend?: Backend;
}

/** Options of Hopfield.recall(). */
export interface HopfieldRecallOptions {
  /**
   * 'async' (default): one unit at a time, each seeing the units updated
   * before it; always reaches a fixed point. 'sync': all units at once from
   * the previous state; reaches a fixed point or a 2-cycle.
   */
  mode?: 'async' | 'sync';
  /** Visiting order of asynchronous sweeps: 'random' (a new seeded permutation each sweep, default) or 'fixed' (0..N−1). */
  order?: 'random' | 'fixed';
  /** Most sweeps (asynchronous passes over all units, or synchronous steps); default 100. */
  maxSweeps?: number;
  /** Reseeds the network's visiting-order stream before this recall. */
  seed?: number;
  /** Record the energy before the first and after every sweep in `energies`. Default false. */
  trace?: boolean;
}

/** What Hopfield.recall() returns. */
export interface HopfieldRecallResult {
  /** The final state (a new array, in the network's state coding). */
  state: Float32Array;
  /** Sweeps run, including the last one that changed nothing (or that closed the cycle). */
  sweeps: number;
  /** True when `state` is a fixed point (an update changes nothing). */
  converged: boolean;
  /** True when synchronous updates entered a 2-cycle: `state` and its successor alternate. */
  cycle: boolean;
  /** 1 for a fixed point, 2 for a 2-cycle, 0 when maxSweeps ran out first. */
  period: 0 | 1 | 2;
  /**
   * With trace: true, the energy of the initial state and after each sweep
   * (an O(N^2) float64 sum each, so it is opt-in; energy(state) gives one).
   */
  energies?: number[];
}

/** The serialised form of a Hopfield network. */
export interface HopfieldJSON {
  type: 'Hopfield';
  version: 1;
  size: number;
  rule: HopfieldRule;
  states: HopfieldStates;
  /** N x N row-major float32 values. */
  weights: number[];
  /** N float32 values θ. */
  thresholds: number[];
}

const RULES: readonly HopfieldRule[] = ['hebbian', 'pseudoinverse'];
const STATES: readonly HopfieldStates[] = ['bipolar', 'binary'];
const MAX_SIZE = 16384;
// Relative size of the float32 rounding bound used to decide when a field value is too close to 0 to trust.
const GUARD_EPS = 2 ** -22;

/**
 * A Hopfield network of N binary units with symmetric weights and zero
 * diagonal. The energy E(s) = −½ Σ_ij w_ij s_i s_j + Σ_i θ_i s_i never
 * increases under asynchronous updates, so recall from a corrupted pattern
 * descends to a stored pattern (or a spurious minimum). Bias inputs i_i of
 * the seeds' net_i = w_i·v + i_i − T_i enter as thresholds θ_i = T_i − i_i.
 * Weights live in wasm memory; call dispose() to free them.
 */
export class Hopfield {
  /** Number of units N. */
  readonly size: number;
  /** Learning rule used by store(). */
  readonly rule: HopfieldRule;
  /** State coding. */
  readonly states: HopfieldStates;
  private readonly backend: Backend;
  private readonly lo: number;
  private readonly rng: ModelRng;
  private readonly wPtr: number;
  private readonly negTPtr: number;
  private readonly sPtr: number;
  private readonly dPtr: number;
  // Per-row Σ_j |w_ij| + |θ_i|: scales the bound on float32 rounding in the field.
  private readonly rowScale: Float64Array;
  private readonly order: Int32Array;
  private storedCount = 0;
  private disposed = false;
  private readonly held: Holdings;

  /** Creates a network with zero weights and thresholds. */
  constructor(options: HopfieldOptions) {
    checkOptions('Hopfield', options, ['size', 'rule', 'states', 'seed', 'backend'], 'options');
    const op = 'Hopfield';
    if (options === null || typeof options !== 'object') {
      throw new ValueError(`${op}: options must be an object with size, got ${describe(options)}`);
    }
    const { size, rule = 'hebbian', states = 'bipolar', seed, backend } = options;
    this.size = checkInt(op, 'size', size, 1, MAX_SIZE);
    if (!RULES.includes(rule)) throw new ValueError(`${op}: rule must be one of ${RULES.join(', ')}, got ${describe(rule)}`);
    if (!STATES.includes(states)) throw new ValueError(`${op}: states must be one of ${STATES.join(', ')}, got ${describe(states)}`);
    if (seed !== undefined) checkSeed(op, seed);
    this.rule = rule;
    this.states = states;
    this.lo = states === 'bipolar' ? -1 : 0;
    const be = backend ?? getBackend();
    this.backend = be;
    const n = this.size;
    const ptrs: number[] = [];
    try {
      for (const bytes of [n * n * 4, n * 4, n * 4, n * 4]) ptrs.push(be.alloc(bytes));
      this.rng = new ModelRng(be, seed ?? randomSeed());
    } catch (err) {
      for (const p of ptrs) be.free(p);
      throw err;
    }
    [this.wPtr, this.negTPtr, this.sPtr, this.dPtr] = ptrs;
    this.held = reclaimOnCollect(this, { backend: be, ptrs, parts: [this.rng] });
    fill(be, { n: n * n, y: this.wPtr, value: 0 });
    fill(be, { n, y: this.negTPtr, value: 0 });
    this.rowScale = new Float64Array(n);
    this.order = Int32Array.from({ length: n }, (_, i) => i);
  }

  /** Rebuilds a network from toJSON() output; throws ModelFormatError on anything malformed (including asymmetric weights). */
  static fromJSON(json: unknown, options: { backend?: Backend } = {}): Hopfield {
    const op = 'Hopfield.fromJSON';
    if (json === null || typeof json !== 'object') throw new ModelFormatError(`${op}: expected an object, got ${describe(json)}`);
    const j = json as Partial<HopfieldJSON>;
    if (j.type !== 'Hopfield') throw new ModelFormatError(`${op}: type must be "Hopfield", got ${describe(j.type)}`);
    if (j.version !== 1) throw new ModelFormatError(`${op}: version must be 1, got ${describe(j.version)}`);
    if (typeof j.size !== 'number' || !Number.isInteger(j.size) || j.size < 1 || j.size > MAX_SIZE) {
      throw new ModelFormatError(`${op}: size must be an integer in [1, ${MAX_SIZE}], got ${describe(j.size)}`);
    }
    if (!RULES.includes(j.rule as HopfieldRule)) throw new ModelFormatError(`${op}: rule must be one of ${RULES.join(', ')}, got ${describe(j.rule)}`);
    if (!STATES.includes(j.states as HopfieldStates)) throw new ModelFormatError(`${op}: states must be one of ${STATES.join(', ')}, got ${describe(j.states)}`);
    const n = j.size;
    const weights = jsonNumbers(op, 'weights', j.weights, n * n);
    const thresholds = jsonNumbers(op, 'thresholds', j.thresholds, n);
    const net = new Hopfield({ size: n, rule: j.rule, states: j.states, backend: options.backend });
    try {
      net.setWeights(weights, thresholds);
    } catch (err) {
      net.dispose();
      if (err instanceof ValueError || err instanceof ShapeError) throw new ModelFormatError(err.message.replace(/^Hopfield\.setWeights/, op));
      throw err;
    }
    return net;
  }

  /** Number of patterns the last store() call stored (0 after setWeights). */
  get patterns(): number {
    return this.storedCount;
  }

  /** A copy of the N x N weights, row-major. */
  get weights(): Float32Array {
    this.check('Hopfield.weights');
    return this.backend.readF32(this.wPtr, this.size * this.size);
  }

  /** A copy of the thresholds θ. */
  get thresholds(): Float32Array {
    this.check('Hopfield.thresholds');
    const t = this.backend.readF32(this.negTPtr, this.size);
    for (let i = 0; i < t.length; i++) t[i] = -t[i] + 0;
    return t;
  }

  /**
   * Stores `patterns` (each N values in the network's state coding), replacing
   * the weights and thresholds: the Hebbian rule W = (1/N) Σ x xᵀ or the
   * pseudo-inverse rule W = X X⁺ on the bipolar form x of each pattern, then a
   * zero diagonal. For binary networks the bipolar weights Wb are turned into
   * W = 2 Wb and θ_i = Σ_j Wb_ij, which gives exactly the same dynamics on
   * s = (x + 1) / 2 (Hopfield's 1982 binary rule).
   */
  store(patterns: readonly ArrayLike<number>[] | Float32Array): void {
    const op = 'Hopfield.store';
    this.check(op);
    const n = this.size;
    const x = this.patternRows(op, patterns);
    const p = x.length / n;
    const be = this.backend;
    // Bipolar patterns, p x N, in wasm memory for the GEMMs.
    const xs = Float32Array.from(x, (v) => (v === this.lo ? -1 : 1));
    let xPtr = 0;
    let qPtr = 0;
    try {
      if (this.rule === 'hebbian') {
        xPtr = be.alloc(p * n * 4);
        be.writeF32(xPtr, xs);
        // W = (1/N) Xᵀ X: m = n = N, k = p.
        gemm(be, { m: n, n, k: p, a: xPtr, b: xPtr, c: this.wPtr, transA: true, alpha: 1 / n });
      } else {
        // Projection onto the span of the patterns: W = Q Qᵀ with Q an
        // orthonormal basis from modified Gram-Schmidt in float64 (patterns in
        // the span of earlier ones add nothing, so X⁺ needs no inverse).
        const basis = orthonormalBasis(xs, p, n);
        const r = basis.length / n;
        if (r > 0) {
          qPtr = be.alloc(r * n * 4);
          be.writeF32(qPtr, Float32Array.from(basis));
          gemm(be, { m: n, n, k: r, a: qPtr, b: qPtr, c: this.wPtr, transA: true });
        } else {
          fill(be, { n: n * n, y: this.wPtr, value: 0 });
        }
      }
    } finally {
      if (xPtr) be.free(xPtr);
      if (qPtr) be.free(qPtr);
    }
    const w = be.f32();
    const base = this.wPtr >>> 2;
    symmetrizeUpper(w, base, n, n);
    const negT = new Float32Array(n);
    if (this.states === 'binary') {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += w[base + i * n + j];
        negT[i] = -s;
      }
      scale(be, { n: n * n, x: this.wPtr, y: this.wPtr, alpha: 2 });
    }
    be.writeF32(this.negTPtr, negT);
    this.updateScale();
    this.storedCount = p;
  }

  /**
   * Replaces the weights (N x N, as nested arrays or row-major values) and
   * optionally the thresholds (default all 0). The weights must be finite,
   * symmetric and have a zero diagonal; nothing changes on error.
   */
  setWeights(weights: readonly ArrayLike<number>[] | ArrayLike<number>, thresholds?: ArrayLike<number>): void {
    const op = 'Hopfield.setWeights';
    this.check(op);
    const n = this.size;
    const w = symmetricOf(op, weights, n, 'N');
    const negT = thresholds === undefined ? new Float32Array(n) : negated(vectorOf(op, 'thresholds', thresholds, n, `N = ${n}`));
    this.backend.writeF32(this.wPtr, w);
    this.backend.writeF32(this.negTPtr, negT);
    this.updateScale();
    this.storedCount = 0;
  }

  /** Replaces the thresholds θ (N finite values), keeping the weights. */
  setThresholds(thresholds: ArrayLike<number>): void {
    const op = 'Hopfield.setThresholds';
    this.check(op);
    const negT = negated(vectorOf(op, 'thresholds', thresholds, this.size, `N = ${this.size}`));
    this.backend.writeF32(this.negTPtr, negT);
    this.updateScale();
  }

  /** The net inputs net_i = Σ_j w_ij s_j − θ_i of a state, in float64 (each product exact, summed in index order). */
  net(state: ArrayLike<number>): Float64Array {
    const op = 'Hopfield.net';
    this.check(op);
    const s = this.stateOf(op, state);
    const n = this.size;
    const w = this.backend.f32();
    const base = this.wPtr >>> 2;
    const nt = this.backend.f32().subarray(this.negTPtr >>> 2, (this.negTPtr >>> 2) + n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let a = 0;
      const row = base + i * n;
      for (let j = 0; j < n; j++) a += w[row + j] * s[j];
      out[i] = a + nt[i];
    }
    return out;
  }

  /** The energy E(s) = −½ Σ_ij w_ij s_i s_j + Σ_i θ_i s_i, in float64. */
  energy(state: ArrayLike<number>): number {
    const op = 'Hopfield.energy';
    this.check(op);
    return this.energyOf(this.stateOf(op, state));
  }

  /**
   * Runs the network from `state` until a fixed point, a 2-cycle (synchronous
   * mode only: asynchronous updates with the tie rule cannot cycle), or
   * maxSweeps. The input is not modified.
   */
  recall(state: ArrayLike<number>, options: HopfieldRecallOptions = {}): HopfieldRecallResult {
    checkOptions('Hopfield.recall', options, ['mode', 'order', 'maxSweeps', 'seed', 'trace'], 'options');
    const op = 'Hopfield.recall';
    this.check(op);
    if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object, got ${describe(options)}`);
    const { mode = 'async', order = 'random', maxSweeps = 100, seed, trace = false } = options;
    if (mode !== 'async' && mode !== 'sync') throw new ValueError(`${op}: mode must be 'async' or 'sync', got ${describe(mode)}`);
    if (order !== 'random' && order !== 'fixed') throw new ValueError(`${op}: order must be 'random' or 'fixed', got ${describe(order)}`);
    checkInt(op, 'maxSweeps', maxSweeps, 1);
    if (typeof trace !== 'boolean') throw new ValueError(`${op}: trace must be a boolean, got ${describe(trace)}`);
    if (seed !== undefined) this.rng.reseed(checkSeed(op, seed));
    const s0 = this.stateOf(op, state);
    this.backend.writeF32(this.sPtr, s0);
    const energies = trace ? [this.energyOf(s0)] : undefined;
    const r = mode === 'sync' ? this.runSync(maxSweeps, energies) : this.runAsync(maxSweeps, order === 'random', energies);
    const final = this.backend.readF32(this.sPtr, this.size);
    const result: HopfieldRecallResult = {
      state: final,
      sweeps: r.sweeps,
      converged: r.period === 1,
      cycle: r.period === 2,
      period: r.period,
    };
    if (energies) result.energies = energies;
    return result;
  }

  /** A plain object with the weights and thresholds (exact float32 values). */
  toJSON(): HopfieldJSON {
    this.check('Hopfield.toJSON');
    return {
      type: 'Hopfield',
      version: 1,
      size: this.size,
      rule: this.rule,
      states: this.states,
      weights: Array.from(this.weights),
      thresholds: Array.from(this.thresholds),
    };
  }

  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the network's wasm memory; later use throws DisposedError. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    forget(this);
    release(this.held);
  }

  // Synchronous steps: every unit decides from the same field d (so from the
  // same old state), then the changes are committed, each changed unit adding
  // (new − old) W[i, :] to d. The new state is compared with the current one
  // (fixed point) and the one before it (2-cycle).
  private runSync(maxSweeps: number, energies?: number[]): { sweeps: number; period: 0 | 1 | 2 } {
    const n = this.size;
    const be = this.backend;
    const prev = new Float32Array(n);
    const next = new Float32Array(n);
    let havePrev = false;
    this.field();
    // No allocation happens below (the GEMM workspace already fits), so the view stays valid.
    const f = be.f32();
    const s = this.sPtr >>> 2;
    const d = this.dPtr >>> 2;
    let flips = 0;
    for (let sweep = 1; sweep <= maxSweeps; sweep++) {
      // Decide every unit first: the exact rechecks must read the old state.
      for (let i = 0; i < n; i++) next[i] = this.decide(f, i, f[d + i], flips);
      let changed = 0;
      let samePrev = havePrev;
      for (let i = 0; i < n; i++) {
        const v = next[i];
        const old = f[s + i];
        if (samePrev && v !== prev[i]) samePrev = false;
        prev[i] = old;
        if (v === old) continue;
        f[s + i] = v;
        axpy(be, { n, x: this.wPtr + i * n * 4, y: this.dPtr, alpha: v - old });
        changed++;
        flips++;
      }
      if (flips > n) {
        this.field();
        flips = 0;
      }
      havePrev = true;
      if (energies) energies.push(this.energyOf(f.subarray(s, s + n)));
      if (changed === 0) return { sweeps: sweep, period: 1 };
      if (samePrev) return { sweeps: sweep, period: 2 };
    }
    return { sweeps: maxSweeps, period: 0 };
  }

  // Asynchronous sweeps on the incrementally maintained field (see the file header).
  private runAsync(maxSweeps: number, random: boolean, energies?: number[]): { sweeps: number; period: 0 | 1 } {
    const n = this.size;
    const be = this.backend;
    const order = this.order;
    for (let i = 0; i < n; i++) order[i] = i;
    this.field();
    const f = be.f32();
    const s = this.sPtr >>> 2;
    const d = this.dPtr >>> 2;
    let flips = 0;
    for (let sweep = 1; sweep <= maxSweeps; sweep++) {
      if (random) this.rng.shuffle(order);
      let changed = 0;
      for (let t = 0; t < n; t++) {
        const i = order[t];
        const v = this.decide(f, i, f[d + i], flips);
        const old = f[s + i];
        if (v === old) continue;
        f[s + i] = v;
        axpy(be, { n, x: this.wPtr + i * n * 4, y: this.dPtr, alpha: v - old });
        changed++;
        if (++flips > n) {
          this.field();
          flips = 0;
        }
      }
      if (energies) energies.push(this.energyOf(f.subarray(s, s + n)));
      if (changed === 0) return { sweeps: sweep, period: 1 };
    }
    return { sweeps: maxSweeps, period: 0 };
  }

  // d = W s − θ as one GEMV: W (N x N) times the state column, accumulated onto d = −θ.
  private field(): void {
    const n = this.size;
    const be = this.backend;
    scale(be, { n, x: this.negTPtr, y: this.dPtr });
    gemm(be, { m: n, n: 1, k: n, a: this.wPtr, b: this.sPtr, c: this.dPtr, beta: 1 });
  }

  // The new state of unit i from its float32 field value di: trusted when far
  // from 0, else recomputed exactly. `flips` counts axpy updates since the
  // field was last computed by a GEMM (each adds at most one rounding error).
  private decide(f: Float32Array, i: number, di: number, flips: number): number {
    const guard = GUARD_EPS * (this.size + flips + 2) * this.rowScale[i];
    if (di > guard) return 1;
    if (di < -guard) return this.lo;
    const exact = dot(this.backend, { n: this.size, x: this.wPtr + i * this.size * 4, y: this.sPtr }) + f[(this.negTPtr >>> 2) + i];
    return exact >= 0 ? 1 : this.lo;
  }

  private energyOf(s: ArrayLike<number>): number {
    const n = this.size;
    const w = this.backend.f32();
    const base = this.wPtr >>> 2;
    const nt = this.negTPtr >>> 2;
    let quad = 0;
    let lin = 0;
    for (let i = 0; i < n; i++) {
      const si = s[i];
      if (si === 0) continue;
      let a = 0;
      const row = base + i * n;
      for (let j = 0; j < n; j++) a += w[row + j] * s[j];
      quad += si * a;
      lin -= w[nt + i] * si;
    }
    return -0.5 * quad + lin + 0;
  }

  private updateScale(): void {
    const n = this.size;
    const w = this.backend.f32();
    const base = this.wPtr >>> 2;
    const nt = this.negTPtr >>> 2;
    for (let i = 0; i < n; i++) {
      let a = Math.abs(w[nt + i]);
      for (let j = 0; j < n; j++) a += Math.abs(w[base + i * n + j]);
      this.rowScale[i] = a;
    }
  }

  private check(op: string): void {
    if (this.disposed) throw new DisposedError(`${op}: this Hopfield network was disposed`);
    this.backend.check();
  }

  // Validates one state: N values, each exactly one of the two states.
  private stateOf(op: string, state: ArrayLike<number>): Float32Array {
    return stateRow(op, 'state', state, this.size, `N = ${this.size}`, this.lo, `${this.states} states`);
  }

  // Validates patterns: rows of N values in the state coding, as nested arrays or one flat Float32Array.
  private patternRows(op: string, patterns: readonly ArrayLike<number>[] | Float32Array): Float32Array {
    const n = this.size;
    const flat = stateRows(op, 'patterns', patterns, n, `N = ${n}`, this.lo, `${this.states} states`);
    if (flat.length / n > n) throw new ShapeError(`${op}: at most N = ${n} patterns can be stored, got ${flat.length / n}`);
    return flat;
  }

}

// Modified Gram-Schmidt in float64 over the rows of x (p x n): returns the
// orthonormal rows (r x n, r <= p), dropping rows that lie in the span of the
// earlier ones (relative residual norm below 1e-9).
function orthonormalBasis(x: Float32Array, p: number, n: number): Float64Array {
  const q: Float64Array[] = [];
  for (let r = 0; r < p; r++) {
    const v = Float64Array.from(x.subarray(r * n, (r + 1) * n));
    let norm0 = 0;
    for (let i = 0; i < n; i++) norm0 += v[i] * v[i];
    for (let pass = 0; pass < 2; pass++) {
      for (const b of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += b[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * b[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    if (norm <= 1e-18 * norm0) continue;
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] *= inv;
    q.push(v);
  }
  const out = new Float64Array(q.length * n);
  q.forEach((b, r) => out.set(b, r * n));
  return out;
}

// −θ as the field's starting value (+ 0 turns −0 into 0, so θ = 0 reads back as 0).
function negated(t: Float32Array): Float32Array {
  for (let i = 0; i < t.length; i++) t[i] = -t[i] + 0;
  return t;
}
