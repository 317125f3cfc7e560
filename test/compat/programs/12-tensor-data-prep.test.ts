// Ported from the TensorFlow.js guide "Tensors and operations" and the data
// preparation of the tutorials: standardise columns with mean and variance
// along axis 0, shuffle indices with util.shuffle and gather, split with
// slice, one-hot labels, argMax of predictions. Changes: the import and init;
// the shuffle is replaced by a fixed permutation so both sides gather the same
// rows (util.shuffle itself is exercised).
import { describe, it, expect } from 'vitest';
import { useBackends, tf, sd, close, values } from './harness.js';

useBackends();

describe('tensor data preparation', () => {
  it('standardise, gather, slice, oneHot, argMax as TensorFlow.js', () => {
    const raw = values(30, 11, 0, 10);
    const x = sd.tensor2d(raw, [10, 3]);
    const tx = tf.tensor2d(raw, [10, 3]);
    const mean = x.mean(0);
    const variance = x.sub(mean).square().mean(0);
    const standardized = x.sub(mean).div(variance.sqrt());
    const tMean = tx.mean(0);
    const tStd = tx.sub(tMean).div(tx.sub(tMean).square().mean(0).sqrt());
    close(standardized.dataSync(), tStd.dataSync(), 1e-5, 'standardised');
    close(standardized.mean(0).dataSync(), [0, 0, 0], 1e-5, 'column means 0');
    const idx = Array.from({ length: 10 }, (_, i) => i);
    sd.util.shuffle(idx);
    expect([...idx].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const perm = [3, 7, 0, 9, 1, 5, 2, 8, 6, 4];
    const shuffled = standardized.gather(sd.tensor1d(perm, 'int32'));
    close(shuffled.dataSync(), tStd.gather(tf.tensor1d(perm, 'int32')).dataSync(), 1e-5, 'gather');
    const trainX = shuffled.slice([0, 0], [8, 3]);
    const testX = shuffled.slice([8, 0], [2, 3]);
    expect(trainX.shape).toEqual([8, 3]);
    expect(testX.shape).toEqual([2, 3]);
    const labels = sd.tensor1d([2, 0, 1], 'int32');
    const oh = sd.oneHot(labels, 3);
    expect(oh.arraySync()).toEqual((tf.oneHot(tf.tensor1d([2, 0, 1], 'int32'), 3)).arraySync());
    expect(Array.from(oh.argMax(1).dataSync())).toEqual([2, 0, 1]);
    const stacked = sd.stack([trainX.max(0), trainX.min(0)]);
    const tShuffled = tStd.gather(tf.tensor1d(perm, 'int32')).slice([0, 0], [8, 3]);
    close(stacked.dataSync(), tf.stack([tShuffled.max(0), tShuffled.min(0)]).dataSync(), 1e-5, 'stack of max / min');
  });
});
