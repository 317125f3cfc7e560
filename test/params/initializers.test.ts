import { describe, it, expect } from 'vitest';
import { initialize, INITIALIZERS } from '../../src/params/initializers.js';
import { backendFor } from '../helpers.js';

// Moments of the scaled initializers and the orthogonality of 'orthogonal', on
// the shapes recurrent layers use (fewer rows than columns) and their transposes.

describe('initializers', () => {
  it('orthogonal: orthonormal rows when rows < cols, orthonormal columns otherwise, different per draw', async () => {
    const be = await backendFor('simd');
    for (const [rows, cols] of [[8, 32], [32, 8], [13, 13], [5, 7], [1, 4], [4, 1]]) {
      const rng = be.alloc(16);
      be.abi.rng_seed(rng, 7, 0);
      const p = be.alloc(rows * cols * 4);
      initialize(be, 'orthogonal', p, rows * cols, rows, cols, rng);
      const w = be.readF32(p, rows * cols);
      const small = Math.min(rows, cols);
      for (let a = 0; a < small; a++) {
        for (let b = 0; b < small; b++) {
          let d = 0;
          // rows < cols: W Wᵀ = I; else Wᵀ W = I.
          if (rows < cols) for (let k = 0; k < cols; k++) d += w[a * cols + k] * w[b * cols + k];
          else for (let k = 0; k < rows; k++) d += w[k * cols + a] * w[k * cols + b];
          expect(Math.abs(d - (a === b ? 1 : 0))).toBeLessThan(1e-5);
        }
      }
      initialize(be, 'orthogonal', p, rows * cols, rows, cols, rng);
      const w2 = be.readF32(p, rows * cols);
      if (rows * cols > 1) expect(Array.from(w2)).not.toEqual(Array.from(w));
      be.free(p);
      be.free(rng);
    }
  });

  it('every initializer is deterministic for a seed and finite', async () => {
    const be = await backendFor('simd');
    for (const name of INITIALIZERS.filter((n) => n !== 'identity')) {
      const draws = [0, 1].map(() => {
        const rng = be.alloc(16);
        be.abi.rng_seed(rng, 3, 0);
        const p = be.alloc(24 * 40 * 4);
        initialize(be, name, p, 24 * 40, 24, 40, rng);
        const w = be.readF32(p, 24 * 40);
        be.free(p);
        be.free(rng);
        return w;
      });
      expect(Array.from(draws[0])).toEqual(Array.from(draws[1]));
      expect(draws[0].every(Number.isFinite)).toBe(true);
    }
  });
});
