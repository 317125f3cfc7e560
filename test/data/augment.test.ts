import { describe, it, expect } from 'vitest';
import { shiftAugment } from '../../src/data/augment.js';
import { shiftAugment as fromNode } from '../../src/node.js';
import { ShapeError, ValueError } from '../../src/errors.js';

/** A float64 reference: pixel (r, c, k) of image `img` moved by (dx, dy), zero outside. */
function shifted(img: Float32Array, w: number, h: number, ch: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(w * h * ch);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const sr = r - dy;
      const sc = c - dx;
      if (sr < 0 || sr >= h || sc < 0 || sc >= w) continue;
      for (let k = 0; k < ch; k++) out[(r * w + c) * ch + k] = img[(sr * w + sc) * ch + k];
    }
  }
  return out;
}

describe('shiftAugment', () => {
  it('moves one lit pixel by exactly one position for each default shift, zero-filled', () => {
    // A 4 x 3 (width x height) image with only (row 1, column 2) lit.
    const x = new Float32Array(12);
    x[1 * 4 + 2] = 1;
    const r = shiftAugment(x, Int32Array.of(7), { width: 4, height: 3 });
    expect(r.n).toBe(5);
    expect(Array.from(r.y)).toEqual([7, 7, 7, 7, 7]);
    const lit = (i: number) => Array.from(r.x.subarray(i * 12, (i + 1) * 12)).flatMap((v, p) => (v ? [[Math.floor(p / 4), p % 4, v]] : []));
    expect(lit(0)).toEqual([[1, 2, 1]]); // original
    expect(lit(1)).toEqual([[1, 3, 1]]); // [1, 0]: right
    expect(lit(2)).toEqual([[1, 1, 1]]); // [-1, 0]: left
    expect(lit(3)).toEqual([[2, 2, 1]]); // [0, 1]: down
    expect(lit(4)).toEqual([[0, 2, 1]]); // [0, -1]: up
  });

  it('drops content shifted past the border and fills the vacated edge with 0', () => {
    const x = Float32Array.from({ length: 9 }, (_, i) => i + 1); // 3 x 3: rows [1 2 3] [4 5 6] [7 8 9]
    const r = shiftAugment(x, Int32Array.of(0), { width: 3, height: 3, shifts: [[1, 0], [0, -1], [-2, 2]], keepOriginal: false });
    expect(r.n).toBe(3);
    expect(Array.from(r.x.subarray(0, 9))).toEqual([0, 1, 2, 0, 4, 5, 0, 7, 8]);
    expect(Array.from(r.x.subarray(9, 18))).toEqual([4, 5, 6, 7, 8, 9, 0, 0, 0]);
    expect(Array.from(r.x.subarray(18, 27))).toEqual([0, 0, 0, 0, 0, 0, 3, 0, 0]);
  });

  it('matches a per-pixel reference for several channels, odd sizes and diagonal shifts', () => {
    const w = 5, h = 7, ch = 3, n = 4;
    const size = w * h * ch;
    const x = Float32Array.from({ length: n * size }, (_, i) => Math.sin(i) + 2);
    const y = Int32Array.from({ length: n }, (_, i) => 10 + i);
    const shifts: [number, number][] = [[2, -3], [-4, 6], [1, 1], [0, 0]];
    const r = shiftAugment(x, y, { width: w, height: h, channels: ch, shifts });
    expect(r.n).toBe(n * 5);
    expect(r.x.length).toBe(n * 5 * size);
    for (let i = 0; i < n; i++) {
      const img = x.subarray(i * size, (i + 1) * size);
      expect(r.x.subarray(i * 5 * size, (i * 5 + 1) * size)).toEqual(img);
      shifts.forEach(([dx, dy], s) => {
        const k = i * 5 + 1 + s;
        expect(r.x.subarray(k * size, (k + 1) * size), `image ${i} shift ${dx},${dy}`).toEqual(shifted(img, w, h, ch, dx, dy));
      });
    }
  });

  it('keeps each image\'s copies together and in order, with its label, and leaves the input untouched', () => {
    const x = Float32Array.from({ length: 3 * 4 }, (_, i) => i);
    const before = x.slice();
    const r = shiftAugment(x, Int32Array.of(2, 0, 1), { width: 2, height: 2, shifts: [[1, 0], [0, 1]] });
    expect(r.y).toBeInstanceOf(Int32Array);
    expect(Array.from(r.y)).toEqual([2, 2, 2, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(r.x.subarray(12, 16))).toEqual([4, 5, 6, 7]);
    expect(x).toEqual(before);
    const reg = shiftAugment(x, Float32Array.of(0.5, 1.5, 2.5), { width: 2, height: 2, shifts: [], keepOriginal: true });
    expect(reg.y).toBeInstanceOf(Float32Array);
    expect(Array.from(reg.y)).toEqual([0.5, 1.5, 2.5]);
    expect(reg.x).toEqual(x);
  });

  it('turns 8,000 MNIST-sized images into 40,000 with the default shifts', () => {
    const x = new Float32Array(8000 * 784);
    const r = shiftAugment(x, new Int32Array(8000), { width: 28, height: 28 });
    expect(r.n).toBe(40000);
    expect(r.x.length).toBe(40000 * 784);
    expect(r.y.length).toBe(40000);
  });

  it('is exported from simdnn/node', () => {
    expect(fromNode).toBe(shiftAugment);
  });

  it('names the argument and the value it rejects', () => {
    const x = new Float32Array(8);
    const y = new Int32Array(2);
    expect(() => shiftAugment(x, y, { width: 0, height: 2 })).toThrow(/shiftAugment: width must be an integer in \[1, .*got 0/);
    expect(() => shiftAugment(x, y, { width: 2, height: 2.5 })).toThrow(/shiftAugment: height must be an integer.*got 2\.5/);
    expect(() => shiftAugment(x, y, { width: 2, height: 2, channels: -1 })).toThrow(/channels must be an integer.*got -1/);
    expect(() => shiftAugment(new Float32Array(9), y, { width: 2, height: 2 })).toThrow(ShapeError);
    expect(() => shiftAugment(new Float32Array(9), y, { width: 2, height: 2 })).toThrow(/x has 9 values, not a whole number of 2 x 2 x 1 = 4-value images/);
    expect(() => shiftAugment(x, new Int32Array(3), { width: 2, height: 2 })).toThrow(/y must hold one label per image \(2\), got 3/);
    expect(() => shiftAugment([1, 2, 3, 4] as unknown as Float32Array, y, { width: 2, height: 2 })).toThrow(/x must be a Float32Array, got \[1,2,3,4\]/);
    expect(() => shiftAugment(x, [0, 1] as unknown as Int32Array, { width: 2, height: 2 })).toThrow(/y must be an Int32Array or Float32Array/);
    expect(() => shiftAugment(x, y, { width: 2, height: 2, shifts: [[2, 0]] })).toThrow(/shifts\[0\]\[0\] \(dx\) must be an integer in \[-1, 1\], got 2/);
    expect(() => shiftAugment(x, y, { width: 2, height: 2, shifts: [[0, 0], [0, -2]] })).toThrow(/shifts\[1\]\[1\] \(dy\) must be an integer in \[-1, 1\], got -2/);
    expect(() => shiftAugment(x, y, { width: 2, height: 2, shifts: [[0.5, 0]] })).toThrow(/dx\) must be an integer.*got 0\.5/);
    expect(() => shiftAugment(x, y, { width: 2, height: 2, shifts: [[1]] as unknown as [number, number][] })).toThrow(/shifts\[0\] must be a pair \[dx, dy\], got \[1\]/);
    expect(() => shiftAugment(x, y, { width: 2, height: 2, shifts: [], keepOriginal: false })).toThrow(/nothing to output/);
    expect(() => shiftAugment(x, y, { width: 2, height: 2, keepOriginal: 1 as unknown as boolean })).toThrow(/keepOriginal must be a boolean, got 1/);
    expect(() => shiftAugment(x, y, null as never)).toThrow(ValueError);
  });
});
