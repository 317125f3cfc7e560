// Ported from the TensorFlow.js tutorial "Make predictions from 2D data"
// (horsepower -> miles per gallon): min-max normalisation with tensor ops, a
// dense(1) -> dense(1) model, adam, batch 32, 50 epochs, predictions on a
// linspace. Changes: the import and init; the cars JSON is replaced by a
// deterministic synthetic set of the same shape (no network access in tests);
// the model gets a seed and TensorFlow.js gets its weights; shuffle: false.
import { describe, it } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close, values } from './harness.js';

useBackends();

const hp = Array.from(values(120, 3, 50, 230));
const mpg = hp.map((h, i) => 45 - 0.14 * h + 3 * values(120, 4)[i]);

describe('2-D data (horsepower -> mpg)', () => {
  it('normalises, trains and predicts as TensorFlow.js', async () => {
    // --- simdnn: convertToTensor() and the model of the tutorial ---
    const inputTensor = sd.tensor2d(hp, [hp.length, 1]);
    const labelTensor = sd.tensor2d(mpg, [mpg.length, 1]);
    const inputMax = inputTensor.max();
    const inputMin = inputTensor.min();
    const labelMax = labelTensor.max();
    const labelMin = labelTensor.min();
    const normalizedInputs = inputTensor.sub(inputMin).div(inputMax.sub(inputMin));
    const normalizedLabels = labelTensor.sub(labelMin).div(labelMax.sub(labelMin));
    const model = sd.sequential({ seed: 2 });
    model.add(sd.layers.dense({ inputShape: [1], units: 1, useBias: true }));
    model.add(sd.layers.dense({ units: 1, useBias: true }));
    model.compile({ optimizer: sd.optimizers.adam(), loss: 'meanSquaredError', metrics: ['mse'] });
    // --- TensorFlow.js ---
    const tIn = tf.tensor2d(hp, [hp.length, 1]);
    const tLab = tf.tensor2d(mpg, [mpg.length, 1]);
    const tNormIn = tIn.sub(tIn.min()).div(tIn.max().sub(tIn.min()));
    const tNormLab = tLab.sub(tLab.min()).div(tLab.max().sub(tLab.min()));
    close(normalizedInputs.dataSync(), tNormIn.dataSync(), 1e-6, 'normalised inputs');
    close(normalizedLabels.dataSync(), tNormLab.dataSync(), 1e-6, 'normalised labels');
    const ref = tfl.sequential();
    ref.add(tfl.layers.dense({ inputShape: [1], units: 1, useBias: true }));
    ref.add(tfl.layers.dense({ units: 1, useBias: true }));
    ref.compile({ optimizer: tf.train.adam(), loss: tf.losses.meanSquaredError, metrics: ['mse'] });
    copyWeights(model, ref);
    const h = await model.fit(normalizedInputs, normalizedLabels, { batchSize: 32, epochs: 50, shuffle: false });
    const ht = await ref.fit(tNormIn, tNormLab, { batchSize: 32, epochs: 50, shuffle: false });
    close(h.history.loss, ht.history.loss as number[], 1e-5, 'loss per epoch');
    // testModel(): predictions on 100 points, un-normalised.
    const xsNorm = sd.linspace(0, 1, 100);
    const predictions = model.predict(xsNorm.reshape([100, 1]));
    const unNormPreds = predictions.mul(labelMax.sub(labelMin)).add(labelMin);
    const tPreds = (ref.predict(tf.linspace(0, 1, 100).reshape([100, 1])) as tf.Tensor).mul(tLab.max().sub(tLab.min())).add(tLab.min());
    close(unNormPreds.dataSync(), tPreds.dataSync(), 1e-4, 'un-normalised predictions');
  });
});
