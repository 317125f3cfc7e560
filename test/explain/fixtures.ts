// The MNIST networks the explain tests look into, trained as the CLI trains
// them (`simdnn train --data mnist` and `--model cnn`: the same layers,
// optimizer, schedule and batch sizes) with fewer epochs, on the CLI's split
// of the bundled digits (8,000 train, 2,000 test, seed 0).
import { cosineDecay, layers, optimizers, sequential, type Sequential } from '../../src/index.js';
import { loadMnist } from '../../src/data/index.js';

export const MNIST = loadMnist({ trainSize: 8000, testSize: 2000, seed: 0 });

/** 784-256-10 MLP, relu, dropout 0.25, softmax; adam 0.002 with cosine decay, batch 64. */
export async function trainMlp(seed = 1, epochs = 3): Promise<Sequential> {
  const m = sequential({
    seed,
    layers: [
      layers.dense({ units: 256, activation: 'relu', inputShape: [784], name: 'hidden' }),
      layers.dropout({ rate: 0.25 }),
      layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
    ],
  });
  const steps = epochs * Math.ceil(MNIST.train.n / 64);
  m.compile({ optimizer: optimizers.adam({ learningRate: cosineDecay({ initialLearningRate: 0.002, decaySteps: steps }) }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(MNIST.train.x, MNIST.train.y, { epochs, batchSize: 64, seed });
  return m;
}

/** LeNet-style: conv 5x5x8 relu, max pool 2, conv 5x5x16 relu, max pool 2, dense 10 softmax; adam 0.003 with cosine decay, batch 32. */
export async function trainLenet(seed = 1, epochs = 4): Promise<Sequential> {
  const m = sequential({
    seed,
    layers: [
      layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1], name: 'conv1' }),
      layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', name: 'conv2' }),
      layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      layers.flatten(),
      layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
    ],
  });
  const steps = epochs * Math.ceil(MNIST.train.n / 32);
  m.compile({ optimizer: optimizers.adam({ learningRate: cosineDecay({ initialLearningRate: 0.003, decaySteps: steps }) }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(MNIST.train.x, MNIST.train.y, { epochs, batchSize: 32, seed });
  return m;
}
