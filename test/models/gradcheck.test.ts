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

describe('finite-difference gradient checks: convolutional layers', () => {
  const conv2dCases: [string, Record<string, unknown>][] = [
    ['3x3 valid stride 1', { kernelSize: 3 }],
    ['3x3 same stride 1', { kernelSize: 3, padding: 'same' }],
    ['3x3 valid stride 2', { kernelSize: 3, strides: 2 }],
    ['2x3 same stride 2', { kernelSize: [2, 3], strides: 2, padding: 'same' }],
    ['3x3 dilation 2 same', { kernelSize: 3, dilationRate: 2, padding: 'same' }],
    ['1x1 (no im2col)', { kernelSize: 1 }],
    ['tanh activation, no bias', { kernelSize: 3, activation: 'tanh', useBias: false }],
    ['gelu activation', { kernelSize: 2, activation: 'gelu' }],
  ];
  for (const [name, cfg] of conv2dCases) {
    it(`conv2d ${name}: parameter gradients, and the input gradient (through a 1x1 conv before it)`, () => {
      const model = sequential({
        seed: 8,
        layers: [
          // Its weight gradient is the tested layer's input gradient times the input.
          layers.conv2d({ filters: 2, kernelSize: 1, activation: 'tanh', inputShape: [6, 5, 2] }),
          layers.conv2d({ filters: 3, ...cfg } as never),
          layers.flatten(),
          layers.dense({ units: 2 }),
        ],
      });
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      gradCheck(model, randArray(2 * 6 * 5 * 2, 1, -1, 1), randArray(4, 2));
    });
  }

  for (const padding of ['valid', 'same'] as const) {
    it(`conv1d ${padding}, stride 2, then pooling`, () => {
      const model = sequential({
        seed: 9,
        layers: [
          layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding, activation: 'tanh', inputShape: [11, 3] }),
          layers.averagePooling1d({ poolSize: 2 }),
          layers.flatten(),
          layers.dense({ units: 2, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      gradCheck(model, randArray(3 * 11 * 3, 2, -1, 1), Float32Array.from([1, 0, 0, 1, 1, 0]));
    });
  }

  for (const [pool, opts] of [
    ['maxPooling2d', { poolSize: 2 }], ['maxPooling2d', { poolSize: 3, strides: 2, padding: 'same' }],
    ['averagePooling2d', { poolSize: 2 }], ['averagePooling2d', { poolSize: 3, strides: 2, padding: 'same' }],
    ['l2Pooling2d', { poolSize: 2 }], ['l2Pooling2d', { poolSize: 3, strides: 1 }],
  ] as const) {
    it(`${pool} ${JSON.stringify(opts)}`, () => {
      // A 1x1 convolution with positive weights over distinct inputs: perturbing
      // a weight or bias never reorders a window, so the max stays where it is
      // and finite differences are valid for max pooling too.
      const model = sequential({
        seed: 10,
        layers: [
          layers.conv2d({ filters: 2, kernelSize: 1, kernelInitializer: 'ones', biasInitializer: 'ones', inputShape: [7, 7, 1] }),
          (layers as unknown as Record<string, (o: object) => never>)[pool](opts),
          layers.flatten(),
          layers.dense({ units: 1 }),
        ],
      });
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      const x = Float32Array.from({ length: 98 }, (_, i) => ((i * 37) % 98) / 10);
      gradCheck(model, x, randArray(2, 4));
    });
  }

  it('global average pooling and reshape', () => {
    const model = sequential({
      seed: 11,
      layers: [
        layers.reshape({ targetShape: [4, 3, -1], inputShape: [24] }),
        layers.conv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'elu' }),
        layers.globalAveragePooling2d(),
        layers.dense({ units: 2, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    gradCheck(model, randArray(3 * 24, 5, -1, 1), Float32Array.from([1, 0, 0, 1, 1, 1]));
  });
});

describe('gradients without training mode', () => {
  it('dropout is the identity in gradientsFlat({ training: false }), even after training steps left a mask behind', () => {
    const net = (withDropout: boolean) => sequential({
      seed: 12,
      layers: [
        layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }),
        ...(withDropout ? [layers.dropout({ rate: 0.5 })] : []),
        layers.dense({ units: 2 }),
      ],
    });
    const a = net(true);
    const b = net(false);
    for (const m of [a, b]) m.compile({ optimizer: 'sgd', loss: 'mse' });
    b.build();
    a.build();
    b.setWeightsFlat(a.getWeightsFlat());
    const x = randArray(5 * 4, 13, -1, 1);
    const y = randArray(5 * 2, 14, -1, 1);
    a.trainOnBatch(x, y); // draws a dropout mask
    b.setWeightsFlat(a.getWeightsFlat());
    const ga = a.gradientsFlat(x, y, { training: false });
    const gb = b.gradientsFlat(x, y, { training: false });
    expect(ga.loss).toBe(gb.loss);
    expect(ga.gradients).toEqual(gb.gradients);
    a.dispose();
    b.dispose();
  });
});
