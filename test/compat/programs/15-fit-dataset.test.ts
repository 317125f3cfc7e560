// Ported from the TensorFlow.js API docs for model.fitDataset with
// tf.data.generator: a generator function yields { xs, ys } batches, and
// fitDataset trains for a few epochs with batchesPerEpoch unset. Changes: the
// import and init; simdnn takes the generator function itself (tf.data is not
// needed), TensorFlow.js gets an object with iterator() (what
// tf.data.generator returns); seeds and copied weights.
import { describe, it } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close, values } from './harness.js';

useBackends();

describe('fitDataset with a generator', () => {
  it('trains as TensorFlow.js', async () => {
    const batches = 4;
    const x = values(batches * 8 * 3, 13);
    const y = Float32Array.from({ length: batches * 8 }, (_, i) => x[i * 3] - 2 * x[i * 3 + 2]);
    function* data(): Generator<{ xs: sd.Tensor; ys: sd.Tensor }> {
      for (let b = 0; b < batches; b++) yield { xs: sd.tensor2d(x.subarray(b * 24, (b + 1) * 24), [8, 3]), ys: sd.tensor2d(y.subarray(b * 8, (b + 1) * 8), [8, 1]) };
    }
    const model = sd.sequential({ seed: 8, layers: [sd.layers.dense({ units: 4, inputShape: [3], activation: 'relu' }), sd.layers.dense({ units: 1 })] });
    model.compile({ optimizer: sd.optimizers.sgd({ learningRate: 0.05 }), loss: 'meanSquaredError' });
    const ref = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3], activation: 'relu' }), tfl.layers.dense({ units: 1 })] });
    ref.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    copyWeights(model, ref);
    const dataset = {
      iterator: async () => {
        let b = 0;
        return {
          next: async () => (b < batches
            ? { done: false, value: { xs: tf.tensor2d(x.subarray(b * 24, (b + 1) * 24), [8, 3]), ys: tf.tensor2d(y.subarray(b * 8, (++b) * 8), [8, 1]) } }
            : { done: true, value: null }),
        };
      },
    };
    const h = await model.fitDataset(data, { epochs: 4 });
    const ht = await ref.fitDataset(dataset as never, { epochs: 4 });
    close(h.history.loss, ht.history.loss as number[], 1e-5, 'loss');
    const w = model.getWeights();
    const wt = ref.getWeights();
    w.forEach((t, i) => close(t.toFloat32Array(), wt[i].dataSync(), 1e-5, `weight ${i}`));
  });
});
