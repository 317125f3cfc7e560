// Input gradients and FGSM against TensorFlow.js (tf.grad on the cpu
// backend) on identical weights: an MLP, a CNN, and an LSTM, a GRU and a
// bidirectional LSTM reading each digit row by row, the first layer included;
// and an MLP with batch normalization at inference.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers' orthogonal initializer (the LSTM's recurrent kernel) calls chained ops, which the full tfjs bundle registers.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, sequential, layers, optimizers, explain, tensor, type Layer, type Sequential } from '../../src/index.js';
import { loadMnist } from '../../src/data/index.js';

beforeAll(async () => {
  await init({ deterministic: true });
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

const N = 16;
const { train: digits } = loadMnist({ trainSize: N, testSize: 0, seed: 3 });
const LABELS = Int32Array.from(digits.y);

type Out = 'softmax' | 'linear';

/** One network in both libraries: the layers of each (same Keras layouts, so the weights copy over in order) and the per-sample input shape. */
interface ArchSpec {
  shape: number[];
  ours: (out: Out) => Layer[];
  theirs: (out: Out) => tfl.layers.Layer[];
}

// TensorFlow.js's recurrent layers default to hard-sigmoid gates; ours are the
// logistic sigmoid (Hochreiter & Schmidhuber 1997; Cho et al. 2014), as in Keras.
// Its GRU is the reset-before variant (resetAfter false).
const ARCH: Record<string, ArchSpec> = {
  mlp: {
    shape: [784],
    ours: (out) => [layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), layers.dense({ units: 32, activation: 'tanh' }), layers.dense({ units: 10, activation: out })],
    theirs: (out) => [tfl.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), tfl.layers.dense({ units: 32, activation: 'tanh' }), tfl.layers.dense({ units: 10, activation: out })],
  },
  cnn: {
    shape: [28, 28, 1],
    ours: (out) => [
      layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 10, activation: out }),
    ],
    theirs: (out) => [
      tfl.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: out }),
    ],
  },
  // Each digit read row by row: 28 steps of 28 pixels.
  lstm: {
    shape: [28, 28],
    ours: (out) => [layers.lstm({ units: 16, inputShape: [28, 28] }), layers.dense({ units: 10, activation: out })],
    theirs: (out) => [tfl.layers.lstm({ units: 16, recurrentActivation: 'sigmoid', inputShape: [28, 28] }), tfl.layers.dense({ units: 10, activation: out })],
  },
  gru: {
    shape: [28, 28],
    ours: (out) => [layers.gru({ units: 12, resetAfter: false, inputShape: [28, 28] }), layers.dense({ units: 10, activation: out })],
    theirs: (out) => [tfl.layers.gru({ units: 12, recurrentActivation: 'sigmoid', inputShape: [28, 28] }), tfl.layers.dense({ units: 10, activation: out })],
  },
  bidirectionalLstm: {
    shape: [28, 28],
    ours: (out) => [layers.bidirectional({ layer: layers.lstm({ units: 8 }), inputShape: [28, 28] }), layers.dense({ units: 10, activation: out })],
    theirs: (out) => [
      tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: 8, recurrentActivation: 'sigmoid' }) as tfl.RNN, inputShape: [28, 28] }),
      tfl.layers.dense({ units: 10, activation: out }),
    ],
  },
};

/** The same network in simdnn and in TF.js Layers (last layer softmax or linear), with the same weights. */
function pair(arch: string, out: Out): { ours: Sequential; theirs: tfl.Sequential; shape: number[] } {
  const spec = ARCH[arch];
  const shape = spec.shape;
  const ours = sequential({ seed: 5, layers: spec.ours(out) });
  ours.build();
  const theirs = tfl.sequential({ layers: spec.theirs(out) });
  // simdnn's seeded glorot kernels, and small nonzero biases so no unit sits exactly at a ReLU kink.
  const values = ours.getWeights().map((t, i) => {
    const v = t.toFloat32Array();
    if (t.shape.length === 1) v.forEach((_, j) => (v[j] = 0.01 * Math.sin(7 * i + j + 1)));
    t.dispose();
    return { v, shape: t.shape };
  });
  ours.setWeights(values.map(({ v, shape: s }) => tensor(v, s)));
  theirs.setWeights(values.map(({ v, shape: s }) => tf.tensor(v, [...s])));
  return { ours, theirs, shape };
}

/** tf.grad of sum over samples of f(model(x))[label-dependent], as a flat array. */
function tfGrad(theirs: tfl.Sequential, shape: number[], score: (y: tf.Tensor) => tf.Scalar): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(digits.x, [N, ...shape]);
    const g = tf.grad((xi: tf.Tensor) => score(theirs.apply(xi) as tf.Tensor))(x);
    return g.dataSync() as Float32Array;
  });
}

/** max |a − b| / max |b|. */
function relError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

const oneHot = () => tf.oneHot(tf.tensor1d(LABELS, 'int32'), 10);

describe('input gradients match tf.grad on identical weights', () => {
  for (const arch of Object.keys(ARCH)) {
    it(`${arch}: d softmax[:, c] / dx and d logit[:, c] / dx to 1e-5 relative`, () => {
      const { ours, theirs, shape } = pair(arch, 'softmax');
      const g = explain.inputGradients(ours, digits.x, { classIndex: LABELS });
      expect(g.shape).toEqual([N, ...shape]);
      const ref = tfGrad(theirs, shape, (y) => tf.sum(tf.mul(y, oneHot())));
      expect(relError(g.toFloat32Array(), ref)).toBeLessThan(1e-5);
      // The logit: our softmax model's pre-activation against TF.js with a linear last layer.
      const lin = pair(arch, 'linear');
      const gl = explain.inputGradients(ours, digits.x, { classIndex: LABELS, score: 'logit' });
      const refL = tfGrad(lin.theirs, shape, (y) => tf.sum(tf.mul(y, oneHot())));
      expect(relError(gl.toFloat32Array(), refL)).toBeLessThan(1e-5);
      for (const m of [ours, lin.ours]) m.dispose();
      for (const m of [theirs, lin.theirs]) m.dispose();
    });
  }

  it('batch normalization at inference (the moving statistics a few training steps left) is differentiated as TF.js applies it', async () => {
    const ours = sequential({
      seed: 5,
      layers: [layers.dense({ units: 32, inputShape: [784] }), layers.batchNormalization({ momentum: 0.5 }), layers.activation({ activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })],
    });
    ours.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    await ours.fit(digits.x, LABELS, { epochs: 3, batchSize: 8, seed: 1 });
    const theirs = tfl.sequential({
      layers: [tfl.layers.dense({ units: 32, inputShape: [784] }), tfl.layers.batchNormalization({}), tfl.layers.activation({ activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
    });
    const ws = ours.getWeights();
    theirs.setWeights(ws.map((t) => tf.tensor(t.toFloat32Array(), [...t.shape])));
    for (const t of ws) t.dispose();
    const g = explain.inputGradients(ours, digits.x, { classIndex: LABELS });
    const ref = tfGrad(theirs, [784], (y) => tf.sum(tf.mul(y, oneHot())));
    expect(relError(g.toFloat32Array(), ref)).toBeLessThan(1e-5);
    g.dispose();
    ours.dispose();
    theirs.dispose();
  });

  it('the default class is the predicted one, and a seed on the output differentiates sum(seed · output)', () => {
    const { ours, theirs, shape } = pair('mlp', 'softmax');
    const predicted = Int32Array.from(tf.tidy(() => tf.argMax(theirs.predict(tf.tensor(digits.x, [N, ...shape])) as tf.Tensor, 1).dataSync()));
    const byDefault = explain.inputGradients(ours, digits.x).toFloat32Array();
    expect(byDefault).toEqual(explain.inputGradients(ours, digits.x, { classIndex: predicted }).toFloat32Array());
    const seed = new Float32Array(N * 10).map((_, i) => Math.cos(i));
    const g = explain.inputGradients(ours, digits.x, { seed }).toFloat32Array();
    const ref = tfGrad(theirs, shape, (y) => tf.sum(tf.mul(y, tf.tensor(seed, [N, 10]))));
    expect(relError(g, ref)).toBeLessThan(1e-5);
    ours.dispose();
    theirs.dispose();
  });
});

describe('FGSM matches TF.js', () => {
  for (const arch of Object.keys(ARCH)) {
    it(`${arch}: clip(x + ε sign(∇ cross-entropy)) is the same image wherever the gradient is not within rounding of 0`, () => {
      const { ours, theirs, shape } = pair(arch, 'linear');
      const eps = 0.1;
      const { adversarial, report } = explain.fgsm(ours, digits.x, LABELS, { epsilon: eps, clipMin: 0, clipMax: 1 });
      const mine = adversarial.toFloat32Array();
      const g = tfGrad(theirs, shape, (z) => tf.losses.softmaxCrossEntropy(oneHot(), z, undefined, 0, tf.Reduction.SUM) as tf.Scalar);
      const ref = tf.tidy(() => tf.clipByValue(tf.add(tf.tensor(digits.x), tf.mul(tf.sign(tf.tensor(g)), eps)), 0, 1).dataSync() as Float32Array);
      let scale = 0;
      for (const v of g) scale = Math.max(scale, Math.abs(v));
      let differ = 0;
      let zeros = 0;
      for (let i = 0; i < ref.length; i++) {
        if (g[i] === 0) zeros++;
        if (mine[i] === ref[i]) continue;
        differ++;
        expect(Math.abs(g[i])).toBeLessThanOrEqual(1e-6 * scale);
      }
      // Measured: no pixel differs, for any of the networks.
      expect(differ).toBeLessThan(ref.length * 1e-3);
      // Behind max pooling some pixels have an exactly zero gradient: sign(0) = 0 leaves them as they were in both.
      if (arch === 'cnn') expect(zeros).toBeGreaterThan(100);
      expect(report.maxPerturbation).toBeCloseTo(eps, 6);
      adversarial.dispose();
      ours.dispose();
      theirs.dispose();
    });
  }
});
