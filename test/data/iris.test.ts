import { describe, it, expect } from 'vitest';
import { loadIris } from '../../src/data/iris.js';

describe('loadIris', () => {
  const iris = loadIris();

  it('has 150 samples of 4 features in 3 classes of 50', () => {
    expect(iris.n).toBe(150);
    expect(iris.features).toBe(4);
    expect(iris.classes).toBe(3);
    expect(iris.shape).toEqual([4]);
    expect(iris.x).toBeInstanceOf(Float32Array);
    expect(iris.x.length).toBe(600);
    expect(iris.y).toBeInstanceOf(Int32Array);
    const counts = [0, 0, 0];
    for (const c of iris.y) counts[c]++;
    expect(counts).toEqual([50, 50, 50]);
    expect(iris.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(iris.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  });

  it('holds the published values (first and last rows of the UCI file)', () => {
    expect(Array.from(iris.x.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
    expect(iris.y[0]).toBe(0);
    expect(Array.from(iris.x.subarray(596))).toEqual([5.9, 3.0, 5.1, 1.8].map(Math.fround));
    expect(iris.y[149]).toBe(2);
  });

  it('returns fresh arrays on every call', () => {
    const a = loadIris();
    a.x[0] = 99;
    a.featureNames[0] = 'changed';
    const b = loadIris();
    expect(b.x[0]).toBeCloseTo(5.1, 5);
    expect(b.featureNames[0]).toBe('sepal_length');
  });
});
