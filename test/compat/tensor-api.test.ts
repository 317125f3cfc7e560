// The TensorFlow.js-shaped tensor API for data preparation: every op and
// chainable method against @tensorflow/tfjs-core on the same values
// (broadcasting, axes, keepDims, shapes and dtypes included).
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  init, tensor, scalar, tensor1d, tensor2d, tensor3d, tensor4d, linspace, range, div, pow, maximum, minimum, sqrt, square, abs, neg,
  mean, max, min, prod, argMin, concat, stack, slice, gather, expandDims, squeeze, oneHot, util, add, sub, mul, transpose, zerosLike,
  Tensor, ShapeError, ValueError,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await init();
});

function same(ours: Tensor, theirs: tf.Tensor, label: string, tol = 1e-6): void {
  expect(ours.shape, `${label}: shape`).toEqual(theirs.shape);
  expect(ours.dtype, `${label}: dtype`).toBe(theirs.dtype);
  const a = ours.dataSync();
  const b = theirs.dataSync();
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) expect(Number.isNaN(a[i]), `${label}[${i}]`).toBe(true);
    else expect(Math.abs(a[i] - (b[i] as number)), `${label}[${i}]: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i] as number)));
  }
}

const A = randArray(2 * 3 * 4, 1, -2, 2);
const B = randArray(2 * 3 * 4, 2, 0.5, 2);
const a = () => tensor(A, [2, 3, 4]);
const ta = () => tf.tensor(A, [2, 3, 4]);

describe('creation', () => {
  it('scalar, tensor1d..4d, linspace, range, zerosLike as tf creates them', () => {
    same(scalar(3.5), tf.scalar(3.5), 'scalar');
    same(tensor1d([1, 2, 3]), tf.tensor1d([1, 2, 3]), 'tensor1d');
    same(tensor1d([1, 2, 3], 'int32'), tf.tensor1d([1, 2, 3], 'int32'), 'tensor1d int32');
    same(tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1, 2], [3, 4]]), 'tensor2d');
    same(tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), 'tensor2d flat');
    same(tensor3d(A, [2, 3, 4]), tf.tensor3d(A, [2, 3, 4]), 'tensor3d');
    same(tensor4d(A, [1, 2, 3, 4]), tf.tensor4d(A, [1, 2, 3, 4]), 'tensor4d');
    same(linspace(-1, 2, 7), tf.linspace(-1, 2, 7), 'linspace');
    same(range(0, 10, 3), tf.range(0, 10, 3), 'range');
    same(range(5, 1, -1.5), tf.range(5, 1, -1.5), 'range down');
    same(zerosLike(a()), tf.zerosLike(ta()), 'zerosLike');
    expect(() => tensor2d([1, 2, 3])).toThrow(/tensor2d: expected rank 2, got shape \[3\]/);
    expect(() => tensor1d([[1]])).toThrow(ShapeError);
  });

  it('data(), arraySync(), print()', async () => {
    const t = tensor2d([[1, 2], [3, 4]]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3, 4]);
    expect(t.arraySync()).toEqual([[1, 2], [3, 4]]);
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      t.print();
    } finally {
      console.log = log;
    }
    expect(lines[0]).toBe('Tensor\n    [[1, 2],\n     [3, 4]]');
  });
});

describe('arithmetic with broadcasting', () => {
  const cases: [string, number[]][] = [['same shape', [2, 3, 4]], ['trailing', [4]], ['middle', [3, 1]], ['leading', [2, 1, 1]], ['scalar', []], ['both ways', [2, 1, 4]]];
  for (const [label, shape] of cases) {
    it(`add, sub, mul, div, pow, maximum, minimum (${label} ${JSON.stringify(shape)})`, () => {
      const size = shape.reduce((s, d) => s * d, 1);
      const bv = B.subarray(0, size);
      const b = tensor(bv, shape);
      const tb = tf.tensor(bv, shape);
      same(a().add(b), tf.add(ta(), tb), 'add');
      same(add(b, a()), tf.add(tb, ta()), 'add (functional, reversed)');
      same(a().sub(b), tf.sub(ta(), tb), 'sub');
      same(sub(a(), b), tf.sub(ta(), tb), 'sub (functional)');
      same(a().mul(b), tf.mul(ta(), tb), 'mul');
      same(mul(a(), b), tf.mul(ta(), tb), 'mul (functional)');
      same(div(a(), b), tf.div(ta(), tb), 'div');
      same(b.pow(tensor(2)), tf.pow(tb, tf.scalar(2)), 'pow');
      same(pow(abs(a()), b), tf.pow(tf.abs(ta()), tb), 'pow broadcast', 1e-5);
      same(maximum(a(), b), tf.maximum(ta(), tb), 'maximum');
      same(minimum(a(), b), tf.minimum(ta(), tb), 'minimum');
    });
  }

  it('unary ops and chainable methods', () => {
    same(sqrt(abs(a())), tf.sqrt(tf.abs(ta())), 'sqrt');
    same(a().square(), tf.square(ta()), 'square');
    same(square(a()), tf.square(ta()), 'square fn');
    same(a().exp(), tf.exp(ta()), 'exp', 1e-6);
    same(a().abs().log(), tf.log(tf.abs(ta())), 'log', 1e-6);
    same(neg(a()), tf.neg(ta()), 'neg');
    same(a().neg().abs(), tf.abs(tf.neg(ta())), 'chain');
    same(a().relu(), tf.relu(ta()), 'relu');
    same(a().sigmoid(), tf.sigmoid(ta()), 'sigmoid');
    same(a().round(), tf.round(ta()), 'round');
    same(tensor1d([0.5, 1.5, 2.5, -0.5]).round(), tf.round(tf.tensor1d([0.5, 1.5, 2.5, -0.5])), 'round half to even');
    same(a().clipByValue(-0.5, 0.5), tf.clipByValue(ta(), -0.5, 0.5), 'clipByValue');
    expect(() => a().add(tensor([1, 2, 3]))).toThrow(/shapes \[2,3,4\] and \[3\] cannot be broadcast together/);
  });
});

describe('reductions along axes', () => {
  const axes: (number | number[] | undefined)[] = [undefined, 0, 1, 2, -1, [0, 2], [1, 2]];
  for (const ax of axes) {
    it(`sum, mean, max, min, prod over axis ${JSON.stringify(ax)} with and without keepDims`, () => {
      for (const keep of [false, true]) {
        same(a().sum(ax, keep), tf.sum(ta(), ax, keep), `sum ${keep}`, 1e-6);
        same(a().mean(ax, keep), tf.mean(ta(), ax, keep), `mean ${keep}`, 1e-6);
        same(max(a(), ax, keep), tf.max(ta(), ax, keep), `max ${keep}`);
        same(a().min(ax, keep), tf.min(ta(), ax, keep), `min ${keep}`);
        same(prod(a(), ax, keep), tf.prod(ta(), ax, keep), `prod ${keep}`, 1e-5);
        same(mean(a(), ax, keep), tf.mean(ta(), ax, keep), `mean fn ${keep}`, 1e-6);
        same(min(a(), ax, keep), tf.min(ta(), ax, keep), `min fn ${keep}`);
      }
    });
  }

  it('argMax / argMin along each axis (int32, TensorFlow.js default axis 0)', () => {
    for (const ax of [0, 1, 2, -1]) {
      same(a().argMax(ax), tf.argMax(ta(), ax), `argMax ${ax}`);
      same(argMin(a(), ax), tf.argMin(ta(), ax), `argMin ${ax}`);
    }
    same(a().argMax(), tf.argMax(ta()), 'argMax default');
    expect(() => a().sum(3)).toThrow(/axis must be an integer in \[-3, 2\], got 3/);
  });

  it('sum of an int32 tensor stays int32, its mean is float32', () => {
    const t = tensor1d([1, 2, 4], 'int32');
    same(t.sum(), tf.sum(tf.tensor1d([1, 2, 4], 'int32')), 'int sum');
    same(t.mean(), tf.mean(tf.tensor1d([1, 2, 4], 'int32')).cast('float32'), 'int mean');
  });
});

describe('shape ops', () => {
  it('transpose, reshape, expandDims, squeeze, flatten', () => {
    same(a().transpose(), tf.transpose(ta()), 'transpose reversed');
    same(a().transpose([1, 0, 2]), tf.transpose(ta(), [1, 0, 2]), 'transpose perm');
    same(transpose(a(), [2, 0, 1]), tf.transpose(ta(), [2, 0, 1]), 'transpose fn');
    same(a().reshape([6, 4]), tf.reshape(ta(), [6, 4]), 'reshape');
    same(expandDims(a(), 1), tf.expandDims(ta(), 1), 'expandDims');
    same(a().expandDims(-1), tf.expandDims(ta(), -1), 'expandDims -1');
    same(squeeze(tensor(A.subarray(0, 6), [1, 6, 1])), tf.squeeze(tf.tensor(A.subarray(0, 6), [1, 6, 1])), 'squeeze');
    same(a().flatten(), tf.reshape(ta(), [24]), 'flatten');
  });

  it('concat and stack along each axis, slice, gather', () => {
    const b = () => tensor(B.subarray(0, 12).map((v) => v * 3), [1, 3, 4]);
    const tb = () => tf.tensor(B.subarray(0, 12).map((v) => v * 3), [1, 3, 4]);
    same(concat([a(), b()], 0), tf.concat([ta(), tb()], 0), 'concat 0');
    same(a().concat(a(), 1), tf.concat([ta(), ta()], 1), 'concat 1');
    same(concat([a(), a()], -1), tf.concat([ta(), ta()], -1), 'concat -1');
    for (const ax of [0, 1, 2, 3]) same(stack([a(), a().neg()], ax), tf.stack([ta(), tf.neg(ta())], ax), `stack ${ax}`);
    same(slice(a(), [1, 0, 1], [1, 2, -1]), tf.slice(ta(), [1, 0, 1], [1, 2, -1]), 'slice');
    same(a().slice([0, 1]), tf.slice(ta(), [0, 1]), 'slice begin only');
    same(a().slice(1, 1), tf.slice(ta(), 1, 1), 'slice numbers');
    same(gather(a(), [1, 0, 1]), tf.gather(ta(), [1, 0, 1]), 'gather 0');
    same(a().gather(tensor1d([2, 0], 'int32'), 1), tf.gather(ta(), tf.tensor1d([2, 0], 'int32'), 1), 'gather 1');
    same(gather(a(), tensor2d([[3, 0], [1, 1]], undefined, 'int32'), 2), tf.gather(ta(), tf.tensor2d([[3, 0], [1, 1]], undefined, 'int32'), 2), 'gather 2-d indices');
    expect(() => gather(a(), [2])).toThrow(/indices\[0\] must be an integer in \[0, 1\], got 2/);
    expect(() => slice(a(), [0, 2], [1, 2])).toThrow(/runs past axis 1/);
    expect(() => concat([a(), tensor(B.subarray(0, 8), [2, 4])])).toThrow(ShapeError);
    expect(() => stack([])).toThrow(ValueError);
  });

  it('oneHot of an index tensor is tf.oneHot; of an array, the Float32Array rows as before', () => {
    same(oneHot(tensor1d([0, 2, 1, 5], 'int32'), 3), tf.oneHot(tf.tensor1d([0, 2, 1, 5], 'int32'), 3), 'oneHot');
    same(oneHot(tensor2d([[1, 0]], undefined, 'int32'), 2, 5, -1), tf.oneHot(tf.tensor2d([[1, 0]], undefined, 'int32'), 2, 5, -1), 'oneHot 2-d');
    expect(Array.from(oneHot([1, 0], 2))).toEqual([0, 1, 1, 0]);
  });

  it('util.shuffle permutes in place; shuffleCombo keeps pairs together', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    util.shuffle(xs);
    expect([...xs].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(xs).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const ys = xs.map((v) => v * 10);
    util.shuffleCombo(xs, ys);
    xs.forEach((v, i) => expect(ys[i]).toBe(v * 10));
  });
});
