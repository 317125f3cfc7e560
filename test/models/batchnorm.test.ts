import { describe, it, expect, beforeAll } from 'vitest';
import { init, sequential, layers, optimizers, memoryStats, deserializeModel, serializeModel, type Tensor } from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init();
});

/** Two interleaved spirals: a problem a small MLP needs several epochs for. */
function spirals(n: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const t = 1 + (3 * Math.floor(i / 2)) / (n / 2);
    const a = t * 2.2 + cls * Math.PI;
    x[2 * i] = t * Math.cos(a) * 20 + 50;
    x[2 * i + 1] = t * Math.sin(a) * 20 - 30;
    y[i] = cls;
  }
  return { x, y };
}

describe('batch normalization in a model', () => {
  it('normalizes unscaled inputs: an MLP on raw, offset coordinates learns two spirals with it', async () => {
    const { x, y } = spirals(400);
    const build = (bn: boolean) => {
      const m = sequential({
        seed: 3,
        layers: [
          ...(bn ? [layers.batchNormalization({ inputShape: [2] })] : []),
          layers.dense({ units: 32, activation: 'tanh', ...(bn ? {} : { inputShape: [2] }) }),
          layers.batchNormalization(),
          layers.dense({ units: 32, activation: 'tanh' }),
          layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      m.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const m = build(true);
    await m.fit(x, y, { epochs: 60, batchSize: 32, seed: 1 });
    const acc = m.evaluateLogs(x, y).accuracy as number;
    expect(acc).toBeGreaterThan(0.9);
    // The first layer's moving statistics estimate the inputs' (offsets 50 and -30).
    const bn = m.getLayer(m.layers[0].name) as ReturnType<typeof layers.batchNormalization>;
    const mm = m.weights.indexOf(bn.movingMean!);
    const ws = m.getWeights();
    const mean = ws[mm].toFloat32Array();
    for (const t of ws) t.dispose();
    expect(mean[0]).toBeGreaterThan(40);
    expect(mean[1]).toBeLessThan(-20);
    m.dispose();
  });

  it('moving statistics are saved and loaded; a frozen layer uses them in training and leaves them alone', async () => {
    const m = sequential({ seed: 2, layers: [layers.dense({ units: 4, inputShape: [3] }), layers.batchNormalization({ momentum: 0.5 }), layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = randArray(30, 1, -2, 5);
    const t = randArray(20, 2);
    for (let i = 0; i < 5; i++) m.trainOnBatch(x, t);
    expect(m.trainableWeights.length).toBe(6);
    expect(m.nonTrainableWeights.map((v) => v.name)).toEqual(['moving_mean', 'moving_variance']);
    const loaded = deserializeModel(serializeModel(m));
    const a = m.predict(x) as Tensor;
    const b = loaded.predict(x) as Tensor;
    expect(b.toFloat32Array()).toEqual(a.toFloat32Array());
    a.dispose();
    b.dispose();
    loaded.dispose();
    const bn = m.layers[1];
    bn.trainable = false;
    const before = m.getWeightsFlat();
    const yInfer = m.predict(x) as Tensor;
    // Frozen: a training step runs it with the moving statistics (the same outputs as predict) and changes none of its weights.
    const g = m.gradientsFlat(x, t);
    expect(g.loss).toBeGreaterThan(0);
    m.trainOnBatch(x, t);
    const after = m.getWeightsFlat();
    const bnAt = m.weights.filter((v) => v.owner === bn).map((v) => m.weights.indexOf(v));
    let offset = 0;
    const offsets = m.weights.map((v) => { const o = offset; offset += v.size; return o; });
    for (const i of bnAt) {
      const v = m.weights[i];
      expect(after.subarray(offsets[i], offsets[i] + v.size), v.name).toEqual(before.subarray(offsets[i], offsets[i] + v.size));
    }
    yInfer.dispose();
    m.dispose();
  });

  it('thousands of training steps leave live memory where it started', () => {
    const m = sequential({ seed: 4, layers: [layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 1] }), layers.batchNormalization(), layers.flatten(), layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const x = randArray(8 * 36, 5);
    const t = randArray(16, 6);
    m.trainOnBatch(x, t);
    const before = memoryStats();
    for (let i = 0; i < 2000; i++) m.trainOnBatch(x, t);
    const after = memoryStats();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveAllocations).toBe(before.liveAllocations);
    m.dispose();
  });

  it('rejects bad options with errors naming them', () => {
    expect(() => layers.batchNormalization({ momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\], got 2/);
    expect(() => layers.batchNormalization({ epsilon: 0 })).toThrow(/epsilon/);
    expect(() => layers.batchNormalization({ axis: 1.5 })).toThrow(/axis must be an integer/);
    expect(() => layers.batchNormalization({ moementum: 0.9 } as never)).toThrow(/unknown option "moementum"/);
    const m = sequential({ layers: [layers.batchNormalization({ axis: 1, inputShape: [3, 4] })] });
    expect(() => m.build()).toThrow(/only the last axis is normalized .* got axis 1/);
    m.dispose();
  });
});
