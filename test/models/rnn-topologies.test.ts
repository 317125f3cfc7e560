// The three recurrent topologies of the lecture notes (Goodfellow et al.
// 2016, section 10.2), each as a tested configuration, and backpropagation
// through time checked against the notes' own formulas: the loss summed over
// time steps, and the derivative of a state with respect to the recurrent
// weight as its explicit part plus the implicit chain through earlier states.
import { describe, it, expect, beforeAll } from 'vitest';
import { init, sequential, layers, jordanNetwork, optimizers, type Tensor } from '../../src/index.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

describe('backpropagation through time, from the notes', () => {
  // s_t = tanh(w s_{t-1} + u x_t + b), o_t = V s_t + c, y_t = softmax(o_t),
  // total loss L = sum_t d_t with d_t = -log y_t[true class at t].
  const T = 4;
  const x = Float32Array.from([0.5, -1, 0.25, 2]);
  const labels = Float32Array.from([0, 1, 1, 0]);
  const build = (w: number[]) => {
    const m = sequential({
      seed: 1,
      layers: [
        layers.simpleRNN({ units: 1, returnSequences: true, inputShape: [T, 1] }),
        layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'softmax' }) }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    m.setWeightsFlat(Float32Array.from(w));
    return m;
  };

  it('a step whose true class has probability 0.7 costs -log 0.7; the loss is summed over the steps', () => {
    // V = 0 and c = (log 0.7, log 0.3): every step predicts (0.7, 0.3).
    const m = build([0.3, 0.8, 0.1, 0, 0, Math.log(0.7), Math.log(0.3)]);
    const y = m.predict(x) as Tensor;
    const p = y.toFloat32Array();
    y.dispose();
    for (let t = 0; t < T; t++) expect(p[2 * t]).toBeCloseTo(0.7, 6);
    const ones = Float32Array.from([0, 0, 0, 0]);
    const { loss } = m.evaluateLogs(x, ones);
    // The library reports the mean over the steps: T times it is the notes' total loss.
    expect((loss as number) * T).toBeCloseTo(-T * Math.log(0.7), 5);
    expect(-Math.log(0.7)).toBeCloseTo(0.3567, 4);
    m.dispose();
  });

  it('dL/dw equals the sum over steps of dd_t/ds_t times (explicit + implicit) ds_t/dw', () => {
    const [u, w, b, v0, v1, c0, c1] = [0.7, 0.9, -0.2, 1.5, -0.8, 0.1, -0.3];
    // Flat weight order: kernel u, recurrent_kernel w, bias b, then the dense head V, c.
    const m = build([u, w, b, v0, v1, c0, c1]);
    const g = m.gradients(x, { y: labels });
    const grads = (g.params as Tensor[]).map((t) => { const a = t.toFloat32Array(); t.dispose(); return a; });
    // Float64 recursion of the notes: ds_t/dw = d*s_t/dw + (ds_t/ds_{t-1}) ds_{t-1}/dw.
    let s = 0, dsdw = 0, dLdw = 0, L = 0;
    for (let t = 0; t < T; t++) {
      const prev = s;
      s = Math.tanh(w * prev + u * x[t] + b);
      const explicit = (1 - s * s) * prev;
      const implicit = (1 - s * s) * w * dsdw;
      dsdw = explicit + implicit;
      const o = [v0 * s + c0, v1 * s + c1];
      const mx = Math.max(...o);
      const e = o.map((v) => Math.exp(v - mx));
      const y = e.map((v) => v / (e[0] + e[1]));
      const k = labels[t];
      L += -Math.log(y[k]);
      const dds = (y[0] - (k === 0 ? 1 : 0)) * v0 + (y[1] - (k === 1 ? 1 : 0)) * v1;
      dLdw += dds * dsdw;
    }
    // The library differentiates the mean over the T steps of one sequence.
    expect((g.loss as number) * T).toBeCloseTo(L, 5);
    expect(grads[1][0] * T).toBeCloseTo(dLdw, 5);
    m.dispose();
  });
});

describe('topology: output-to-hidden feedback (Jordan), teacher forcing, generation from its own outputs', () => {
  it('learns y_t = (y_{t-1} + x_t) mod 3 with teacher forcing and generates whole sequences from its own outputs', async () => {
    const T = 12, K = 3, n = 600;
    const make = (count: number, seed: number) => {
      let st = seed;
      const x = new Float32Array(count * T * K);
      const y = new Float32Array(count * T);
      for (let i = 0; i < count; i++) {
        let c = 0;
        for (let t = 0; t < T; t++) {
          st = (st * 1103515245 + 12345) >>> 0;
          const a = (st >>> 16) % 3;
          x[(i * T + t) * K + a] = 1;
          c = (c + a) % K;
          y[i * T + t] = c;
        }
      }
      return { x, y };
    };
    const train = make(n, 1);
    const test = make(100, 2);
    const net = jordanNetwork({ steps: T, features: K, units: 16, classes: K, seed: 3 });
    net.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await net.fit(train.x, train.y, { epochs: 30, batchSize: 32 });
    // Free-running: every step reads the class the network chose at the step before.
    const { classes } = net.generate(test.x, { feedback: 'argmax' });
    let right = 0;
    classes.forEach((c, i) => { if (c === test.y[i]) right++; });
    expect(right / classes.length).toBeGreaterThanOrEqual(0.99);
    // Sampling at a temperature is seeded: the same seed gives the same sequences.
    const a = net.generate(test.x, { temperature: 1, seed: 5 }).classes;
    const b = net.generate(test.x, { temperature: 1, seed: 5 }).classes;
    expect(Array.from(a)).toEqual(Array.from(b));
    net.dispose();
  }, 60_000);
});

describe('topology: read the whole sequence, output once', () => {
  it('a GRU summarises a sequence into one class: is the first value larger than the last?', async () => {
    const T = 15, n = 800;
    const x = Float32Array.from({ length: n * T }, (_, i) => Math.sin(i * 12.9898) * 0.5 + 0.5 * Math.sin(i * 0.7));
    const y = Float32Array.from({ length: n }, (_, i) => (x[i * T] > x[i * T + T - 1] ? 1 : 0));
    const m = sequential({ seed: 4, layers: [layers.gru({ units: 16, inputShape: [T, 1] }), layers.dense({ units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x.subarray(0, 600 * T), y.subarray(0, 600), { epochs: 25, batchSize: 32 });
    const { accuracy } = m.evaluateLogs(x.subarray(600 * T), y.subarray(600));
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    m.dispose();
  }, 60_000);
});
