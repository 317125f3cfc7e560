// Ported from the TensorFlow.js API docs for tf.model: tf.input -> dense relu
// -> dense softmax, tf.model({ inputs, outputs }), predict. Extended with the
// docs' multi-output example (two heads, two losses). Changes: the import and
// init; seeds and copied weights.
import { describe, it } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close, values } from './harness.js';

useBackends();

describe('tf.model API example', () => {
  it('a functional model predicts as TensorFlow.js, and a two-headed one trains the same', async () => {
    const input = sd.input({ shape: [5] });
    const denseLayer1 = sd.layers.dense({ units: 10, activation: 'relu' });
    const denseLayer2 = sd.layers.dense({ units: 4, activation: 'softmax' });
    const output = denseLayer2.apply(denseLayer1.apply(input));
    const model = sd.model({ inputs: input, outputs: output as sd.SymbolicTensor, seed: 2 });
    const tIn = tfl.input({ shape: [5] });
    const tOut = tfl.layers.dense({ units: 4, activation: 'softmax' }).apply(tfl.layers.dense({ units: 10, activation: 'relu' }).apply(tIn)) as tfl.SymbolicTensor;
    const ref = tfl.model({ inputs: tIn, outputs: tOut });
    copyWeights(model, ref);
    close((model.predict(sd.randomNormal([2, 5], 0, 1, 3)) as sd.Tensor).shape, [2, 4], 0, 'shape');
    const x = values(10, 4);
    close((model.predict(sd.tensor2d(x, [2, 5])) as sd.Tensor).dataSync(), (ref.predict(tf.tensor2d(x, [2, 5])) as tf.Tensor).dataSync(), 1e-6, 'predict');

    const i2 = sd.input({ shape: [5] });
    const h = sd.layers.dense({ units: 6, activation: 'tanh' }).apply(i2) as sd.SymbolicTensor;
    const a = sd.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h) as sd.SymbolicTensor;
    const b = sd.layers.dense({ units: 1, name: 'reg' }).apply(h) as sd.SymbolicTensor;
    const two = sd.model({ inputs: i2, outputs: [a, b], seed: 5 });
    two.compile({ optimizer: sd.optimizers.sgd({ learningRate: 0.1 }), loss: ['categoricalCrossentropy', 'meanSquaredError'] });
    const ti2 = tfl.input({ shape: [5] });
    const th = tfl.layers.dense({ units: 6, activation: 'tanh' }).apply(ti2) as tfl.SymbolicTensor;
    const ta = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(th) as tfl.SymbolicTensor;
    const tb = tfl.layers.dense({ units: 1, name: 'reg' }).apply(th) as tfl.SymbolicTensor;
    const ref2 = tfl.model({ inputs: ti2, outputs: [ta, tb] });
    ref2.compile({ optimizer: tf.train.sgd(0.1), loss: ['categoricalCrossentropy', 'meanSquaredError'] });
    copyWeights(two, ref2);
    const xs = values(40, 6);
    const labels = Array.from({ length: 8 }, (_, i) => i % 3);
    const reg = values(8, 7);
    const ho = await two.fit(sd.tensor2d(xs, [8, 5]), [sd.oneHot(sd.tensor1d(labels, 'int32'), 3), sd.tensor2d(reg, [8, 1])], { epochs: 3, batchSize: 4, shuffle: false });
    const ht = await ref2.fit(tf.tensor2d(xs, [8, 5]), [tf.oneHot(tf.tensor1d(labels, 'int32'), 3), tf.tensor2d(reg, [8, 1])], { epochs: 3, batchSize: 4, shuffle: false });
    close(ho.history.loss, ht.history.loss as number[], 1e-5, 'total loss');
    const w1 = two.getWeights();
    const w2 = ref2.getWeights();
    w1.forEach((t, i) => close(t.toFloat32Array(), w2[i].dataSync(), 1e-5, `weight ${i}`));
  });
});
