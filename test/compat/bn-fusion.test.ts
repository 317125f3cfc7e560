// Batch normalization folded into the dense / conv layer before it at
// inference (predict and evaluate of a model planned for inference only): the
// same outputs as the two layers run apart (within 1e-5) and as TensorFlow.js
// on identical weights, after training has moved the statistics away from
// their initial values; the trained model itself (training buffers) runs them
// apart and evaluates as TensorFlow.js.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, sequential, layers, optimizers, Dense, Conv, BatchNormalization, type Layer, type Tensor } from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await init({ deterministic: true });
});

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, label: string): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst, `${label}: ${worst}`).toBeLessThanOrEqual(tol);
}

/** Runs fn with layer fusion into batch normalization switched off (the reference: the two layers apart). */
function unfused<T>(fn: () => T): T {
  const d = Dense.prototype.fusesWith;
  const c = Conv.prototype.fusesWith;
  Dense.prototype.fusesWith = function (this: Dense, s: never, next: Layer) {
    return next.className === 'BatchNormalization' ? false : d.call(this, s, next);
  } as never;
  Conv.prototype.fusesWith = function (this: Conv, s: never, next: Layer) {
    return next.className === 'BatchNormalization' ? false : c.call(this, s, next);
  } as never;
  try {
    return fn();
  } finally {
    Dense.prototype.fusesWith = d;
    Conv.prototype.fusesWith = c;
  }
}

const cases: { label: string; ours: () => Layer[]; theirs: () => tfl.layers.Layer[]; input: number[]; out: number }[] = [
  {
    label: 'dense (no bias) -> batchNormalization -> relu -> dense',
    ours: () => [layers.dense({ units: 16, inputShape: [10], useBias: false }), layers.batchNormalization(), layers.activation({ activation: 'relu' }), layers.dense({ units: 3 })],
    theirs: () => [tfl.layers.dense({ units: 16, inputShape: [10], useBias: false }), tfl.layers.batchNormalization(), tfl.layers.activation({ activation: 'relu' }), tfl.layers.dense({ units: 3 })],
    input: [10], out: 3,
  },
  {
    label: 'dense with bias -> batchNormalization(center, scale) as the output',
    ours: () => [layers.dense({ units: 6, inputShape: [5] }), layers.batchNormalization({ momentum: 0.5 })],
    theirs: () => [tfl.layers.dense({ units: 6, inputShape: [5] }), tfl.layers.batchNormalization({ momentum: 0.5 })],
    input: [5], out: 6,
  },
  {
    label: 'conv2d 3x3 -> batchNormalization -> relu -> flatten -> dense',
    ours: () => [layers.conv2d({ filters: 5, kernelSize: 3, inputShape: [7, 7, 3], padding: 'same' }), layers.batchNormalization(), layers.activation({ activation: 'relu' }), layers.flatten(), layers.dense({ units: 2 })],
    theirs: () => [tfl.layers.conv2d({ filters: 5, kernelSize: 3, inputShape: [7, 7, 3], padding: 'same' }), tfl.layers.batchNormalization(), tfl.layers.activation({ activation: 'relu' }), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })],
    input: [7, 7, 3], out: 2,
  },
  {
    label: 'pointwise conv2d 1x1 -> batchNormalization',
    ours: () => [layers.conv2d({ filters: 4, kernelSize: 1, inputShape: [5, 5, 6] }), layers.batchNormalization({ momentum: 0.8 })],
    theirs: () => [tfl.layers.conv2d({ filters: 4, kernelSize: 1, inputShape: [5, 5, 6] }), tfl.layers.batchNormalization({ momentum: 0.8 })],
    input: [5, 5, 6], out: 5 * 5 * 4,
  },
];

describe('batch normalization folded into the layer before it at inference', () => {
  for (const c of cases) {
    it(c.label, async () => {
      const size = c.input.reduce((a, b) => a * b, 1);
      const n = 48;
      const x = randArray(n * size, 1, -2, 3);
      const y = randArray(n * c.out, 2);
      const ours = sequential({ seed: 3, layers: c.ours() });
      ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.05 }), loss: 'mse' });
      const theirs = tfl.sequential({ layers: c.theirs() });
      theirs.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
      const ws = ours.getWeights();
      theirs.setWeights(ws.map((t) => tf.tensor(t.toFloat32Array(), t.shape as number[])));
      const outShape = c.out === 5 * 5 * 4 ? [n, 5, 5, 4] : [n, c.out];
      await ours.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false });
      await theirs.fit(tf.tensor(x, [n, ...c.input]), tf.tensor(y, outShape), { epochs: 3, batchSize: 16, shuffle: false });
      const fold = BatchNormalization.prototype.fold;
      let folds = 0;
      BatchNormalization.prototype.fold = function (this: BatchNormalization, ...args: Parameters<typeof fold>) {
        folds++;
        return fold.apply(this, args);
      };
      let fused: Float32Array;
      // A model planned for inference only (built or loaded, never trained): the one that folds.
      const inference = sequential({ seed: 3, layers: c.ours() });
      inference.build();
      inference.setWeights(ours.getWeights());
      try {
        fused = (inference.predict(x, { batchSize: n }) as Tensor).toFloat32Array();
      } finally {
        inference.dispose();
        BatchNormalization.prototype.fold = fold;
      }
      expect(folds, 'the normalization was folded').toBeGreaterThan(0);
      const apart = unfused(() => {
        const m = sequential({ seed: 3, layers: c.ours() });
        m.build();
        m.setWeights(ours.getWeights());
        const p = (m.predict(x) as Tensor).toFloat32Array();
        m.dispose();
        return p;
      });
      close(fused, apart, 1e-5, 'fused against apart');
      expect(fused).not.toEqual(new Float32Array(fused.length));
      close(fused, (theirs.predict(tf.tensor(x, [n, ...c.input])) as tf.Tensor).dataSync(), 1e-4, 'fused against TensorFlow.js');
      // Evaluate runs the fused schedule too.
      const eo = ours.evaluateLogs(x, y).loss;
      const et = (theirs.evaluate(tf.tensor(x, [n, ...c.input]), tf.tensor(y, outShape)) as tf.Tensor).dataSync()[0];
      expect(Math.abs(eo - et)).toBeLessThan(1e-4);
      ours.dispose();
    });
  }

  it('a training-mode forward without backward through a trainable normalization uses the batch statistics, as apart', () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 4, inputShape: [3] }), layers.batchNormalization(), layers.dropout({ rate: 0 })] });
    m.build();
    const x = randArray(8 * 3, 5);
    const probe = m.engineFor('probe');
    const run = () => {
      probe.ensurePlan(8, false);
      const X = [{ data: x, n: 8, sample: [3] }] as never;
      const order = Int32Array.from({ length: 8 }, (_, i) => i);
      probe.loadBatch(X, null, order, 0, 8);
      probe.forward(8, true, false);
      return m.getBackend().readF32(probe.outputPtr(0), 8 * 4);
    };
    const w = m.getWeightsFlat();
    const a = run();
    m.setWeightsFlat(w);
    const b = unfused(() => {
      probe.unplan();
      const r = run();
      probe.unplan();
      return r;
    });
    close(a, b, 1e-6, 'batch statistics');
    // Batch statistics: every output channel has mean 0 over the batch.
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let i = 0; i < 8; i++) s += a[i * 4 + j];
      expect(Math.abs(s / 8)).toBeLessThan(1e-5);
    }
    m.dispose();
  });
});
