// Recurrent networks learning real tasks: long-range memory (the adding
// problem of Hochreiter & Schmidhuber 1997), an output at every step, and
// MNIST digits read row by row.
import { describe, it, expect, beforeAll } from 'vitest';
import { init, sequential, layers, optimizers, cosineDecay, type Recurrent } from '../../src/index.js';
import { loadMnist } from '../../src/data/index.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

/** mulberry32: uniform [0, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The adding problem: T steps of (value, marker); two steps are marked, one
 * in each half, and the target is the sum of their values. Predicting the
 * mean (1) scores an MSE of 1/6; solving it needs memory across ~T/2 steps.
 */
function adding(n: number, T: number, seed: number) {
  const r = uniform(seed);
  const x = new Float32Array(n * T * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.floor((r() * T) / 2);
    const b = T / 2 + Math.floor((r() * T) / 2);
    for (let t = 0; t < T; t++) x[(i * T + t) * 2] = r();
    x[(i * T + a) * 2 + 1] = 1;
    x[(i * T + b) * 2 + 1] = 1;
    y[i] = x[(i * T + a) * 2] + x[(i * T + b) * 2];
  }
  return { x, y };
}

describe('long-range memory: the adding problem over 100 steps', () => {
  const T = 100;
  const train = adding(2000, T, 1);
  const test = adding(500, T, 2);
  const run = async (kind: 'lstm' | 'gru' | 'simpleRNN', epochs: number) => {
    const rnn = (layers[kind] as (c: { units: number; inputShape: number[] }) => Recurrent)({ units: 32, inputShape: [T, 2] });
    const m = sequential({ seed: 1, layers: [rnn, layers.dense({ units: 1 })] });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
    await m.fit(train.x, train.y, { epochs, batchSize: 32 });
    const { loss } = m.evaluateLogs(test.x, test.y);
    m.dispose();
    return loss as number;
  };
  it('LSTM solves it (test MSE < 0.01, against 0.167 for the mean)', async () => {
    expect(await run('lstm', 35)).toBeLessThan(0.01);
  }, 120_000);
  it('GRU solves it (test MSE < 0.01)', async () => {
    expect(await run('gru', 20)).toBeLessThan(0.01);
  }, 120_000);
  it('a simple RNN trained alike does not (test MSE > 0.1)', async () => {
    expect(await run('simpleRNN', 35)).toBeGreaterThan(0.1);
  }, 120_000);
});

describe('an output at every step (hidden-to-hidden recurrence, per-step softmax, cross-entropy summed over time)', () => {
  it('a GRU tags each step of a bit stream with the running count of ones modulo 3 (>= 98% of steps)', async () => {
    const T = 20;
    const make = (n: number, seed: number) => {
      const r = uniform(seed);
      const x = new Float32Array(n * T);
      const y = new Float32Array(n * T);
      for (let i = 0; i < n; i++) {
        let c = 0;
        for (let t = 0; t < T; t++) {
          const b = r() < 0.5 ? 1 : 0;
          c = (c + b) % 3;
          x[i * T + t] = b;
          y[i * T + t] = c;
        }
      }
      return { x, y };
    };
    const train = make(1500, 3);
    const test = make(300, 4);
    const m = sequential({
      seed: 2,
      layers: [
        layers.gru({ units: 16, returnSequences: true, inputShape: [T, 1] }),
        layers.timeDistributed({ layer: layers.dense({ units: 3, activation: 'softmax' }) }),
      ],
    });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(train.x, train.y, { epochs: 15, batchSize: 32 });
    const { accuracy } = m.evaluateLogs(test.x, test.y);
    expect(accuracy).toBeGreaterThanOrEqual(0.98);
    m.dispose();
  }, 120_000);
});

describe('MNIST read row by row', () => {
  it('an LSTM over 28 steps of 28 pixels reaches >= 96% on 2,000 held-out digits', async () => {
    const { train, test } = loadMnist({ trainSize: 8000, testSize: 2000 });
    const epochs = +(process.env.MNIST_RNN_EPOCHS ?? 12);
    const m = sequential({
      seed: 1,
      layers: [layers.lstm({ units: 64, inputShape: [28, 28] }), layers.dense({ units: 10, activation: 'softmax' })],
    });
    m.compile({
      optimizer: optimizers.adam({ learningRate: cosineDecay({ initialLearningRate: 0.005, decaySteps: 250 * epochs }) }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    await m.fit(train.x, train.y, { epochs, batchSize: 32 });
    const { accuracy } = m.evaluateLogs(test.x, test.y);
    console.log(`MNIST rows LSTM(64): ${(accuracy as number * 100).toFixed(2)}% after ${epochs} epochs`);
    expect(accuracy).toBeGreaterThanOrEqual(0.96);
    m.dispose();
  }, 300_000);
});
