// Ported from the TensorFlow.js sentiment / text-classification examples:
// embedding(vocab, 8) -> globalAveragePooling1d -> dense(1, sigmoid), adam,
// binaryCrossentropy, on padded word-index sequences. Changes: the import and
// init; a toy vocabulary instead of the IMDB download; seeds, copied weights,
// shuffle: false.
import { describe, it } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close } from './harness.js';

useBackends();

describe('embedding text classifier', () => {
  it('trains as TensorFlow.js', async () => {
    const V = 20;
    const T = 7;
    const n = 16;
    const seqs = Array.from({ length: n }, (_, i) => Array.from({ length: T }, (_, t) => (i * 3 + t * 5 + (t > i % T ? 0 : 1)) % V));
    const labels = seqs.map((s) => (s.filter((w) => w < 8).length > 3 ? 1 : 0));
    const model = sd.sequential({ seed: 6, layers: [sd.layers.embedding({ inputDim: V, outputDim: 8, inputLength: T }), sd.layers.globalAveragePooling1d(), sd.layers.dense({ units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: sd.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const ref = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: V, outputDim: 8, inputLength: T }), tfl.layers.globalAveragePooling1d(), tfl.layers.dense({ units: 1, activation: 'sigmoid' })] });
    ref.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    copyWeights(model, ref);
    const h = await model.fit(sd.tensor2d(seqs), sd.tensor2d(labels, [n, 1]), { epochs: 5, batchSize: 4, shuffle: false });
    const ht = await ref.fit(tf.tensor2d(seqs), tf.tensor2d(labels, [n, 1]), { epochs: 5, batchSize: 4, shuffle: false });
    close(h.history.loss, ht.history.loss as number[], 1e-5, 'loss');
    close(h.history.acc, ht.history.acc as number[], 1e-6, 'acc');
    const w = model.getWeights();
    const wt = ref.getWeights();
    // Five Adam epochs at learning rate 0.05: float32 rounding differences reach about 1e-5.
    w.forEach((t, i) => close(t.toFloat32Array(), wt[i].dataSync(), 5e-5, `weight ${i}`));
  });
});
