import { describe, it, expect, beforeAll } from 'vitest';
import { init, sequential, layers, type LayerActivation, type LossName, type Sequential } from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

/**
 * Centered finite differences of the model's own loss against its analytic
 * gradient (ConvNetJS NeuralNetSpec style). Everything is float32, so the
 * step is 1e-2 and the comparison relative: |a - n| <= 2e-2 (|a| + |n|) + 2e-4.
 */
function gradCheck(model: Sequential, x: Float32Array, y: Float32Array | Int32Array, opts: { training?: boolean } = {}): void {
  const seed = 5;
  const { gradients } = model.gradientsFlat(x, y, { training: opts.training, seed });
  const w = model.getWeightsFlat();
  const h = 1e-2;
  let checked = 0;
  for (let i = 0; i < w.length; i++) {
    const wp = w.slice();
    wp[i] += h;
    model.setWeightsFlat(wp);
    const lp = model.gradientsFlat(x, y, { training: opts.training, seed }).loss;
    const wm = w.slice();
    wm[i] -= h;
    model.setWeightsFlat(wm);
    const lm = model.gradientsFlat(x, y, { training: opts.training, seed }).loss;
    model.setWeightsFlat(w);
    const numeric = (lp - lm) / (2 * h);
    const a = gradients[i];
    if (!(Math.abs(a - numeric) <= 2e-2 * (Math.abs(a) + Math.abs(numeric)) + 2e-4)) {
      throw new Error(`parameter ${i}: analytic ${a}, numeric ${numeric}`);
    }
    checked++;
  }
  expect(checked).toBe(w.length);
}

const ACTS: LayerActivation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'gelu', 'softmax'];

describe('finite-difference gradient checks', () => {
  for (const act of ACTS) {
    it(`dense with ${act} hidden units, MSE, batch 5`, () => {
      const model = sequential({
        seed: 3,
        layers: [layers.dense({ units: 4, activation: act, inputShape: [3] }), layers.dense({ units: 2, activation: 'tanh' })],
      });
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      // relu-like kinks: keep pre-activations away from 0 by using a generous bias.
      gradCheck(model, randArray(15, 1, -2, 2), randArray(10, 2, -1, 1));
    });
  }

  const lossCases: [LossName, LayerActivation, (n: number) => Float32Array | Int32Array, boolean?][] = [
    ['meanSquaredError', 'linear', (n) => randArray(n * 3, 4)],
    ['meanSquaredError', 'sigmoid', (n) => randArray(n * 3, 4, 0, 1)],
    ['binaryCrossentropy', 'sigmoid', (n) => randArray(n * 3, 4, 0, 1).map(Math.round)],
    ['binaryCrossentropy', 'linear', (n) => randArray(n * 3, 4, 0, 1).map(Math.round), true],
    ['categoricalCrossentropy', 'softmax', (n) => Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === (Math.floor(i / 3) * 7) % 3 ? 1 : 0))],
    ['categoricalCrossentropy', 'linear', (n) => Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === (Math.floor(i / 3) * 5) % 3 ? 1 : 0)), true],
    ['sparseCategoricalCrossentropy', 'softmax', (n) => Int32Array.from({ length: n }, (_, i) => (i * 2) % 3)],
  ];
  for (const [loss, act, targets, fromLogits] of lossCases) {
    it(`${loss} with a ${act} output${fromLogits ? ' (fromLogits)' : ''}`, () => {
      const model = sequential({
        seed: 4,
        layers: [layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 3, activation: act })],
      });
      model.compile({ optimizer: 'sgd', loss, fromLogits });
      gradCheck(model, randArray(24, 7, -1, 1), targets(6));
    });
  }

  it('activation and dropout layers (dropout mask held fixed by the seed)', () => {
    const model = sequential({
      seed: 6,
      layers: [
        layers.dense({ units: 6, inputShape: [3] }),
        layers.activation({ activation: 'elu' }),
        layers.dropout({ rate: 0.4 }),
        layers.dense({ units: 3 }),
        layers.activation({ activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const y = Float32Array.from({ length: 12 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
    gradCheck(model, randArray(12, 8, -1, 1), y, { training: true });
  });

  it('a wrong gradient would be caught: the check fails on a perturbed analytic gradient', () => {
    const model = sequential({ seed: 2, layers: [layers.dense({ units: 2, activation: 'tanh', inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = randArray(6, 1);
    const y = randArray(6, 2);
    const real = model.gradientsFlat.bind(model);
    model.gradientsFlat = (a, b, o) => {
      const r = real(a, b, o);
      r.gradients[0] *= 1.2;
      return r;
    };
    expect(() => gradCheck(model, x, y)).toThrow(/parameter 0/);
  });
});
