// General Boltzmann machine (Ackley, Hinton and Sejnowski 1985) with the
// seeds' energy E = −(Σ_{i<j} w_ij s_i s_j + Σ_i θ_i s_i) over binary units
// s_i ∈ {0, 1}, visible units first, then hidden ones, every pair connected.
//
// Gibbs sampling is sequential over units (unit i must see the units updated
// before it) but independent across chains, so the machine runs R chains side
// by side and updates one unit in all of them at once:
//
//   p  = sigmoid((w̃_i · S̃) / T)      one GEMM, m = 1, k = n + 1, n = R, sigmoid fused
//   S[i, :] = bernoulli(p)              one f32_sample_bernoulli
//
// Memory layout:
//   W̃  n x (n + 1) f32: row i is [w_i0 .. w_i(n−1), θ_i], symmetric in its
//      n x n part with a zero diagonal, so w̃_i · s̃ = Σ_j w_ij s_j + θ_i = ΔE_i
//   S̃  (n + 1) x R f32 per set of chains: row i is unit i in every chain,
//      row n is all ones (it carries θ through the same product)
// The Boltzmann learning rule then needs two more GEMMs per epoch:
// W̃ += (η / R+) S+ S̃+ᵀ − (η / R−) S− S̃−ᵀ, whose last column is the θ update
// <s_i>+ − <s_i>−.
import { forget, reclaimOnCollect, release, type Holdings } from '../runtime/reclaim.js';
import type { Backend } from '../runtime/backend.js';
import { getBackend } from '../runtime/init.js';
import { ACT } from '../runtime/abi.js';
import { fill } from '../kernels/elementwise.js';
import { gemm } from '../kernels/gemm.js';
import { randBernoulli, randUniform, sampleBernoulli } from '../kernels/random.js';
import { DisposedError, ModelFormatError, ShapeError, ValueError, checkInt, describe } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { ModelRng } from '../models/rng.js';
import { checkFiniteF32 } from '../util/finite.js';
import { checkSeed, randomSeed } from '../util/seed.js';
import { checkTemperature, temperatureSchedule } from './anneal.js';
import { jsonNumbers } from './json.js';
import { stateRow, stateRows } from './states.js';
import { symmetricOf, symmetrizeUpper, vectorOf } from './weights.js';

/** Options of new BoltzmannMachine(). */
export interface BoltzmannOptions {
  /** Number of visible units (the ones data clamps), an integer in [1, 4096]. */
  visible: number;
  /** Number of hidden units; default 0. */
  hidden?: number;
  /** Seed of the initial chains and every draw; default a random one. */
  seed?: number;
  /** Initial weights: each w_ij uniform in [−initScale, initScale] from the seed; default 0.01. */
  initScale?: number;
  /** Backend to allocate in; default the one init() created. */
  backend?: Backend;
}

/** Options of BoltzmannMachine.sample(). */
export interface BoltzmannSampleOptions {
  /** Gibbs sweeps (each visits every free unit once, in index order); default 1. */
  steps?: number;
  /** Temperature T > 0; default 1. */
  temperature?: number;
  /**
   * Visible values held fixed (the clamped phase): one vector of `visible`
   * 0/1 values for every chain, or one per chain. Only hidden units are then
   * sampled.
   */
  clamp?: ArrayLike<number> | readonly ArrayLike<number>[];
  /** Number of parallel chains; default the number of init states if given, else the current number (1 at first). Changing it starts new random chains. */
  chains?: number;
  /** 'keep' continues the chains (default), 'random' restarts them from uniform random states, or give one state per chain. */
  init?: 'keep' | 'random' | readonly ArrayLike<number>[];
  /** Reseeds the machine's random stream first. */
  seed?: number;
}

/** A temperature schedule: explicit temperatures, or `steps` temperatures from `from` to `to`. */
export type AnnealSchedule = readonly number[] | { from: number; to: number; steps: number; kind?: 'geometric' | 'linear' };

/** Options of BoltzmannMachine.anneal(). */
export interface BoltzmannAnnealOptions {
  /** The temperatures to sweep at, in order (required). Geometric spacing by default for { from, to, steps }. */
  schedule: AnnealSchedule;
  /** Gibbs sweeps at each temperature; default 1. */
  sweepsPerTemperature?: number;
  /** Independent annealing runs side by side; default the current number of chains. */
  chains?: number;
  /** Visible values held fixed, as in sample(). */
  clamp?: ArrayLike<number> | readonly ArrayLike<number>[];
  /** Where the runs start; default 'random'. */
  init?: 'keep' | 'random' | readonly ArrayLike<number>[];
  /** Reseeds the machine's random stream first. */
  seed?: number;
}

/** What anneal() returns. */
export interface BoltzmannAnnealResult {
  /** Final state of every run. */
  states: Float32Array[];
  /** Energy of each final state. */
  energies: number[];
  /** The lowest-energy final state. */
  best: { state: Float32Array; energy: number };
}

/** Per-epoch figures of BoltzmannMachine.fit(). */
export interface BoltzmannLogs {
  /** Root mean square of <s_i s_j>+ − <s_i s_j>− over all weights and biases: the size of the gradient. */
  gradientRms: number;
}

/** Options of BoltzmannMachine.fit(). */
export interface BoltzmannFitOptions {
  /** Passes over the data (one learning step each); default 100. */
  epochs?: number;
  /** η of Δw_ij = η (<s_i s_j>clamped − <s_i s_j>free); default 0.1. */
  learningRate?: number;
  /** Temperature of both phases; default 1. */
  temperature?: number;
  /** Gibbs sweeps per phase per epoch (the chains persist between epochs); default 5. */
  sweeps?: number;
  /** Free-phase chains; default 200. */
  chains?: number;
  /** Clamped-phase chains per data row (hidden units only); default 5. */
  clampedChains?: number;
  /** L2 weight decay λ on the weights (not the biases): Δw −= η λ w; default 0. */
  weightDecay?: number;
  /** Reseeds the machine's random stream first. */
  seed?: number;
  /** Called after every epoch (0-based). */
  onEpochEnd?: (epoch: number, logs: BoltzmannLogs) => void;
}

/** The serialised form of a Boltzmann machine. */
export interface BoltzmannJSON {
  type: 'BoltzmannMachine';
  version: 1;
  visible: number;
  hidden: number;
  /** n x n row-major, symmetric, zero diagonal. */
  weights: number[];
  /** n biases θ. */
  biases: number[];
}

const MAX_UNITS = 4096;

/**
 * A Boltzmann machine of binary stochastic units: unit i turns on with
 * probability 1 / (1 + exp(−ΔE_i / T)), ΔE_i = Σ_j w_ij s_j + θ_i, so at
 * temperature T the chains sample p(s) = exp(−E(s) / T) / Z. Gibbs sampling,
 * simulated annealing, clamped and free phases, and the Boltzmann learning
 * rule. Weights and chains live in wasm memory; call dispose() to free them.
 */
export class BoltzmannMachine {
  /** Number of visible units (units 0 .. visible − 1). */
  readonly visible: number;
  /** Number of hidden units (units visible .. units − 1). */
  readonly hidden: number;
  /** visible + hidden. */
  readonly units: number;
  private readonly backend: Backend;
  private readonly rng: ModelRng;
  private readonly wPtr: number;
  private sPtr = 0;
  private pPtr = 0;
  private nChains = 0;
  private disposed = false;
  private readonly held: Holdings;

  /** Creates a machine with small random weights, zero biases and one random chain. */
  constructor(options: BoltzmannOptions) {
    checkOptions('BoltzmannMachine', options, ['visible', 'hidden', 'seed', 'initScale', 'backend'], 'options');
    const op = 'BoltzmannMachine';
    if (options === null || typeof options !== 'object') {
      throw new ValueError(`${op}: options must be an object with visible, got ${describe(options)}`);
    }
    const { visible, hidden = 0, seed, initScale = 0.01, backend } = options;
    this.visible = checkInt(op, 'visible', visible, 1, MAX_UNITS);
    this.hidden = checkInt(op, 'hidden', hidden, 0, MAX_UNITS - this.visible);
    this.units = this.visible + this.hidden;
    if (seed !== undefined) checkSeed(op, seed);
    checkFiniteF32(op, 'initScale', initScale, { min: 0 });
    const be = backend ?? getBackend();
    this.backend = be;
    const n = this.units;
    this.wPtr = be.alloc(n * (n + 1) * 4);
    try {
      this.rng = new ModelRng(be, seed ?? randomSeed());
    } catch (err) {
      be.free(this.wPtr);
      throw err;
    }
    this.held = reclaimOnCollect(this, { backend: be, ptrs: [this.wPtr, 0, 0], parts: [this.rng] });
    // Upper triangle drawn in row order, mirrored; θ = 0.
    const w = new Float32Array(n * (n + 1));
    const draws = be.alloc(Math.max(1, (n * (n - 1)) / 2) * 4);
    randUniform(be, { state: this.rng.ptr, n: (n * (n - 1)) / 2, out: draws, lo: -initScale, hi: initScale });
    const f = be.f32();
    let t = draws >>> 2;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        w[i * (n + 1) + j] = f[t];
        w[j * (n + 1) + i] = f[t++];
      }
    }
    be.free(draws);
    be.writeF32(this.wPtr, w);
    this.setChains(1);
  }

  /** Rebuilds a machine from toJSON() output; throws ModelFormatError on anything malformed. */
  static fromJSON(json: unknown, options: { seed?: number; backend?: Backend } = {}): BoltzmannMachine {
    const op = 'BoltzmannMachine.fromJSON';
    if (json === null || typeof json !== 'object') throw new ModelFormatError(`${op}: expected an object, got ${describe(json)}`);
    const j = json as Partial<BoltzmannJSON>;
    if (j.type !== 'BoltzmannMachine') throw new ModelFormatError(`${op}: type must be "BoltzmannMachine", got ${describe(j.type)}`);
    if (j.version !== 1) throw new ModelFormatError(`${op}: version must be 1, got ${describe(j.version)}`);
    for (const key of ['visible', 'hidden'] as const) {
      const v = j[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < (key === 'visible' ? 1 : 0) || v > MAX_UNITS) {
        throw new ModelFormatError(`${op}: ${key} must be an integer in [${key === 'visible' ? 1 : 0}, ${MAX_UNITS}], got ${describe(v)}`);
      }
    }
    const n = (j.visible as number) + (j.hidden as number);
    if (n > MAX_UNITS) throw new ModelFormatError(`${op}: visible + hidden must be at most ${MAX_UNITS}, got ${n}`);
    const weights = jsonNumbers(op, 'weights', j.weights, n * n);
    const biases = jsonNumbers(op, 'biases', j.biases, n);
    const bm = new BoltzmannMachine({ visible: j.visible as number, hidden: j.hidden, seed: options.seed, backend: options.backend });
    try {
      bm.setWeights({ weights, biases });
    } catch (err) {
      bm.dispose();
      if (err instanceof ValueError || err instanceof ShapeError) {
        throw new ModelFormatError(err.message.replace(/^BoltzmannMachine\.setWeights/, op));
      }
      throw err;
    }
    return bm;
  }

  /** Number of chains sample() continues. */
  get chains(): number {
    return this.nChains;
  }

  /** A copy of the weights (n x n, symmetric, zero diagonal) and biases θ. */
  getWeights(): { weights: Float32Array; biases: Float32Array } {
    this.check('BoltzmannMachine.getWeights');
    const n = this.units;
    const w = this.backend.readF32(this.wPtr, n * (n + 1));
    const weights = new Float32Array(n * n);
    const biases = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      weights.set(w.subarray(i * (n + 1), i * (n + 1) + n), i * n);
      biases[i] = w[i * (n + 1) + n];
    }
    return { weights, biases };
  }

  /**
   * Replaces weights (n x n nested or row-major; finite, symmetric, zero
   * diagonal) and, when given, biases θ. Nothing changes on error.
   */
  setWeights(values: { weights: readonly ArrayLike<number>[] | ArrayLike<number>; biases?: ArrayLike<number> }): void {
    const op = 'BoltzmannMachine.setWeights';
    this.check(op);
    if (values === null || typeof values !== 'object') throw new ValueError(`${op}: expected { weights, biases }, got ${describe(values)}`);
    const n = this.units;
    const w = symmetricOf(op, values.weights, n);
    const cur = this.backend.readF32(this.wPtr, n * (n + 1));
    const theta = values.biases === undefined
      ? Float32Array.from({ length: n }, (_, i) => cur[i * (n + 1) + n])
      : vectorOf(op, 'biases', values.biases, n);
    for (let i = 0; i < n; i++) {
      cur.set(w.subarray(i * n, (i + 1) * n), i * (n + 1));
      cur[i * (n + 1) + n] = theta[i];
    }
    this.backend.writeF32(this.wPtr, cur);
  }

  /** E(s) = −(Σ_{i<j} w_ij s_i s_j + Σ_i θ_i s_i) of one state of all units (0/1 values), in float64. */
  energy(state: ArrayLike<number>): number {
    const op = 'BoltzmannMachine.energy';
    this.check(op);
    const s = stateRow(op, 'state', state, this.units, `${this.units}`, 0, 'binary units');
    return this.energyOf(this.backend.f32(), this.wPtr >>> 2, s, 0, 1);
  }

  /**
   * The exact distribution exp(−E/T) / Z by enumeration, over all units or
   * marginalised to the visible ones: entry k is the state whose unit i is
   * bit i of k. For machines of at most 20 units (teaching, tests).
   */
  distribution(options: { temperature?: number; over?: 'all' | 'visible' } = {}): Float64Array {
    const op = 'BoltzmannMachine.distribution';
    this.check(op);
    const t = checkTemperature(op, options.temperature ?? 1);
    const over = options.over ?? 'all';
    if (over !== 'all' && over !== 'visible') throw new ValueError(`${op}: over must be 'all' or 'visible', got ${describe(over)}`);
    const n = this.units;
    if (n > 20) throw new ValueError(`${op}: enumeration needs at most 20 units, this machine has ${n}`);
    const f = this.backend.f32();
    const base = this.wPtr >>> 2;
    const count = 2 ** n;
    const logits = new Float64Array(count);
    const s = new Float32Array(n);
    let max = -Infinity;
    for (let k = 0; k < count; k++) {
      for (let i = 0; i < n; i++) s[i] = (k >>> i) & 1;
      logits[k] = -this.energyOf(f, base, s, 0, 1) / t;
      if (logits[k] > max) max = logits[k];
    }
    const out = new Float64Array(over === 'all' ? count : 2 ** this.visible);
    const mask = out.length - 1;
    let z = 0;
    for (let k = 0; k < count; k++) {
      const p = Math.exp(logits[k] - max);
      z += p;
      out[k & mask] += p;
    }
    for (let k = 0; k < out.length; k++) out[k] /= z;
    return out;
  }

  /** Runs Gibbs sweeps at temperature T on the machine's chains and returns each chain's state (visible units first). */
  sample(options: BoltzmannSampleOptions = {}): Float32Array[] {
    checkOptions('BoltzmannMachine.sample', options, ['steps', 'temperature', 'clamp', 'chains', 'init', 'seed'], 'options');
    const op = 'BoltzmannMachine.sample';
    this.check(op);
    if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object, got ${describe(options)}`);
    const steps = checkInt(op, 'steps', options.steps ?? 1, 0);
    const t = checkTemperature(op, options.temperature ?? 1);
    this.prepare(op, options.chains, options.init ?? 'keep', options.clamp, options.seed);
    const first = options.clamp === undefined ? 0 : this.visible;
    for (let s = 0; s < steps; s++) this.sweep(this.sPtr, this.nChains, first, t);
    return this.readChains();
  }

  /**
   * Simulated annealing: Gibbs sweeps at each temperature of the schedule in
   * turn, in every chain (independent runs). Returns the final states, their
   * energies and the best of them.
   */
  anneal(options: BoltzmannAnnealOptions): BoltzmannAnnealResult {
    checkOptions('BoltzmannMachine.anneal', options, ['schedule', 'sweepsPerTemperature', 'chains', 'clamp', 'init', 'seed'], 'options');
    const op = 'BoltzmannMachine.anneal';
    this.check(op);
    if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object with schedule, got ${describe(options)}`);
    const temps = temperatureSchedule(op, options.schedule);
    const per = checkInt(op, 'sweepsPerTemperature', options.sweepsPerTemperature ?? 1, 1);
    this.prepare(op, options.chains, options.init ?? 'random', options.clamp, options.seed);
    const first = options.clamp === undefined ? 0 : this.visible;
    for (const t of temps) for (let s = 0; s < per; s++) this.sweep(this.sPtr, this.nChains, first, t);
    const states = this.readChains();
    const energies = states.map((s) => this.energyOf(this.backend.f32(), this.wPtr >>> 2, s, 0, 1));
    let best = 0;
    for (let i = 1; i < energies.length; i++) if (energies[i] < energies[best]) best = i;
    return { states, energies, best: { state: states[best].slice(), energy: energies[best] } };
  }

  /**
   * Learns the distribution of `data` (rows of `visible` 0/1 values) with the
   * Boltzmann learning rule, one full-batch step per epoch:
   * Δw_ij = η (<s_i s_j>clamped − <s_i s_j>free − λ w_ij), Δθ_i = η (<s_i>clamped − <s_i>free).
   * Clamped statistics come from the data (with hidden units sampled given
   * each row); free ones from persistent chains (the machine's own, which
   * sample() continues afterwards). The 1/T of the exact gradient is folded
   * into η. Disposing the machine from onEpochEnd ends training: fit throws
   * DisposedError and runs no further kernel.
   */
  fit(data: readonly ArrayLike<number>[] | Float32Array, options: BoltzmannFitOptions = {}): { epochs: number; history: BoltzmannLogs[] } {
    checkOptions('BoltzmannMachine.fit', options, ['epochs', 'learningRate', 'temperature', 'sweeps', 'chains', 'clampedChains', 'weightDecay', 'seed', 'onEpochEnd'], 'options');
    const op = 'BoltzmannMachine.fit';
    this.check(op);
    if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object, got ${describe(options)}`);
    const rows = stateRows(op, 'data', data, this.visible, `visible = ${this.visible}`, 0, 'binary units');
    const v = this.visible;
    const n = this.units;
    const m = rows.length / v;
    const epochs = checkInt(op, 'epochs', options.epochs ?? 100, 0);
    const lr = checkFiniteF32(op, 'learningRate', options.learningRate ?? 0.1, { min: 0, minExclusive: true });
    const t = checkTemperature(op, options.temperature ?? 1);
    const sweeps = checkInt(op, 'sweeps', options.sweeps ?? 5, 1);
    const chains = checkInt(op, 'chains', options.chains ?? 200, 1, 1 << 20);
    const perRow = this.hidden === 0 ? 1 : checkInt(op, 'clampedChains', options.clampedChains ?? 5, 1, 1 << 20);
    const wd = checkFiniteF32(op, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
    if (options.onEpochEnd !== undefined && typeof options.onEpochEnd !== 'function') {
      throw new ValueError(`${op}: onEpochEnd must be a function, got ${describe(options.onEpochEnd)}`);
    }
    if (options.seed !== undefined) this.rng.reseed(checkSeed(op, options.seed));
    if (chains !== this.nChains) this.setChains(chains);
    const be = this.backend;
    const rPos = m * perRow;
    if (rPos > 1 << 22) throw new ValueError(`${op}: data rows x clampedChains must be at most ${1 << 22}, got ${rPos}`);
    const posPtr = be.alloc((n + 1) * rPos * 4);
    const probPtr = rPos > this.nChains ? be.alloc(rPos * 4) : 0;
    const history: BoltzmannLogs[] = [];
    try {
      // Clamped chains: visible rows from the data (chain r holds row r / perRow), hidden rows random, last row ones.
      const f = be.f32();
      const pos = posPtr >>> 2;
      for (let r = 0; r < rPos; r++) {
        const row = Math.floor(r / perRow);
        for (let i = 0; i < v; i++) f[pos + i * rPos + r] = rows[row * v + i];
      }
      if (this.hidden > 0) randBernoulli(be, { state: this.rng.ptr, n: this.hidden * rPos, out: posPtr + v * rPos * 4, p: 0.5 });
      fill(be, { n: rPos, y: posPtr + n * rPos * 4, value: 1 });
      const probs = probPtr || this.pPtr;
      const before = new Float32Array(n * (n + 1));
      for (let epoch = 0; epoch < epochs; epoch++) {
        for (let s = 0; s < sweeps && this.hidden > 0; s++) this.sweep(posPtr, rPos, v, t, probs);
        for (let s = 0; s < sweeps; s++) this.sweep(this.sPtr, this.nChains, 0, t);
        before.set(be.f32().subarray(this.wPtr >>> 2, (this.wPtr >>> 2) + n * (n + 1)));
        if (wd > 0) {
          const w = be.f32();
          const base = this.wPtr >>> 2;
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[base + i * (n + 1) + j] *= 1 - lr * wd;
        }
        // W̃ += (η/R+) S+ S̃+ᵀ − (η/R−) S− S̃−ᵀ: rows 0..n−1 against all n + 1 rows.
        gemm(be, { m: n, n: n + 1, k: rPos, a: posPtr, b: posPtr, c: this.wPtr, transB: true, alpha: lr / rPos, beta: 1 });
        gemm(be, { m: n, n: n + 1, k: this.nChains, a: this.sPtr, b: this.sPtr, c: this.wPtr, transB: true, alpha: -lr / this.nChains, beta: 1 });
        const w = be.f32();
        const base = this.wPtr >>> 2;
        symmetrizeUpper(w, base, n, n + 1);
        let sq = 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j <= n; j++) {
            if (j === i) continue;
            const g = (w[base + i * (n + 1) + j] - before[i * (n + 1) + j]) / lr;
            sq += g * g;
          }
        }
        const logs = { gradientRms: Math.sqrt(sq / (n * n)) };
        history.push(logs);
        options.onEpochEnd?.(epoch, logs);
        // The callback may have disposed the machine: stop before a kernel touches its freed memory.
        this.check(op);
      }
    } finally {
      be.free(posPtr);
      if (probPtr) be.free(probPtr);
    }
    return { epochs, history };
  }

  /** A plain object with the weights and biases (exact float32 values). */
  toJSON(): BoltzmannJSON {
    this.check('BoltzmannMachine.toJSON');
    const { weights, biases } = this.getWeights();
    return { type: 'BoltzmannMachine', version: 1, visible: this.visible, hidden: this.hidden, weights: Array.from(weights), biases: Array.from(biases) };
  }

  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the machine's wasm memory; later use throws DisposedError. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    forget(this);
    release(this.held);
  }

  // One Gibbs sweep over units first..n−1 of R chains at S̃ (see the header).
  private sweep(sPtr: number, r: number, first: number, t: number, probs = this.pPtr): void {
    const n = this.units;
    const be = this.backend;
    const work = be.gemmWorkspace(1, r, n + 1);
    const state = this.rng.ptr;
    for (let i = first; i < n; i++) {
      gemm(be, { m: 1, n: r, k: n + 1, a: this.wPtr + i * (n + 1) * 4, b: sPtr, c: probs, alpha: 1 / t, act: ACT.sigmoid, work });
      sampleBernoulli(be, { state, n: r, probs, out: sPtr + i * r * 4 });
    }
  }

  // Applies chains / init / clamp / seed options to the machine's chains.
  private prepare(op: string, chains: number | undefined, init: unknown, clamp: unknown, seed: number | undefined): void {
    if (seed !== undefined) this.rng.reseed(checkSeed(op, seed));
    const want = chains === undefined ? (Array.isArray(init) ? init.length : this.nChains) : checkInt(op, 'chains', chains, 1, 1 << 22);
    const n = this.units;
    let initRows: Float32Array | null = null;
    if (Array.isArray(init)) {
      if (init.length !== want) throw new ShapeError(`${op}: init must hold one state per chain (${want}), got ${init.length}`);
      initRows = new Float32Array(want * n);
      init.forEach((row, r) => initRows!.set(stateRow(op, `init[${r}]`, row, n, `${n}`, 0, 'binary units'), r * n));
    } else if (init !== 'keep' && init !== 'random') {
      throw new ValueError(`${op}: init must be 'keep', 'random' or an array of states, got ${describe(init)}`);
    }
    let clampRows: Float32Array | null = null;
    if (clamp !== undefined) {
      const v = this.visible;
      if (clamp === null || typeof clamp !== 'object' || typeof (clamp as ArrayLike<number>).length !== 'number') {
        throw new ShapeError(`${op}: clamp must be ${v} visible values or one such row per chain, got ${describe(clamp)}`);
      }
      const c = clamp as ArrayLike<unknown>;
      if (c.length > 0 && typeof c[0] === 'object' && c[0] !== null) {
        if (c.length !== want) throw new ShapeError(`${op}: clamp must hold one row per chain (${want}), got ${c.length}`);
        clampRows = new Float32Array(want * v);
        for (let r = 0; r < want; r++) clampRows.set(stateRow(op, `clamp[${r}]`, c[r], v, `${v}`, 0, 'binary units'), r * v);
      } else {
        const row = stateRow(op, 'clamp', c, v, `${v}`, 0, 'binary units');
        clampRows = new Float32Array(want * v);
        for (let r = 0; r < want; r++) clampRows.set(row, r * v);
      }
    }
    if (want !== this.nChains) this.setChains(want);
    else if (init === 'random') this.randomizeChains();
    const f = this.backend.f32();
    const base = this.sPtr >>> 2;
    const r = this.nChains;
    if (initRows) for (let c = 0; c < r; c++) for (let i = 0; i < n; i++) f[base + i * r + c] = initRows[c * n + i];
    if (clampRows) for (let c = 0; c < r; c++) for (let i = 0; i < this.visible; i++) f[base + i * r + c] = clampRows[c * this.visible + i];
  }

  // (Re)allocates R chains, uniformly random, and the probability row.
  private setChains(r: number): void {
    const be = this.backend;
    const n = this.units;
    const s = be.alloc((n + 1) * r * 4);
    let p = 0;
    try {
      p = be.alloc(r * 4);
    } catch (err) {
      be.free(s);
      throw err;
    }
    if (this.sPtr) be.free(this.sPtr);
    if (this.pPtr) be.free(this.pPtr);
    this.sPtr = s;
    this.pPtr = p;
    this.held.ptrs[1] = s;
    this.held.ptrs[2] = p;
    this.nChains = r;
    this.randomizeChains();
  }

  private randomizeChains(): void {
    const be = this.backend;
    const n = this.units;
    const r = this.nChains;
    randBernoulli(be, { state: this.rng.ptr, n: n * r, out: this.sPtr, p: 0.5 });
    fill(be, { n: r, y: this.sPtr + n * r * 4, value: 1 });
  }

  private readChains(): Float32Array[] {
    const n = this.units;
    const r = this.nChains;
    const f = this.backend.f32();
    const base = this.sPtr >>> 2;
    const out: Float32Array[] = [];
    for (let c = 0; c < r; c++) {
      const s = new Float32Array(n);
      for (let i = 0; i < n; i++) s[i] = f[base + i * r + c];
      out.push(s);
    }
    return out;
  }

  // E(s) from W̃ at `base` (f32 index) for a state read at s[off + i * stride].
  private energyOf(f: Float32Array, base: number, s: ArrayLike<number>, off: number, stride: number): number {
    const n = this.units;
    let e = 0;
    for (let i = 0; i < n; i++) {
      const si = s[off + i * stride];
      if (si === 0) continue;
      const row = base + i * (n + 1);
      let a = f[row + n];
      for (let j = i + 1; j < n; j++) a += f[row + j] * s[off + j * stride];
      e -= a;
    }
    return e + 0;
  }

  private check(op: string): void {
    if (this.disposed) throw new DisposedError(`${op}: this Boltzmann machine was disposed`);
    this.backend.check();
  }
}
