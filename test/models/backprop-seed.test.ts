import { describe, it, expect, beforeAll } from 'vitest';
import { init, sequential, layers, optimizers, tensor } from '../../src/index.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

/**
 * The worked example of the lecture notes (000_*.txt, "Backpropagation Example"):
 * a 2-2-2 sigmoid network, inputs 0.05 / 0.10, weights w1..w8 = 0.15, 0.20,
 * 0.25, 0.30, 0.40, 0.45, 0.50, 0.55, biases 0.35 / 0.60, targets 0.01 / 0.99,
 * E = sum 1/2 (t - o)^2. (The notes print net input 0.3475 for 0.3775 and a
 * target 0.1 for 0.99; their other figures follow from the correct values.)
 * Keras' mean squared error over two outputs is exactly that E, and its
 * gradient -(t - o) is the notes' dE/dout.
 */
function seedNetwork() {
  const model = sequential({
    layers: [
      layers.dense({ units: 2, activation: 'sigmoid', inputShape: [2] }),
      layers.dense({ units: 2, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
  // Keras layout: kernel[i][j] is the weight from input i to unit j.
  // h1 = w1 i1 + w2 i2 + b1, h2 = w3 i1 + w4 i2 + b1; o1 = w5 h1 + w6 h2 + b2, o2 = w7 h1 + w8 h2 + b2.
  model.layers[0].setWeights([[[0.15, 0.25], [0.2, 0.3]], [0.35, 0.35]]);
  model.layers[1].setWeights([[[0.4, 0.5], [0.45, 0.55]], [0.6, 0.6]]);
  return model;
}

describe('backpropagation: the seeds\' 2-2-2 worked example', () => {
  it('forward pass gives out_h1 0.593269992, out_o1 0.75136507, out_o2 0.772928465, E_total 0.298371109', () => {
    const model = seedNetwork();
    const out = model.predict([[0.05, 0.1]]).toFloat32Array();
    expect(out[0]).toBeCloseTo(0.75136507, 6);
    expect(out[1]).toBeCloseTo(0.772928465, 6);
    const { loss } = model.evaluateLogs([[0.05, 0.1]], [[0.01, 0.99]]);
    expect(loss).toBeCloseTo(0.298371109, 7);
    // The hidden layer alone, through a model sharing its weights.
    const hidden = sequential({ layers: [layers.dense({ units: 2, activation: 'sigmoid', inputShape: [2] })] });
    hidden.build();
    hidden.layers[0].setWeights(model.layers[0].getWeights());
    const h = hidden.predict(tensor([[0.05, 0.1]])).toFloat32Array();
    expect(h[0]).toBeCloseTo(0.593269992, 6);
    expect(h[1]).toBeCloseTo(0.596884378, 6);
  });

  it('one step with learning rate 0.5 gives w5 = 0.35891648 (and the notes\' w1, w6, w7, w8)', () => {
    const model = seedNetwork();
    const loss = model.trainOnBatch([[0.05, 0.1]], [[0.01, 0.99]]);
    expect(loss).toBeCloseTo(0.298371109, 7);
    const [k2] = model.layers[1].getWeights().map((t) => t.toFloat32Array());
    // k2 = [[w5, w7], [w6, w8]]
    expect(k2[0]).toBeCloseTo(0.35891648, 6);
    expect(k2[2]).toBeCloseTo(0.408666186, 6);
    expect(k2[1]).toBeCloseTo(0.511301270, 6);
    expect(k2[3]).toBeCloseTo(0.561370121, 6);
    const [k1] = model.layers[0].getWeights().map((t) => t.toFloat32Array());
    // k1 = [[w1, w3], [w2, w4]]
    expect(k1[0]).toBeCloseTo(0.149780716, 6);
    expect(k1[2]).toBeCloseTo(0.19956143, 6);
    expect(k1[1]).toBeCloseTo(0.24975114, 6);
    expect(k1[3]).toBeCloseTo(0.29950229, 6);
  });

  it('training the example for 10,000 steps drives the error to about 0.0000351', () => {
    const model = seedNetwork();
    let loss = 0;
    for (let i = 0; i < 10000; i++) loss = model.trainOnBatch([[0.05, 0.1]], [[0.01, 0.99]]) as number;
    // Mazur's walkthrough reports 0.0000351085 after 10,000 rounds (he keeps biases fixed;
    // updating them too only lowers it).
    expect(loss).toBeLessThan(0.0000352);
  });
});
