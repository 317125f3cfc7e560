// Ported from the TensorFlow.js API docs for tf.layers.batchNormalization in a
// small conv net: conv2d -> batchNormalization -> relu activation ->
// flatten -> dense(softmax) with sparse labels. Changes: the import and init;
// seeds, copied weights, shuffle: false; predictions after training use the
// moving statistics in both.
import { describe, it } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close, values } from './harness.js';

useBackends();

describe('batch normalization in a conv net', () => {
  it('trains and predicts as TensorFlow.js', async () => {
    const n = 12;
    const x = values(n * 8 * 8 * 2, 12);
    const y = Array.from({ length: n }, (_, i) => i % 4);
    const build = (L: typeof tfl.layers) => [
      L.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 2] }),
      L.batchNormalization(),
      L.activation({ activation: 'relu' }),
      L.flatten(),
      L.dense({ units: 4, activation: 'softmax' }),
    ];
    const model = sd.sequential({ seed: 7, layers: build(sd.layers as unknown as typeof tfl.layers) as unknown as sd.Layer[] });
    model.compile({ optimizer: sd.optimizers.sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const ref = tfl.sequential({ layers: build(tfl.layers) });
    ref.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    copyWeights(model, ref);
    const h = await model.fit(sd.tensor4d(x, [n, 8, 8, 2]), y, { epochs: 3, batchSize: 4, shuffle: false });
    const ht = await ref.fit(tf.tensor4d(x, [n, 8, 8, 2]), tf.tensor2d(y, [n, 1]), { epochs: 3, batchSize: 4, shuffle: false });
    close(h.history.loss, ht.history.loss as number[], 1e-5, 'loss');
    close(model.predict(sd.tensor4d(x, [n, 8, 8, 2])).dataSync(), (ref.predict(tf.tensor4d(x, [n, 8, 8, 2])) as tf.Tensor).dataSync(), 1e-4, 'inference with moving statistics');
  });
});
