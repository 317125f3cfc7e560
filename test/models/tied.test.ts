import { describe, it, expect, beforeAll } from 'vitest';
import {
  init, sequential, layers, optimizers, serializeModel, deserializeModel, input, model, type Sequential, type Tensor,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

/** 64 points in R^6 near a 3-dimensional subspace (what an undercomplete autoencoder can learn). */
function subspaceData(n = 64): Float32Array {
  const codes = randArray(n * 3, 31);
  const basis = randArray(3 * 6, 32);
  const noise = randArray(n * 6, 33, -0.01, 0.01);
  const x = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 6; j++) {
      let s = noise[i * 6 + j];
      for (let k = 0; k < 3; k++) s += codes[i * 3 + k] * basis[k * 6 + j];
      x[i * 6 + j] = s;
    }
  }
  return x;
}

function tiedAutoencoder(seed: number, activation: 'tanh' | 'linear' = 'tanh'): Sequential {
  const encoder = layers.dense({ units: 3, activation, inputShape: [6], name: 'encoder' });
  const m = sequential({ seed, layers: [encoder, layers.denseTied({ tiedTo: encoder, name: 'decoder' })] });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'mse' });
  return m;
}

describe('tied weights (a decoder using the encoder kernel transposed)', () => {
  it('counts the shared kernel once and lists it once', () => {
    const m = tiedAutoencoder(1);
    m.build();
    expect(m.countParams()).toBe(6 * 3 + 3 + 6);
    expect(m.weights.map((v) => v.path)).toEqual(['encoder/kernel', 'encoder/bias', 'decoder/bias']);
    expect(m.layers[1].weights[0]).toBe(m.layers[0].weights[0]);
    expect(m.summary(() => {})).toMatch(/decoder \(DenseTied\)\s+\[null,6\]\s+6\n/);
    m.dispose();
  });

  it('the shared kernel\'s gradient is the sum of its two uses, and matches finite differences', () => {
    const m = tiedAutoencoder(2);
    const x = subspaceData(5);
    const { gradients } = m.gradientsFlat(x, x);
    const w = m.getWeightsFlat();
    const h = 1e-2;
    for (let i = 0; i < w.length; i++) {
      const wp = w.slice();
      wp[i] += h;
      m.setWeightsFlat(wp);
      const lp = m.gradientsFlat(x, x).loss;
      const wm = w.slice();
      wm[i] -= h;
      m.setWeightsFlat(wm);
      const lm = m.gradientsFlat(x, x).loss;
      m.setWeightsFlat(w);
      const numeric = (lp - lm) / (2 * h);
      expect(Math.abs(gradients[i] - numeric), `weight ${i}`).toBeLessThanOrEqual(2e-2 * (Math.abs(gradients[i]) + Math.abs(numeric)) + 2e-4);
    }
    // The same network untied, with the decoder's kernel set to the encoder's transposed:
    // d/dW of the tied model = d/dW_encoder + (d/dW_decoder)^T.
    const untied = sequential({
      seed: 2,
      layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [6] }), layers.dense({ units: 6 })],
    });
    untied.compile({ optimizer: 'sgd', loss: 'mse' });
    const [k, b1, b2] = m.getWeights().map((t) => t.toFloat32Array());
    const kT = new Float32Array(18);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 3; j++) kT[j * 6 + i] = k[i * 3 + j];
    untied.setWeightsFlat(Float32Array.from([...k, ...b1, ...kT, ...b2]));
    const gu = untied.gradientsFlat(x, x).gradients;
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 3; j++) {
        const sum = gu[i * 3 + j] + gu[21 + j * 6 + i];
        expect(gradients[i * 3 + j]).toBeCloseTo(sum, 6);
      }
    }
    m.dispose();
    untied.dispose();
  });

  it('a tied linear autoencoder learns a 3-dimensional subspace of 6-dimensional data', async () => {
    // A linear tied autoencoder converges to the span of the top principal components.
    const m = tiedAutoencoder(3, 'linear');
    const x = subspaceData();
    const h = await m.fit(x, x, { epochs: 300, batchSize: 16 });
    const first = h.history.loss[0];
    const last = h.history.loss.at(-1) as number;
    expect(last).toBeLessThan(first * 0.01);
    m.dispose();
  });

  it('freezing the encoder freezes the shared kernel; the decoder bias still trains', async () => {
    const m = tiedAutoencoder(4);
    m.build();
    m.layers[0].trainable = false;
    const [k0, b0, d0] = m.getWeights().map((t) => t.toFloat32Array());
    await m.fit(subspaceData(), subspaceData(), { epochs: 2, batchSize: 16 });
    const [k1, b1, d1] = m.getWeights().map((t) => t.toFloat32Array());
    expect(k1).toEqual(k0);
    expect(b1).toEqual(b0);
    expect(d1).not.toEqual(d0);
    m.dispose();
  });

  it('save and load keep the tie: one kernel in the weights, the same predictions', () => {
    const m = tiedAutoencoder(5);
    const x = subspaceData(8);
    const p = m.predict(x).toFloat32Array();
    const a = serializeModel(m);
    expect(a.weightSpecs.map((s) => s.name)).toEqual(['encoder/kernel', 'encoder/bias', 'decoder/bias']);
    expect(a.modelTopology.config.layers[1].config.tiedTo).toBe('encoder');
    const again = deserializeModel(a);
    expect(again.layers[1].weights[0]).toBe(again.layers[0].weights[0]);
    expect((again.predict(x) as Tensor).toFloat32Array()).toEqual(p);
    expect(() => deserializeModel({ ...a, modelTopology: { ...a.modelTopology, config: { ...a.modelTopology.config, layers: [a.modelTopology.config.layers[1], a.modelTopology.config.layers[0]] } } }))
      .toThrow(/tiedTo must name a Dense layer that comes before it/);
    m.dispose();
    again.dispose();
  });

  it('works in a graph model, and rejects an encoder that was never applied', () => {
    const x = input({ shape: [6] });
    const enc = layers.dense({ units: 2, activation: 'tanh' });
    const dec = layers.denseTied({ tiedTo: enc });
    const y = dec.apply(enc.apply(x) as never) as never;
    const m = model({ inputs: x, outputs: y, seed: 6 });
    expect((m.predict(subspaceData(4)) as Tensor).shape).toEqual([4, 6]);
    expect(m.countParams()).toBe(12 + 2 + 6);
    const lonely = layers.denseTied({ tiedTo: layers.dense({ units: 2 }) });
    expect(() => lonely.apply(input({ shape: [2] }))).toThrow(/must be applied before it/);
    expect(() => layers.denseTied({ tiedTo: 'encoder' as never })).toThrow(/tiedTo must be a Dense layer, got "encoder"/);
    m.dispose();
  });
});
