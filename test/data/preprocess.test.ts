import { describe, it, expect } from 'vitest';
import { oneHot, trainTestSplit, standardize, applyStandardize, shuffleIndices } from '../../src/data/preprocess.js';
import { ShapeError, ValueError } from '../../src/errors.js';
import { expectClose, expectBitIdentical } from '../helpers.js';

describe('shuffleIndices', () => {
  it('is a permutation, fixed by the seed', () => {
    const p = shuffleIndices(100, 3);
    expect(p).toBeInstanceOf(Int32Array);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(shuffleIndices(100, 3)).toEqual(p);
    expect(shuffleIndices(100, 4)).not.toEqual(p);
    expect(shuffleIndices(0, 1).length).toBe(0);
    expect(Array.from(shuffleIndices(1, 1))).toEqual([0]);
  });

  it('rejects bad n and seed', () => {
    expect(() => shuffleIndices(-1, 0)).toThrow(/shuffleIndices: n must be an integer.*got -1/);
    expect(() => shuffleIndices(3, 1.5)).toThrow(/shuffleIndices: seed must be an integer in \[0, 4294967295\], got 1\.5/);
  });
});

describe('oneHot', () => {
  it('gives 1-of-K rows', () => {
    expect(oneHot([2, 0, 1], 3)).toEqual(Float32Array.from([0, 0, 1, 1, 0, 0, 0, 1, 0]));
    expect(oneHot(Int32Array.from([1]), 2)).toEqual(Float32Array.from([0, 1]));
    expect(oneHot([], 4).length).toBe(0);
  });

  it('names the index and value of a label out of range', () => {
    expect(() => oneHot([0, 1, 3], 3)).toThrow(ValueError);
    expect(() => oneHot([0, 1, 3], 3)).toThrow('oneHot: labels[2] must be an integer in [0, 2], got 3');
    expect(() => oneHot([0, -1], 3)).toThrow(/labels\[1\].*got -1/);
    expect(() => oneHot([0.5], 3)).toThrow(/labels\[0\].*got 0\.5/);
    expect(() => oneHot([0], 0)).toThrow(/numClasses must be an integer in \[1, .*got 0/);
  });
});

function table(n: number, features: number, classes: number[]): { x: Float32Array; y: Int32Array; n: number; features: number; classes: number; shape: number[] } {
  const x = new Float32Array(n * features);
  for (let i = 0; i < x.length; i++) x[i] = i;
  return { x, y: Int32Array.from(classes), n, features, classes: Math.max(...classes) + 1, shape: [features] };
}

describe('trainTestSplit', () => {
  // 100 rows: 70 of class 0, 20 of class 1, 10 of class 2; row r holds r*2, r*2+1.
  const labels = Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : i < 90 ? 1 : 2));
  const data = table(100, 2, labels);

  it('splits into the rounded sizes, keeps rows whole, and loses or repeats none', () => {
    const { train, test } = trainTestSplit(data, { testFraction: 0.25, seed: 1 });
    expect(test.n).toBe(25);
    expect(train.n).toBe(75);
    expect(train.x.length).toBe(150);
    expect(test.y.length).toBe(25);
    expect(train.shape).toEqual([2]);
    expect(train.classes).toBe(3);
    const rows: number[] = [];
    for (const part of [train, test]) {
      for (let i = 0; i < part.n; i++) {
        const r = part.x[i * 2] / 2;
        expect(part.x[i * 2 + 1]).toBe(r * 2 + 1);
        expect(part.y[i]).toBe(labels[r]);
        rows.push(r);
      }
    }
    expect(rows.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('is determined by the seed', () => {
    const a = trainTestSplit(data, { testFraction: 0.3, seed: 5 });
    const b = trainTestSplit(data, { testFraction: 0.3, seed: 5 });
    const c = trainTestSplit(data, { testFraction: 0.3, seed: 6 });
    expect(b.test.x).toEqual(a.test.x);
    expect(b.train.y).toEqual(a.train.y);
    expect(c.test.x).not.toEqual(a.test.x);
  });

  it('stratify keeps class proportions in both sets', () => {
    for (const seed of [0, 1, 2]) {
      const { train, test } = trainTestSplit(data, { testFraction: 0.2, seed, stratify: true });
      const count = (y: Int32Array | Float32Array): number[] => [0, 1, 2].map((c) => y.filter((v) => v === c).length);
      expect(count(test.y)).toEqual([14, 4, 2]);
      expect(count(train.y)).toEqual([56, 16, 8]);
      // Rows of one class are not grouped together in the output.
      expect(Array.from(test.y)).not.toEqual([...test.y].sort());
    }
  });

  it('stratify hands the rounding remainder to the classes with the largest remainders', () => {
    // 7/3 classes, testFraction 0.5 of 10 rows -> 5 test rows: exact shares 3.5 and 1.5; one more goes to class 0.
    const d = table(10, 1, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    const { test } = trainTestSplit(d, { testFraction: 0.5, stratify: true });
    expect(test.n).toBe(5);
    expect(Array.from(test.y).filter((v) => v === 0).length).toBe(4);
  });

  it('keeps regression targets as Float32Array', () => {
    const d = { x: Float32Array.from([1, 2, 3, 4]), y: Float32Array.from([0.5, 1.5, 2.5, 3.5]), n: 4, features: 1 };
    const { train, test } = trainTestSplit(d, { testFraction: 0.5, seed: 2 });
    expect(train.y).toBeInstanceOf(Float32Array);
    for (const part of [train, test]) for (let i = 0; i < part.n; i++) expect(part.y[i]).toBe(part.x[i] - 0.5);
  });

  it('rejects bad fractions, shapes and stratifying regression targets', () => {
    expect(() => trainTestSplit(data, { testFraction: 0 })).toThrow(/testFraction must be a number in \(0, 1\), got 0/);
    expect(() => trainTestSplit(data, { testFraction: 1 })).toThrow(/got 1$/);
    expect(() => trainTestSplit(data, { testFraction: 0.001 })).toThrow(/testFraction 0\.001 of 100 rows gives 0 test rows; both sets must be non-empty/);
    expect(() => trainTestSplit({ ...data, n: 99 }, { testFraction: 0.5 })).toThrow(ShapeError);
    expect(() => trainTestSplit({ ...data, n: 99 }, { testFraction: 0.5 })).toThrow(/data\.x must be a Float32Array of n x features = 99 x 2 = 198 values, got Float32Array\(200\)/);
    expect(() => trainTestSplit({ ...data, y: new Int32Array(3) }, { testFraction: 0.5 })).toThrow(/data\.y .*n = 100 labels, got Int32Array\(3\)/);
    const reg = { x: new Float32Array(4), y: new Float32Array(4), n: 4, features: 1 };
    expect(() => trainTestSplit(reg, { testFraction: 0.5, stratify: true })).toThrow(/stratify needs class labels/);
    expect(() => trainTestSplit(data, { testFraction: 0.5, seed: -2 })).toThrow(/seed.*got -2/);
  });
});

describe('standardize', () => {
  // Column 0 spreads widely around 1000, column 1 is constant, column 2 is small.
  const n = 50;
  const x = new Float32Array(n * 3);
  for (let r = 0; r < n; r++) {
    x[r * 3] = 1000 + 37 * Math.sin(r);
    x[r * 3 + 1] = 4.25;
    x[r * 3 + 2] = r * 1e-3;
  }

  it('gives mean 0 and std 1 per feature; a constant column becomes 0', () => {
    const s = standardize(x, 3);
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      let sq = 0;
      for (let r = 0; r < n; r++) sum += s.x[r * 3 + c];
      const mean = sum / n;
      for (let r = 0; r < n; r++) sq += (s.x[r * 3 + c] - mean) ** 2;
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      if (c === 1) {
        expect(Array.from(s.x.filter((_, i) => i % 3 === 1)).every((v) => v === 0)).toBe(true);
        expect(s.std[1]).toBe(1);
      } else {
        expect(Math.sqrt(sq / n)).toBeCloseTo(1, 5);
      }
    }
    expect(s.mean[1]).toBe(4.25);
    expectClose(s.mean.subarray(2), [0.0245], { atol: 1e-7, rtol: 1e-5 });
  });

  it('applyStandardize with the returned statistics reproduces x exactly and scales new rows', () => {
    const s = standardize(x, 3);
    expectBitIdentical(applyStandardize(x, 3, s.mean, s.std), s.x);
    const fresh = applyStandardize(Float32Array.from([s.mean[0] + s.std[0], 9, s.mean[2]]), 3, s.mean, s.std);
    expectClose(fresh, [1, 4.75, 0], { atol: 1e-6, rtol: 1e-6 });
    expect(applyStandardize(Float32Array.from([3]), 1, [1], [0])).toEqual(Float32Array.from([2]));
  });

  it('does not modify its input', () => {
    const copy = x.slice();
    standardize(x, 3);
    expect(x).toEqual(copy);
  });

  it('rejects shapes and values it cannot scale', () => {
    expect(() => standardize(new Float32Array(5), 2)).toThrow(/x has 5 values, not a multiple of features = 2/);
    expect(() => standardize(new Float32Array(0), 2)).toThrow(/at least one row/);
    expect(() => standardize(Float32Array.from([1, NaN]), 1)).toThrow(/x row 1, feature 0 must be finite, got NaN/);
    expect(() => standardize(new Float32Array(4), 0)).toThrow(/features must be an integer in \[1, .*got 0/);
    expect(() => applyStandardize(new Float32Array(4), 2, [0], [1, 1])).toThrow(/mean must have features = 2 values, got 1/);
    expect(() => applyStandardize(new Float32Array(4), 2, [0, 0], [1, -1])).toThrow(/std\[1\] must be finite and >= 0, got -1/);
  });
});
