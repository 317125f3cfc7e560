// ONNX export checked by the real runtime: every model below is exported with
// toOnnx, run by onnxruntime-web (wasm backend) on the same inputs, and its
// outputs agree with simdnn's predictions within 1e-5.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import {
  init, layers, sequential, input, model as graphModel, toOnnx, saveOnnx, ValueError, type Model, type Tensor, type Layer,
} from '../../src/node.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
  ort.env.wasm.numThreads = 1;
});

const TOL = 1e-5;

/** Seeded weights in [-0.5, 0.5), moving variances in [0.5, 1.5), so biases and statistics matter. */
function randomize(m: Model, seed: number): void {
  const vars = m.weights;
  const flat = new Float32Array(vars.reduce((s, v) => s + v.size, 0));
  let at = 0;
  vars.forEach((v, i) => {
    const variance = v.name === 'moving_variance';
    flat.set(randArray(v.size, seed + i, variance ? 0.5 : -0.5, variance ? 1.5 : 0.5), at);
    at += v.size;
  });
  m.setWeightsFlat(flat);
}

function inputsFor(m: Model, n: number, ids?: number): Float32Array[] {
  return m.inputs.map((t, i) => {
    const x = randArray(n * t.shape.reduce((a, b) => a * b, 1), 30 + i);
    if (ids) for (let k = 0; k < x.length; k++) x[k] = Math.floor(((x[k] + 1) / 2) * ids);
    return x;
  });
}

async function check(label: string, m: Model, opts: { ids?: number; batch?: number } = {}): Promise<void> {
  const n = opts.batch ?? 3;
  randomize(m, 17);
  const xs = inputsFor(m, n, opts.ids);
  const bytes = toOnnx(m);
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((name, i) => { feeds[name] = new ort.Tensor('float32', xs[i], [n, ...m.inputs[i].shape]); });
  const result = await session.run(feeds);
  const ours = m.predict(xs.length === 1 ? xs[0] : xs);
  const list = Array.isArray(ours) ? ours : [ours as Tensor];
  expect(session.outputNames.length, label).toBe(list.length);
  list.forEach((t, i) => {
    const want = t.toFloat32Array();
    const got = result[session.outputNames[i]];
    expect(got.dims, `${label}: output ${i} shape`).toEqual([n, ...m.outputs[i].shape]);
    const data = got.data as Float32Array;
    let worst = 0;
    for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(data[k] - want[k]) / Math.max(1, Math.abs(want[k])));
    expect(worst, `${label}: output ${i}: largest difference ${worst}`).toBeLessThanOrEqual(TOL);
    t.dispose();
  });
  await session.release();
  m.dispose();
}

const seq = (ls: Layer[]) => {
  const m = sequential({ seed: 5, layers: ls });
  m.build();
  return m;
};

describe('toOnnx checked by onnxruntime-web', () => {
  it('MLP: Gemm with every activation simdnn has, dropout and noise as identities', async () => {
    const acts = ['relu', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'swish', 'mish', 'gelu', 'leakyRelu', 'linear'] as const;
    const ls: Layer[] = [layers.dense({ inputShape: [7], units: 6, activation: 'relu' })];
    for (const a of acts) ls.push(layers.dense({ units: 6, activation: a, ...(a === 'leakyRelu' || a === 'elu' ? { alpha: 0.3 } : {}) }));
    ls.push(layers.dropout({ rate: 0.3 }), layers.gaussianNoise({ stddev: 0.2 }), layers.maskingNoise({ rate: 0.1 }));
    ls.push(layers.activation({ activation: 'step' }), layers.dense({ units: 4 }), layers.activation({ activation: 'sign' }), layers.dense({ units: 3, activation: 'softmax' }));
    await check('MLP', seq(ls));
  });

  it('LeNet-like CNN: Conv (same and valid, strides, dilation), MaxPool, AveragePool, L2 (LpPool) and the NHWC flatten', async () => {
    await check('CNN', seq([
      layers.conv2d({ inputShape: [14, 13, 2], filters: 4, kernelSize: [3, 2], padding: 'same', activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
      layers.conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, activation: 'tanh' }),
      layers.averagePooling2d({ poolSize: [2, 1], strides: 1, padding: 'same' }),
      layers.conv2d({ filters: 3, kernelSize: 2, strides: 2, padding: 'same' }),
      layers.l2Pooling2d({ poolSize: 2, strides: 1 }),
      layers.flatten(),
      layers.dense({ units: 10, activation: 'softmax' }),
    ]));
  });

  it('batch normalization after a convolution (NCHW) and after a dense layer, global average pooling, reshape', async () => {
    await check('BN', seq([
      layers.conv2d({ inputShape: [6, 6, 3], filters: 4, kernelSize: 3 }),
      layers.batchNormalization(),
      layers.activation({ activation: 'relu' }),
      layers.reshape({ targetShape: [4, 16] }),
      layers.reshape({ targetShape: [2, 2, 16] }),
      layers.globalAveragePooling2d(),
      layers.dense({ units: 5 }),
      layers.batchNormalization({ epsilon: 0.01, center: false }),
    ]));
  });

  it('conv1d, pooling 1D, global average pooling 1D', async () => {
    await check('Conv1D', seq([
      layers.conv1d({ inputShape: [12, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.maxPooling1d({ poolSize: 2 }),
      layers.conv1d({ filters: 2, kernelSize: 2, strides: 2 }),
      layers.globalAveragePooling1d(),
    ]));
  });

  it('conv2dTranspose (same with stride 2, valid, a kernel smaller than the stride) and upSampling2d', async () => {
    await check('Conv2DTranspose', seq([
      layers.conv2dTranspose({ inputShape: [4, 5, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      layers.upSampling2d({ size: [2, 3] }),
      layers.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [1, 2], padding: 'valid' }),
      layers.conv2dTranspose({ filters: 2, kernelSize: 1, strides: 2, padding: 'same' }),
    ]));
  });

  it('LSTM (ONNX gate order i, o, f, c; sequences and goBackwards; hard sigmoid gates)', async () => {
    await check('LSTM', seq([
      layers.lstm({ inputShape: [6, 4], units: 5, returnSequences: true }),
      layers.lstm({ units: 3, returnSequences: true, goBackwards: true, recurrentActivation: 'hardSigmoid' }),
      layers.lstm({ units: 4 }),
    ]));
  });

  it('GRU with reset_after true (linear_before_reset 1) and false', async () => {
    await check('GRU', seq([
      layers.gru({ inputShape: [5, 3], units: 4, returnSequences: true, resetAfter: true }),
      layers.gru({ units: 3, returnSequences: true, resetAfter: false, goBackwards: true }),
      layers.gru({ units: 2, resetAfter: true, recurrentActivation: 'hardSigmoid' }),
    ]));
  });

  it('SimpleRNN (elu and linear cells), Bidirectional in every merge mode, TimeDistributed, Embedding', async () => {
    await check('RNN', seq([
      layers.embedding({ inputDim: 11, outputDim: 4, inputLength: 6 }),
      layers.simpleRNN({ units: 5, returnSequences: true, activation: 'elu', alpha: 0.7 }),
      layers.bidirectional({ layer: layers.gru({ units: 3, returnSequences: true }), mergeMode: 'concat' }),
      layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences: true }), mergeMode: 'sum' }),
      layers.bidirectional({ layer: layers.simpleRNN({ units: 2, returnSequences: true, activation: 'linear' }), mergeMode: 'mul' }),
      layers.timeDistributed({ layer: layers.dense({ units: 3, activation: 'softmax' }) }),
      layers.bidirectional({ layer: layers.lstm({ units: 2 }), mergeMode: 'ave' }),
    ]), { ids: 11 });
  });

  it('a functional model: two inputs, two branches, concat, add, a tied decoder, two outputs', async () => {
    const a = input({ shape: [8], name: 'a' });
    const b = input({ shape: [5, 5, 1], name: 'img' });
    const enc = layers.dense({ units: 6, activation: 'tanh' });
    const h = enc.apply(a) as never;
    const conv = layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }).apply(b) as never;
    const flat = layers.flatten().apply(conv) as never;
    const f = layers.dense({ units: 6 }).apply(flat) as never;
    const sum = layers.add().apply([h, f]) as never;
    const cat = layers.concatenate().apply([sum, flat]) as never;
    const cls = layers.dense({ units: 3, activation: 'softmax' }).apply(cat) as never;
    const dec = layers.denseTied({ tiedTo: enc, activation: 'sigmoid' }).apply(h) as never;
    await check('functional', graphModel({ inputs: [a, b], outputs: [cls, dec], seed: 3 }));
  });

  it('saveOnnx writes the same bytes to a file', () => {
    const m = seq([layers.dense({ inputShape: [3], units: 2 })]);
    const dir = mkdtempSync(join(tmpdir(), 'simdnn-onnx-'));
    try {
      const n = saveOnnx(m, join(dir, 'm.onnx'));
      expect(new Uint8Array(readFileSync(join(dir, 'm.onnx')))).toEqual(toOnnx(m));
      expect(n).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      m.dispose();
    }
  });

  it('what has no ONNX form here is a ValueError naming the layer', () => {
    const cases: [() => Model, RegExp][] = [
      [() => seq([layers.masking({ inputShape: [4, 2], maskValue: 0, name: 'mask' }), layers.lstm({ units: 2 })]), /layer "mask" \(Masking\): padding masks/],
      [() => seq([layers.lstm({ inputShape: [4, 2], units: 2, stateful: true, name: 'st' })]), /layer "st" \(LSTM\): stateful/],
    ];
    for (const [make, re] of cases) {
      const m = make();
      expect(() => toOnnx(m)).toThrow(ValueError);
      expect(() => toOnnx(m)).toThrow(re);
      m.dispose();
    }
  });
});
