// Ported from the TensorFlow.js "Getting started" example (js.tensorflow.org):
// learn y = 2x - 1 with one dense unit. Changes from the original: the import
// (simdnn instead of @tensorflow/tfjs) and `await sd.init()`; the model gets a
// seed and TensorFlow.js's copy is given simdnn's initial weights so the two
// can be compared; shuffle: false so both visit the samples in the same order.
import { describe, it, expect } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close, sameWeights } from './harness.js';

useBackends();

describe('linear regression (getting started)', () => {
  it('trains to the same weights and prediction as TensorFlow.js', async () => {
    // --- simdnn: the original program ---
    const model = sd.sequential({ seed: 1 });
    model.add(sd.layers.dense({ units: 1, inputShape: [1] }));
    model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    const xs = sd.tensor2d([-1, 0, 1, 2, 3, 4], [6, 1]);
    const ys = sd.tensor2d([-3, -1, 1, 3, 5, 7], [6, 1]);
    // --- TensorFlow.js ---
    const ref = tfl.sequential();
    ref.add(tfl.layers.dense({ units: 1, inputShape: [1] }));
    ref.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    copyWeights(model, ref);
    await model.fit(xs, ys, { epochs: 250, shuffle: false });
    await ref.fit(tf.tensor2d([-1, 0, 1, 2, 3, 4], [6, 1]), tf.tensor2d([-3, -1, 1, 3, 5, 7], [6, 1]), { epochs: 250, shuffle: false });
    const p = model.predict(sd.tensor2d([10], [1, 1]));
    const q = ref.predict(tf.tensor2d([10], [1, 1])) as tf.Tensor;
    close(p.dataSync(), q.dataSync(), 1e-4, 'predict(10)');
    expect(Math.abs(p.dataSync()[0] - 19)).toBeLessThan(1);
    sameWeights(model, ref, 1e-4, 'after 250 epochs');
  });
});
