// Models and data shared by the io tests.
import { expect } from 'vitest';
import { sequential, layers, optimizers, cosineDecay, ModelFormatError, type Sequential } from '../../src/index.js';
import { randArray } from '../helpers.js';

/** 48 samples of 4 features with a 3-class label that depends on them. */
export function classificationData(): { x: Float32Array; y: Int32Array } {
  const x = randArray(48 * 4, 21);
  const y = Int32Array.from({ length: 48 }, (_, i) => (x[i * 4] + x[i * 4 + 1] > 0.3 ? 0 : x[i * 4 + 2] > 0 ? 1 : 2));
  return { x, y };
}

/** dense relu -> dropout -> dense softmax, compiled with Adam on a cosine-decay schedule and accuracy. */
export function classifier(seed = 5): Sequential {
  const model = sequential({
    seed,
    layers: [
      layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
      layers.dropout({ rate: 0.25 }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({
    optimizer: optimizers.adam({ learningRate: cosineDecay({ initialLearningRate: 0.05, decaySteps: 40, alpha: 0.1 }) }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/** A classifier after a few epochs of training. */
export async function trainedClassifier(seed = 5): Promise<Sequential> {
  const model = classifier(seed);
  const { x, y } = classificationData();
  await model.fit(x, y, { epochs: 4, batchSize: 8 });
  return model;
}

/** The bit patterns of float32 values, for exact comparisons (NaN-safe, -0 distinct from 0). */
export function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** Asserts that fn throws a ModelFormatError whose message matches `pattern`; returns the message. */
export function expectFormatError(fn: () => unknown, pattern: RegExp): string {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a ModelFormatError').toBeInstanceOf(ModelFormatError);
  const message = (caught as Error).message;
  if (!pattern.test(message)) throw new Error(`the message\n  ${message}\ndoes not match\n  ${pattern}`);
  return message;
}
