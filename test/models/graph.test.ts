import { describe, it, expect, beforeAll } from 'vitest';
import {
  init, input, model, sequential, layers, optimizers, memoryStats, Model, ShapeError, ValueError, type Tensor, type SymbolicTensor,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

/** Centered finite differences of f at w (float32 model, so a generous step and a relative tolerance). */
function expectGradient(analytic: Float32Array, w: Float32Array, f: (w: Float32Array) => number, label: string, h = 1e-2): void {
  for (let i = 0; i < w.length; i++) {
    const wp = w.slice();
    wp[i] += h;
    const wm = w.slice();
    wm[i] -= h;
    const numeric = (f(wp) - f(wm)) / (2 * h);
    const a = analytic[i];
    if (!(Math.abs(a - numeric) <= 2e-2 * (Math.abs(a) + Math.abs(numeric)) + 2e-4)) {
      throw new Error(`${label}: component ${i}: analytic ${a}, numeric ${numeric}`);
    }
  }
}

/** Parameter gradients of the compiled loss checked against finite differences. */
function checkParamGradients(m: Model, x: Float32Array | Float32Array[], y: Float32Array | Int32Array | (Float32Array | Int32Array)[]): void {
  const { gradients } = m.gradientsFlat(x, y);
  const w = m.getWeightsFlat();
  expectGradient(gradients, w, (wi) => {
    m.setWeightsFlat(wi);
    const l = m.gradientsFlat(x, y).loss;
    m.setWeightsFlat(w);
    return l;
  }, 'weights');
}

describe('graph models (functional API)', () => {
  it('a residual model (dense -> dense + skip -> dense) trains, and its gradients match finite differences', async () => {
    const x = input({ shape: [4] });
    const h = layers.dense({ units: 8, activation: 'tanh' }).apply(x) as never;
    const r = layers.dense({ units: 8, activation: 'tanh' }).apply(h) as never;
    const sum = layers.add().apply([h, r]) as never;
    const out = layers.dense({ units: 1 }).apply(sum) as never;
    const m = model({ inputs: x, outputs: out, seed: 3 });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'mse' });
    const xs = randArray(64 * 4, 1);
    const ys = Float32Array.from({ length: 64 }, (_, i) => Math.sin(2 * xs[i * 4]) + xs[i * 4 + 1] * xs[i * 4 + 2] - xs[i * 4 + 3]);
    checkParamGradients(m, xs.subarray(0, 20), ys.subarray(0, 5));
    const hist = await m.fit(xs, ys, { epochs: 150, batchSize: 16 });
    expect(hist.history.loss.at(-1) as number).toBeLessThan(hist.history.loss[0] * 0.05);
    expect(m.layers.map((l) => l.className)).toEqual(['Dense', 'Dense', 'Add', 'Dense']);
    const text = m.summary(() => {});
    expect(text).toMatch(/Connected to/);
    expect(text).toMatch(/add_\d+ \(Add\)\s+\[null,8\]\s+0\s+dense_\d+, dense_\d+/);
    m.dispose();
  });

  it('a layer applied twice shares its weights: both uses add into one gradient', () => {
    const a = input({ shape: [3] });
    const b = input({ shape: [3] });
    const shared = layers.dense({ units: 4, activation: 'tanh' });
    const ha = shared.apply(a) as never;
    const hb = shared.apply(b) as never;
    const out = layers.dense({ units: 2 }).apply(layers.add().apply([ha, hb]) as never) as never;
    const m = model({ inputs: [a, b], outputs: out, seed: 4 });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(m.countParams()).toBe(3 * 4 + 4 + 4 * 2 + 2);
    expect(m.weights.map((v) => v.path)).toEqual([`${shared.name}/kernel`, `${shared.name}/bias`, expect.stringMatching(/kernel$/), expect.stringMatching(/bias$/)]);
    const xa = randArray(5 * 3, 5);
    const xb = randArray(5 * 3, 6);
    const y = randArray(5 * 2, 7);
    checkParamGradients(m, [xa, xb], y);
    const p = m.predict([xa, xb]) as Tensor;
    expect(p.shape).toEqual([5, 2]);
    m.dispose();
  });

  it('several outputs: a loss per output, summed; predict returns one tensor per output', async () => {
    const x = input({ shape: [5] });
    const h = layers.dense({ units: 6, activation: 'tanh' }).apply(x) as never;
    const cls = layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h) as never;
    const reg = layers.dense({ units: 1, name: 'reg' }).apply(h) as never;
    const m = model({ inputs: x, outputs: [cls, reg], seed: 5 });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: ['sparseCategoricalCrossentropy', 'mse'], metrics: ['accuracy'] });
    const xs = randArray(40 * 5, 8);
    const labels = Int32Array.from({ length: 40 }, (_, i) => (xs[i * 5] > 0 ? 0 : xs[i * 5 + 1] > 0 ? 1 : 2));
    const values = Float32Array.from({ length: 40 }, (_, i) => xs[i * 5 + 2] * 2);
    checkParamGradients(m, xs.subarray(0, 6 * 5), [labels.subarray(0, 6), values.subarray(0, 6)]);
    const hist = await m.fit(xs, [labels, values], { epochs: 60, batchSize: 8 });
    expect(Object.keys(hist.history).sort()).toEqual(['cls_acc', 'cls_accuracy', 'loss', 'reg_acc', 'reg_accuracy']);
    expect(hist.history.loss.at(-1) as number).toBeLessThan(hist.history.loss[0]);
    const [pc, pr] = m.predict(xs) as Tensor[];
    expect(pc.shape).toEqual([40, 3]);
    expect(pr.shape).toEqual([40, 1]);
    const ev = m.evaluateLogs(xs, [labels, values]);
    expect(ev.loss).toBeCloseTo(hist.history.loss.at(-1) as number, 0);
    m.dispose();
  });

  it('a sub-model over part of a graph shares the weights (an encoder trained through the whole model)', async () => {
    const x = input({ shape: [6] });
    const enc = layers.dense({ units: 2, activation: 'tanh', name: 'code' });
    const code = enc.apply(x) as never;
    const recon = layers.dense({ units: 6, name: 'recon' }).apply(code) as never;
    const full = model({ inputs: x, outputs: recon, seed: 6 });
    const encoder = model({ inputs: x, outputs: code });
    expect(encoder.weights.every((v) => full.weights.includes(v))).toBe(true);
    const xs = randArray(32 * 6, 9);
    const before = (encoder.predict(xs) as Tensor).toFloat32Array();
    full.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'mse' });
    await full.fit(xs, xs, { epochs: 5, batchSize: 8 });
    const after = (encoder.predict(xs) as Tensor).toFloat32Array();
    expect(after).not.toEqual(before);
    // The codes the encoder gives are the ones the full model computes inside.
    const [inner] = full.activations(xs, ['code']);
    expect(inner.toFloat32Array()).toEqual(after);
    // Disposing one model keeps the weights for the other.
    full.dispose();
    expect((encoder.predict(xs) as Tensor).toFloat32Array()).toEqual(after);
    encoder.dispose();
  });

  it('getLayer, layer.trainable (frozen layers keep their weights), and the weights lists', async () => {
    const m = sequential({
      seed: 7,
      layers: [layers.dense({ units: 4, activation: 'tanh', inputShape: [3], name: 'first' }), layers.dense({ units: 2, name: 'second' })],
    });
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    expect(m.getLayer('second')).toBe(m.layers[1]);
    expect(m.getLayer(0).name).toBe('first');
    expect(() => m.getLayer('third')).toThrow(/no layer named "third" .* first, second/);
    m.getLayer('first').trainable = false;
    expect(m.trainableWeights.map((v) => v.path)).toEqual(['second/kernel', 'second/bias']);
    expect(m.nonTrainableWeights.map((v) => v.path)).toEqual(['first/kernel', 'first/bias']);
    const frozen = m.layers[0].getWeights().map((t) => t.toFloat32Array());
    const head = m.layers[1].getWeights().map((t) => t.toFloat32Array());
    const x = randArray(16 * 3, 10);
    const y = randArray(16 * 2, 11);
    await m.fit(x, y, { epochs: 3, batchSize: 4 });
    expect(m.layers[0].getWeights().map((t) => t.toFloat32Array())).toEqual(frozen);
    expect(m.layers[1].getWeights().map((t) => t.toFloat32Array())).not.toEqual(head);
    // A frozen layer still passes gradients to what is before it; its own gradient is zero.
    const g = m.gradientsFlat(x, y).gradients;
    expect(Array.from(g.subarray(0, 16)).every((v) => v === 0)).toBe(true);
    expect(m.summary(() => {})).toMatch(/Trainable params: 10\nNon-trainable params: 16/);
    m.dispose();
  });

  it('round-trips its architecture through toJSON / Model.fromJSON', () => {
    const a = input({ shape: [3], name: 'in_a' });
    const b = input({ shape: [2], name: 'in_b' });
    const shared = layers.dense({ units: 3, activation: 'relu', name: 'shared' });
    const s1 = shared.apply(a) as never;
    const s2 = shared.apply(layers.dense({ units: 3, name: 'lift' }).apply(b) as never) as never;
    const out = layers.dense({ units: 1, name: 'out' }).apply(layers.add({ name: 'sum' }).apply([s1, s2]) as never) as never;
    const m = model({ inputs: [a, b], outputs: out, seed: 8, name: 'twin' });
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    const again = Model.fromJSON(json, { seed: 1 });
    expect(again.name).toBe('twin');
    expect(again.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    expect(again.countParams()).toBe(m.countParams());
    again.setWeightsFlat(m.getWeightsFlat());
    const xa = randArray(4 * 3, 12);
    const xb = randArray(4 * 2, 13);
    expect((again.predict([xa, xb]) as Tensor).toFloat32Array()).toEqual((m.predict([xa, xb]) as Tensor).toFloat32Array());
    m.dispose();
    again.dispose();
  });

  it('rejects graphs that cannot run, naming what is wrong', () => {
    const a = input({ shape: [3] });
    const b = input({ shape: [3] });
    const y = layers.add().apply([a, b]) as never;
    expect(() => model({ inputs: a, outputs: y })).toThrow(/disconnected: the outputs depend on input .* not among the model's inputs/);
    expect(() => layers.add().apply([a, input({ shape: [4] })])).toThrow(ShapeError);
    expect(() => layers.add().apply([a, input({ shape: [4] })])).toThrow(/input 0 is \[3\], input 1 is \[4\]/);
    const d = layers.dense({ units: 2 });
    d.apply(a);
    expect(() => d.apply(input({ shape: [5] }))).toThrow(/last axis is 3 \(it was built for \[3\]\), got \[5\]/);
    expect(() => model({ inputs: [a], outputs: [a, a] })).toThrow(ValueError);
    expect(() => model({ inputs: 5 as never, outputs: y })).toThrow(/inputs\[0\] must be a symbolic tensor/);
    expect(() => model({ inputs: y as never, outputs: y })).toThrow(/must come from input\(\)/);
  });
});

describe('gradients beyond the loss', () => {
  function inputGradientCheck(m: Model, x: Float32Array, y: Float32Array | Int32Array): void {
    const g = m.gradients(x, { y, wrt: ['input', 'params'] });
    const flat = m.gradientsFlat(x, y);
    expect(g.loss).toBeCloseTo(flat.loss, 6);
    // The weight gradients are those of gradientsFlat (every weight here is trainable).
    const params = new Float32Array((g.params as Tensor[]).flatMap((t) => Array.from(t.toFloat32Array())));
    expect(params).toEqual(flat.gradients);
    const dx = (g.input as Tensor).toFloat32Array();
    expect((g.input as Tensor).shape).toEqual([x.length / m.inputs[0].shape.reduce((p, d) => p * d, 1), ...m.inputs[0].shape]);
    expectGradient(dx, x, (xi) => m.gradientsFlat(xi, y).loss, 'input');
  }

  it('d loss / d input of an MLP matches finite differences', () => {
    const m = sequential({
      seed: 9,
      layers: [layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 3, activation: 'softmax' })],
    });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    inputGradientCheck(m, randArray(3 * 4, 14), Int32Array.from([0, 2, 1]));
    m.dispose();
  });

  it('d loss / d input of a CNN matches finite differences, the first layer included', () => {
    const m = sequential({
      seed: 10,
      layers: [
        layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', inputShape: [5, 5, 2] }),
        layers.averagePooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 2, kernelSize: 2, strides: 1, activation: 'elu' }),
        layers.flatten(),
        layers.dense({ units: 2 }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    inputGradientCheck(m, randArray(2 * 5 * 5 * 2, 15), randArray(4, 16));
    m.dispose();
  });

  it('a seed on the outputs gives d output[c] / d input (a class score), one row per sample', () => {
    const m = sequential({
      seed: 11,
      layers: [layers.dense({ units: 6, activation: 'relu', inputShape: [3] }), layers.dense({ units: 4, activation: 'softmax' })],
    });
    const x = randArray(2 * 3, 17, 0.2, 1);
    const seed = new Float32Array(2 * 4);
    seed[0 * 4 + 1] = 1;
    seed[1 * 4 + 3] = 1;
    const g = m.gradients(x, { seed, wrt: ['input'] });
    expect(g.loss).toBeNull();
    expect(g.params).toBeNull();
    const dx = (g.input as Tensor).toFloat32Array();
    const score = (xi: Float32Array) => {
      const p = m.predict(xi).toFloat32Array();
      return p[1] + p[4 + 3];
    };
    expectGradient(dx, x, score, 'class score', 1e-3);
    m.dispose();
  });

  it('gradients() and activations() allocate nothing that outlives them and change no weight', () => {
    const m = sequential({ seed: 12, layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [3], name: 'h' }), layers.dense({ units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const x = randArray(6 * 3, 18);
    const y = Float32Array.from({ length: 12 }, (_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0));
    const w = m.getWeightsFlat();
    m.gradients(x, { y, wrt: ['input', 'params'] });
    const live = memoryStats().liveBytes;
    for (let i = 0; i < 20; i++) {
      const g = m.gradients(x, { y, wrt: ['input', 'params'] });
      (g.input as Tensor).dispose();
      for (const t of g.params as Tensor[]) t.dispose();
      for (const t of m.activations(x, ['h'])) t.dispose();
    }
    expect(memoryStats().liveBytes).toBe(live);
    expect(m.getWeightsFlat()).toEqual(w);
    expect(() => m.gradients(x, { wrt: ['input'] } as never)).toThrow(/exactly one of y .* or seed/);
    expect(() => m.gradients(x, { y, wrt: ['inputs' as never] })).toThrow(/wrt must be a non-empty array of 'input' and 'params', got \["inputs"\]/);
    m.dispose();
  });
});

describe('inner activations', () => {
  it('a convolution fused with the max pooling after it still shows its own output when asked for', () => {
    const m = sequential({
      seed: 14,
      layers: [
        layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1], name: 'conv' }),
        layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
        layers.flatten(),
        layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
      ],
    });
    const x = randArray(5 * 64, 20);
    const [conv, pool, out] = m.activations(x, ['conv', 'pool', 'out']);
    expect(conv.shape).toEqual([5, 6, 6, 4]);
    expect(pool.shape).toEqual([5, 3, 3, 4]);
    const sub = model({ inputs: m.inputs, outputs: m.getLayer('conv').output as SymbolicTensor });
    expect(conv.toFloat32Array()).toEqual((sub.predict(x) as Tensor).toFloat32Array());
    expect(out.toFloat32Array()).toEqual(m.predict(x).toFloat32Array());
    // The pooled values are the maxima of the convolution's windows.
    const c = conv.toFloat32Array();
    const p = pool.toFloat32Array();
    const at = (b: number, y: number, xx: number, f: number) => c[((b * 6 + y) * 6 + xx) * 4 + f];
    expect(p[0]).toBe(Math.max(at(0, 0, 0, 0), at(0, 0, 1, 0), at(0, 1, 0, 0), at(0, 1, 1, 0)));
    expect(() => m.activations(x, ['nope'])).toThrow(/no layer named "nope"/);
    sub.dispose();
    m.dispose();
  });
});

describe('losses and metrics act on the last axis (Keras)', () => {
  it('a [2, 3] softmax output with per-step targets gives the per-step cross-entropy, averaged', () => {
    // Dense on a [2, 4] input acts on the last axis: two steps of three classes per sample.
    const m = sequential({ seed: 13, layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [2, 4] })] });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    expect(m.outputShape).toEqual([2, 3]);
    const x = randArray(3 * 2 * 4, 19, -2, 2);
    const y = new Float32Array(3 * 2 * 3);
    const labels = [0, 2, 1, 1, 2, 0];
    labels.forEach((c, r) => { y[r * 3 + c] = 1; });
    const p = m.predict(x).toFloat32Array();
    let ce = 0;
    let correct = 0;
    for (let r = 0; r < 6; r++) {
      ce -= Math.log(p[r * 3 + labels[r]]);
      const arg = [0, 1, 2].reduce((a, b) => (p[r * 3 + b] > p[r * 3 + a] ? b : a));
      if (arg === labels[r]) correct++;
    }
    const ev = m.evaluateLogs(x, y);
    expect(ev.loss).toBeCloseTo(ce / 6, 5);
    expect(ev.accuracy).toBeCloseTo(correct / 6, 10);
    // Sparse labels with the leading axis: [n, T].
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const sparse = m.evaluateLogs(x, [[0, 2], [1, 1], [2, 0]]);
    expect(sparse.loss).toBeCloseTo(ce / 6, 5);
    expect(() => m.evaluateLogs(x, [0, 1, 2])).toThrow(/one integer class per sample and step, shape \[3,2\]/);
    m.dispose();
  });
});
