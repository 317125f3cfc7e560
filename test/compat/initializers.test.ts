// Keras / TensorFlow.js initializers: names, initializer objects, seeds. The
// draws come from different generators, so the distributions are compared:
// moments against the formula, and against TensorFlow.js's initializer of the
// same name on the same shape where the two define the same distribution.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, sequential, layers, initializers, Sequential, ValueError, type InitializerLike } from '../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await init({ deterministic: true });
});

const FAN_IN = 200;
const FAN_OUT = 300;

function kernelOf(init: InitializerLike, seed = 1, shape: [number, number] = [FAN_IN, FAN_OUT]): Float32Array {
  const m = sequential({ seed, layers: [layers.dense({ units: shape[1], inputShape: [shape[0]], kernelInitializer: init, useBias: false })] });
  m.build();
  const w = m.getWeights()[0].toFloat32Array();
  m.dispose();
  return w;
}

function moments(w: ArrayLike<number>): { mean: number; variance: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < w.length; i++) {
    s += w[i];
    min = Math.min(min, w[i]);
    max = Math.max(max, w[i]);
  }
  const mean = s / w.length;
  let v = 0;
  for (let i = 0; i < w.length; i++) v += (w[i] - mean) ** 2;
  return { mean, variance: v / w.length, min, max };
}

const N = FAN_IN * FAN_OUT;
// Relative error allowed on a variance estimated from N draws (about 6 standard errors).
const VAR_TOL = 6 * Math.sqrt(2 / N);

describe('initializers by name: the variance of the formula', () => {
  const cases: [InitializerLike, number, 'uniform' | 'truncated' | 'normal'][] = [
    ['glorotUniform', 2 / (FAN_IN + FAN_OUT), 'uniform'],
    ['glorotNormal', 2 / (FAN_IN + FAN_OUT), 'truncated'],
    ['heUniform', 2 / FAN_IN, 'uniform'],
    ['heNormal', 2 / FAN_IN, 'truncated'],
    ['leCunUniform', 1 / FAN_IN, 'uniform'],
    ['leCunNormal', 1 / FAN_IN, 'truncated'],
    ['lecunNormal', 1 / FAN_IN, 'truncated'],
    ['varianceScaling', 1 / FAN_IN, 'normal'],
    [initializers.varianceScaling({ scale: 3, mode: 'fanOut', distribution: 'uniform' }), 3 / FAN_OUT, 'uniform'],
    [initializers.varianceScaling({ scale: 0.5, mode: 'fanAvg', distribution: 'truncatedNormal' }), 0.5 / ((FAN_IN + FAN_OUT) / 2), 'truncated'],
    [initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal' }), 2 / FAN_IN, 'normal'],
    ['randomNormal', 0.05 ** 2, 'normal'],
    ['randomUniform', 0.1 ** 2 / 12, 'uniform'],
  ];
  for (const [initName, variance, shape] of cases) {
    it(`${typeof initName === 'string' ? initName : JSON.stringify(initName)}: variance ${variance.toExponential(3)}, ${shape}`, () => {
      const w = kernelOf(initName);
      const m = moments(w);
      expect(Math.abs(m.mean)).toBeLessThan(6 * Math.sqrt(variance / N));
      expect(Math.abs(m.variance / variance - 1)).toBeLessThan(VAR_TOL);
      const std = Math.sqrt(variance);
      if (shape === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        expect(m.max).toBeLessThanOrEqual(limit * (1 + 1e-6));
        expect(m.min).toBeGreaterThanOrEqual(-limit * (1 + 1e-6));
        expect(m.max).toBeGreaterThan(limit * 0.999);
      } else if (shape === 'truncated') {
        // Cut at two standard deviations of the untruncated normal (std / 0.8796).
        const cut = (2 * std) / 0.87962566103423978;
        expect(m.max).toBeLessThanOrEqual(cut * (1 + 1e-6));
        expect(m.max).toBeGreaterThan(cut * 0.99);
      } else {
        expect(m.max).toBeGreaterThan(3.5 * std);
      }
    });
  }
});

describe('the same distributions as TensorFlow.js', () => {
  // Same name, same definition: the moments and range of TensorFlow.js's draw on the same shape.
  const same: [string, InitializerLike, () => { apply(shape: number[]): tf.Tensor }][] = [
    ['glorotUniform', 'glorotUniform', () => tfl.initializers.glorotUniform({})],
    ['heUniform', 'heUniform', () => tfl.initializers.heUniform({})],
    ['leCunUniform', 'leCunUniform', () => tfl.initializers.leCunUniform({})],
    ['varianceScaling uniform fanAvg scale 2', initializers.varianceScaling({ scale: 2, mode: 'fanAvg', distribution: 'uniform' }), () => tfl.initializers.varianceScaling({ scale: 2, mode: 'fanAvg', distribution: 'uniform' })],
    ['randomNormal(0.3, 0.2)', initializers.randomNormal({ mean: 0.3, stddev: 0.2 }), () => tfl.initializers.randomNormal({ mean: 0.3, stddev: 0.2 })],
    ['randomUniform(-0.3, 0.7)', initializers.randomUniform({ minval: -0.3, maxval: 0.7 }), () => tfl.initializers.randomUniform({ minval: -0.3, maxval: 0.7 })],
    ['truncatedNormal(0.1, 0.3)', initializers.truncatedNormal({ mean: 0.1, stddev: 0.3 }), () => tfl.initializers.truncatedNormal({ mean: 0.1, stddev: 0.3 })],
  ];
  for (const [label, ours, theirs] of same) {
    it(label, () => {
      const a = moments(kernelOf(ours));
      const t = theirs().apply([FAN_IN, FAN_OUT]);
      const b = moments(t.dataSync());
      t.dispose();
      expect(Math.abs(a.mean - b.mean)).toBeLessThan(8 * Math.sqrt(b.variance / N));
      expect(Math.abs(a.variance / b.variance - 1)).toBeLessThan(2 * VAR_TOL);
      if (!label.startsWith('randomNormal')) {
        // Bounded distributions: the same range.
        expect(Math.abs(a.max - b.max)).toBeLessThan(0.02 * (b.max - b.min));
        expect(Math.abs(a.min - b.min)).toBeLessThan(0.02 * (b.max - b.min));
      }
    });
  }

  it('constant, zeros, ones, identity and orthogonal(gain) give the values TensorFlow.js gives', () => {
    expect(Array.from(new Set(kernelOf(initializers.constant({ value: 0.25 }), 1, [3, 4])))).toEqual([0.25]);
    expect(Array.from(new Set(kernelOf('zeros', 1, [3, 4])))).toEqual([0]);
    expect(Array.from(new Set(kernelOf(initializers.ones(), 1, [3, 4])))).toEqual([1]);
    const id = kernelOf(initializers.identity({ gain: 2 }), 1, [4, 4]);
    const tid = tfl.initializers.identity({ gain: 2 }).apply([4, 4]);
    expect(Array.from(id)).toEqual(Array.from(tid.dataSync()));
    tid.dispose();
    const q = kernelOf(initializers.orthogonal({ gain: 3 }), 2, [6, 4]);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) {
      let d = 0;
      for (let k = 0; k < 6; k++) d += q[k * 4 + a] * q[k * 4 + b];
      expect(Math.abs(d - (a === b ? 9 : 0))).toBeLessThan(1e-4);
    }
    expect(() => kernelOf('identity', 1, [3, 4])).toThrow(/square/);
  });
});

describe('initializer objects and seeds', () => {
  it('a seeded initializer draws the same values in any model, whatever the model seed; unseeded ones follow the model seed', () => {
    const spec = initializers.heNormal({ seed: 42 });
    expect(Array.from(kernelOf(spec, 1, [5, 6]))).toEqual(Array.from(kernelOf(spec, 99, [5, 6])));
    expect(Array.from(kernelOf('heNormal', 1, [5, 6]))).not.toEqual(Array.from(kernelOf('heNormal', 99, [5, 6])));
    expect(Array.from(kernelOf('heNormal', 7, [5, 6]))).toEqual(Array.from(kernelOf('heNormal', 7, [5, 6])));
    expect(Array.from(kernelOf(initializers.heNormal({ seed: 43 }), 1, [5, 6]))).not.toEqual(Array.from(kernelOf(spec, 1, [5, 6])));
  });

  it('a Keras JSON initializer is accepted, kept in toJSON, and rebuilds the same weights', () => {
    const make = () => sequential({ seed: 3, layers: [
      layers.dense({ units: 4, inputShape: [3], kernelInitializer: { className: 'VarianceScaling', config: { scale: 2, mode: 'fanOut', distribution: 'uniform', seed: 5 } }, biasInitializer: initializers.constant({ value: 0.5 }) }),
      layers.dense({ units: 2, kernelInitializer: 'leCunNormal' }),
    ] });
    const m = make();
    m.build();
    const json = m.toJSON();
    const cfg = (json.config.layers[0] as unknown as { config: Record<string, unknown> }).config;
    expect(cfg.kernelInitializer).toEqual({ className: 'VarianceScaling', config: { scale: 2, mode: 'fanOut', distribution: 'uniform', seed: 5 } });
    expect(cfg.biasInitializer).toEqual({ className: 'Constant', config: { value: 0.5 } });
    const back = Sequential.fromJSON(JSON.parse(JSON.stringify(json)), { seed: 3 });
    back.build();
    const a = m.getWeights().map((t) => Array.from(t.toFloat32Array()));
    const b = back.getWeights().map((t) => Array.from(t.toFloat32Array()));
    expect(b).toEqual(a);
    expect(a[1]).toEqual([0.5, 0.5, 0.5, 0.5]);
    m.dispose();
    back.dispose();
  });

  it('convolution and recurrent layers take them too (fans from the receptive field)', () => {
    const m = sequential({ seed: 1, layers: [
      layers.conv2d({ filters: 64, kernelSize: 5, inputShape: [12, 12, 16], kernelInitializer: 'heUniform' }),
      layers.reshape({ targetShape: [64, 64] }),
      layers.lstm({ units: 8, kernelInitializer: initializers.glorotNormal({ seed: 1 }), recurrentInitializer: initializers.orthogonal({ gain: 0.5 }) }),
    ] });
    m.build();
    const [k] = m.getWeights();
    const st = moments(k.toFloat32Array());
    const limit = Math.sqrt(6 / (5 * 5 * 16));
    expect(st.max).toBeLessThanOrEqual(limit * (1 + 1e-6));
    expect(st.max).toBeGreaterThan(limit * 0.99);
    m.dispose();
  });

  it('bad initializers are refused, naming the option and the value', () => {
    expect(() => layers.dense({ units: 2, kernelInitializer: 'henormal' as never })).toThrow(/kernelInitializer must be one of .* got "henormal" \(did you mean "heNormal"\?\)/);
    expect(() => initializers.varianceScaling({ mode: 'fan_in' as never })).toThrow(ValueError);
    expect(() => initializers.varianceScaling({ mode: 'fan_in' as never })).toThrow(/mode must be 'fanIn', 'fanOut' or 'fanAvg', got "fan_in"/);
    expect(() => initializers.varianceScaling({ scale: -1 })).toThrow(/scale must be a finite float32 number >= 0/);
    expect(() => initializers.varianceScaling({ distribution: 'gaussian' as never })).toThrow(/distribution/);
    expect(() => initializers.randomUniform({ minval: 1, maxval: 0 })).toThrow(/minval <= maxval/);
    expect(() => initializers.randomNormal({ stdev: 1 } as never)).toThrow(/did you mean "stddev"/);
    expect(() => layers.dense({ units: 2, kernelInitializer: { className: 'Glorot', config: {} } as never })).toThrow(/className must be one of/);
    expect(() => initializers.constant({} as never)).toThrow(/needs a value/);
  });
});
