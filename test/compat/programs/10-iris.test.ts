// Ported from tfjs-examples/iris: dense(10, sigmoid) -> dense(3, softmax),
// adam(0.01), categoricalCrossentropy, accuracy, 40 epochs with validation
// data. Changes: the import and init; the iris data come from simdnn's
// loadIris and are one-hot encoded with oneHot; seeds, copied weights,
// shuffle: false.
import { describe, it, expect } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close } from './harness.js';
import { loadIris } from '../../../src/node.js';

useBackends();

describe('iris', () => {
  it('trains as TensorFlow.js (loss, acc, val_acc per epoch) and learns the classes', async () => {
    const iris = loadIris();
    const { train, test } = sd.trainTestSplit(iris, { testFraction: 0.2, seed: 1, stratify: true });
    const xTrain = sd.tensor2d(train.x, [train.n, 4]);
    const yTrain = sd.oneHot(sd.tensor1d(Array.from(train.y), 'int32'), 3);
    const xTest = sd.tensor2d(test.x, [test.n, 4]);
    const yTest = sd.oneHot(sd.tensor1d(Array.from(test.y), 'int32'), 3);
    const model = sd.sequential({ seed: 4 });
    model.add(sd.layers.dense({ units: 10, activation: 'sigmoid', inputShape: [4] }));
    model.add(sd.layers.dense({ units: 3, activation: 'softmax' }));
    model.compile({ optimizer: sd.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const ref = tfl.sequential();
    ref.add(tfl.layers.dense({ units: 10, activation: 'sigmoid', inputShape: [4] }));
    ref.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
    ref.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    copyWeights(model, ref);
    const h = await model.fit(xTrain, yTrain, { epochs: 40, validationData: [xTest, yTest], shuffle: false });
    const ht = await ref.fit(tf.tensor2d(train.x, [train.n, 4]), tf.oneHot(tf.tensor1d(Array.from(train.y), 'int32'), 3), { epochs: 40, validationData: [tf.tensor2d(test.x, [test.n, 4]), tf.oneHot(tf.tensor1d(Array.from(test.y), 'int32'), 3)], shuffle: false });
    close(h.history.loss, ht.history.loss as number[], 1e-4, 'loss');
    close(h.history.val_acc, ht.history.val_acc as number[], 1e-6, 'val_acc');
    expect(h.history.val_acc[39]).toBeGreaterThan(0.9);
  });
});
