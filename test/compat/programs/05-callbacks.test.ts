// Ported from the TensorFlow.js API docs for model.fit callbacks and
// tf.callbacks.earlyStopping: onEpochEnd / onBatchEnd logging, early stopping
// on val_loss. Changes: the import and init; `tf.callbacks.earlyStopping`
// is `callbacks.earlyStopping`; seeds, copied weights and shuffle: false.
import { describe, it, expect } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close, values } from './harness.js';

useBackends();

describe('callbacks', () => {
  it('the same logs reach onEpochEnd and onBatchEnd, and earlyStopping stops at the same epoch', async () => {
    const x = values(60, 2);
    const y = Float32Array.from(values(20, 3), (v, i) => v + x[i * 3]);
    const model = sd.sequential({ seed: 6, layers: [sd.layers.dense({ units: 5, activation: 'tanh', inputShape: [3] }), sd.layers.dense({ units: 1 })] });
    model.compile({ optimizer: sd.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    const ref = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [3] }), tfl.layers.dense({ units: 1 })] });
    ref.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    copyWeights(model, ref);
    const ours: number[] = [];
    const theirs: number[] = [];
    const batchesOurs: number[] = [];
    const batchesTheirs: number[] = [];
    const ho = await model.fit(sd.tensor2d(x, [20, 3]), sd.tensor2d(y, [20, 1]), {
      epochs: 40, batchSize: 8, shuffle: false, validationSplit: 0.25,
      callbacks: [{ onEpochEnd: async (_e, logs) => { ours.push(logs.loss); }, onBatchEnd: async (b) => { batchesOurs.push(b); } }, sd.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 })],
    });
    const ht = await ref.fit(tf.tensor2d(x, [20, 3]), tf.tensor2d(y, [20, 1]), {
      epochs: 40, batchSize: 8, shuffle: false, validationSplit: 0.25,
      callbacks: [new tfl.CustomCallback({ onEpochEnd: async (_e, logs) => { theirs.push(logs?.loss as number); }, onBatchEnd: async (b) => { batchesTheirs.push(b); } }), tfl.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 })],
    });
    expect(ho.epoch).toEqual(ht.epoch);
    expect(ho.epoch.length).toBeLessThan(40);
    close(ours, theirs, 1e-5, 'epoch losses');
    expect(batchesOurs).toEqual(batchesTheirs);
    close(ho.history.val_loss, ht.history.val_loss as number[], 1e-5, 'val_loss');
  });
});
