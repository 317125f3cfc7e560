// Ported from the common TensorFlow.js XOR example: dense(8, tanh) ->
// dense(1, sigmoid), binaryCrossentropy, adam(0.1), 100 epochs on the four
// points. Changes: the import and init; a seed, copied weights, shuffle: false.
import { describe, it, expect } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close } from './harness.js';

useBackends();

describe('XOR', () => {
  it('trains as TensorFlow.js and separates the four points', async () => {
    const xs = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const ys = [[0], [1], [1], [0]];
    const model = sd.sequential({ seed: 5 });
    model.add(sd.layers.dense({ units: 8, inputShape: [2], activation: 'tanh' }));
    model.add(sd.layers.dense({ units: 1, activation: 'sigmoid' }));
    model.compile({ optimizer: sd.optimizers.adam({ learningRate: 0.1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const ref = tfl.sequential();
    ref.add(tfl.layers.dense({ units: 8, inputShape: [2], activation: 'tanh' }));
    ref.add(tfl.layers.dense({ units: 1, activation: 'sigmoid' }));
    ref.compile({ optimizer: tf.train.adam(0.1), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    copyWeights(model, ref);
    const h = await model.fit(sd.tensor2d(xs), sd.tensor2d(ys), { epochs: 100, shuffle: false });
    const ht = await ref.fit(tf.tensor2d(xs), tf.tensor2d(ys), { epochs: 100, shuffle: false });
    close(h.history.loss, ht.history.loss as number[], 1e-4, 'loss');
    const p = model.predict(sd.tensor2d(xs)).round().dataSync();
    expect(Array.from(p)).toEqual([0, 1, 1, 0]);
    close(model.predict(sd.tensor2d(xs)).dataSync(), (ref.predict(tf.tensor2d(xs)) as tf.Tensor).dataSync(), 1e-4, 'predictions');
  });
});
