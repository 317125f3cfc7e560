import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  init, sequential, layers, optimizers, exponentialDecay, stepDecay, memoryStats, ValueError,
  serializeModel, deserializeModel, encodeModelFile, decodeModelFile, modelFromJSONAndWeights, saveModel, loadModel,
  type Sequential, type Model, type Tensor,
} from '../../src/node.js';
import { bits, classificationData, classifier, trainedClassifier } from './models.js';

let dir: string;
let startBytes: number;

beforeAll(async () => {
  await init({ deterministic: true });
  dir = mkdtempSync(join(tmpdir(), 'simdnn-io-'));
  startBytes = memoryStats().liveBytes;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Predictions of both models on the same inputs, compared bit for bit. */
function expectSamePredictions(a: Model, b: Model): void {
  const { x } = classificationData();
  const pa = a.predict(x) as Tensor;
  const pb = b.predict(x) as Tensor;
  expect(bits(pb.toFloat32Array())).toEqual(bits(pa.toFloat32Array()));
  pa.dispose();
  pb.dispose();
}

/** Weights of both models, compared bit for bit, tensor by tensor and as the flat arena. */
function expectSameWeights(a: Model, b: Model): void {
  expect(bits(b.getWeightsFlat())).toEqual(bits(a.getWeightsFlat()));
  const wa = a.getWeights();
  const wb = b.getWeights();
  expect(wb.map((t) => t.shape)).toEqual(wa.map((t) => t.shape));
  wa.forEach((t, i) => expect(bits(wb[i].toFloat32Array())).toEqual(bits(t.toFloat32Array())));
  for (const t of [...wa, ...wb]) t.dispose();
}

describe('artifacts', () => {
  it('describe the model: topology, input shape, training config, weights packed in layer and param order', async () => {
    const model = await trainedClassifier();
    const a = serializeModel(model);
    const [d1, drop, d2] = model.layers.map((l) => l.name);
    expect(a.format).toBe('simdnn-model');
    expect(a.version).toBe(1);
    expect(a.inputShape).toEqual([4]);
    expect(a.modelTopology).toEqual(model.toJSON());
    expect(a.modelTopology.config.layers.map((l) => l.className)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(a.training).toEqual(model.compileConfig());
    expect(a.training?.optimizer.learningRate).toEqual({ type: 'cosineDecay', initialLearningRate: 0.05, decaySteps: 40, alpha: 0.1 });
    expect(a.weightSpecs).toEqual([
      { name: `${d1}/kernel`, shape: [4, 8], dtype: 'float32', offset: 0, byteLength: 128 },
      { name: `${d1}/bias`, shape: [8], dtype: 'float32', offset: 128, byteLength: 32 },
      { name: `${d2}/kernel`, shape: [8, 3], dtype: 'float32', offset: 160, byteLength: 96 },
      { name: `${d2}/bias`, shape: [3], dtype: 'float32', offset: 256, byteLength: 12 },
    ]);
    expect(drop).toMatch(/^dropout/);
    expect(a.weightData.byteLength).toBe(268);
    // Little-endian float32: the first kernel value decodes to the model's own.
    const first = new DataView(a.weightData.buffer, a.weightData.byteOffset).getFloat32(0, true);
    expect(first).toBe(model.getWeightsFlat()[0]);
    // The JSON part survives JSON (no typed arrays, no functions, no NaN).
    const { weightData: _w, ...json } = a;
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    model.dispose();
  });

  it('a trained model round-trips: bit-identical predictions and weights, compiled, evaluates alike and keeps training', async () => {
    const model = await trainedClassifier();
    const loaded = deserializeModel(serializeModel(model));
    expectSamePredictions(model, loaded);
    expectSameWeights(model, loaded);
    expect(loaded.name).toBe(model.name);
    expect(loaded.toJSON()).toEqual(model.toJSON());
    expect(loaded.compileConfig()).toEqual(model.compileConfig());
    const { x, y } = classificationData();
    expect(loaded.evaluateLogs(x, y)).toEqual(model.evaluateLogs(x, y));
    const before = loaded.getWeightsFlat();
    const h = await loaded.fit(x, y, { epochs: 3, batchSize: 8 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    expect(h.history.accuracy).toHaveLength(3);
    expect(bits(loaded.getWeightsFlat())).not.toEqual(bits(before));
    model.dispose();
    loaded.dispose();
  });

  it('every optimizer and schedule comes back with its hyperparameters', () => {
    const opts = [
      optimizers.sgd({ learningRate: 0.3, clipValue: 0.5 }),
      optimizers.momentum({ learningRate: stepDecay({ initialLearningRate: 0.1, dropEvery: 5, factor: 0.3 }), momentum: 0.8 }),
      optimizers.nesterov({ learningRate: 0.02, weightDecay: 1e-4 }),
      optimizers.adam({ learningRate: exponentialDecay({ initialLearningRate: 0.01, decaySteps: 7, decayRate: 0.9, staircase: true }), beta1: 0.8, clipNorm: 2 }),
      optimizers.rmsprop({ learningRate: 0.004, rho: 0.95 }),
      optimizers.adagrad({ learningRate: 0.03, initialAccumulatorValue: 0.2 }),
      optimizers.adadelta({ learningRate: 1, rho: 0.9, epsilon: 1e-6 }),
      optimizers.adamax({ learningRate: 0.004, beta2: 0.99 }),
      optimizers.lbfgs({ historySize: 4 }),
    ];
    for (const optimizer of opts) {
      const model = sequential({ seed: 1, layers: [layers.dense({ units: 2, inputShape: [3] })] });
      model.compile({ optimizer, loss: 'mse', metrics: ['mse'] });
      const loaded = deserializeModel(serializeModel(model));
      expect(loaded.compileConfig(), optimizer.className).toEqual(model.compileConfig());
      expect(loaded.optimizer?.constructor).toBe(optimizer.constructor);
      model.dispose();
      loaded.dispose();
    }
  });

  it('leakyRelu alpha, useBias: false, initializers and a fromLogits loss round-trip their config', () => {
    const model = sequential({
      name: 'logits_net',
      seed: 2,
      layers: [
        layers.dense({ units: 5, activation: 'leakyRelu', alpha: 0.07, useBias: false, kernelInitializer: 'heNormal', inputShape: [3], name: 'hidden' }),
        layers.dense({ units: 1, name: 'out' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', fromLogits: true });
    const a = serializeModel(model);
    expect(a.weightSpecs.map((w) => w.name)).toEqual(['hidden/kernel', 'out/kernel', 'out/bias']);
    const loaded = deserializeModel(a);
    expect(loaded.toJSON()).toEqual(model.toJSON());
    expect(loaded.toJSON().config.layers[0].config).toMatchObject({ activation: 'leakyRelu', alpha: 0.07, useBias: false, kernelInitializer: 'heNormal' });
    expect(loaded.compileConfig()).toMatchObject({ loss: 'binaryCrossentropy', fromLogits: true });
    expectSameWeights(model, loaded);
    model.dispose();
    loaded.dispose();
  });

  it('a model built by its first fit (no declared inputShape) keeps the shape it was built for', async () => {
    const model = sequential({ seed: 4, layers: [layers.dense({ units: 3, activation: 'tanh' }), layers.dense({ units: 1 })] });
    model.compile({ optimizer: 'adam', loss: 'mse' });
    await model.fit([[1, 2], [3, 4]], [[1], [0]], { epochs: 1 });
    const a = serializeModel(model);
    expect(a.inputShape).toEqual([2]);
    expect(a.modelTopology.config.layers[0].config.inputShape).toBeUndefined();
    const loaded = deserializeModel(a);
    expect(loaded.built).toBe(true);
    const pa = model.predict([[0.5, -1]]);
    const pb = loaded.predict([[0.5, -1]]) as Tensor;
    expect(bits(pb.toFloat32Array())).toEqual(bits(pa.toFloat32Array()));
    for (const t of [pa, pb]) t.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('includeTraining: false saves architecture and weights only; the loaded model is not compiled', async () => {
    const model = await trainedClassifier();
    const a = serializeModel(model, { includeTraining: false });
    expect(a.training).toBeNull();
    const loaded = deserializeModel(a);
    expect(loaded.compileConfig()).toBeNull();
    const { x, y } = classificationData();
    expect(() => loaded.evaluateLogs(x, y)).toThrow(/compile/);
    expectSamePredictions(model, loaded);
    model.dispose();
    loaded.dispose();
  });

  it('serializing refuses what could not be loaded: unbuilt models, plain-function learning rates', () => {
    const unbuilt = sequential({ layers: [layers.dense({ units: 2 })] });
    expect(() => serializeModel(unbuilt)).toThrow(ValueError);
    expect(() => serializeModel(unbuilt)).toThrow(/not built/);
    expect(() => serializeModel({} as Sequential)).toThrow(/expected a Sequential model/);
    const custom = sequential({ seed: 1, layers: [layers.dense({ units: 1, inputShape: [2] })] });
    custom.compile({ optimizer: optimizers.sgd({ learningRate: (step: number) => 0.1 / (1 + step) }), loss: 'mse' });
    expect(() => serializeModel(custom)).toThrow(/learning rate is a plain function.*includeTraining: false/);
    const loaded = deserializeModel(serializeModel(custom, { includeTraining: false }));
    expect(loaded.compileConfig()).toBeNull();
    custom.dispose();
    loaded.dispose();
  });

  it('the seed option fixes the loaded model\'s dropout stream', async () => {
    const model = await trainedClassifier();
    const a = serializeModel(model);
    const { x, y } = classificationData();
    const runs = [1, 2].map(() => deserializeModel(a, { seed: 99 }));
    for (const m of runs) await m.fit(x, y, { epochs: 1, batchSize: 8 });
    expect(bits(runs[1].getWeightsFlat())).toEqual(bits(runs[0].getWeightsFlat()));
    for (const m of [model, ...runs]) m.dispose();
  });
});

describe('single file', () => {
  it('encodes magic, JSON length and 4-byte aligned weights, and decodes to the same artifacts', async () => {
    const model = await trainedClassifier();
    const a = serializeModel(model);
    const file = encodeModelFile(a);
    expect(Array.from(file.subarray(0, 8))).toEqual([0x53, 0x49, 0x4d, 0x44, 0x4e, 0x4e, 0x00, 0x01]);
    const jsonLength = new DataView(file.buffer).getUint32(8, true);
    expect((12 + jsonLength) % 4).toBe(0);
    expect(file.length).toBe(12 + jsonLength + a.weightData.length);
    const decoded = decodeModelFile(file);
    expect({ ...decoded, weightData: null }).toEqual({ ...a, weightData: null });
    expect(Array.from(decoded.weightData)).toEqual(Array.from(a.weightData));
    const loaded = deserializeModel(decoded);
    expectSamePredictions(model, loaded);
    expectSameWeights(model, loaded);
    expect(loaded.compileConfig()).toEqual(model.compileConfig());
    model.dispose();
    loaded.dispose();
  });

  it('decodes from a Uint8Array at any byte offset of its buffer', async () => {
    const model = await trainedClassifier();
    const file = encodeModelFile(serializeModel(model));
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const loaded = deserializeModel(decodeModelFile(shifted.subarray(3)));
    expectSameWeights(model, loaded);
    model.dispose();
    loaded.dispose();
  });
});

describe('files (Node)', () => {
  it('a directory holds model.json (with weightsPath) and weights.bin, and loads back identically', async () => {
    const model = await trainedClassifier();
    const path = join(dir, 'classifier');
    saveModel(model, path);
    expect(readdirSync(path).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
    expect(json.weightsPath).toBe('weights.bin');
    expect(json.weightData).toBeUndefined();
    expect(readFileSync(join(path, 'weights.bin')).length).toBe(268);
    for (const loaded of [loadModel(path), loadModel(join(path, 'model.json'))]) {
      expectSamePredictions(model, loaded);
      expectSameWeights(model, loaded);
      expect(loaded.compileConfig()).toEqual(model.compileConfig());
      loaded.dispose();
    }
    // The browser path: the caller fetches both parts itself.
    const text = readFileSync(join(path, 'model.json'), 'utf8');
    const weights = new Uint8Array(readFileSync(join(path, 'weights.bin')));
    for (const loaded of [modelFromJSONAndWeights(text, weights), modelFromJSONAndWeights(JSON.parse(text), weights)]) {
      expectSamePredictions(model, loaded);
      loaded.dispose();
    }
    model.dispose();
  });

  it('a path ending in .simdnn is one file (parent directories created), and loads back identically', async () => {
    const model = await trainedClassifier();
    const path = join(dir, 'nested', 'deeper', 'classifier.simdnn');
    saveModel(model, path);
    const bytes = new Uint8Array(readFileSync(path));
    expect(bytes.subarray(0, 6)).toEqual(new TextEncoder().encode('SIMDNN'));
    expect(readdirSync(join(dir, 'nested', 'deeper'))).toEqual(['classifier.simdnn']);
    const loaded = loadModel(path);
    expectSamePredictions(model, loaded);
    expectSameWeights(model, loaded);
    model.dispose();
    loaded.dispose();
  });

  it('saving again replaces the files; no temporary files are left behind', async () => {
    const a = await trainedClassifier(5);
    const b = await trainedClassifier(6);
    const path = join(dir, 'replaced');
    saveModel(a, path);
    saveModel(b, path);
    expect(readdirSync(path).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = loadModel(path);
    expectSameWeights(b, loaded);
    for (const m of [a, b, loaded]) m.dispose();
    expect(existsSync(join(dir, 'replaced', 'model.json'))).toBe(true);
  });
});

describe('memory', () => {
  it('every model above was disposed: live bytes are back where they started', () => {
    expect(memoryStats().liveBytes).toBe(startBytes);
  });

  it('a quick model round-trip allocates nothing that outlives the models', () => {
    const before = memoryStats().liveBytes;
    const model = classifier();
    const loaded = deserializeModel(serializeModel(model));
    model.dispose();
    loaded.dispose();
    expect(memoryStats().liveBytes).toBe(before);
  });
});
