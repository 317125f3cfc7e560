// The input-gradient probe: repeated forward / backward passes through a
// model's own planned buffers, as the explain loops run them.
import { describe, it, expect, beforeAll } from 'vitest';
import { init, sequential, input, model, layers, kernels, type SymbolicTensor, type Tensor } from '../../src/index.js';
import { InputGradientProbe } from '../../src/models/probe.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

function cnn() {
  return sequential({
    seed: 3,
    layers: [
      layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [7, 7, 2] }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
}

describe('InputGradientProbe', () => {
  it('gives the input gradients of model.gradients() bit for bit, from the output or from the logits', () => {
    const m = cnn();
    m.build();
    const n = 6;
    const x = randArray(n * 98, 1);
    const seed = new Float32Array(n * 5);
    for (let i = 0; i < n; i++) seed[i * 5 + (i % 5)] = 1;
    const g = m.gradients(x, { seed, wrt: ['input'], batchSize: n }).input as Tensor;
    const probe = new InputGradientProbe(m.engineFor('test'), n);
    const be = probe.backend;
    expect([probe.capacity, probe.inputSize, probe.outputSize, probe.units, probe.logitActivation]).toEqual([n, 98, 5, 5, 'softmax']);
    be.f32().set(x, probe.input >>> 2);
    probe.forward(n);
    be.f32().set(seed, probe.outputGrad >>> 2);
    probe.backward(n);
    expect(be.readF32(probe.inputGrad, n * 98)).toEqual(g.toFloat32Array());
    // The logits are the softmax's input: softmax(logits) is the output.
    const p = be.alloc(n * 5 * 4);
    kernels.softmax(be, { m: n, n: 5, x: probe.logits, y: p });
    expect(be.readF32(p, n * 5)).toEqual(be.readF32(probe.output, n * 5));
    be.free(p);
    // The inference schedule (conv and max pooling fused) gives the same outputs.
    const forwardOut = be.readF32(probe.output, n * 5);
    probe.predict(n);
    expect(be.readF32(probe.output, n * 5)).toEqual(forwardOut);
    // From the logits: a one-hot seed there is the gradient of the unnormalised class score.
    const linear = sequential({ layers: [layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [7, 7, 2] }), layers.maxPooling2d({ poolSize: 2 }), layers.flatten(), layers.dense({ units: 5 })] });
    linear.build();
    linear.setWeights(m.getWeights());
    const gl = linear.gradients(x, { seed, wrt: ['input'] }).input as Tensor;
    be.f32().set(x, probe.input >>> 2);
    probe.forward(n);
    be.f32().set(seed, probe.outputGrad >>> 2);
    probe.backward(n, true);
    expect(be.readF32(probe.inputGrad, n * 98)).toEqual(gl.toFloat32Array());
    m.dispose();
    linear.dispose();
  });

  it('runs any number of passes without allocating and leaves the weights and their gradients alone', () => {
    const m = cnn();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const n = 4;
    const x = randArray(n * 98, 2);
    m.gradientsFlat(x, Int32Array.from([0, 1, 2, 3]));
    const engine = m.engineFor('test');
    const grads = engine.readGradsFlat();
    const weights = m.getWeightsFlat();
    const probe = new InputGradientProbe(engine, n);
    const be = probe.backend;
    const before = be.memoryStats();
    for (let i = 0; i < 25; i++) {
      be.f32().set(x, probe.input >>> 2);
      probe.forward(n);
      kernels.fill(be, { n: n * 5, y: probe.outputGrad, value: 1 });
      probe.backward(n);
    }
    expect(be.memoryStats()).toEqual(before);
    expect(m.getWeightsFlat()).toEqual(weights);
    expect(engine.readGradsFlat()).toEqual(grads);
    m.dispose();
  });

  it('explains one output of a two-output graph (the other contributes nothing) and refuses a start at missing logits', () => {
    const a = input({ shape: [3] });
    const h = layers.dense({ units: 4, activation: 'tanh' }).apply(a) as SymbolicTensor;
    const y1 = layers.dense({ units: 2, activation: 'softmax' }).apply(h) as SymbolicTensor;
    const y2 = layers.dense({ units: 1, activation: 'linear' }).apply(h) as SymbolicTensor;
    const m = model({ inputs: a, outputs: [y1, y2], seed: 4 });
    const x = randArray(2 * 3, 3);
    const seeds = [Float32Array.from([1, 0, 0, 1]), new Float32Array(2)];
    const ref = (m.gradients(x, { seed: seeds, wrt: ['input'] }).input as Tensor).toFloat32Array();
    const probe = new InputGradientProbe(m.engineFor('test'), 2, 0);
    const be = probe.backend;
    be.f32().set(x, probe.input >>> 2);
    probe.forward(2);
    be.f32().set(seeds[0], probe.outputGrad >>> 2);
    probe.backward(2);
    expect(be.readF32(probe.inputGrad, 6)).toEqual(ref);
    const second = new InputGradientProbe(m.engineFor('test'), 2, 1);
    expect([second.logitActivation, second.logits, second.units]).toEqual([null, 0, 1]);
    expect(() => second.backward(2, true)).toThrow(/output 1 keeps no pre-activation/);
    m.dispose();
  });
});
