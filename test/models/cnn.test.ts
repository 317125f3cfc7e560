import { describe, it, expect, beforeAll } from 'vitest';
import { init, createBackend, sequential, layers, optimizers, cosineDecay, memoryStats, type Tensor } from '../../src/index.js';
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
    const { accuracy } = model.evaluateLogs(test.x, test.y);
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

describe('convolutional models round-trip', () => {
  it('save/load of conv, pooling, reshape and flatten layers gives bit-identical predictions', async () => {
    const { serializeModel, deserializeModel, encodeModelFile, decodeModelFile } = await import('../../src/index.js');
    const model = sequential({
      seed: 4,
      layers: [
        layers.reshape({ targetShape: [8, 8, 1], inputShape: [64] }),
        layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', strides: 1, dilationRate: 1, activation: 'leakyRelu', alpha: 0.1 }),
        layers.l2Pooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 6, kernelSize: [2, 1], useBias: false }),
        layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
        layers.flatten(),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = randArray(10 * 64, 9);
    await model.fit(x, Int32Array.from({ length: 10 }, (_, i) => i % 3), { epochs: 2, batchSize: 5 });
    const loaded = deserializeModel(decodeModelFile(encodeModelFile(serializeModel(model))));
    const a = model.predict(x).toFloat32Array();
    const b = (loaded.predict(x) as Tensor).toFloat32Array();
    expect(new Uint32Array(b.buffer)).toEqual(new Uint32Array(a.buffer));
    expect(loaded.toJSON()).toEqual(model.toJSON());
    const c1 = loaded.layers.find((l) => l.className === 'Conv1D' || l.className === 'Conv2D');
    expect(c1?.getWeights()[0].shape).toEqual([3, 3, 1, 4]);
    model.dispose();
    loaded.dispose();
  });

  it('predict fuses conv + 2x2 max pooling: the same bits as the layers run apart, and training is unaffected', async () => {
    const net = (apart: boolean) => sequential({
      seed: 5,
      layers: [
        layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [11, 9, 2] }),
        ...(apart ? [layers.activation({ activation: 'linear' })] : []),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 9, kernelSize: 3, activation: 'linear' }),
        ...(apart ? [layers.activation({ activation: 'linear' })] : []),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.flatten(),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const fused = net(false);
    const apart = net(true);
    const x = randArray(7 * 11 * 9 * 2, 8);
    const y = Int32Array.from({ length: 7 }, (_, i) => i % 3);
    for (const m of [fused, apart]) m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    fused.build();
    apart.build();
    apart.setWeights(fused.getWeights());
    for (let step = 0; step < 3; step++) {
      const a = fused.predict(x, { batchSize: 4 });
      const b = apart.predict(x, { batchSize: 4 });
      expect(a.toFloat32Array()).toEqual(b.toFloat32Array());
      a.dispose();
      b.dispose();
      expect(fused.evaluateLogs(x, y)).toEqual(apart.evaluateLogs(x, y));
      // Training runs the layers apart (max pooling keeps its argmax): both take the same step.
      expect(fused.trainOnBatch(x, y)).toEqual(apart.trainOnBatch(x, y));
    }
    expect(fused.getWeightsFlat()).toEqual(apart.getWeightsFlat());
    fused.dispose();
    apart.dispose();
  });

  it('a model planned for inference holds no backward buffers, and trains the same after planning again', async () => {
    const be = await createBackend();
    const net = () => sequential({
      seed: 6,
      backend: be,
      layers: [
        layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [16, 16, 3] }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.dropout({ rate: 0.25 }),
        layers.flatten(),
        layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    const n = 24;
    const x = randArray(n * 16 * 16 * 3, 9);
    const y = Int32Array.from({ length: n }, (_, i) => i % 4);
    const first = net();
    const fresh = net();
    for (const m of [first, fresh]) {
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      m.build();
    }
    const s0 = be.memoryStats();
    first.predict(x, { batchSize: n }).dispose();
    const s1 = be.memoryStats();
    const l1 = first.trainOnBatch(x, y);
    const s2 = be.memoryStats();
    // Training adds a gradient buffer per layer output, and backward scratch (a zero-bordered dy, the flipped
    // kernel), which the model's executor owns along with the other per-batch buffers.
    const outputs = 16 * 16 * 8 + 3 * 8 * 8 * 8 + 4;
    expect(s2.liveBytes - s1.liveBytes).toBeGreaterThanOrEqual(outputs * n * 4 + n * 18 * 18 * 8 * 4);
    // Training after inference planning: the same step as a model that never predicted.
    expect(l1).toEqual(fresh.trainOnBatch(x, y));
    expect(first.getWeightsFlat()).toEqual(fresh.getWeightsFlat());
    // Inference after training reuses the training plan.
    const s3 = be.memoryStats();
    first.predict(x, { batchSize: n }).dispose();
    const s4 = be.memoryStats();
    expect([s4.liveBytes, s4.liveAllocations, s4.internalBytes, s4.heapBytes]).toEqual([s3.liveBytes, s3.liveAllocations, s3.internalBytes, s3.heapBytes]);
    first.dispose();
    fresh.dispose();
    be.dispose();
  });

  it('conv1d kernel layout is [kernelSize, inChannels, filters] (Keras)', () => {
    const model = sequential({ seed: 1, layers: [layers.conv1d({ filters: 5, kernelSize: 3, inputShape: [10, 2] })] });
    model.build();
    expect(model.layers[0].getWeights().map((t) => t.shape)).toEqual([[3, 2, 5], [5]]);
    expect(model.outputShape).toEqual([8, 5]);
    // With weights set by hand, the output is the textbook sliding dot product.
    const k = new Float32Array(3 * 2 * 5);
    k[(1 * 2 + 0) * 5 + 0] = 1; // tap 1, channel 0, filter 0
    k[(2 * 2 + 1) * 5 + 0] = -1; // tap 2, channel 1, filter 0
    model.layers[0].setWeights([k, new Float32Array(5)]);
    const x = Float32Array.from({ length: 20 }, (_, i) => i); // x[t][c] = 2t + c
    const y = model.predict(x).toFloat32Array();
    for (let t = 0; t < 8; t++) expect(y[t * 5]).toBe(x[(t + 1) * 2] - x[(t + 2) * 2 + 1]);
  });

  it('rejects bad convolution arguments with messages naming them', () => {
    expect(() => layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow(/filters must be a positive integer, got 0/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: [3] })).toThrow(/kernelSize must be a positive integer or a pair of them, got \[3\]/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/padding must be 'valid' or 'same', got "full"/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/strides > 1 together with dilationRate > 1/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, activation: 'softmax' })).toThrow(/softmax' is not available on a convolution/);
    const tooBig = sequential({ layers: [layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [4, 4, 1] })] });
    expect(() => tooBig.build()).toThrow(/a window of 5 does not fit an input of size 4 with 'valid' padding/);
    const wrongRank = sequential({ layers: [layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [28, 28] })] });
    expect(() => wrongRank.build()).toThrow(/expects per-sample input \[height, width, channels\], got \[28,28\]/);
    expect(() => layers.reshape({ targetShape: [-1, -1] })).toThrow(/at most one -1/);
    expect(() => layers.maxPooling2d({ poolSize: 0 })).toThrow(/poolSize must be a positive integer/);
  });
});

describe('looking at filters', () => {
  it('LeNet first-layer filters and a dense layer as PNG grids (decoded by pngjs)', async () => {
    const { layerFiltersToPng } = await import('../../src/index.js');
    const { PNG } = await import('pngjs');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { train } = loadMnist({ trainSize: 2000, testSize: 0 });
    const model = sequential({
      seed: 3,
      layers: [
        layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.flatten(),
        layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.003 }), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(train.x, train.y, { epochs: 2, batchSize: 32 });
    const conv = PNG.sync.read(Buffer.from(layerFiltersToPng(model.layers[0], { cols: 4 })));
    // 4 x 2 tiles of 5x5 pixels at scale 8 with 1-pixel (scaled) padding around each.
    expect([conv.width, conv.height]).toEqual([4 * 40 + 5 * 8, 2 * 40 + 3 * 8]);
    const dense = layerFiltersToPng(model.layers[3], { imageShape: [12, 12 * 8] as [number, number] });
    expect(PNG.sync.read(Buffer.from(dense)).width).toBeGreaterThan(96);
    expect(() => layerFiltersToPng(model.layers[1])).toThrow(/\(MaxPooling2D\) has no weights to draw/);
    expect(() => layerFiltersToPng(model.layers[0], { channel: 1 })).toThrow(/channel must be an integer in \[0, 0\], got 1/);
    const dir = mkdtempSync(join(tmpdir(), 'simdnn-filters-'));
    writeFileSync(join(dir, 'lenet-conv1.png'), layerFiltersToPng(model.layers[0], { cols: 4, scale: 16 }));
    model.dispose();
  }, 60_000);
});
