// Every registered layer through the layer tester (test/layer-tester.ts):
// forward against float64, finite-difference gradients of inputs and weights,
// serialisation, two applications in one graph, memory.
import { describe, it, expect, beforeAll } from 'vitest';
import { init, layers, LAYER_REGISTRY, type Layer, type LayerActivation } from '../../src/index.js';
import { testLayer, type LayerCase } from '../layer-tester.js';
import { actRef, softmaxRef, type Act } from '../reference/activation.js';
import { conv2dRef, poolRef, type Geo } from '../reference/conv.js';
import { RECURRENT_CASES } from './recurrent-cases.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/** Values in [-1, 1) at least 0.05 away from 0, so no finite-difference step crosses a kink at 0. */
function awayFromZero(seed: number) {
  return (_i: number, n: number) => Float32Array.from({ length: n }, (_, j) => {
    const u = Math.sin(seed * 1000 + j * 12.9898) * 43758.5453;
    const f = u - Math.floor(u);
    return (f < 0.5 ? -1 : 1) * (0.05 + (Math.abs(f - 0.5) * 2) * 0.95);
  });
}

/** Distinct values 0.1 apart in a shuffled order, so a finite-difference step never reorders a pooling window. */
function distinct(_i: number, n: number): Float32Array {
  const v = Float32Array.from({ length: n }, (_, j) => ((j * 7919) % n) * 0.1 - n * 0.05);
  return v;
}

/** act(x) elementwise; softmax over the last axis of width `last`. */
function applyAct(act: LayerActivation, z: Float64Array, last: number, alpha: number): Float64Array {
  if (act === 'softmax') return softmaxRef(z.length / last, last, z);
  return z.map((v) => actRef(act as Act, v, alpha));
}

/** x [rows, f] W [f, n] + b, or with W read transposed from [n, f]. */
function affine(x: Float64Array, w: Float64Array, b: Float64Array | null, rows: number, f: number, n: number, transposed = false): Float64Array {
  const z = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < n; j++) {
      let s = b ? b[j] : 0;
      for (let i = 0; i < f; i++) s += x[r * f + i] * (transposed ? w[j * f + i] : w[i * n + j]);
      z[r * n + j] = s;
    }
  return z;
}

const ALPHA: Partial<Record<LayerActivation, number>> = { leakyRelu: 0.2, elu: 1 };

function denseCase(inShape: number[], units: number, act: LayerActivation, useBias = true): LayerCase {
  const f = inShape[inShape.length - 1];
  return {
    label: `dense ${JSON.stringify(inShape)} -> ${units} ${act}${useBias ? '' : ' no bias'}`,
    make: () => ({ layer: layers.dense({ units, activation: act, useBias }) }),
    inputs: [inShape],
    data: act === 'relu' || act === 'leakyRelu' ? awayFromZero(1) : undefined,
    reference: ([x], [w, b], n) => {
      const rows = (n * size(inShape)) / f;
      return [applyAct(act, affine(x, w, useBias ? b : null, rows, f, units), units, ALPHA[act] ?? 0)];
    },
  };
}

/** 'same' / 'valid' geometry of one axis (TensorFlow's split). */
function axis(inSize: number, k: number, s: number, d: number, padding: 'same' | 'valid'): { out: number; before: number } {
  const ek = (k - 1) * d + 1;
  if (padding === 'valid') return { out: Math.floor((inSize - ek) / s) + 1, before: 0 };
  const out = Math.ceil(inSize / s);
  return { out, before: Math.floor(Math.max((out - 1) * s + ek - inSize, 0) / 2) };
}

function convCase(label: string, inShape: number[], cfg: { filters: number; kernelSize: number | [number, number]; strides?: number; padding?: 'same' | 'valid'; dilationRate?: number; activation?: LayerActivation; useBias?: boolean }, step?: number): LayerCase {
  const rank = inShape.length === 2 ? 1 : 2;
  const [h, w, c] = rank === 1 ? [1, inShape[0], inShape[1]] : inShape;
  const k = typeof cfg.kernelSize === 'number' ? cfg.kernelSize : cfg.kernelSize[1];
  const [kh, kw] = rank === 1 ? [1, k] : typeof cfg.kernelSize === 'number' ? [k, k] : cfg.kernelSize;
  const s = cfg.strides ?? 1;
  const d = cfg.dilationRate ?? 1;
  const padding = cfg.padding ?? 'valid';
  const gy = rank === 1 ? { out: 1, before: 0 } : axis(h, kh, s, d, padding);
  const gx = axis(w, kw, s, d, padding);
  const act = cfg.activation ?? 'linear';
  return {
    label: `${rank === 1 ? 'conv1d' : 'conv2d'} ${label}`,
    make: () => ({ layer: rank === 1 ? layers.conv1d(cfg as never) : layers.conv2d(cfg as never) }),
    inputs: [inShape],
    data: act === 'relu' ? awayFromZero(2) : undefined,
    reference: ([x], [kernel, bias], n) => {
      const g: Geo = { n, h, w, c, kh, kw, sh: rank === 1 ? 1 : s, sw: s, ph: gy.before, pw: gx.before, dh: rank === 1 ? 1 : d, dw: d, oh: gy.out, ow: gx.out };
      const z = conv2dRef(g, x, kernel, cfg.filters);
      if (cfg.useBias !== false) for (let i = 0; i < z.length; i++) z[i] += bias[i % cfg.filters];
      return [applyAct(act, z, cfg.filters, ALPHA[act] ?? 0)];
    },
    tol: { atol: 1e-5, rtol: 1e-4 },
    step,
  };
}

function poolCase(mode: 'max' | 'avg' | 'l2', inShape: number[], cfg: { poolSize: number; strides?: number; padding?: 'same' | 'valid' }): LayerCase {
  const rank = inShape.length === 2 ? 1 : 2;
  const [h, w, c] = rank === 1 ? [1, inShape[0], inShape[1]] : inShape;
  const k = cfg.poolSize;
  const s = cfg.strides ?? k;
  const padding = cfg.padding ?? 'valid';
  const gy = rank === 1 ? { out: 1, before: 0 } : axis(h, k, s, 1, padding);
  const gx = axis(w, k, s, 1, padding);
  const factory = `${mode === 'avg' ? 'average' : mode}Pooling${rank}d` as keyof typeof layers;
  return {
    label: `${factory} ${JSON.stringify(inShape)} ${JSON.stringify(cfg)}`,
    make: () => ({ layer: (layers[factory] as (c: object) => Layer)(cfg) }),
    inputs: [inShape],
    data: mode === 'l2' ? (_i, n) => distinct(0, n).map((v) => v + (v >= 0 ? 0.3 : -0.3)) : distinct,
    reference: ([x], _w, n) => [poolRef(mode, { n, h, w, c, kh: rank === 1 ? 1 : k, kw: k, sh: rank === 1 ? 1 : s, sw: s, ph: gy.before, pw: gx.before, dh: 1, dw: 1, oh: gy.out, ow: gx.out }, x)],
  };
}

/** Joins per-sample blocks: each sample has `outer` rows, input i contributing `inner[i]` values to each. */
function concatRef(xs: Float64Array[], n: number, outer: number, inner: number[]): Float64Array {
  const total = inner.reduce((a, b) => a + b, 0);
  const y = new Float64Array(n * outer * total);
  for (let r = 0; r < n * outer; r++) {
    let at = 0;
    xs.forEach((x, i) => {
      for (let j = 0; j < inner[i]; j++) y[r * total + at + j] = x[r * inner[i] + j];
      at += inner[i];
    });
  }
  return y;
}

const ACTIVATIONS: LayerActivation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'gelu', 'softplus', 'softsign', 'selu', 'swish', 'silu', 'mish', 'softmax'];

const CASES: Record<string, LayerCase[]> = {
  Dense: [
    denseCase([4], 3, 'tanh'),
    denseCase([5], 6, 'relu', false),
    denseCase([4], 3, 'softmax'),
    denseCase([3, 4], 2, 'sigmoid'),
    denseCase([2, 2, 3], 4, 'gelu'),
    denseCase([4], 3, 'softplus'),
    denseCase([4], 3, 'softsign'),
    denseCase([4], 3, 'selu'),
    denseCase([3, 2], 3, 'swish'),
    denseCase([4], 3, 'mish'),
  ],
  DenseTied: [{
    label: 'denseTied after a dense encoder (the shared kernel used twice)',
    make: () => {
      const enc = layers.dense({ units: 3, activation: 'tanh' });
      const dec = layers.denseTied({ tiedTo: enc, activation: 'sigmoid' });
      return { layer: dec, apply: ([x]) => [dec.apply(enc.apply(x) as never) as never] };
    },
    inputs: [[5]],
    reference: ([x], [w, b1, b2], n) => {
      const hdn = affine(x, w, b1, n, 5, 3).map(Math.tanh);
      return [affine(hdn, w, b2, n, 3, 5, true).map((v) => 1 / (1 + Math.exp(-v)))];
    },
  }],
  Activation: ACTIVATIONS.filter((a) => a !== 'linear').map((act) => ({
    label: `activation ${act}`,
    make: () => ({ layer: layers.activation({ activation: act }) }),
    inputs: [[2, 4]],
    data: act === 'relu' || act === 'leakyRelu' ? awayFromZero(3) : undefined,
    reference: ([x]) => [applyAct(act, x, 4, ALPHA[act] ?? 0)],
  })),
  Dropout: [
    { label: 'dropout at inference: the identity', make: () => ({ layer: layers.dropout({ rate: 0.4 }) }), inputs: [[6]], reference: ([x]) => [x] },
    { label: 'dropout in training (mask fixed by the seed)', make: () => ({ layer: layers.dropout({ rate: 0.4 }) }), inputs: [[3, 4]], training: true },
  ],
  Conv2D: [
    convCase('3x3 valid', [5, 6, 2], { filters: 3, kernelSize: 3 }),
    // A smaller step keeps the perturbed pre-activations on their side of relu's kink.
    convCase('3x3 same relu', [5, 5, 2], { filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }, 2e-3),
    convCase('2x3 same stride 2', [6, 5, 3], { filters: 4, kernelSize: [2, 3], strides: 2, padding: 'same' }),
    convCase('3x3 dilation 2 same tanh', [6, 6, 1], { filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' }),
    convCase('1x1 gelu, no bias', [4, 3, 5], { filters: 3, kernelSize: 1, activation: 'gelu', useBias: false }),
    convCase('3x3 same sigmoid, 4 channels to 1 filter', [6, 6, 4], { filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
    convCase('3x3 same mish', [5, 4, 2], { filters: 2, kernelSize: 3, padding: 'same', activation: 'mish' }),
    // selu's slope jumps at 0 (1.76 to 1.05): a smaller step keeps the perturbed pre-activations on their side.
    convCase('2x2 valid selu', [4, 5, 2], { filters: 3, kernelSize: 2, activation: 'selu' }, 2e-4),
  ],
  Conv1D: [
    convCase('k3 valid', [9, 2], { filters: 3, kernelSize: 3 }),
    convCase('k4 same stride 2 elu', [10, 3], { filters: 2, kernelSize: 4, strides: 2, padding: 'same', activation: 'elu' }),
  ],
  MaxPooling2D: [poolCase('max', [6, 6, 2], { poolSize: 2 }), poolCase('max', [7, 7, 1], { poolSize: 3, strides: 2, padding: 'same' })],
  AveragePooling2D: [poolCase('avg', [6, 6, 2], { poolSize: 2 }), poolCase('avg', [7, 5, 2], { poolSize: 3, strides: 2, padding: 'same' })],
  L2Pooling2D: [poolCase('l2', [6, 6, 2], { poolSize: 2 }), poolCase('l2', [5, 5, 1], { poolSize: 3, strides: 1 })],
  MaxPooling1D: [poolCase('max', [8, 3], { poolSize: 2 })],
  AveragePooling1D: [poolCase('avg', [9, 2], { poolSize: 3, strides: 2, padding: 'same' })],
  L2Pooling1D: [poolCase('l2', [8, 2], { poolSize: 2 })],
  GlobalAveragePooling2D: [{
    label: 'globalAveragePooling2d',
    make: () => ({ layer: layers.globalAveragePooling2d() }),
    inputs: [[3, 4, 2]],
    reference: ([x], _w, n) => {
      const y = new Float64Array(n * 2);
      for (let b = 0; b < n; b++) for (let p = 0; p < 12; p++) for (let c = 0; c < 2; c++) y[b * 2 + c] += x[(b * 12 + p) * 2 + c] / 12;
      return [y];
    },
  }],
  GlobalAveragePooling1D: [{
    label: 'globalAveragePooling1d',
    make: () => ({ layer: layers.globalAveragePooling1d() }),
    inputs: [[5, 3]],
    reference: ([x], _w, n) => {
      const y = new Float64Array(n * 3);
      for (let b = 0; b < n; b++) for (let p = 0; p < 5; p++) for (let c = 0; c < 3; c++) y[b * 3 + c] += x[(b * 5 + p) * 3 + c] / 5;
      return [y];
    },
  }],
  Flatten: [{ label: 'flatten', make: () => ({ layer: layers.flatten() }), inputs: [[2, 3, 2]], reference: ([x]) => [x] }],
  Reshape: [{ label: 'reshape [12] -> [3, -1]', make: () => ({ layer: layers.reshape({ targetShape: [3, -1] }) }), inputs: [[12]], reference: ([x]) => [x] }],
  Add: [
    { label: 'add of two', make: () => ({ layer: layers.add() }), inputs: [[4], [4]], reference: ([a, b]) => [a.map((v, i) => v + b[i])] },
    { label: 'add of three', make: () => ({ layer: layers.add() }), inputs: [[2, 3], [2, 3], [2, 3]], reference: ([a, b, c]) => [a.map((v, i) => v + b[i] + c[i])] },
  ],
  Concatenate: [
    { label: 'concatenate on the last axis', make: () => ({ layer: layers.concatenate() }), inputs: [[3], [5]], reference: ([a, b], _w, n) => [concatRef([a, b], n, 1, [3, 5])] },
    {
      label: 'concatenate three [2, k, 2] inputs on axis 2',
      make: () => ({ layer: layers.concatenate({ axis: 2 }) }),
      inputs: [[2, 1, 2], [2, 3, 2], [2, 2, 2]],
      reference: (xs, _w, n) => [concatRef(xs, n, 2, [2, 6, 4])],
    },
  ],
  GaussianNoise: [
    { label: 'gaussianNoise at inference: the identity', make: () => ({ layer: layers.gaussianNoise({ stddev: 0.5 }) }), inputs: [[6]], reference: ([x]) => [x] },
    { label: 'gaussianNoise in training (noise fixed by the seed)', make: () => ({ layer: layers.gaussianNoise({ stddev: 0.5 }) }), inputs: [[3, 4]], training: true },
  ],
  MaskingNoise: [
    { label: 'maskingNoise at inference: the identity', make: () => ({ layer: layers.maskingNoise({ rate: 0.4 }) }), inputs: [[6]], reference: ([x]) => [x] },
    { label: 'maskingNoise in training (mask fixed by the seed)', make: () => ({ layer: layers.maskingNoise({ rate: 0.4 }) }), inputs: [[3, 4]], training: true },
  ],
  SaltAndPepperNoise: [
    { label: 'saltAndPepperNoise at inference: the identity', make: () => ({ layer: layers.saltAndPepperNoise({ rate: 0.3 }) }), inputs: [[6]], reference: ([x]) => [x] },
    {
      label: 'saltAndPepperNoise in training (corruption fixed by the seed)',
      make: () => ({ layer: layers.saltAndPepperNoise({ rate: 0.3, low: -1, high: 2 }) }),
      inputs: [[3, 4]],
      training: true,
    },
  ],
  Conv2DTranspose: [
    { label: 'conv2dTranspose 3x3 stride 2 valid', make: () => ({ layer: layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2 }) }), inputs: [[3, 4, 2]] },
    {
      label: 'conv2dTranspose 2x3 stride [2, 1] same tanh, no bias',
      make: () => ({ layer: layers.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [2, 1], padding: 'same', activation: 'tanh', useBias: false }) }),
      inputs: [[3, 3, 3]],
    },
    { label: 'conv2dTranspose 4x4 stride 2 same mish', make: () => ({ layer: layers.conv2dTranspose({ filters: 5, kernelSize: 4, strides: 2, padding: 'same', activation: 'mish' }) }), inputs: [[2, 3, 4]] },
  ],
  UpSampling2D: [
    {
      label: 'upSampling2d size [2, 3] on [2, 3, 5] (channels not a multiple of 4)',
      make: () => ({ layer: layers.upSampling2d({ size: [2, 3] }) }),
      inputs: [[2, 3, 5]],
      reference: ([x], _w, n) => {
        const y = new Float64Array(n * 4 * 9 * 5);
        for (let b = 0; b < n; b++) for (let i = 0; i < 4; i++) for (let j = 0; j < 9; j++) for (let c = 0; c < 5; c++) {
          y[((b * 4 + i) * 9 + j) * 5 + c] = x[((b * 2 + Math.floor(i / 2)) * 3 + Math.floor(j / 3)) * 5 + c];
        }
        return [y];
      },
    },
    { label: 'upSampling2d size 2 on [3, 2, 8]', make: () => ({ layer: layers.upSampling2d() }), inputs: [[3, 2, 8]] },
  ],
  BatchNormalization: [
    {
      // Inference: the moving statistics (initially 0 and 1); training: the batch's, coupling the samples.
      label: 'batchNormalization on [5] features, training (batch statistics)',
      make: () => ({ layer: layers.batchNormalization({ epsilon: 0.01 }) }),
      inputs: [[5]],
      batch: 4,
      training: true,
      reference: ([x], [g, b, mm, mv], n) => [x.map((v, i) => g[i % 5] * ((v - mm[i % 5]) / Math.sqrt(mv[i % 5] + 0.01)) + b[i % 5] + 0 * n)],
    },
    {
      label: 'batchNormalization on [3, 2, 4] channels last, no center, training',
      make: () => ({ layer: layers.batchNormalization({ center: false, momentum: 0.5 }) }),
      inputs: [[3, 2, 4]],
      batch: 2,
      training: true,
    },
  ],
};

Object.assign(CASES, RECURRENT_CASES);

describe('every registered layer through the layer tester', () => {
  it('has cases for every class in the registry', () => {
    const missing = [...LAYER_REGISTRY.keys()].filter((name) => name !== 'InputLayer' && !CASES[name]);
    expect(missing).toEqual([]);
  });
  for (const [className, cases] of Object.entries(CASES)) {
    for (const c of cases) {
      it(`${className}: ${c.label}`, () => testLayer(c));
    }
  }
});
