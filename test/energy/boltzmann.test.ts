import { describe, it, expect, beforeAll } from 'vitest';
import { init, memoryStats, BoltzmannMachine, ModelFormatError, ShapeError, ValueError } from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

// ---- float64 references, independent of the code under test ----

/** E(s) = −(Σ_{i<j} w_ij s_i s_j + Σ θ_i s_i) for row-major n x n weights. */
function refEnergy(w: ArrayLike<number>, theta: ArrayLike<number>, s: ArrayLike<number>): number {
  const n = s.length;
  let e = 0;
  for (let i = 0; i < n; i++) {
    e -= theta[i] * s[i];
    for (let j = i + 1; j < n; j++) e -= w[i * n + j] * s[i] * s[j];
  }
  return e;
}

/** exp(−E/T)/Z over all 2^n states (unit i = bit i), optionally marginalised to the first v units. */
function refDistribution(w: ArrayLike<number>, theta: ArrayLike<number>, n: number, t: number, v = n): Float64Array {
  const out = new Float64Array(2 ** v);
  let z = 0;
  for (let k = 0; k < 2 ** n; k++) {
    const s = Array.from({ length: n }, (_, i) => (k >> i) & 1);
    const p = Math.exp(-refEnergy(w, theta, s) / t);
    out[k & (2 ** v - 1)] += p;
    z += p;
  }
  return out.map((p) => p / z);
}

function stateIndex(s: ArrayLike<number>, units = s.length): number {
  let k = 0;
  for (let i = 0; i < units; i++) k |= (s[i] ? 1 : 0) << i;
  return k;
}

/** Regularised upper incomplete gamma Q(a, x) by the series for P (fine for the x used here). */
function gammaQ(a: number, x: number): number {
  let sum = 1 / a;
  let term = sum;
  for (let k = 1; k < 1000; k++) {
    term *= x / (a + k);
    sum += term;
    if (term < sum * 1e-15) break;
  }
  let lgamma = 0;
  // ln Γ(a) by Lanczos (g = 7, n = 9).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = a - 1;
  let s = c[0];
  for (let i = 1; i < 9; i++) s += c[i] / (z + i);
  const tt = z + 7.5;
  lgamma = 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(tt) - tt + Math.log(s);
  const p = Math.exp(-x + a * Math.log(x) - lgamma) * sum;
  return 1 - p;
}

/** Chi-square test of counts against probabilities; returns the statistic and its p-value. */
function chiSquare(counts: number[], probs: ArrayLike<number>): { stat: number; df: number; p: number } {
  const total = counts.reduce((a, b) => a + b, 0);
  let stat = 0;
  for (let k = 0; k < counts.length; k++) {
    const e = total * probs[k];
    stat += (counts[k] - e) ** 2 / e;
  }
  const df = counts.length - 1;
  return { stat, df, p: gammaQ(df / 2, stat / 2) };
}

function kl(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let d = 0;
  for (let k = 0; k < p.length; k++) if (p[k] > 0) d += p[k] * Math.log(p[k] / q[k]);
  return d;
}

/** A 4-unit machine with mixed-sign couplings and biases. */
const W4 = [
  [0, 1.2, -0.8, 0.5],
  [1.2, 0, 0.7, -1.1],
  [-0.8, 0.7, 0, 0.9],
  [0.5, -1.1, 0.9, 0],
];
const THETA4 = [-0.3, 0.4, -0.6, 0.2];

describe('BoltzmannMachine: sampling matches exp(−E/T)/Z', () => {
  it('the chi-square reference agrees with known critical values', () => {
    // χ²(15) has 37.70 at p = 0.001 and 24.996 at p = 0.05.
    expect(gammaQ(7.5, 37.697 / 2)).toBeCloseTo(0.001, 5);
    expect(gammaQ(7.5, 24.996 / 2)).toBeCloseTo(0.05, 4);
  });

  it('energy() is the seeds\' formula and distribution() the exact Boltzmann distribution', () => {
    const bm = new BoltzmannMachine({ visible: 3, hidden: 1, seed: 1 });
    bm.setWeights({ weights: W4, biases: THETA4 });
    for (let k = 0; k < 16; k++) {
      const s = [0, 1, 2, 3].map((i) => (k >> i) & 1);
      expect(bm.energy(s)).toBeCloseTo(refEnergy(W4.flat(), THETA4, s), 6);
    }
    for (const t of [0.5, 1, 2]) {
      const ref = refDistribution(W4.flat(), THETA4, 4, t);
      Array.from(bm.distribution({ temperature: t })).forEach((p, k) => expect(p).toBeCloseTo(ref[k], 6));
      const refV = refDistribution(W4.flat(), THETA4, 4, t, 3);
      Array.from(bm.distribution({ temperature: t, over: 'visible' })).forEach((p, k) => expect(p).toBeCloseTo(refV[k], 6));
    }
    bm.dispose();
  });

  for (const t of [0.6, 1, 2.5]) {
    it(`at T = ${t} the empirical distribution of 20000 chains passes a chi-square test (p > 0.001)`, () => {
      const bm = new BoltzmannMachine({ visible: 4, seed: 11 });
      bm.setWeights({ weights: W4, biases: THETA4 });
      const states = bm.sample({ chains: 20000, steps: 25, temperature: t, init: 'random' });
      const counts = new Array(16).fill(0);
      for (const s of states) counts[stateIndex(s)]++;
      const ref = refDistribution(W4.flat(), THETA4, 4, t);
      const { stat, p } = chiSquare(counts, ref);
      expect(p, `chi-square ${stat.toFixed(2)}`).toBeGreaterThan(0.001);
      bm.dispose();
    });
  }

  it('a wrong temperature is detected by the same test (the test has power)', () => {
    const bm = new BoltzmannMachine({ visible: 4, seed: 11 });
    bm.setWeights({ weights: W4, biases: THETA4 });
    const states = bm.sample({ chains: 20000, steps: 25, temperature: 1.2, init: 'random' });
    const counts = new Array(16).fill(0);
    for (const s of states) counts[stateIndex(s)]++;
    expect(chiSquare(counts, refDistribution(W4.flat(), THETA4, 4, 1)).p).toBeLessThan(1e-6);
    bm.dispose();
  });

  it('chains start where init says and continue between calls; steps: 0 only reads them', () => {
    const bm = new BoltzmannMachine({ visible: 2, hidden: 1, seed: 2 });
    const init = [[1, 0, 1], [0, 0, 0], [1, 1, 1]];
    expect(bm.sample({ init, steps: 0 }).map((s) => Array.from(s))).toEqual(init);
    expect(bm.chains).toBe(3);
    const a = bm.sample({ steps: 4 });
    expect(bm.sample({ steps: 0 })).toEqual(a);
    expect(() => bm.sample({ init: [[1, 0, 1]], chains: 2 })).toThrow(/init must hold one state per chain \(2\), got 1/);
    bm.dispose();
  });

  it('clamped sampling draws the hidden units from p(h | v)', () => {
    const bm = new BoltzmannMachine({ visible: 2, hidden: 2, seed: 5 });
    bm.setWeights({ weights: W4, biases: THETA4 });
    const v = [1, 0];
    const states = bm.sample({ chains: 20000, steps: 20, clamp: v, init: 'random' });
    const counts = [0, 0, 0, 0];
    for (const s of states) {
      expect([s[0], s[1]]).toEqual(v);
      counts[stateIndex([s[2], s[3]])]++;
    }
    // p(h | v) ∝ p(v, h).
    const joint = refDistribution(W4.flat(), THETA4, 4, 1);
    const cond = [0, 1, 2, 3].map((h) => joint[1 | (h << 2)]);
    const z = cond.reduce((a, b) => a + b, 0);
    expect(chiSquare(counts, cond.map((p) => p / z)).p).toBeGreaterThan(0.001);
    bm.dispose();
  });
});

describe('BoltzmannMachine: simulated annealing', () => {
  // A frustrated ±1 spin glass (Sherrington-Kirkpatrick couplings J_ij = ±1)
  // written for 0/1 units: σ = 2s − 1 gives w_ij = 4 J_ij, θ_i = −2 Σ_j J_ij.
  const n = 16;
  const r = randArray(n * n, 1, -1, 1);
  const w = new Float64Array(n * n);
  const theta = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const jij = r[i * n + j] < 0 ? -1 : 1;
      w[i * n + j] = w[j * n + i] = 4 * jij;
      theta[i] -= 2 * jij;
      theta[j] -= 2 * jij;
    }
  }
  let ground = Infinity;
  for (let k = 0; k < 2 ** n; k++) {
    const e = refEnergy(w, theta, Array.from({ length: n }, (_, i) => (k >> i) & 1));
    if (e < ground) ground = e;
  }

  /** Greedy descent: each unit in turn takes the state of lower energy, until nothing changes. */
  function greedy(s: number[]): number[] {
    for (let changed = true; changed; ) {
      changed = false;
      for (let i = 0; i < n; i++) {
        let de = theta[i];
        for (let j = 0; j < n; j++) if (j !== i) de += w[i * n + j] * s[j];
        const v = de > 0 ? 1 : 0;
        if (v !== s[i]) {
          s[i] = v;
          changed = true;
        }
      }
    }
    return s;
  }

  it('finds the ground state far more often than greedy descent from random starts', () => {
    const runs = 200;
    const starts = randArray(runs * n, 77, 0, 1);
    let greedyHits = 0;
    for (let k = 0; k < runs; k++) {
      const s = greedy(Array.from(starts.subarray(k * n, (k + 1) * n), (x) => (x < 0.5 ? 0 : 1)));
      if (refEnergy(w, theta, s) === ground) greedyHits++;
    }
    const bm = new BoltzmannMachine({ visible: n, seed: 3 });
    bm.setWeights({ weights: w, biases: theta });
    // 60 temperatures from 10 down to 0.1, two sweeps each: 120 sweeps per run.
    const res = bm.anneal({ schedule: { from: 10, to: 0.1, steps: 60 }, sweepsPerTemperature: 2, chains: runs, seed: 3 });
    const annealHits = res.energies.filter((e) => e === ground).length;
    // Measured with these seeds: greedy 60 / 200, annealing 193 / 200.
    expect(greedyHits / runs).toBeLessThan(0.5);
    expect(annealHits / runs).toBeGreaterThan(0.9);
    expect(annealHits).toBeGreaterThan(2.5 * greedyHits);
    expect(res.best.energy).toBe(ground);
    res.energies.forEach((e, i) => expect(e).toBeCloseTo(refEnergy(w, theta, res.states[i]), 6));
    bm.dispose();
  });
});

describe('BoltzmannMachine: learning', () => {
  it('learns the distribution of a visible-only machine from its samples: KL < 0.01', () => {
    const wStar = [0, 2, -1, 2, 0, 1.5, -1, 1.5, 0];
    const target = refDistribution(wStar, [-1, -0.5, 0.3], 3, 1);
    // 1000 rows in the target's proportions.
    const data: number[][] = [];
    target.forEach((p, k) => {
      for (let c = 0; c < Math.round(p * 1000); c++) data.push([k & 1, (k >> 1) & 1, (k >> 2) & 1]);
    });
    const empirical = new Float64Array(8);
    for (const d of data) empirical[stateIndex(d)] += 1 / data.length;
    const bm = new BoltzmannMachine({ visible: 3, seed: 1 });
    const kls: number[] = [];
    const modelKl = () => {
      const { weights, biases } = bm.getWeights();
      return kl(empirical, refDistribution(weights, biases, 3, 1));
    };
    const h = bm.fit(data, { epochs: 300, learningRate: 0.2, sweeps: 3, chains: 500, seed: 2, onEpochEnd: (e) => { if (e % 50 === 49) kls.push(modelKl()); } });
    expect(h.epochs).toBe(300);
    expect(h.history).toHaveLength(300);
    // Falls at every checkpoint, to below 0.01 nats.
    for (let i = 1; i < kls.length; i++) expect(kls[i]).toBeLessThan(kls[i - 1]);
    expect(kls.at(-1)).toBeLessThan(0.01);
    // The learned couplings have the target's signs.
    const { weights } = bm.getWeights();
    expect(Math.sign(weights[1])).toBe(1);
    expect(Math.sign(weights[2])).toBe(-1);
    expect(Math.sign(weights[5])).toBe(1);
    bm.dispose();
  });

  it('learns a distribution that needs hidden units (3-bit even parity): KL from log 2 to below 0.1', () => {
    // Uniform over 000, 110, 101, 011: every pair statistic equals the uniform
    // distribution's, so no visible-only pairwise machine can do better than
    // KL = log 2; three hidden units can.
    const even = [[0, 0, 0], [1, 1, 0], [1, 0, 1], [0, 1, 1]];
    const target = new Float64Array(8);
    for (const x of even) target[stateIndex(x)] = 0.25;
    const bm = new BoltzmannMachine({ visible: 3, hidden: 3, seed: 7, initScale: 1.5 });
    const modelKl = () => {
      const { weights, biases } = bm.getWeights();
      return kl(target, refDistribution(weights, biases, 6, 1, 3));
    };
    const kls: number[] = [modelKl()];
    bm.fit(even, {
      epochs: 2000, learningRate: 0.5, sweeps: 3, chains: 500, clampedChains: 50, seed: 1,
      onEpochEnd: (e) => { if (e % 500 === 499) kls.push(modelKl()); },
    });
    expect(kls[0]).toBeGreaterThan(0.5);
    expect(kls[2]).toBeLessThan(kls[0]);
    expect(kls[4]).toBeLessThan(kls[2]);
    expect(kls[4]).toBeLessThan(0.1);
    bm.dispose();
  });
});

describe('BoltzmannMachine: save, load, errors, memory', () => {
  it('toJSON / fromJSON round trip; load validates', () => {
    const bm = new BoltzmannMachine({ visible: 3, hidden: 2, seed: 1 });
    bm.fit([[1, 0, 1], [0, 1, 1]], { epochs: 5 });
    const json = JSON.parse(JSON.stringify(bm.toJSON()));
    const back = BoltzmannMachine.fromJSON(json, { seed: 9 });
    expect(back.getWeights()).toEqual(bm.getWeights());
    expect(back.energy([1, 0, 1, 1, 0])).toBe(bm.energy([1, 0, 1, 1, 0]));
    back.dispose();
    const asym = structuredClone(json);
    asym.weights[1] = 5;
    expect(() => BoltzmannMachine.fromJSON(asym)).toThrow(ModelFormatError);
    expect(() => BoltzmannMachine.fromJSON(asym)).toThrow(/fromJSON: weights must be symmetric, got weights\[0\]\[1\] = 5/);
    expect(() => BoltzmannMachine.fromJSON({ ...json, biases: [1, 2] })).toThrow(/biases must hold 5 numbers, got 2/);
    expect(() => BoltzmannMachine.fromJSON({ ...json, hidden: -1 })).toThrow(/hidden must be an integer in \[0, 4096\], got -1/);
    expect(() => BoltzmannMachine.fromJSON({ ...json, type: 'RBM' })).toThrow(/type must be "BoltzmannMachine", got "RBM"/);
    bm.dispose();
  });

  it('bad input: T <= 0, non-binary states, asymmetric weights, wrong shapes', () => {
    const bm = new BoltzmannMachine({ visible: 2, hidden: 1, seed: 1 });
    expect(() => bm.sample({ temperature: 0 })).toThrow(ValueError);
    expect(() => bm.sample({ temperature: 0 })).toThrow(/sample: temperature must be a finite number > 0, got 0/);
    expect(() => bm.sample({ temperature: -1 })).toThrow(/temperature must be a finite number > 0, got -1/);
    expect(() => bm.fit([[0, 1]], { temperature: NaN })).toThrow(/fit: temperature must be a finite number > 0, got NaN/);
    expect(() => bm.anneal({ schedule: [2, 1, 0] })).toThrow(/anneal \(schedule\[2\]\): temperature must be a finite number > 0, got 0/);
    expect(() => bm.anneal({ schedule: { from: 1, to: -0.5, steps: 3 } })).toThrow(/schedule\.to\): temperature must be a finite number > 0, got -0\.5/);
    expect(() => bm.distribution({ temperature: 0 })).toThrow(/temperature must be a finite number > 0, got 0/);
    expect(() => bm.energy([1, 0, 0.5])).toThrow(/energy: state\[2\] must be 0 or 1 \(binary units\), got 0\.5/);
    expect(() => bm.energy([1, 0])).toThrow(ShapeError);
    expect(() => bm.energy([1, 0])).toThrow(/state must have 3 values, got 2/);
    expect(() => bm.fit([[1, -1]])).toThrow(/data\[0\]\[1\] must be 0 or 1 \(binary units\), got -1/);
    expect(() => bm.fit(new Float32Array(3))).toThrow(/whole rows of visible = 2 values, got 3 values/);
    expect(() => bm.sample({ clamp: [1, 2] })).toThrow(/clamp\[1\] must be 0 or 1/);
    expect(() => bm.sample({ clamp: [1] })).toThrow(/clamp must have 2 values, got 1/);
    expect(() => bm.setWeights({ weights: [[0, 1, 0], [2, 0, 0], [0, 0, 0]] })).toThrow(/weights must be symmetric, got weights\[0\]\[1\] = 1 but weights\[1\]\[0\] = 2/);
    expect(() => bm.setWeights({ weights: [[0, 1], [1, 0]] })).toThrow(/weights must have 3 rows, got 2/);
    expect(() => bm.setWeights({ weights: [[3, 0, 0], [0, 0, 0], [0, 0, 0]] })).toThrow(/diagonal must be zero/);
    expect(() => new BoltzmannMachine({ visible: 0 })).toThrow(/visible must be an integer in \[1, 4096\], got 0/);
    bm.dispose();
    expect(() => bm.sample()).toThrow(/disposed/);
  });

  it('sampling and training allocate nothing that outlives them; dispose frees all', () => {
    const before = memoryStats().liveBytes;
    const bm = new BoltzmannMachine({ visible: 4, hidden: 2, seed: 1 });
    bm.sample({ chains: 64, steps: 2 });
    const during = memoryStats().liveBytes;
    bm.sample({ steps: 3, clamp: [1, 0, 1, 0] });
    bm.anneal({ schedule: [3, 2, 1] });
    expect(memoryStats().liveBytes).toBe(during);
    bm.fit([[1, 0, 1, 0], [0, 1, 0, 1]], { epochs: 3, chains: 64 });
    expect(memoryStats().liveBytes).toBe(during);
    bm.dispose();
    expect(memoryStats().liveBytes).toBe(before);
  });

  it('is reproducible from its seed', () => {
    const run = () => {
      const bm = new BoltzmannMachine({ visible: 3, hidden: 2, seed: 42 });
      bm.fit([[1, 0, 1], [0, 1, 1]], { epochs: 20, chains: 50 });
      const out = [bm.getWeights().weights, ...bm.sample({ steps: 5, chains: 10 })];
      bm.dispose();
      return out;
    };
    expect(run()).toEqual(run());
  });
});
