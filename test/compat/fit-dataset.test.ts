// fitDataset: training from batches read one at a time (a dataset object with
// iterator(), a generator function, an async iterable), against
// tf.LayersModel.fitDataset on identical weights and batches, and against
// fit() on the same batches in the same order.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, sequential, layers, optimizers, ValueError, type Model, type DatasetBatch } from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await init({ deterministic: true });
});

const N = 23;
const B = 5;
const x = randArray(N * 3, 1);
const labels = Array.from({ length: N }, (_, i) => (x[i * 3] > 0 ? 1 : 0) + (x[i * 3 + 1] > 0.3 ? 1 : 0));

function rowsOf(start: number, end: number): DatasetBatch {
  return { xs: Array.from({ length: end - start }, (_, i) => Array.from(x.subarray((start + i) * 3, (start + i + 1) * 3))), ys: labels.slice(start, end) };
}

function* batches(): Generator<DatasetBatch> {
  for (let s = 0; s < N; s += B) yield rowsOf(s, Math.min(N, s + B));
}

const make = (): Model => {
  const m = sequential({ seed: 4, layers: [layers.dense({ units: 6, activation: 'relu', inputShape: [3] }), layers.dense({ units: 3, activation: 'softmax' })] });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
};

describe('fitDataset', () => {
  it('matches tf.LayersModel.fitDataset on the same batches and weights (3 epochs, loss, accuracy, val_loss)', async () => {
    const ours = make();
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, activation: 'relu', inputShape: [3] }), tfl.layers.dense({ units: 3, activation: 'softmax' })] });
    theirs.compile({ optimizer: tf.train.adam(0.05), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const ws = ours.getWeights();
    theirs.setWeights(ws.map((t) => tf.tensor(t.toFloat32Array(), t.shape as number[])));
    const tfDataset = {
      iterator: async () => {
        const g = batches();
        return {
          next: async () => {
            const r = g.next();
            if (r.done) return { done: true, value: null };
            const b = r.value as { xs: number[][]; ys: number[] };
            return { done: false, value: { xs: tf.tensor(b.xs), ys: tf.tensor(b.ys, [b.ys.length, 1]) } };
          },
        };
      },
    };
    const valX = x.subarray(0, 8 * 3);
    const valY = labels.slice(0, 8);
    const ho = await ours.fitDataset({ iterator: () => batches() }, { epochs: 3, validationData: [valX, valY] });
    const ht = await theirs.fitDataset(tfDataset as never, { epochs: 3, validationData: [tf.tensor(valX, [8, 3]), tf.tensor(valY, [8, 1])] });
    const a = ours.getWeights();
    const b = theirs.getWeights();
    a.forEach((t, i) => t.toFloat32Array().forEach((v, j) => expect(Math.abs(v - b[i].dataSync()[j]), `weight ${i}[${j}]`).toBeLessThan(1e-5)));
    for (const key of ['loss', 'acc', 'val_loss', 'val_acc']) {
      (ht.history[key] as number[]).forEach((v, e) => expect(Math.abs(ho.history[key][e] - v), `${key} epoch ${e}`).toBeLessThan(1e-5));
    }
    ours.dispose();
  });

  it('a generator function trains exactly as fit() on the same batches, unshuffled', async () => {
    const a = make();
    const b = make();
    await a.fitDataset(batches, { epochs: 2 });
    await b.fit(x, labels, { epochs: 2, batchSize: B, shuffle: false });
    expect(Array.from(a.getWeightsFlat())).toEqual(Array.from(b.getWeightsFlat()));
  });

  it('an async iterable read once, spread over epochs with batchesPerEpoch; training ends when it runs out', async () => {
    async function* stream(): AsyncGenerator<DatasetBatch> {
      for (let rep = 0; rep < 2; rep++) for (const b of batches()) yield b;
    }
    const m = make();
    const seen: number[] = [];
    const h = await m.fitDataset(stream(), { epochs: 10, batchesPerEpoch: 4, callbacks: { onEpochEnd: (e) => { seen.push(e); } } });
    // 10 batches in the stream: epochs of 4, 4, then 2 when it runs out.
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(seen).toEqual([0, 1, 2]);
    m.dispose();
  });

  it('validation from another batch source, stopTraining after the current batch, and callbacks see the batch sizes', async () => {
    const m = make();
    const sizes: number[] = [];
    const h = await m.fitDataset(batches, {
      epochs: 4,
      validationData: batches,
      callbacks: { onBatchEnd: (_b, logs) => { sizes.push(logs.size); if (sizes.length === 7) m.stopTraining = true; } },
    });
    expect(sizes).toEqual([5, 5, 5, 5, 3, 5, 5]);
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history.val_loss.length).toBe(2);
    const full = m.evaluateLogs(x, labels);
    expect(h.history.val_loss[1]).toBeCloseTo(full.loss, 5);
    m.dispose();
  });

  it('refuses what it cannot read', async () => {
    const m = make();
    await expect(m.fitDataset(42 as never)).rejects.toThrow(/must be a dataset with iterator\(\), a generator function, an iterable/);
    await expect(m.fitDataset([] as never)).rejects.toThrow(/gave no batches in epoch 1/);
    await expect(m.fitDataset([{ x: [[1, 2, 3]], y: [0] }] as never)).rejects.toThrow(/batch 0 of the dataset must be \{ xs, ys \}/);
    const once = batches();
    await expect(m.fitDataset(once, { epochs: 2 })).rejects.toThrow(/no batches in epoch 2 \(an iterable is read once/);
    await expect(m.fitDataset(batches, { batchesPerEpoc: 2 } as never)).rejects.toThrow(ValueError);
    await expect(m.fitDataset(() => [{ xs: [[1, 2]], ys: [0] }])).rejects.toThrow(/batch 0\.xs|shape|features/);
    m.dispose();
  });
});
