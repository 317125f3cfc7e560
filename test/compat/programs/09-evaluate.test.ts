// Ported from the TensorFlow.js API docs for model.evaluate and
// model.trainOnBatch: compile with metrics: ['accuracy'], evaluate returns
// [loss, accuracy] scalars; trainOnBatch returns [loss, accuracy]. Changes:
// the import and init; seeds and copied weights.
import { describe, it, expect } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close, values } from './harness.js';

useBackends();

describe('model.evaluate and trainOnBatch API examples', () => {
  it('the same scalars as TensorFlow.js', async () => {
    const model = sd.sequential({ seed: 3, layers: [sd.layers.dense({ units: 1, inputShape: [10], activation: 'sigmoid' })] });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const ref = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [10], activation: 'sigmoid' })] });
    ref.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    copyWeights(model, ref);
    const x = values(80, 8);
    const y = Float32Array.from(values(8, 9), (v) => (v > 0 ? 1 : 0));
    const result = model.evaluate(sd.tensor2d(x, [8, 10]), sd.tensor2d(y, [8, 1]), { batchSize: 4 }) as sd.Tensor[];
    const refResult = ref.evaluate(tf.tensor2d(x, [8, 10]), tf.tensor2d(y, [8, 1]), { batchSize: 4 }) as tf.Tensor[];
    expect(result.length).toBe(2);
    result.forEach((t, i) => close(t.dataSync(), refResult[i].dataSync(), 1e-6, `evaluate[${i}]`));
    for (let i = 0; i < 3; i++) {
      const a = model.trainOnBatch(sd.tensor2d(x, [8, 10]), sd.tensor2d(y, [8, 1])) as number[];
      const b = (await ref.trainOnBatch(tf.tensor2d(x, [8, 10]), tf.tensor2d(y, [8, 1]))) as number[];
      close(a, b, 1e-5, `trainOnBatch ${i}`);
    }
  });
});
