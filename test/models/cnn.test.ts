import { describe, it, expect, beforeAll } from 'vitest';
import { init, sequential, layers, optimizers, cosineDecay, memoryStats } from '../../src/index.js';
import { loadMnist } from '../../src/data/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init();
});

describe('convolutional networks learn', () => {
  it('LeNet (conv 5x5x8, pool, conv 5x5x16, pool, dense 10) reaches >= 97.5% on 2,000 held-out MNIST digits', async () => {
    const { train, test } = loadMnist({ trainSize: 8000, testSize: 2000 });
    const epochs = 8;
    const model = sequential({
      seed: 1,
      layers: [
        layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.flatten(),
        layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({
      optimizer: optimizers.adam({ learningRate: cosineDecay({ initialLearningRate: 0.003, decaySteps: 250 * epochs }) }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    await model.fit(train.x, train.y, { epochs, batchSize: 32 });
    const before = memoryStats();
    const { accuracy } = model.evaluate(test.x, test.y);
    expect(accuracy).toBeGreaterThanOrEqual(0.975);
    // Evaluation reuses the planned buffers.
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    model.dispose();
  }, 120_000);

  it('Conv1D tells noisy sine waves from noisy square waves', async () => {
    const n = 400;
    const steps = 64;
    const noise = randArray(n * steps, 3, -0.4, 0.4);
    const phase = randArray(n, 4, 0, 2 * Math.PI);
    const freq = randArray(n, 5, 1.5, 4);
    const x = new Float32Array(n * steps);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      for (let t = 0; t < steps; t++) {
        const s = Math.sin((2 * Math.PI * freq[i] * t) / steps + phase[i]);
        x[i * steps + t] = (y[i] ? Math.sign(s) : s) + noise[i * steps + t];
      }
    }
    const model = sequential({
      seed: 2,
      layers: [
        layers.conv1d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [steps, 1] }),
        layers.maxPooling1d({ poolSize: 2 }),
        layers.conv1d({ filters: 8, kernelSize: 3, activation: 'relu' }),
        layers.globalAveragePooling1d(),
        layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 30, batchSize: 32, validationSplit: 0.25 });
    expect(h.history.val_accuracy.at(-1)).toBeGreaterThanOrEqual(0.9);
  }, 60_000);
});
