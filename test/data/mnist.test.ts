import { describe, it, expect, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { loadMnist, type MnistSplit } from '../../src/data/mnist.js';
import type { Dataset } from '../../src/data/dataset.js';
import { ValueError } from '../../src/errors.js';

function rowHashes(d: Dataset): string[] {
  const out: string[] = [];
  for (let i = 0; i < d.n; i++) {
    const row = d.x.subarray(i * d.features, (i + 1) * d.features);
    out.push(createHash('sha1').update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength)).digest('hex'));
  }
  return out;
}

// Byte comparison: toEqual walks a million-element typed array one element at a time, in seconds.
function sameValues(a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function classCounts(d: Dataset): number[] {
  const c = new Array<number>(d.classes).fill(0);
  for (const l of d.y) c[l]++;
  return c;
}

// Read independently of the code under test: samples per digit file.
function fileCounts(): number[] {
  const require = createRequire(import.meta.url);
  return Array.from({ length: 10 }, (_, d) => {
    const data = (JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')) as { data: number[] }).data;
    return data.length / 784;
  });
}

describe('loadMnist', () => {
  let first: MnistSplit;
  beforeAll(() => {
    first = loadMnist();
  });

  it('gives 8000 / 2000 samples of 784 pixels with labels 0..9 by default', () => {
    const { train, test } = first;
    expect(train.n).toBe(8000);
    expect(test.n).toBe(2000);
    for (const d of [train, test]) {
      expect(d.features).toBe(784);
      expect(d.classes).toBe(10);
      expect(d.shape).toEqual([28, 28, 1]);
      expect(d.x).toBeInstanceOf(Float32Array);
      expect(d.y).toBeInstanceOf(Int32Array);
      expect(d.x.length).toBe(d.n * 784);
      expect(d.y.length).toBe(d.n);
    }
  });

  it('has every class in both sets', () => {
    for (const d of [first.train, first.test]) {
      const counts = classCounts(d);
      expect(counts.every((c) => c > 0)).toBe(true);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(d.n);
    }
  });

  it('keeps pixels in [0, 1] and not all zero', () => {
    let min = Infinity;
    let max = -Infinity;
    for (const v of first.train.x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it('never puts the same sample in train and test', () => {
    const trainSet = new Set(rowHashes(first.train));
    const shared = rowHashes(first.test).filter((h) => trainSet.has(h));
    expect(shared).toEqual([]);
  });

  it('drops no sample: 10,000 = the sum of the per-file counts, class by class', () => {
    const counts = fileCounts();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10000);
    const all = loadMnist({ trainSize: 10000, testSize: 0 });
    expect(all.train.n).toBe(10000);
    expect(all.test.n).toBe(0);
    expect(classCounts(all.train)).toEqual(counts);
    expect(new Set(rowHashes(all.train)).size).toBe(10000);
  });

  it('is a pure function of the seed', () => {
    const again = loadMnist();
    expect(sameValues(again.train.y, first.train.y)).toBe(true);
    expect(sameValues(again.train.x, first.train.x)).toBe(true);
    expect(sameValues(again.test.x, first.test.x)).toBe(true);
    const other = loadMnist({ seed: 1 });
    expect(sameValues(other.train.y, first.train.y)).toBe(false);
    // Same 10,000 samples, another order: the two training sets differ but overlap.
    const a = new Set(rowHashes(first.train));
    const overlap = rowHashes(other.train).filter((h) => a.has(h)).length;
    expect(overlap).toBeGreaterThan(5000);
    expect(overlap).toBeLessThan(8000);
  });

  it('takes the test set right after the training set in the same shuffle', () => {
    const small = loadMnist({ trainSize: 100, testSize: 50, seed: 7 });
    const big = loadMnist({ trainSize: 150, testSize: 10, seed: 7 });
    expect(sameValues(big.train.x.subarray(0, 100 * 784), small.train.x)).toBe(true);
    expect(sameValues(big.train.x.subarray(100 * 784), small.test.x)).toBe(true);
    expect(sameValues(big.train.y.subarray(100), small.test.y)).toBe(true);
  });

  it('is fast the second time (the parsed files are cached)', () => {
    const t0 = performance.now();
    loadMnist({ trainSize: 10, testSize: 10 });
    expect(performance.now() - t0).toBeLessThan(250);
  });

  it('rejects bad sizes and seeds with a ValueError naming the argument and value', () => {
    expect(() => loadMnist({ trainSize: 0.5 })).toThrow(ValueError);
    expect(() => loadMnist({ trainSize: 0.5 })).toThrow('loadMnist: trainSize must be an integer in [1, 10000], got 0.5');
    expect(() => loadMnist({ trainSize: 0 })).toThrow(/trainSize.*\[1, 10000\].*got 0/);
    expect(() => loadMnist({ testSize: -1 })).toThrow(/testSize.*\[0, 10000\].*got -1/);
    expect(() => loadMnist({ trainSize: 9000, testSize: 2000 })).toThrow(/trainSize \+ testSize must be at most 10000, got 9000 \+ 2000 = 11000/);
    expect(() => loadMnist({ seed: -1 })).toThrow(/seed.*got -1/);
    expect(() => loadMnist({ seed: Number.NaN })).toThrow(/seed.*got NaN/);
  });
});
