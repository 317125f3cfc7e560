// Ported from the TensorFlow.js API docs for tf.layers.lstm / simpleRNN: a
// recurrent layer over [steps, features] sequences, returnSequences false,
// then a dense output, trained on a sequence task. Changes: the import and
// init; recurrentActivation: 'sigmoid' written out (TensorFlow.js defaults to
// hardSigmoid, Keras and simdnn to sigmoid); the GRU says resetAfter: false
// (simdnn defaults to Keras 2's true, TensorFlow.js has only false); seeds,
// copied weights and shuffle: false.
import { describe, it } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close, sameWeights, values } from './harness.js';

useBackends();

describe('recurrent networks', () => {
  for (const kind of ['lstm', 'simpleRNN', 'gru'] as const) {
    it(`${kind}: predictions and three epochs of training as TensorFlow.js`, async () => {
      const T = 6;
      const F = 2;
      const n = 12;
      const x = values(n * T * F, 7);
      const y = Float32Array.from({ length: n }, (_, i) => x.subarray(i * T * F, (i + 1) * T * F).reduce((s, v) => s + v, 0) / 4);
      // GRU: TensorFlow.js has only the reset-before form (Keras 1); simdnn defaults to Keras 2's reset-after.
      const rec = (L: typeof tfl.layers, ours: boolean) => kind === 'simpleRNN'
        ? L.simpleRNN({ units: 5, inputShape: [T, F] })
        : (L[kind] as typeof L.lstm)({ units: 5, inputShape: [T, F], recurrentActivation: 'sigmoid', ...(kind === 'gru' && ours ? { resetAfter: false } as object : {}) });
      const model = sd.sequential({ seed: 8, layers: [rec(sd.layers as unknown as typeof tfl.layers, true) as unknown as sd.Layer, sd.layers.dense({ units: 1 })] });
      model.compile({ optimizer: sd.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
      const ref = tfl.sequential({ layers: [rec(tfl.layers, false), tfl.layers.dense({ units: 1 })] });
      ref.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      copyWeights(model, ref);
      close(model.predict(sd.tensor3d(x, [n, T, F])).dataSync(), (ref.predict(tf.tensor3d(x, [n, T, F])) as tf.Tensor).dataSync(), 1e-5, 'predict');
      const h = await model.fit(sd.tensor3d(x, [n, T, F]), sd.tensor2d(y, [n, 1]), { epochs: 3, batchSize: 4, shuffle: false });
      const ht = await ref.fit(tf.tensor3d(x, [n, T, F]), tf.tensor2d(y, [n, 1]), { epochs: 3, batchSize: 4, shuffle: false });
      close(h.history.loss, ht.history.loss as number[], 1e-5, 'loss');
      sameWeights(model, ref, 1e-4, 'after training');
    });
  }
});
