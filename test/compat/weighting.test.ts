// Weight penalties (kernelRegularizer / biasRegularizer) and loss weights
// (classWeight / sampleWeight): training on identical weights matches
// TensorFlow.js (tfjs-layers 4.22, cpu backend) step for step; sampleWeight,
// which TensorFlow.js lacks, against the identities Keras's definition implies.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, sequential, layers, optimizers, regularizers, Sequential, ValueError, type Model } from '../../src/index.js';
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

function sameWeights(ours: Model, theirs: tfl.LayersModel, label: string, tol = TOL): void {
  const a = ours.getWeights();
  const b = theirs.getWeights();
  expect(a.length).toBe(b.length);
  a.forEach((t, i) => {
    const x = t.toFloat32Array();
    const y = b[i].dataSync();
    let worst = 0;
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - y[j]) / Math.max(1, Math.abs(y[j])));
    expect(worst, `${label}: weight ${i}`).toBeLessThanOrEqual(tol);
    t.dispose();
  });
}

describe('regularizers: loss and updates as TensorFlow.js', () => {
  it('l2 kernel, l1 kernel, l1l2 bias on a dense stack: trainOnBatch loss and weights, then 3 epochs of fit', async () => {
    const n = 12;
    const x = randArray(n * 4, 1, -2, 2);
    const y = randArray(n * 2, 2);
    const ours = sequential({ seed: 7, layers: [
      layers.dense({ units: 5, activation: 'tanh', inputShape: [4], kernelRegularizer: regularizers.l2({ l2: 0.05 }) }),
      layers.dense({ units: 2, kernelRegularizer: regularizers.l1({ l1: 0.02 }), biasRegularizer: regularizers.l1l2({ l1: 0.01, l2: 0.3 }), biasInitializer: 'ones' }),
    ] });
    const theirs = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [4], kernelRegularizer: tfl.regularizers.l2({ l2: 0.05 }) }),
      tfl.layers.dense({ units: 2, kernelRegularizer: tfl.regularizers.l1({ l1: 0.02 }), biasRegularizer: tfl.regularizers.l1l2({ l1: 0.01, l2: 0.3 }) }),
    ] });
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    copyWeights(ours, theirs);
    const xt = tf.tensor(x, [n, 4]);
    const yt = tf.tensor(y, [n, 2]);
    const lo = ours.trainOnBatch(x, y) as number;
    const lt = (await theirs.trainOnBatch(xt, yt)) as number;
    expect(Math.abs(lo - lt), `loss with penalties ${lo} vs ${lt}`).toBeLessThanOrEqual(TOL * Math.max(1, lt));
    sameWeights(ours, theirs, 'one step');
    const ho = await ours.fit(x, y, { epochs: 3, batchSize: 5, shuffle: false });
    const ht = await theirs.fit(xt, yt, { epochs: 3, batchSize: 5, shuffle: false });
    sameWeights(ours, theirs, 'three epochs');
    ho.history.loss.forEach((v, i) => expect(Math.abs(v - (ht.history.loss[i] as number))).toBeLessThanOrEqual(TOL));
    // The penalty is part of the training loss only: evaluate reports the data loss, as TensorFlow.js does.
    const eo = ours.evaluateLogs(x, y).loss;
    const et = (theirs.evaluate(xt, yt) as tf.Tensor).dataSync()[0];
    expect(Math.abs(eo - et)).toBeLessThanOrEqual(TOL);
    ours.dispose();
  });

  it('a conv2d kernel and bias with \'l1l2\' by name (factors 0.01), one step', async () => {
    const n = 3;
    const x = randArray(n * 6 * 6 * 2, 3);
    const y = randArray(n * 4 * 4 * 3, 4);
    const ours = sequential({ seed: 2, layers: [layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2], kernelRegularizer: 'l1l2', biasRegularizer: 'l2', biasInitializer: 'ones' })] });
    const theirs = tfl.sequential({ layers: [tfl.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2], kernelRegularizer: 'l1l2', biasRegularizer: tfl.regularizers.l2() })] });
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.2 }), loss: 'mse' });
    theirs.compile({ optimizer: tf.train.sgd(0.2), loss: 'meanSquaredError' });
    copyWeights(ours, theirs);
    const lo = ours.trainOnBatch(x, y) as number;
    const lt = (await theirs.trainOnBatch(tf.tensor(x, [n, 6, 6, 2]), tf.tensor(y, [n, 4, 4, 3]))) as number;
    expect(Math.abs(lo - lt)).toBeLessThanOrEqual(TOL * Math.max(1, lt));
    sameWeights(ours, theirs, 'conv step');
    ours.dispose();
  });

  it('a frozen layer\'s penalty is neither added nor applied; the config round-trips through JSON', async () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 3, inputShape: [2], kernelRegularizer: regularizers.l2({ l2: 10 }), trainable: false }), layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = [[1, 2], [3, 4]];
    const y = [[1], [0]];
    const before = m.evaluateLogs(x, y).loss;
    const loss = m.trainOnBatch(x, y) as number;
    expect(loss).toBeCloseTo(before, 5);
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    expect(json.config.layers[0].config.kernelRegularizer).toEqual({ className: 'L1L2', config: { l1: 0, l2: 10 } });
    const back = Sequential.fromJSON(json);
    expect((back.layers[0] as unknown as { kernelRegularizer: unknown }).kernelRegularizer).toEqual({ className: 'L1L2', config: { l1: 0, l2: 10 } });
    m.dispose();
  });

  it('bad regularizers are refused', () => {
    expect(() => layers.dense({ units: 2, kernelRegularizer: 'l3' as never })).toThrow(/kernelRegularizer must be 'l1', 'l2', 'l1l2'/);
    expect(() => regularizers.l2({ l2: -1 })).toThrow(/l2 must be a finite number >= 0/);
    expect(() => regularizers.l1({ l2: 1 } as never)).toThrow(ValueError);
  });
});

describe('classWeight as TensorFlow.js applies it', () => {
  const n = 16;
  const x = randArray(n * 3, 5);
  const labels = Array.from({ length: n }, (_, i) => [0, 0, 0, 1, 2, 0, 1, 0][i % 8]);
  const cw = { 0: 0.5, 1: 2, 2: 4 };

  async function both(kind: 'sparse' | 'onehot' | 'binary'): Promise<void> {
    const units = kind === 'binary' ? 1 : 3;
    const act = kind === 'binary' ? 'sigmoid' : 'softmax';
    const loss = kind === 'binary' ? 'binaryCrossentropy' : kind === 'sparse' ? 'sparseCategoricalCrossentropy' : 'categoricalCrossentropy';
    const ours = sequential({ seed: 9, layers: [layers.dense({ units: 6, activation: 'relu', inputShape: [3] }), layers.dense({ units, activation: act })] });
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, activation: 'relu', inputShape: [3] }), tfl.layers.dense({ units, activation: act })] });
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.3 }), loss });
    theirs.compile({ optimizer: tf.train.sgd(0.3), loss });
    copyWeights(ours, theirs);
    const lab = kind === 'binary' ? labels.map((c) => Math.min(c, 1)) : labels;
    const yOurs = kind === 'onehot' ? lab.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0))) : kind === 'binary' ? lab.map((c) => [c]) : lab;
    const yTheirs = kind === 'onehot' ? tf.tensor(yOurs as number[][]) : tf.tensor(lab, [n, 1]);
    const weights = kind === 'binary' ? { 0: 0.5, 1: 3 } : cw;
    const ho = await ours.fit(x, yOurs, { epochs: 3, batchSize: 6, shuffle: false, classWeight: weights });
    const ht = await theirs.fit(tf.tensor(x, [n, 3]), yTheirs, { epochs: 3, batchSize: 6, shuffle: false, classWeight: weights });
    sameWeights(ours, theirs, `${kind} classWeight`);
    ho.history.loss.forEach((v, i) => expect(Math.abs(v - (ht.history.loss[i] as number)), `${kind} loss, epoch ${i}`).toBeLessThanOrEqual(TOL));
    ours.dispose();
  }

  it('sparse integer labels', () => both('sparse'));
  it('one-hot targets', () => both('onehot'));
  it('0/1 targets of a sigmoid output', () => both('binary'));

  it('a class without a weight is refused, as in TensorFlow.js', async () => {
    const m = sequential({ layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [3] })] });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit(x, labels, { classWeight: { 0: 1, 1: 2 } })).rejects.toThrow(/class 2 \(sample 4\) has none/);
    await expect(m.fit(x, labels, { classWeight: [1, 2, 3] as never })).rejects.toThrow(/classWeight must be an object/);
    m.dispose();
  });
});

describe('sampleWeight (Keras semantics: batch loss = mean of weight × sample loss)', () => {
  const n = 10;
  const x = randArray(n * 3, 6);
  const y = randArray(n * 2, 7);
  const make = (lr: number) => {
    const m = sequential({ seed: 4, layers: [layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 2 })] });
    m.compile({ optimizer: optimizers.sgd({ learningRate: lr }), loss: 'mse' });
    return m;
  };
  const flat = (m: Model) => Array.from(m.getWeightsFlat());
  const near = (a: number[], b: number[]) => a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-6));

  it('weights of 2 with learning rate 0.05 train as no weights with 0.1', async () => {
    const a = make(0.05);
    const b = make(0.1);
    await a.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, sampleWeight: new Array(n).fill(2) });
    await b.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false });
    near(flat(a), flat(b));
  });

  it('zero weight on half the samples, full batch, trains as the other half with half the learning rate', async () => {
    const a = make(0.2);
    const b = make(0.1);
    const keep = [0, 2, 4, 6, 8];
    await a.fit(x, y, { epochs: 3, batchSize: n, shuffle: false, sampleWeight: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0)) });
    await b.fit(keep.map((i) => Array.from(x.subarray(i * 3, i * 3 + 3))), keep.map((i) => Array.from(y.subarray(i * 2, i * 2 + 2))), { epochs: 3, batchSize: 5, shuffle: false });
    near(flat(a), flat(b));
  });

  it('multiplies with classWeight, shuffled batches follow their samples, and bad weights are refused', async () => {
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const mk = () => {
      const m = sequential({ seed: 4, layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [3] })] });
      m.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const a = mk();
    const b = mk();
    const sw = Array.from({ length: n }, (_, i) => 1 + (i % 4));
    await a.fit(x, labels, { epochs: 2, batchSize: 3, seed: 5, sampleWeight: sw, classWeight: { 0: 1, 1: 3, 2: 0.5 } });
    await b.fit(x, labels, { epochs: 2, batchSize: 3, seed: 5, sampleWeight: sw.map((w, i) => w * [1, 3, 0.5][labels[i]]) });
    expect(flat(a)).toEqual(flat(b));
    await expect(a.fit(x, labels, { sampleWeight: [1, 2] })).rejects.toThrow(/sampleWeight has 2 weights for 10 samples/);
    await expect(a.fit(x, labels, { sampleWeight: new Array(n).fill(-1) })).rejects.toThrow(/sampleWeight\[0\] must be a finite number >= 0/);
  });
});
