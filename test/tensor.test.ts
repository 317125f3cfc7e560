import { describe, it, expect, beforeAll } from 'vitest';
import {
  init, tensor, zeros, ones, fill, matmul, add, sub, mul, relu, sigmoid, tanh, leakyRelu, elu, gelu, step, sign,
  softmax, exp, log, clipByValue, transpose, sum, argMax, randomUniform, randomNormal, randomBernoulli, tidy, keep,
  memoryStats, setSeed, Tensor, ShapeError, ValueError, DisposedError, conv2d, maxPool2d, avgPool2d, sequential, layers,
} from '../src/index.js';
import { conv2dRef, poolRef, type Geo } from './reference/conv.js';
import { gemmRef } from './reference/gemm.js';
import { actRef, softmaxRef } from './reference/activation.js';
import { expectClose, randArray } from './helpers.js';

beforeAll(async () => {
  await init({ deterministic: true, seed: 1 });
});

describe('tensor creation', () => {
  it('from nested arrays, typed arrays with a shape, and scalars', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.size).toBe(6);
    expect(a.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const b = tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(b.array()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(7).array()).toBe(7);
    expect(tensor([1.5, 2.5], undefined, 'int32').dataSync()).toEqual(Int32Array.from([1, 2]));
    expect(zeros([2]).array()).toEqual([0, 0]);
    expect(ones([1, 2]).array()).toEqual([[1, 1]]);
    expect(fill([3], 0.5).array()).toEqual([0.5, 0.5, 0.5]);
    expect(tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
  });

  it('rejects ragged arrays and shape/size mismatches with a ShapeError naming both', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged.*length 2 at depth 1.*\[3\]/);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/shape \[2,2\] needs 4 values, got 3/);
    expect(() => tensor([1], [-1])).toThrow(/shape must be an array of non-negative integers, got \[-1\]/);
    expect(() => tensor([[1, 'a' as unknown as number]])).toThrow(/not numbers/);
    expect(() => tensor([1], undefined, 'float64' as never)).toThrow(ValueError);
  });

  it('reshape, clone, view and copies are independent', () => {
    const a = tensor([1, 2, 3, 4, 5, 6]);
    const r = a.reshape([3, 2]);
    expect(r.array()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(() => a.reshape([4, 2])).toThrow(/cannot reshape tensor of shape \[6\] \(size 6\) to \[4,2\] \(size 8\)/);
    const copy = a.toFloat32Array();
    copy[0] = 100;
    expect(a.toFloat32Array()[0]).toBe(1);
    a.view()[1] = 20; // views are zero-copy
    expect(a.toFloat32Array()[1]).toBe(20);
    expect(r.toFloat32Array()[1]).toBe(2);
  });

  it('dispose frees the region; later use is a DisposedError; dispose is idempotent', () => {
    const before = memoryStats().liveBytes;
    const t = tensor([1, 2, 3]);
    expect(memoryStats().liveBytes).toBe(before + 16);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(memoryStats().liveBytes).toBe(before);
    expect(() => t.toFloat32Array()).toThrow(DisposedError);
    expect(() => relu(t)).toThrow(/x is a disposed tensor of shape \[3\]/);
    expect(() => relu(t)).toThrow(DisposedError);
  });
});

describe('ops against float64 references', () => {
  it('matmul with transposes, fused bias and activation', () => {
    for (const [m, n, k] of [[1, 1, 1], [5, 7, 3], [64, 10, 128], [13, 29, 300]]) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const av = randArray(m * k, m + k);
        const bv = randArray(k * n, n + k);
        const bias = randArray(n, 3);
        const a = tensor(av, ta ? [k, m] : [m, k]);
        const b = tensor(bv, tb ? [n, k] : [k, n]);
        const c = matmul(a, b, { transposeA: ta, transposeB: tb, bias: tensor(bias), activation: 'tanh' });
        expect(c.shape).toEqual([m, n]);
        const ref = gemmRef(ta, tb, m, n, k, 1, av, ta ? m : k, bv, tb ? k : n, 0, new Float64Array(m * n), n, bias, Math.tanh);
        expectClose(c.toFloat32Array(), ref, { atol: 1e-5, rtol: 1e-5 }, `matmul ${m}x${n}x${k} ${ta} ${tb}`);
      }
    }
  });

  it('matmul shape errors name the operation, the arguments and the shapes', () => {
    const a = tensor(new Float32Array(6), [2, 3]);
    const b = tensor(new Float32Array(8), [4, 2]);
    expect(() => matmul(a, b)).toThrow(ShapeError);
    expect(() => matmul(a, b)).toThrow(/matmul: inner dimensions differ: a \[2,3\] gives k=3, b \[4,2\] gives k=4/);
    expect(() => matmul(a, b, { transposeB: true })).toThrow(/b \[4,2\] \(transposed\) gives k=2/);
    expect(() => matmul(tensor([1, 2]), b)).toThrow(/a must have rank 2, got shape \[2\]/);
    expect(() => matmul(a, tensor(new Float32Array(6), [3, 2]), { bias: [1, 2, 3] })).toThrow(/bias must have shape \[2\], got \[3\]/);
    expect(() => matmul(a, b, { activation: 'swishh' as never })).toThrow(/activation must be one of .* got "swishh"/);
    expect(() => matmul(a, b, { activation: 'leakyRelu', alpha: NaN })).toThrow(/alpha must be a finite number, got NaN/);
  });

  it('conv2d (strides, same/valid, dilations, fused bias and activation, rank 3 or 4) and 2D pooling', () => {
    const cases: [number[], number[], { strides?: number | [number, number]; padding?: 'valid' | 'same'; dilations?: number }][] = [
      [[2, 9, 8, 3], [3, 3, 3, 5], { padding: 'same' }],
      [[1, 11, 10, 2], [4, 3, 2, 7], { strides: [2, 3], padding: 'same' }],
      [[3, 7, 7, 4], [2, 2, 4, 9], { strides: 2 }],
      [[1, 9, 9, 1], [3, 3, 1, 2], { dilations: 2, padding: 'same' }],
      [[6, 5, 2], [5, 5, 2, 3], {}],
    ];
    for (const [xs, ks, o] of cases) {
      const [n, h, w, c] = xs.length === 4 ? xs : [1, ...xs];
      const [kh, kw, , f] = ks;
      const [sh, sw] = Array.isArray(o.strides) ? o.strides : [o.strides ?? 1, o.strides ?? 1];
      const d = o.dilations ?? 1;
      const ax = (inp: number, k: number, s: number) => {
        const ek = (k - 1) * d + 1;
        if (o.padding !== 'same') return { out: Math.floor((inp - ek) / s) + 1, pad: 0 };
        const out = Math.ceil(inp / s);
        return { out, pad: Math.floor(Math.max((out - 1) * s + ek - inp, 0) / 2) };
      };
      const gy = ax(h, kh, sh);
      const gx = ax(w, kw, sw);
      const g: Geo = { n, h, w, c, kh, kw, sh, sw, ph: gy.pad, pw: gx.pad, dh: d, dw: d, oh: gy.out, ow: gx.out };
      const xv = randArray(n * h * w * c, 21);
      const kv = randArray(kh * kw * c * f, 22);
      const bias = randArray(f, 23);
      const y = conv2d(tensor(xv, xs), tensor(kv, ks), { ...o, bias, activation: 'tanh' });
      expect(y.shape).toEqual(xs.length === 4 ? [n, gy.out, gx.out, f] : [gy.out, gx.out, f]);
      expectClose(y.toFloat32Array(), Array.from(conv2dRef(g, xv, kv, f), (v, i) => Math.tanh(v + bias[i % f])), { atol: 2e-5, rtol: 1e-5 }, `conv2d ${xs} ${ks}`);
      y.dispose();
    }
    const x = randArray(2 * 7 * 9 * 3, 24);
    const xt = tensor(x, [2, 7, 9, 3]);
    for (const [mode, fn] of [['max', maxPool2d], ['avg', avgPool2d]] as const) {
      const p = fn(xt, { poolSize: 3, strides: 2, padding: 'same' });
      const g: Geo = { n: 2, h: 7, w: 9, c: 3, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, oh: 4, ow: 5 };
      expect(p.shape).toEqual([2, 4, 5, 3]);
      expectClose(p.toFloat32Array(), poolRef(mode, g, x), { atol: 1e-6, rtol: 1e-6 }, mode);
      p.dispose();
    }
    expect(maxPool2d(xt).shape).toEqual([2, 3, 4, 3]);
  });

  it('conv2d gives the Conv2D layer\'s bits; shape and argument errors name the op and the values', () => {
    const model = sequential({ seed: 4, layers: [layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [6, 5, 2] })] });
    const x = tensor(randArray(3 * 6 * 5 * 2, 25), [3, 6, 5, 2]);
    model.build();
    const [kernel, bias] = model.getWeights();
    expect(conv2d(x, kernel, { bias, padding: 'same', activation: 'relu' }).toFloat32Array()).toEqual(model.predict(x).toFloat32Array());
    expect(() => conv2d(x, tensor(new Float32Array(3 * 3 * 3 * 4), [3, 3, 3, 4]))).toThrow(/conv2d: filter has 3 input channels \(shape \[3,3,3,4\]\) but x has 2 \(shape \[3,6,5,2\]\)/);
    expect(() => conv2d(tensor([1, 2, 3, 4]), kernel)).toThrow(/conv2d: x must have rank 4 \[batch, height, width, channels\] or 3 .* got shape \[4\]/);
    expect(() => conv2d(x, tensor([1, 2]))).toThrow(/filter must have rank 4/);
    expect(() => conv2d(x, kernel, { bias: [1, 2] })).toThrow(/conv2d: bias must have shape \[4\], got \[2\]/);
    expect(() => conv2d(x, kernel, { strides: 0 })).toThrow(/conv2d: strides must be a positive integer or a pair of them, got 0/);
    expect(() => conv2d(x, kernel, { padding: 'full' as never })).toThrow(/conv2d: padding must be 'valid' or 'same', got "full"/);
    expect(() => conv2d(x, kernel, { strides: 2, dilations: 2 })).toThrow(/strides > 1 together with dilations > 1/);
    expect(() => conv2d(tensor(new Float32Array(2 * 2 * 2), [2, 2, 2]), kernel)).toThrow(ShapeError);
    expect(() => maxPool2d(x, { poolSize: 7 })).toThrow(/maxPool2d: a window of 7 does not fit an input of size 6/);
    expect(() => avgPool2d(x, null as never)).toThrow(/avgPool2d: options must be an object, got null/);
    const live = memoryStats().liveAllocations;
    expect(() => conv2d(x, kernel, { bias: [1, 2] })).toThrow(ShapeError);
    expect(memoryStats().liveAllocations).toBe(live);
    model.dispose();
  });

  it('activations, softmax, exp and log', () => {
    const xv = randArray(103, 8, -5, 5);
    const x = tensor(xv);
    const cases: [Tensor, (v: number) => number][] = [
      [relu(x), (v) => actRef('relu', v)],
      [sigmoid(x), (v) => actRef('sigmoid', v)],
      [tanh(x), Math.tanh],
      [leakyRelu(x, 0.1), (v) => actRef('leakyRelu', v, 0.1)],
      [elu(x), (v) => actRef('elu', v, 1)],
      [gelu(x), (v) => actRef('gelu', v)],
      [step(x), (v) => actRef('step', v)],
      [sign(x), (v) => actRef('sign', v)],
      [exp(x), Math.exp],
    ];
    for (const [t, f] of cases) expectClose(t.toFloat32Array(), Array.from(xv, f), { atol: 1e-6, rtol: 1e-5 }, 'activation');
    expectClose(log(exp(x)).toFloat32Array(), xv, { atol: 1e-5, rtol: 1e-5 }, 'log(exp(x))');
    const s = softmax(x.reshape([1, 103]));
    expectClose(s.toFloat32Array(), softmaxRef(1, 103, xv), { atol: 1e-7, rtol: 1e-5 }, 'softmax');
    expect(() => softmax(tensor(1))).toThrow(/rank >= 1/);
  });

  it('arithmetic with broadcasting of a bias row, scalars, clip, transpose, sum, argMax', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(add(a, [10, 20, 30]).array()).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(add(a, a).array()).toEqual([[2, 4, 6], [8, 10, 12]]);
    expect(sub(a, 1).array()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(mul(a, a).array()).toEqual([[1, 4, 9], [16, 25, 36]]);
    expect(mul(a, 0.5).array()).toEqual([[0.5, 1, 1.5], [2, 2.5, 3]]);
    expect(clipByValue(a, 2, 4).array()).toEqual([[2, 2, 3], [4, 4, 4]]);
    expect(transpose(a).array()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(sum(a)).toBe(21);
    expect(argMax(tensor([[1, 9, 3], [7, 2, 7]])).array()).toEqual([1, 0]);
    expect(() => add(a, [1, 2])).toThrow(/shapes \[2,3\] and \[2\] cannot be broadcast together/);
    expect(() => clipByValue(a, 3, 1)).toThrow(/lo <= hi, got lo=3, hi=1/);
    expect(() => add(a, NaN)).toThrow(ValueError);
  });

  it('random tensors: seeded calls repeat, the backend stream is reproducible from setSeed', () => {
    const u1 = randomUniform([100], -1, 1, 5).toFloat32Array();
    const u2 = randomUniform([100], -1, 1, 5).toFloat32Array();
    expect(u1).toEqual(u2);
    expect(u1.every((v) => v >= -1 && v < 1)).toBe(true);
    setSeed(123);
    const n1 = randomNormal([50]).toFloat32Array();
    const n2 = randomNormal([50]).toFloat32Array();
    setSeed(123);
    expect(randomNormal([50]).toFloat32Array()).toEqual(n1);
    expect(n2).not.toEqual(n1);
    expect(randomBernoulli([20], 1).toFloat32Array().every((v) => v === 1)).toBe(true);
    expect(() => randomUniform([2], 1, 0)).toThrow(/minval must be <= maxval/);
    expect(() => randomNormal([2], 0, -1)).toThrow(/stdDev must be a finite number >= 0, got -1/);
    expect(() => randomBernoulli([2], 1.5)).toThrow(/p must be a finite number in \[0, 1\], got 1.5/);
  });
});

describe('memory', () => {
  it('tidy disposes intermediates, keeps what is returned, and cleans up when fn throws', () => {
    const before = memoryStats();
    const kept = tidy(() => {
      const a = tensor([[1, 2], [3, 4]]);
      const b = matmul(a, a);
      keep(tensor([0]));
      return { out: relu(b) };
    });
    expect(kept.out.array()).toEqual([[7, 10], [15, 22]]);
    expect(memoryStats().liveAllocations).toBe(before.liveAllocations + 2);
    expect(() => tidy(() => { tensor([1, 2, 3]); throw new Error('boom'); })).toThrow('boom');
    expect(memoryStats().liveAllocations).toBe(before.liveAllocations + 2);
  });

  it('a 3,000-step training loop built from ops leaves live memory where it started, and learns', () => {
    // Linear regression y = X w* by gradient descent on the mean squared error.
    const n = 64, d = 8;
    const X = tensor(randArray(n * d, 1), [n, d]);
    const wTrue = tensor(randArray(d, 2, -2, 2), [d, 1]);
    const Y = matmul(X, wTrue);
    let w = zeros([d, 1]);
    const start = memoryStats();
    let firstLoss = 0, lastLoss = 0;
    for (let stepIdx = 0; stepIdx < 3000; stepIdx++) {
      const next = tidy(() => {
        const err = sub(matmul(X, w), Y);
        const loss = sum(mul(err, err)) / n;
        if (stepIdx === 0) firstLoss = loss;
        lastLoss = loss;
        const grad = matmul(X, err, { transposeA: true });
        return sub(w, mul(grad, 0.1 * 2 / n));
      });
      w.dispose();
      w = next;
    }
    const end = memoryStats();
    expect(end.liveBytes).toBe(start.liveBytes);
    expect(end.liveAllocations).toBe(start.liveAllocations);
    expect(end.heapBytes).toBe(start.heapBytes);
    expect(lastLoss).toBeLessThan(firstLoss * 1e-6);
    expectClose(w.toFloat32Array(), wTrue.toFloat32Array(), { atol: 1e-4, rtol: 1e-4 }, 'learned weights');
  });
});
