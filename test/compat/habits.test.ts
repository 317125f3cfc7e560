// Habits users bring from TensorFlow.js and Keras: each checked against
// TensorFlow.js (tfjs-layers 4.22, cpu backend) on identical weights.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, sequential, layers, optimizers, input, model, hardSigmoid, tensor, Tensor, ValueError, type Model } from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await init({ deterministic: true });
});

const TOL = 1e-5;

function copyWeights(ours: Model, theirs: tfl.LayersModel): void {
  const ws = ours.getWeights();
  theirs.setWeights(ws.map((t) => tf.tensor(t.toFloat32Array(), t.shape as number[])));
  for (const t of ws) t.dispose();
}

function closeTo(a: number, b: number, label: string): void {
  expect(Math.abs(a - b), `${label}: ${a} vs ${b}`).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(b)));
}

const scalarOf = (t: Tensor | tf.Tensor): number => t.dataSync()[0];

describe('model.evaluate returns what TensorFlow.js returns', () => {
  it('a scalar tensor of the loss without metrics', async () => {
    const x = randArray(20 * 3, 1);
    const y = randArray(20 * 2, 2);
    const ours = sequential({ seed: 1, layers: [layers.dense({ units: 5, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 2 })] });
    ours.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [3] }), tfl.layers.dense({ units: 2 })] });
    theirs.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    copyWeights(ours, theirs);
    const a = ours.evaluate(x, y);
    const b = theirs.evaluate(tf.tensor(x, [20, 3]), tf.tensor(y, [20, 2]));
    expect(a).toBeInstanceOf(Tensor);
    expect(Array.isArray(b)).toBe(false);
    expect((a as Tensor).shape).toEqual((b as tf.Tensor).shape);
    closeTo(scalarOf(a as Tensor), scalarOf(b as tf.Tensor), 'loss');
    expect(ours.evaluateLogs(x, y).loss).toBeCloseTo(scalarOf(a as Tensor), 6);
    (a as Tensor).dispose();
    ours.dispose();
  });

  it('[loss, accuracy] scalars with metrics: [\'accuracy\'], in the same order and values', async () => {
    const n = 30;
    const x = randArray(n * 4, 3);
    const labels = Float32Array.from({ length: n }, (_, i) => (i * 7) % 3);
    const oneHot = new Float32Array(n * 3);
    labels.forEach((c, i) => (oneHot[i * 3 + c] = 1));
    const ours = sequential({ seed: 4, layers: [layers.dense({ units: 6, activation: 'relu', inputShape: [4] }), layers.dense({ units: 3, activation: 'softmax' })] });
    ours.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, activation: 'relu', inputShape: [4] }), tfl.layers.dense({ units: 3, activation: 'softmax' })] });
    theirs.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    copyWeights(ours, theirs);
    const a = ours.evaluate(x, oneHot, { batchSize: 7 }) as Tensor[];
    const b = theirs.evaluate(tf.tensor(x, [n, 4]), tf.tensor(oneHot, [n, 3]), { batchSize: 7 }) as tf.Tensor[];
    expect(a.length).toBe(2);
    expect(b.length).toBe(2);
    a.forEach((t, i) => closeTo(scalarOf(t), scalarOf(b[i]), `value ${i}`));
    for (const t of a) t.dispose();
    const logs = ours.evaluateLogs(x, oneHot);
    expect(logs.acc).toBe(logs.accuracy);
    ours.dispose();
  });

  it('two outputs: [total loss, loss per output, metric per output]', async () => {
    const n = 12;
    const x = randArray(n * 3, 5);
    const y1 = randArray(n * 2, 6);
    const y2 = randArray(n * 1, 7);
    const inp = input({ shape: [3] });
    const h = layers.dense({ units: 4, activation: 'tanh', name: 'h' }).apply(inp);
    const o1 = layers.dense({ units: 2, name: 'o1' }).apply(h);
    const o2 = layers.dense({ units: 1, name: 'o2' }).apply(h);
    const ours = model({ inputs: inp, outputs: [o1 as never, o2 as never], seed: 3 });
    ours.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mse'] });
    const ti = tfl.input({ shape: [3] });
    const th = tfl.layers.dense({ units: 4, activation: 'tanh', name: 'h' }).apply(ti) as tfl.SymbolicTensor;
    const t1 = tfl.layers.dense({ units: 2, name: 'o1' }).apply(th) as tfl.SymbolicTensor;
    const t2 = tfl.layers.dense({ units: 1, name: 'o2' }).apply(th) as tfl.SymbolicTensor;
    const theirs = tfl.model({ inputs: ti, outputs: [t1, t2] });
    theirs.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mse'] });
    copyWeights(ours, theirs);
    const a = ours.evaluate(x, [y1, y2]) as Tensor[];
    const b = theirs.evaluate(tf.tensor(x, [n, 3]), [tf.tensor(y1, [n, 2]), tf.tensor(y2, [n, 1])]) as tf.Tensor[];
    // tfjs-layers 4.22 returns one value more than the five its metricsNames
    // list (a leading copy of the first output's loss); ours are the five named.
    expect(theirs.metricsNames).toEqual(['loss', 'o1_loss', 'o2_loss', 'o1_mse', 'o2_mse']);
    expect(a.length).toBe(5);
    expect(b.length).toBe(6);
    a.forEach((t, i) => closeTo(scalarOf(t), scalarOf(b[i + 1]), `value ${i}`));
    for (const t of a) t.dispose();
    ours.dispose();
  });

  it('rejects a bad verbose and unknown keys', () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(() => m.evaluate([[1, 2]], [[1]], { verbose: 3 })).toThrow(/verbose must be 0, 1 or a boolean, got 3/);
    expect(() => m.evaluate([[1, 2]], [[1]], { batchsize: 2 } as never)).toThrow(/did you mean "batchSize"/);
    m.dispose();
  });
});

describe('training controls as in TensorFlow.js', () => {
  it('model.stopTraining set in onBatchEnd stops after that batch, as tf.LayersModel.fit does', async () => {
    const x = randArray(40 * 2, 8);
    const y = randArray(40, 9);
    const ours = sequential({ seed: 2, layers: [layers.dense({ units: 1, inputShape: [2] })] });
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    copyWeights(ours, theirs);
    const seenOurs: string[] = [];
    const seenTheirs: string[] = [];
    await ours.fit(x, y, {
      epochs: 3, batchSize: 8, shuffle: false,
      callbacks: { onBatchEnd: async (b) => { seenOurs.push(`b${b}`); if (b === 2) ours.stopTraining = true; }, onEpochEnd: async (e) => { seenOurs.push(`e${e}`); } },
    });
    await theirs.fit(tf.tensor(x, [40, 2]), tf.tensor(y, [40, 1]), {
      epochs: 3, batchSize: 8, shuffle: false,
      callbacks: { onBatchEnd: async (b) => { seenTheirs.push(`b${b}`); if (b === 2) theirs.stopTraining = true; }, onEpochEnd: async (e) => { seenTheirs.push(`e${e}`); } },
    });
    expect(seenOurs).toEqual(seenTheirs);
    expect(seenOurs).toEqual(['b0', 'b1', 'b2', 'e0']);
    // Three SGD steps on both sides: the same weights.
    const w = ours.getWeights();
    const tw = theirs.getWeights();
    w.forEach((t, i) => t.toFloat32Array().forEach((v, j) => closeTo(v, tw[i].dataSync()[j], `weight ${i}[${j}]`)));
    ours.dispose();
  });

  it('layer.trainable = false freezes its weights in fit, as in TensorFlow.js (the other layer trains the same)', async () => {
    const x = randArray(16 * 3, 10);
    const y = randArray(16 * 2, 11);
    const ours = sequential({ seed: 5, layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dense({ units: 2 })] });
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), tfl.layers.dense({ units: 2 })] });
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    copyWeights(ours, theirs);
    const before = ours.getWeights().map((t) => t.toFloat32Array());
    ours.layers[0].trainable = false;
    theirs.layers[0].trainable = false;
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    await ours.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false });
    await theirs.fit(tf.tensor(x, [16, 3]), tf.tensor(y, [16, 2]), { epochs: 2, batchSize: 8, shuffle: false });
    const after = ours.getWeights().map((t) => t.toFloat32Array());
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual(before[1]);
    expect(after[2]).not.toEqual(before[2]);
    // TensorFlow.js's getWeights() lists trainable weights first once a layer is frozen; ours keep layer order.
    const tw = theirs.layers.flatMap((l) => l.getWeights());
    after.forEach((w, i) => w.forEach((v, j) => closeTo(v, tw[i].dataSync()[j], `weight ${i}[${j}]`)));
    expect(ours.trainableWeights.length).toBe(2);
    expect(ours.nonTrainableWeights.length).toBe(2);
    ours.dispose();
  });

  it('trainable: false in a layer config freezes it from the start', async () => {
    const m = sequential({ seed: 5, layers: [layers.dense({ units: 4, inputShape: [3], trainable: false }), layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const w0 = m.getWeights()[0].toFloat32Array();
    await m.fit(randArray(8 * 3, 1), randArray(8 * 2, 2), { epochs: 1 });
    expect(m.getWeights()[0].toFloat32Array()).toEqual(w0);
    m.dispose();
  });
});

describe('model structure as in TensorFlow.js', () => {
  it('summary() before compile shows shapes and parameter counts when the first layer declares inputShape', () => {
    const lines: string[] = [];
    const m = sequential({ layers: [layers.dense({ units: 4, inputShape: [3], activation: 'relu' }), layers.dense({ units: 2 })] });
    m.summary((l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toMatch(/Total params: 26/);
    expect(text).toMatch(/\[null,4\]|\(None, 4\)|4\]/);
    m.dispose();
  });

  it('pop() removes the last layer; predictions are those of TensorFlow.js after its pop()', async () => {
    const x = randArray(5 * 3, 12);
    const ours = sequential({ seed: 6, layers: [layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 3, activation: 'relu' }), layers.dense({ units: 2 })] });
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), tfl.layers.dense({ units: 3, activation: 'relu' }), tfl.layers.dense({ units: 2 })] });
    ours.compile({ optimizer: 'sgd', loss: 'mse' });
    copyWeights(ours, theirs);
    const popped = ours.pop();
    theirs.pop();
    // tfjs-layers 4.22's Sequential.pop() leaves predict() running the popped
    // layer (its inner model is not rebuilt): compare with the two-layer model.
    const two = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), tfl.layers.dense({ units: 3, activation: 'relu' })] });
    two.setWeights(theirs.getWeights().slice(0, 4));
    expect(popped.name).toMatch(/dense/);
    expect(ours.layers.length).toBe(2);
    expect(ours.outputShape).toEqual([3]);
    expect(ours.countParams()).toBe(4 * 3 + 4 + 4 * 3 + 3);
    const a = ours.predict(x).toFloat32Array();
    const b = (two.predict(tf.tensor(x, [5, 3])) as tf.Tensor).dataSync();
    expect(a.length).toBe(b.length);
    a.forEach((v, i) => closeTo(v, b[i], `prediction ${i}`));
    await expect(ours.fit(x, x, {})).rejects.toThrow(/compile/);
    ours.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(ours.evaluateLogs(x, randArray(5 * 3, 1)).loss).toBeGreaterThan(0);
    ours.pop();
    expect(() => ours.pop()).toThrow(ValueError);
    ours.dispose();
  });

  it('pop() on an unbuilt model, and on an empty one', () => {
    const m = sequential({ layers: [layers.dense({ units: 4 }), layers.dense({ units: 2 })] });
    m.pop();
    m.pop();
    expect(() => m.pop()).toThrow(/has no layers/);
  });
});

describe('hardSigmoid', () => {
  it('as an op, equals TensorFlow.js\'s hardSigmoid activation layer, clip(0.2 x + 0.5, 0, 1)', () => {
    const x = [-4, -2.5, -1, 0, 0.3, 2.5, 7];
    const ours = hardSigmoid(x).toFloat32Array();
    const theirs = (tfl.layers.activation({ activation: 'hardSigmoid' }).apply(tf.tensor(x)) as tf.Tensor).dataSync();
    x.forEach((v, i) => {
      closeTo(ours[i], theirs[i], `hardSigmoid(${v})`);
      expect(ours[i]).toBeCloseTo(Math.min(1, Math.max(0, 0.2 * v + 0.5)), 6);
    });
    const t = tensor([[-3, 3]]);
    expect(hardSigmoid(t).toFloat32Array()).toEqual(Float32Array.from([0, 1]));
  });
});
