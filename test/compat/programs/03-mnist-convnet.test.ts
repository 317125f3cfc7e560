// Ported from the TensorFlow.js tutorial "Handwritten digit recognition with
// CNNs": conv2d(8, 5x5, relu, varianceScaling) -> maxPooling2d -> conv2d(16)
// -> maxPooling2d -> flatten -> dense(10, softmax, varianceScaling), adam,
// categoricalCrossentropy, accuracy. Changes: the import and init; 64 images
// of the bundled digits stand in for the sprite sheet the tutorial fetches;
// the model gets a seed and TensorFlow.js gets its weights; shuffle: false.
import { describe, it, expect } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close, sameWeights } from './harness.js';
import { loadMnist } from '../../../src/node.js';

useBackends();

function getModel(lib: typeof sd.layers | typeof tfl.layers): { layers: unknown[] } {
  const IMAGE_WIDTH = 28;
  const IMAGE_HEIGHT = 28;
  const IMAGE_CHANNELS = 1;
  const L = lib as typeof tfl.layers;
  return {
    layers: [
      L.conv2d({ inputShape: [IMAGE_WIDTH, IMAGE_HEIGHT, IMAGE_CHANNELS], kernelSize: 5, filters: 8, strides: 1, activation: 'relu', kernelInitializer: 'varianceScaling' }),
      L.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }),
      L.conv2d({ kernelSize: 5, filters: 16, strides: 1, activation: 'relu', kernelInitializer: 'varianceScaling' }),
      L.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }),
      L.flatten(),
      L.dense({ units: 10, kernelInitializer: 'varianceScaling', activation: 'softmax' }),
    ],
  };
}

describe('MNIST conv net', () => {
  it('trains two epochs as TensorFlow.js does (loss, accuracy, weights)', async () => {
    const { train } = loadMnist({ trainSize: 64, testSize: 16, seed: 1 });
    const xs = sd.tensor4d(train.x, [64, 28, 28, 1]);
    const ys = sd.oneHot(sd.tensor1d(Array.from(train.y), 'int32'), 10);
    const model = sd.sequential({ seed: 3, layers: getModel(sd.layers).layers as sd.Layer[] });
    model.compile({ optimizer: sd.optimizers.adam(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const ref = tfl.sequential({ layers: getModel(tfl.layers).layers as tfl.layers.Layer[] });
    ref.compile({ optimizer: tf.train.adam(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    copyWeights(model, ref);
    const h = await model.fit(xs, ys, { batchSize: 16, epochs: 2, shuffle: false, validationData: [xs, ys] });
    const ht = await ref.fit(tf.tensor4d(train.x, [64, 28, 28, 1]), tf.oneHot(tf.tensor1d(Array.from(train.y), 'int32'), 10), { batchSize: 16, epochs: 2, shuffle: false, validationData: [tf.tensor4d(train.x, [64, 28, 28, 1]), tf.oneHot(tf.tensor1d(Array.from(train.y), 'int32'), 10)] });
    close(h.history.loss, ht.history.loss as number[], 1e-4, 'loss');
    expect(h.history.acc).toEqual(ht.history.acc);
    close(h.history.val_loss, ht.history.val_loss as number[], 1e-4, 'val_loss');
    sameWeights(model, ref, 1e-4, 'after two epochs');
  });
});
