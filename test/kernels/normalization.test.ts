import { describe, it } from 'vitest';
import { bnBackward, bnCoeffs, bnStats, bnUpdateMoving, channelAffine } from '../../src/kernels/normalization.js';
import { checkOp, expectBitIdentical, get, randArray } from '../helpers.js';

// Float64 batch normalization over the last axis of [rows, c], straight from Ioffe and Szegedy (2015).
function stats(x: Float64Array, rows: number, c: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * c + j];
    mean[j] = s / rows;
    let q = 0;
    for (let r = 0; r < rows; r++) q += (x[r * c + j] - mean[j]) ** 2;
    variance[j] = q / rows;
  }
  return { mean, variance };
}

/** Awkward shapes: one row, channels below, at and above the vector width, a prime count. */
const SHAPES: [number, number][] = [[1, 1], [1, 5], [2, 3], [7, 4], [13, 9], [64, 17], [5, 32]];
const EPS = 1e-3;

describe('batch normalization kernels', () => {
  for (const [rows, c] of SHAPES) {
    it(`training forward (statistics, coefficients, affine, moving update) on [${rows}, ${c}]`, async () => {
      const outs = await checkOp(`bn forward ${rows}x${c}`, {
        inputs: [randArray(rows * c, rows + c, -3, 5), randArray(c, 2, 0.5, 2), randArray(c, 3), randArray(c, 4), randArray(c, 5, 0.5, 2)],
        reference: ([x, g, b, mm, mv]) => {
          const { mean, variance } = stats(x, rows, c);
          const out: number[] = [];
          for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) out.push((g[j] * (x[r * c + j] - mean[j])) / Math.sqrt(variance[j] + EPS) + b[j]);
          for (let j = 0; j < c; j++) out.push(mm[j] * 0.9 + mean[j] * 0.1);
          for (let j = 0; j < c; j++) out.push(mv[j] * 0.9 + variance[j] * 0.1);
          return out;
        },
        subject: (be, [x, g, b, mm, mv]) => {
          const tmp = be.alloc(5 * c * 4);
          const [mean, variance, a, bb, invstd] = [0, 1, 2, 3, 4].map((k) => tmp + k * c * 4);
          const y = be.alloc(rows * c * 4);
          bnStats(be, { rows, c, x, mean, variance });
          bnCoeffs(be, { c, mean, variance, gamma: g, beta: b, eps: EPS, a, b: bb, invstd });
          channelAffine(be, { rows, c, x, a, b: bb, y });
          bnUpdateMoving(be, { c, mean, variance, movingMean: mm, movingVariance: mv, momentum: 0.9 });
          const out = new Float32Array([...get(be, y, rows * c), ...get(be, mm, c), ...get(be, mv, c)]);
          be.free(y);
          be.free(tmp);
          return out;
        },
        atol: 2e-6,
        rtol: 2e-5,
      });
      expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, `bn forward ${rows}x${c} simd vs scalar`);
    });

    it(`training backward (Σ dy, Σ dy·xhat, dx) on [${rows}, ${c}], with and without gamma`, async () => {
      for (const withGamma of [true, false]) {
        const outs = await checkOp(`bn backward ${rows}x${c}`, {
          inputs: [randArray(rows * c, 7 + rows, -2, 3), randArray(rows * c, 8 + c), randArray(c, 9, 0.5, 2)],
          reference: ([x, dy, g]) => {
            const { mean, variance } = stats(x, rows, c);
            const sd = new Float64Array(c);
            const sdx = new Float64Array(c);
            const xh = x.map((v, i) => (v - mean[i % c]) / Math.sqrt(variance[i % c] + EPS));
            for (let i = 0; i < rows * c; i++) {
              sd[i % c] += dy[i];
              sdx[i % c] += dy[i] * xh[i];
            }
            const dx = Array.from(x, (_, i) => {
              const j = i % c;
              return (((withGamma ? g[j] : 1) / Math.sqrt(variance[j] + EPS)) / rows) * (rows * dy[i] - sd[j] - xh[i] * sdx[j]);
            });
            return [...sd, ...sdx, ...dx];
          },
          subject: (be, [x, dy, g]) => {
            const tmp = be.alloc(7 * c * 4);
            const [mean, variance, a, bb, invstd, sums] = [0, 1, 2, 3, 4, 5].map((k) => tmp + k * c * 4);
            const dx = be.alloc(rows * c * 4);
            bnStats(be, { rows, c, x, mean, variance });
            bnCoeffs(be, { c, mean, variance, gamma: 0, beta: 0, eps: EPS, a, b: bb, invstd });
            bnBackward(be, { rows, c, x, dy, mean, invstd, gamma: withGamma ? g : 0, sums, dx });
            const out = new Float32Array([...get(be, sums, 2 * c), ...get(be, dx, rows * c)]);
            be.free(dx);
            be.free(tmp);
            return out;
          },
          // One row: the batch variance is 0 and dx is 0 up to rounding of (dy - mean dy).
          atol: 2e-5,
          rtol: 2e-4,
        });
        expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, `bn backward ${rows}x${c} simd vs scalar`);
      }
    });
  }
});
