import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { init, memoryStats, Hopfield, ModelFormatError, ShapeError, ValueError } from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

// The seeds' example network (lecture notes, "Example Hopfield Network"): three
// units with w12 = -1, w13 = 1, w23 = -1 and the input v = [1, 1, -1].
const SEED_W = [
  [0, -1, 1],
  [-1, 0, -1],
  [1, -1, 0],
];
const SEED_V = [1, 1, -1];

/** Float64 energy −½ sᵀ W s + θᵀ s, written independently of the code under test. */
function refEnergy(w: ArrayLike<number>, theta: ArrayLike<number>, s: ArrayLike<number>): number {
  const n = s.length;
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) e -= 0.5 * w[i * n + j] * s[i] * s[j];
    e += theta[i] * s[i];
  }
  return e;
}

/** Float64 reference recall: fixed-order asynchronous sweeps or synchronous steps, net ≥ 0 → high state. */
function refRecall(w: ArrayLike<number>, theta: ArrayLike<number>, s0: ArrayLike<number>, lo: number, mode: 'async' | 'sync', maxSweeps: number) {
  const n = s0.length;
  let s = Array.from(s0);
  const net = (x: number[], i: number) => {
    let a = -theta[i];
    for (let j = 0; j < n; j++) a += w[i * n + j] * x[j];
    return a;
  };
  let prev: number[] | null = null;
  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    if (mode === 'async') {
      let changed = 0;
      for (let i = 0; i < n; i++) {
        const v = net(s, i) >= 0 ? 1 : lo;
        if (v !== s[i]) { s[i] = v; changed++; }
      }
      if (changed === 0) return { state: s, sweeps: sweep, period: 1 };
    } else {
      const next = s.map((_, i) => (net(s, i) >= 0 ? 1 : lo));
      const same = next.every((v, i) => v === s[i]);
      const cycle = prev !== null && next.every((v, i) => v === prev![i]);
      prev = s;
      s = next;
      if (same) return { state: s, sweeps: sweep, period: 1 };
      if (cycle) return { state: s, sweeps: sweep, period: 2 };
    }
  }
  return { state: s, sweeps: maxSweeps, period: 0 };
}

/** Random ±1 patterns from a seed. */
function patterns(p: number, n: number, seed: number): number[][] {
  const r = randArray(p * n, seed, 0, 1);
  return Array.from({ length: p }, (_, i) => Array.from(r.subarray(i * n, (i + 1) * n), (v) => (v < 0.5 ? -1 : 1)));
}

/** Flips `count` distinct units of a ±1 pattern, chosen by a seed. */
function corrupt(x: number[], count: number, seed: number): number[] {
  const y = x.slice();
  const r = randArray(x.length, seed, 0, 1);
  const idx = Array.from(r, (v, i) => [v, i]).sort((a, b) => a[0] - b[0]).slice(0, count).map((a) => a[1]);
  for (const i of idx) y[i] = -y[i];
  return y;
}

function overlap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i] * b[i];
  return m / a.length;
}

describe('Hopfield: the seeds\' worked example', () => {
  it('net_1 = -2, net_2 = 0, net_3 = 0 give V1 = [-1, 1, 1] (ties go to +1)', () => {
    const net = new Hopfield({ size: 3 });
    net.setWeights(SEED_W);
    expect(Array.from(net.net(SEED_V))).toEqual([-2, 0, 0]);
    const one = net.recall(SEED_V, { mode: 'sync', maxSweeps: 1 });
    expect(Array.from(one.state)).toEqual([-1, 1, 1]);
    expect(one.sweeps).toBe(1);
    expect(one.period).toBe(0);
    net.dispose();
  });

  it('"next input = current output" synchronously: V2 = V0, a 2-cycle, detected after 2 steps', () => {
    const net = new Hopfield({ size: 3 });
    net.setWeights(SEED_W);
    // From V1 = [-1, 1, 1]: net = [0, 0, -2] -> [1, 1, -1] = V0.
    expect(Array.from(net.net([-1, 1, 1]))).toEqual([0, 0, -2]);
    const r = net.recall(SEED_V, { mode: 'sync', maxSweeps: 50, trace: true });
    expect(r.cycle).toBe(true);
    expect(r.converged).toBe(false);
    expect(r.period).toBe(2);
    expect(r.sweeps).toBe(2);
    expect(Array.from(r.state)).toEqual(SEED_V);
    // Both states of the cycle have energy 1: synchronous updates need not descend.
    expect(r.energies).toEqual([1, 1, 1]);
    net.dispose();
  });

  it('asynchronously (fixed order) the same input settles in the minimum [-1, 1, -1] with E = -3', () => {
    const net = new Hopfield({ size: 3 });
    net.setWeights(SEED_W);
    expect(net.energy(SEED_V)).toBe(1);
    const r = net.recall(SEED_V, { mode: 'async', order: 'fixed', trace: true });
    expect(Array.from(r.state)).toEqual([-1, 1, -1]);
    expect(r.converged).toBe(true);
    expect(r.cycle).toBe(false);
    expect(r.sweeps).toBe(2);
    expect(net.energy(r.state)).toBe(-3);
    expect(r.energies).toEqual([1, -3, -3]);
    // The two global minima of this net are each other's negation.
    expect(net.energy([1, -1, 1])).toBe(-3);
    expect(net.recall([1, -1, 1], { mode: 'sync' })).toMatchObject({ converged: true, sweeps: 1 });
    net.dispose();
  });

  it('thresholds enter as net_i = Σ w_ij v_j − θ_i and the energy gains Σ θ_i s_i', () => {
    const net = new Hopfield({ size: 3 });
    net.setWeights(SEED_W, [0.5, -1, 2]);
    expect(Array.from(net.net(SEED_V))).toEqual([-2.5, 1, -2]);
    expect(net.energy(SEED_V)).toBe(refEnergy(SEED_W.flat(), [0.5, -1, 2], SEED_V));
    expect(Array.from(net.thresholds)).toEqual([0.5, -1, 2]);
    net.dispose();
  });
});

describe('Hopfield: storage and recall', () => {
  it('Hebbian weights are (1/N) Σ x xᵀ with a zero diagonal, symmetric', () => {
    const ps = patterns(3, 16, 1);
    const net = new Hopfield({ size: 16 });
    net.store(ps);
    const w = net.weights;
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        const expected = i === j ? 0 : ps.reduce((a, x) => a + x[i] * x[j], 0) / 16;
        expect(w[i * 16 + j]).toBeCloseTo(expected, 6);
        expect(w[i * 16 + j]).toBe(w[j * 16 + i]);
      }
    }
    expect(net.patterns).toBe(3);
    net.dispose();
  });

  it('recalls stored patterns from 15% corruption, in both modes', () => {
    const n = 100;
    const ps = patterns(5, n, 2);
    const net = new Hopfield({ size: n, seed: 3 });
    net.store(ps);
    ps.forEach((x, p) => {
      expect(net.recall(x).converged).toBe(true);
      for (const mode of ['async', 'sync'] as const) {
        const r = net.recall(corrupt(x, 15, 10 + p), { mode });
        expect(Array.from(r.state)).toEqual(x);
        expect(r.converged).toBe(true);
      }
    });
    net.dispose();
  });

  it('binary (0/1) networks behave exactly like the bipolar one on s = (x + 1) / 2', () => {
    const n = 64;
    const ps = patterns(4, n, 4);
    const bip = new Hopfield({ size: n, seed: 1 });
    const bin = new Hopfield({ size: n, states: 'binary', seed: 1 });
    bip.store(ps);
    bin.store(ps.map((x) => x.map((v) => (v + 1) / 2)));
    for (let t = 0; t < 6; t++) {
      const probe = corrupt(ps[t % 4], 12, 40 + t);
      for (const mode of ['async', 'sync'] as const) {
        const a = bip.recall(probe, { mode, seed: t });
        const b = bin.recall(probe.map((v) => (v + 1) / 2), { mode, seed: t });
        expect(Array.from(b.state, (v) => 2 * v - 1)).toEqual(Array.from(a.state));
        expect(b.sweeps).toBe(a.sweeps);
      }
    }
    bip.dispose();
    bin.dispose();
  });

  it('capacity: Hebbian recall is near perfect well below 0.138 N and breaks down well above it', () => {
    const n = 200;
    const quality = (rule: 'hebbian' | 'pseudoinverse', p: number) => {
      const ps = patterns(p, n, 100 + p);
      const net = new Hopfield({ size: n, rule, seed: 5 });
      net.store(ps);
      let perfect = 0;
      let m = 0;
      ps.forEach((x, i) => {
        const r = net.recall(corrupt(x, 10, 1000 + i), { maxSweeps: 50 });
        const o = overlap(r.state, x);
        m += o / p;
        if (o === 1) perfect++;
      });
      net.dispose();
      return { perfect: perfect / p, overlap: m };
    };
    // α = P / N across the transition: 0.05, 0.10, 0.14, 0.20, 0.30.
    const [a05, a10, a14, a20, a30] = [10, 20, 28, 40, 60].map((p) => quality('hebbian', p));
    expect(a05.perfect).toBeGreaterThanOrEqual(0.95);
    expect(a10.perfect).toBeGreaterThanOrEqual(0.8);
    expect(a10.overlap).toBeGreaterThan(0.99);
    // Retrieval quality falls steeply around α ≈ 0.138 ...
    expect(a14.overlap).toBeLessThan(a10.overlap - 0.05);
    expect(a20.overlap).toBeLessThan(a14.overlap);
    expect(a30.overlap).toBeLessThan(a20.overlap);
    // ... and is gone well above it: no pattern comes back.
    expect(a20.perfect).toBeLessThan(0.2);
    expect(a30.perfect).toBe(0);
    expect(a30.overlap).toBeLessThan(0.6);
    // The projection rule stores the same 60 patterns (α = 0.3) perfectly.
    const proj = quality('pseudoinverse', 60);
    expect(proj.perfect).toBe(1);
  });

  it('pseudo-inverse: every stored pattern is a fixed point even when patterns are correlated', () => {
    const n = 40;
    const base = patterns(1, n, 7)[0];
    // 12 patterns that share 80% of their units with one another.
    const ps = Array.from({ length: 12 }, (_, p) => corrupt(base, 8, 200 + p));
    ps.push(ps[0].slice()); // a duplicate adds nothing to the span
    const heb = new Hopfield({ size: n });
    const proj = new Hopfield({ size: n, rule: 'pseudoinverse' });
    heb.store(ps);
    proj.store(ps);
    const stableHeb = ps.filter((x) => heb.recall(x, { mode: 'sync', maxSweeps: 1 }).converged).length;
    const stableProj = ps.filter((x) => proj.recall(x, { mode: 'sync', maxSweeps: 1 }).converged).length;
    expect(stableProj).toBe(ps.length);
    expect(stableHeb).toBeLessThan(ps.length);
    heb.dispose();
    proj.dispose();
  });

  it('energy never increases under asynchronous updates (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 24 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('bipolar', 'binary'),
        (n, seed, integer, fixed, states) => {
          const raw = randArray(n * n + 2 * n, seed, -1, 1);
          const w = new Float32Array(n * n);
          for (let i = 0; i < n; i++) {
            for (let j = i + 1; j < n; j++) {
              const v = integer ? Math.round(raw[i * n + j] * 2) : raw[i * n + j];
              w[i * n + j] = v;
              w[j * n + i] = v;
            }
          }
          const theta = Array.from(raw.subarray(n * n, n * n + n), (v) => (integer ? Math.round(v) : v * 0.5));
          const lo = states === 'bipolar' ? -1 : 0;
          const s0 = Array.from(raw.subarray(n * n + n), (v) => (v < 0 ? lo : 1));
          const net = new Hopfield({ size: n, states, seed });
          net.setWeights(w, theta);
          const r = net.recall(s0, { order: fixed ? 'fixed' : 'random', trace: true, maxSweeps: 200 });
          const e = r.energies as number[];
          expect(e[0]).toBeCloseTo(refEnergy(w, theta, s0), 9);
          for (let t = 1; t < e.length; t++) expect(e[t]).toBeLessThanOrEqual(e[t - 1] + 1e-9);
          expect(r.converged).toBe(true);
          // A fixed point: every unit agrees with the sign of its net input (ties to +1).
          const nets = net.net(r.state);
          r.state.forEach((v, i) => expect(v).toBe(nets[i] >= 0 ? 1 : lo));
          // Deterministic schedules follow the float64 reference step for step.
          for (const mode of ['async', 'sync'] as const) {
            const got = net.recall(s0, { mode, order: 'fixed', maxSweeps: 60 });
            const ref = refRecall(w, theta, s0, lo, mode, 60);
            expect(Array.from(got.state)).toEqual(ref.state);
            expect([got.sweeps, got.period]).toEqual([ref.sweeps, ref.period]);
          }
          net.dispose();
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });

  it('random-order recall is reproducible from its seed', () => {
    const n = 80;
    const net = new Hopfield({ size: n });
    net.store(patterns(12, n, 9));
    const probe = patterns(1, n, 99)[0];
    const a = net.recall(probe, { seed: 7, trace: true });
    const b = net.recall(probe, { seed: 7, trace: true });
    expect(Array.from(b.state)).toEqual(Array.from(a.state));
    expect(b.energies).toEqual(a.energies);
    net.dispose();
  });
});

describe('Hopfield: save, load, errors, memory', () => {
  it('toJSON / fromJSON round trip, and load rejects asymmetric or corrupt weights', () => {
    const net = new Hopfield({ size: 20, states: 'binary', rule: 'pseudoinverse' });
    net.store(patterns(3, 20, 1).map((x) => x.map((v) => (v + 1) / 2)));
    const json = JSON.parse(JSON.stringify(net.toJSON()));
    const back = Hopfield.fromJSON(json);
    expect(back.weights).toEqual(net.weights);
    expect(back.thresholds).toEqual(net.thresholds);
    expect(back.states).toBe('binary');
    const probe = Array.from({ length: 20 }, (_, i) => i % 2);
    expect(back.recall(probe, { seed: 1 }).state).toEqual(net.recall(probe, { seed: 1 }).state);
    back.dispose();

    const asym = structuredClone(json);
    asym.weights[1] += 0.5;
    expect(() => Hopfield.fromJSON(asym)).toThrow(ModelFormatError);
    expect(() => Hopfield.fromJSON(asym)).toThrow(/fromJSON: weights must be symmetric.*weights\[0\]\[1\]/);
    const diag = structuredClone(json);
    diag.weights[21] = 1;
    expect(() => Hopfield.fromJSON(diag)).toThrow(/diagonal must be zero.*weights\[1\]\[1\] = 1/);
    expect(() => Hopfield.fromJSON({ ...json, weights: json.weights.slice(1) })).toThrow(/weights must hold 400 numbers, got 399/);
    expect(() => Hopfield.fromJSON({ ...json, version: 2 })).toThrow(/version must be 1, got 2/);
    expect(() => Hopfield.fromJSON({ ...json, thresholds: [...json.thresholds.slice(1), 'x'] })).toThrow(/thresholds\[19\] must be a finite number, got "x"/);
    expect(() => Hopfield.fromJSON(null)).toThrow(ModelFormatError);
    net.dispose();
  });

  it('bad input: non-binary states, asymmetric weights, wrong shapes, bad options', () => {
    const net = new Hopfield({ size: 3 });
    expect(() => net.setWeights([[0, 1, 0], [0.5, 0, 0], [0, 0, 0]])).toThrow(ValueError);
    expect(() => net.setWeights([[0, 1, 0], [0.5, 0, 0], [0, 0, 0]])).toThrow(/weights must be symmetric, got weights\[0\]\[1\] = 1 but weights\[1\]\[0\] = 0\.5/);
    expect(() => net.setWeights([[1, 0, 0], [0, 0, 0], [0, 0, 0]])).toThrow(/diagonal must be zero/);
    expect(() => net.setWeights([[0, 1], [1, 0]])).toThrow(ShapeError);
    expect(() => net.setWeights([[0, 1], [1, 0]])).toThrow(/weights must have N = 3 rows, got 2/);
    expect(() => net.setWeights(new Float32Array(8))).toThrow(/weights must be N x N = 3x3 \(9 values\)/);
    expect(() => net.setWeights([[0, NaN, 0], [NaN, 0, 0], [0, 0, 0]])).toThrow(/weights\[0\]\[1\] must be a finite number, got NaN/);
    expect(() => net.recall([1, 0, -1])).toThrow(/state\[1\] must be -1 or 1 \(bipolar states\), got 0/);
    expect(() => net.energy([1, 1])).toThrow(/state must have N = 3 values, got 2/);
    expect(() => net.recall([1, 1, 1], { maxSweeps: 0 })).toThrow(/maxSweeps must be an integer in \[1, .*got 0/);
    expect(() => net.recall([1, 1, 1], { mode: 'parallel' as 'sync' })).toThrow(/mode must be 'async' or 'sync', got "parallel"/);
    expect(() => net.store([[1, -1, 0.5]])).toThrow(/patterns\[0\]\[2\] must be -1 or 1 \(bipolar states\), got 0\.5/);
    expect(() => net.store([[1, -1]])).toThrow(/patterns\[0\] must have N = 3 values, got 2/);
    expect(() => new Hopfield({ size: 0 })).toThrow(/size must be an integer in \[1, 16384\], got 0/);
    expect(() => new Hopfield({ size: 4, rule: 'storkey' as 'hebbian' })).toThrow(/rule must be one of hebbian, pseudoinverse, got "storkey"/);
    const bin = new Hopfield({ size: 3, states: 'binary' });
    expect(() => bin.recall([1, -1, 0])).toThrow(/state\[1\] must be 0 or 1 \(binary states\), got -1/);
    bin.dispose();
    net.dispose();
    expect(() => net.recall([1, 1, 1])).toThrow(/disposed/);
  });

  it('frees everything on dispose, and recall allocates nothing', () => {
    const before = memoryStats().liveBytes;
    const net = new Hopfield({ size: 128, seed: 1 });
    net.store(patterns(8, 128, 3));
    net.recall(patterns(1, 128, 4)[0]);
    const during = memoryStats();
    for (let i = 0; i < 5; i++) net.recall(patterns(1, 128, 5 + i)[0], { mode: i % 2 ? 'sync' : 'async' });
    expect(memoryStats().liveBytes).toBe(during.liveBytes);
    expect(memoryStats().liveAllocations).toBe(during.liveAllocations);
    net.dispose();
    expect(memoryStats().liveBytes).toBe(before);
  });
});
