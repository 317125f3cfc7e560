import { describe, it, expect } from 'vitest';
import { bceLogitsRef, bceRef, mseRef, softmaxCeRef } from '../reference/loss.js';
import { BUILDS, backendFor, checkOp, get, put, randArray } from '../helpers.js';
import { POINTWISE_LOSS } from '../../src/kernels/loss.js';

/** Centered finite-difference gradient of a float64 scalar function. */
function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xp = Float64Array.from(x); xp[i] += h;
    const xm = Float64Array.from(x); xm[i] -= h;
    g[i] = (f(xp) - f(xm)) / (2 * h);
  }
  return g;
}

function expectGradOk(analytic: ArrayLike<number>, numeric: ArrayLike<number>) {
  for (let i = 0; i < numeric.length; i++) expect(Math.abs(analytic[i] - numeric[i])).toBeLessThan(1e-5 * (1 + Math.abs(numeric[i])));
}

/** Runs a loss kernel and returns [value, ...gradient] as one array. */
const withValue = (value: number, grad: ArrayLike<number>) => Float32Array.from([value, ...Array.from(grad)]);
const refWithValue = (r: { value: number; grad: ArrayLike<number> }) => [r.value, ...Array.from(r.grad)];

describe('loss kernels: value and gradient', () => {
  it('mean squared error', async () => {
    for (const n of [1, 5, 64]) {
      const y = randArray(n, 1, -2, 2);
      const t = randArray(n, 2, -2, 2);
      await checkOp(`mse ${n}`, {
        inputs: [y, t],
        reference: ([ry, rt]) => refWithValue(mseRef(ry, rt, 1 / n)),
        subject: (be, [py, pt]) => {
          const dy = be.alloc(n * 4);
          const v = be.abi.f32_mse(n, py, pt, dy, 1 / n);
          const g = get(be, dy, n);
          be.free(dy);
          return withValue(v, g);
        },
        atol: 1e-6, rtol: 1e-5,
      });
      const ry = Float64Array.from(y);
      expectGradOk(mseRef(ry, t, 1 / n).grad, numericGrad((x) => mseRef(x, t, 1).value / n, ry));
    }
  });

  it('binary cross-entropy from probabilities, clipped', async () => {
    const n = 33;
    const p = randArray(n, 3, 0.01, 0.99);
    p[0] = 0; p[1] = 1; // clipped to eps and 1 - eps
    const t = randArray(n, 4, 0, 1).map((v) => (v > 0.5 ? 1 : 0));
    await checkOp('bce', {
      inputs: [p, t],
      reference: ([rp, rt]) => refWithValue(bceRef(rp, rt, 1 / n, 1e-7)),
      subject: (be, [pp, pt]) => {
        const dy = be.alloc(n * 4);
        const v = be.abi.f32_bce(n, pp, pt, dy, 1 / n, 1e-7);
        const g = get(be, dy, n);
        be.free(dy);
        return withValue(v, g);
      },
      atol: 1e-4, rtol: 1e-4,
    });
    const rp = Float64Array.from(p.slice(2));
    expectGradOk(bceRef(rp, t.slice(2), 1, 1e-7).grad, numericGrad((x) => bceRef(x, t.slice(2), 1, 1e-7).value, rp, 1e-7));
  });

  it('binary cross-entropy from logits is stable for huge logits', async () => {
    const n = 20;
    const z = randArray(n, 5, -10, 10);
    z[0] = 200; z[1] = -200; z[2] = 0;
    const t = randArray(n, 6, 0, 1);
    await checkOp('bce_logits', {
      inputs: [z, t],
      reference: ([rz, rt]) => refWithValue(bceLogitsRef(rz, rt, 0.5)),
      subject: (be, [pz, pt]) => {
        const dz = be.alloc(n * 4);
        const v = be.abi.f32_bce_logits(n, pz, pt, dz, 0.5);
        const g = get(be, dz, n);
        be.free(dz);
        return withValue(v, g);
      },
      atol: 1e-5, rtol: 1e-5,
    });
    const rz = Float64Array.from(z);
    expectGradOk(bceLogitsRef(rz, t, 1).grad, numericGrad((x) => bceLogitsRef(x, t, 1).value, rz));
  });

  it('fused softmax + categorical cross-entropy, one-hot targets and integer labels', async () => {
    for (const [m, n] of [[1, 2], [5, 10], [3, 7]]) {
      const z = randArray(m * n, m * n, -8, 8);
      z[0] = 500; // overflow in a naive exp
      const labels = Array.from({ length: m }, (_, i) => (i * 3 + 1) % n);
      const onehot = new Float32Array(m * n);
      labels.forEach((l, i) => (onehot[i * n + l] = 1));
      const ref = ([rz, rt]: Float64Array[]) => {
        const r = softmaxCeRef(m, n, rz, rt, 1 / m);
        return [r.value, ...Array.from(r.grad), ...Array.from(r.probs)];
      };
      const run = (be: import('../../src/index.js').Backend, pz: number, pt: number, pl: number) => {
        const dz = be.alloc(m * n * 4);
        const probs = be.alloc(m * n * 4);
        const v = be.abi.f32_softmax_ce(m, n, pz, pt, pl, probs, dz, 1 / m);
        const r = Float32Array.from([v, ...get(be, dz, m * n), ...get(be, probs, m * n)]);
        be.free(dz);
        be.free(probs);
        return r;
      };
      await checkOp(`softmax_ce one-hot ${m}x${n}`, { inputs: [z, onehot], reference: ref, subject: (be, [pz, pt]) => run(be, pz, pt, 0), atol: 1e-5, rtol: 1e-5 });
      await checkOp(`softmax_ce labels ${m}x${n}`, {
        inputs: [z, onehot],
        reference: ref,
        subject: (be, [pz]) => {
          const pl = be.alloc(m * 4);
          be.i32().set(labels, pl >>> 2);
          const r = run(be, pz, 0, pl);
          be.free(pl);
          return r;
        },
        atol: 1e-5, rtol: 1e-5,
      });
      const rz = Float64Array.from(z.map((v) => Math.min(v, 20)));
      expectGradOk(softmaxCeRef(m, n, rz, onehot, 1).grad, numericGrad((x) => softmaxCeRef(m, n, x, onehot, 1).value, rz));
    }
  });

  it('softmax_ce reports an out-of-range label instead of reading past the row', async () => {
    for (const build of BUILDS) {
      const be = await backendFor(build);
      const z = put(be, [0, 1, 2, 3]);
      const l = be.alloc(8);
      be.i32().set([1, 2], l >>> 2);
      expect(be.abi.f32_softmax_ce(2, 2, z, 0, l, 0, 0, 1)).toBe(-1);
      be.free(z);
      be.free(l);
    }
  });
});

describe('pointwise losses: mean absolute error, Huber, log-cosh, hinge, Kullback-Leibler', () => {
  const KINDS = ['meanAbsoluteError', 'huber', 'logCosh', 'hinge', 'kullbackLeiblerDivergence'] as const;
  /** Float64 term and its derivative with respect to y, straight from the definitions. */
  const ref = (kind: (typeof KINDS)[number], y: number, t: number): [number, number] => {
    const d = y - t;
    switch (kind) {
      case 'meanAbsoluteError': return [Math.abs(d), Math.sign(d)];
      case 'huber': return Math.abs(d) <= 1 ? [0.5 * d * d, d] : [Math.abs(d) - 0.5, Math.sign(d)];
      case 'logCosh': return [Math.log(Math.cosh(d)), Math.tanh(d)];
      case 'hinge': {
        const tt = t === 0 || t === 1 ? 2 * t - 1 : t;
        return 1 - tt * y > 0 ? [1 - tt * y, -tt] : [0, 0];
      }
      default: {
        const eps = 1e-7;
        const tc = Math.min(Math.max(t, eps), 1);
        const yc = Math.min(Math.max(y, eps), 1);
        return [tc * Math.log(tc / yc), y > eps && y < 1 ? -tc / yc : 0];
      }
    }
  };
  for (const kind of KINDS) {
    it(`${kind}: the sum and the gradient against float64, on awkward values`, async () => {
      const n = 37;
      const positive = kind === 'kullbackLeiblerDivergence';
      const y = randArray(n, 21, positive ? 0.01 : -3, positive ? 1 : 3);
      const t = kind === 'hinge' ? Float32Array.from(randArray(n, 22), (v, i) => (i % 3 === 0 ? (v > 0 ? 1 : -1) : v > 0 ? 1 : 0)) : randArray(n, 22, positive ? 0 : -3, positive ? 1 : 3);
      // Exact ties and the edges: d = 0, |d| = delta, y at the clip.
      y[0] = t[0];
      if (kind === 'huber') y[1] = t[1] + 1;
      if (positive) y[2] = 0;
      for (const build of BUILDS) {
        const be = await backendFor(build);
        const [py, pt] = [put(be, y), put(be, t)];
        const dy = be.alloc(n * 4);
        const s = be.abi.f32_pointwise_loss(POINTWISE_LOSS[kind], n, py, pt, dy, 0.5, 1, 1e-7);
        const g = get(be, dy, n);
        let want = 0;
        for (let i = 0; i < n; i++) {
          const [v, d] = ref(kind, Math.fround(y[i]), Math.fround(t[i]));
          want += v;
          expect(Math.abs(g[i] - 0.5 * d), `${kind} [${build}] gradient ${i}`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(d));
        }
        expect(Math.abs(s - want), `${kind} [${build}] sum`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)));
        for (const p of [py, pt, dy]) be.free(p);
      }
    });
  }
});
