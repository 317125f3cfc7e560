// Metrics precision, recall, auc and topK (Keras definitions: counted over
// the whole dataset or epoch, predictions thresholded at 0.5) against float64
// references from the predictions; the cosineSimilarity loss against
// TensorFlow.js's cosineProximity on identical weights; custom loss functions.
// TensorFlow.js's own precision counts only predictions exactly equal to 1 (no
// threshold) and has no recall, auc or top-k by name, so those are checked
// against their definitions rather than against it.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, sequential, layers, optimizers, sub, mul, Tensor, ValueError, type Model, type CustomLoss } from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await init({ deterministic: true });
});

function reference(p: Float32Array, t: ArrayLike<number>): { precision: number; recall: number; auc: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < p.length; i++) {
    const pred = p[i] > 0.5;
    const pos = t[i] > 0.5;
    if (pred && pos) tp++;
    else if (pred) fp++;
    else if (pos) fn++;
  }
  // AUC by its definition: P(score of a positive > score of a negative), ties one half.
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < p.length; i++) {
    if (!(t[i] > 0.5)) continue;
    for (let j = 0; j < p.length; j++) {
      if (t[j] > 0.5) continue;
      pairs++;
      num += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0;
    }
  }
  return { precision: tp / (tp + fp || 1), recall: tp / (tp + fn || 1), auc: num / pairs };
}

describe('precision, recall, auc, topK', () => {
  it('a sigmoid output: evaluate and evaluateLogs equal the float64 definitions over the dataset', () => {
    const n = 60;
    const x = randArray(n * 4, 1);
    const y = Float32Array.from({ length: n }, (_, i) => ((x[i * 4] + 0.5 * x[i * 4 + 1] > 0.1) !== (i % 7 === 0) ? 1 : 0));
    const m = sequential({ seed: 3, layers: [layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 1, activation: 'sigmoid' })] });
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['precision', 'recall', 'auc', 'accuracy'] });
    const p = m.predict(x).toFloat32Array();
    const ref = reference(p, y);
    const logs = m.evaluateLogs(x, y, { batchSize: 7 });
    expect(logs.precision).toBeCloseTo(ref.precision, 12);
    expect(logs.recall).toBeCloseTo(ref.recall, 12);
    expect(logs.auc).toBeCloseTo(ref.auc, 12);
    expect(ref.auc).toBeGreaterThan(0);
    const values = m.evaluate(x, y) as Tensor[];
    expect(values.length).toBe(5);
    expect(values[1].dataSync()[0]).toBeCloseTo(ref.precision, 6);
    expect(values[3].dataSync()[0]).toBeCloseTo(ref.auc, 6);
    m.dispose();
  });

  it('softmax outputs with sparse labels: precision / recall over one-hot entries, top-5 accuracy over rows; fit logs count the whole epoch', async () => {
    const n = 40;
    const C = 8;
    const x = randArray(n * 6, 2);
    const labels = Array.from({ length: n }, (_, i) => (i * 5 + (x[i * 6] > 0 ? 1 : 0)) % C);
    const m = sequential({ seed: 5, layers: [layers.dense({ units: C, activation: 'softmax', inputShape: [6] })] });
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy', metrics: ['topK', 'precision', 'recall'] });
    const p = m.predict(x).toFloat32Array();
    const onehot = new Float32Array(n * C);
    labels.forEach((c, i) => (onehot[i * C + c] = 1));
    const ref = reference(p, onehot);
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const v = p[i * C + labels[i]];
      let above = 0;
      for (let j = 0; j < C; j++) if (p[i * C + j] > v) above++;
      if (above < 5) hits++;
    }
    const logs = m.evaluateLogs(x, labels);
    expect(logs.topKCategoricalAccuracy).toBeCloseTo(hits / n, 12);
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeLessThan(n);
    expect(logs.precision).toBeCloseTo(ref.precision, 12);
    expect(logs.recall).toBeCloseTo(ref.recall, 12);
    // Learning rate 0: the epoch's counts are those of the whole dataset, not a mean of per-batch values.
    const h = await m.fit(x, labels, { epochs: 1, batchSize: 7, validationData: [x, labels] });
    expect(h.history.topKCategoricalAccuracy[0]).toBeCloseTo(hits / n, 12);
    expect(h.history.val_recall[0]).toBeCloseTo(ref.recall, 12);
    const tb = m.trainOnBatch(x, labels) as number[];
    expect(tb[1]).toBeCloseTo(hits / n, 12);
    m.dispose();
  });

  it('unknown metric names list the known ones', () => {
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['precison'] })).toThrow(/metrics may contain .*'precision'.* got "precison"/);
  });
});

describe('cosineSimilarity loss', () => {
  it('matches TensorFlow.js cosineProximity on identical weights: loss, one SGD step, and three epochs', async () => {
    const n = 10;
    const x = randArray(n * 4, 3);
    const y = randArray(n * 3, 4);
    y.fill(0, 0, 3);
    const ours = sequential({ seed: 8, layers: [layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 3 })] });
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }), tfl.layers.dense({ units: 3 })] });
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'cosineSimilarity' });
    theirs.compile({ optimizer: tf.train.sgd(0.5), loss: 'cosineProximity' });
    const ws = ours.getWeights();
    theirs.setWeights(ws.map((t) => tf.tensor(t.toFloat32Array(), t.shape as number[])));
    const xt = tf.tensor(x, [n, 4]);
    const yt = tf.tensor(y, [n, 3]);
    const lo = ours.trainOnBatch(x, y) as number;
    const lt = (await theirs.trainOnBatch(xt, yt)) as number;
    expect(Math.abs(lo - lt)).toBeLessThan(1e-5);
    await ours.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false });
    await theirs.fit(xt, yt, { epochs: 3, batchSize: 4, shuffle: false });
    const a = ours.getWeights();
    const b = theirs.getWeights();
    a.forEach((t, i) => t.toFloat32Array().forEach((v, j) => expect(Math.abs(v - b[i].dataSync()[j])).toBeLessThan(1e-5)));
    ours.dispose();
  });
});

describe('custom losses', () => {
  const n = 12;
  const x = randArray(n * 3, 5);
  const y = randArray(n * 2, 6);
  const make = (loss: 'mse' | CustomLoss): Model => {
    const m = sequential({ seed: 2, layers: [layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 2 })] });
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.2 }), loss });
    return m;
  };
  const train = async (m: Model) => {
    const h = await m.fit(x, y, { epochs: 3, batchSize: 5, shuffle: false });
    return { w: Array.from(m.getWeightsFlat()), loss: h.history.loss };
  };

  it('{ loss, grad } written with tensor ops trains exactly as the built-in mse', async () => {
    const custom: CustomLoss = (yTrue, yPred) => {
      const d = sub(yPred, yTrue);
      const sq = d.toFloat32Array().reduce((s, v) => s + v * v, 0);
      return { loss: sq / d.size, grad: mul(d, 2 / d.size) };
    };
    const a = await train(make(custom));
    const b = await train(make('mse'));
    a.w.forEach((v, i) => expect(Math.abs(v - b.w[i])).toBeLessThan(1e-6));
    a.loss.forEach((v, i) => expect(Math.abs(v - b.loss[i])).toBeLessThan(1e-6));
  });

  it('a loss alone gets its gradient by central differences, close to the exact one', async () => {
    const custom: CustomLoss = (yTrue, yPred) => {
      const d = sub(yPred, yTrue);
      return mul(d, d);
    };
    const a = await train(make(custom));
    const b = await train(make('mse'));
    a.w.forEach((v, i) => expect(Math.abs(v - b.w[i])).toBeLessThan(2e-4));
  });

  it('a wrong gradient is caught on the first batch, naming the entry', async () => {
    const wrong: CustomLoss = (yTrue, yPred) => {
      const d = sub(yPred, yTrue);
      return { loss: d.toFloat32Array().reduce((s, v) => s + v * v, 0) / d.size, grad: mul(d, 1 / d.size) };
    };
    const m = make(wrong);
    await expect(m.fit(x, y, { epochs: 1 })).rejects.toThrow(ValueError);
    await expect(m.fit(x, y, { epochs: 1 })).rejects.toThrow(/custom loss: grad\[0\] is .* central differences/);
    expect(m.compileConfig()).toBeNull();
    m.dispose();
  });
});
