import { describe, it } from 'vitest';
import { adamRef, momentumRef, rmspropRef, sgdRef } from '../reference/optim.js';
import { checkOp, get, randArray } from '../helpers.js';

const N = 37; // not a multiple of 4: the SIMD body and the scalar tail both run
const STEPS = 5;
const grads = Array.from({ length: STEPS }, (_, s) => randArray(N, 100 + s));
const TOL = { atol: 1e-6, rtol: 1e-5 };

describe('optimizer kernels over several steps', () => {
  for (const wd of [0, 0.01]) {
    it(`sgd (wd=${wd})`, async () => {
      await checkOp('sgd', {
        inputs: [randArray(N, 1), ...grads],
        reference: ([w, ...gs]) => { const r = Float64Array.from(w); for (const g of gs) sgdRef(r, g, 0.1, wd); return r; },
        subject: (be, [w, ...gs]) => { for (const g of gs) be.abi.f32_sgd(N, g, w, 0.1, wd); return get(be, w, N); },
        ...TOL,
      });
    });
    for (const nesterov of [false, true]) {
      it(`momentum (nesterov=${nesterov}, wd=${wd})`, async () => {
        await checkOp('momentum', {
          inputs: [randArray(N, 1), new Float32Array(N), ...grads],
          reference: ([w, v, ...gs]) => { const r = Float64Array.from(w); const rv = Float64Array.from(v); for (const g of gs) momentumRef(r, g, rv, 0.1, 0.9, wd, nesterov); return r; },
          subject: (be, [w, v, ...gs]) => { for (const g of gs) be.abi.f32_momentum(nesterov ? 1 : 0, N, g, w, v, 0.1, 0.9, wd); return get(be, w, N); },
          ...TOL,
        });
      });
    }
    it(`adam (wd=${wd})`, async () => {
      await checkOp('adam', {
        inputs: [randArray(N, 1), new Float32Array(N), new Float32Array(N), ...grads],
        reference: ([w, m, v, ...gs]) => {
          const r = Float64Array.from(w); const rm = Float64Array.from(m); const rv = Float64Array.from(v);
          gs.forEach((g, t) => adamRef(r, g, rm, rv, t + 1, 0.01, 0.9, 0.999, 1e-7, wd));
          return r;
        },
        subject: (be, [w, m, v, ...gs]) => {
          gs.forEach((g, t) => be.abi.f32_adam(N, g, w, m, v, 0.01, 0.9, 0.999, 1e-7, wd, 1 - 0.9 ** (t + 1), 1 - 0.999 ** (t + 1)));
          return get(be, w, N);
        },
        ...TOL,
      });
    });
    it(`rmsprop (wd=${wd})`, async () => {
      await checkOp('rmsprop', {
        inputs: [randArray(N, 1), new Float32Array(N), ...grads],
        reference: ([w, ms, ...gs]) => { const r = Float64Array.from(w); const rms = Float64Array.from(ms); for (const g of gs) rmspropRef(r, g, rms, 0.01, 0.9, 1e-7, wd); return r; },
        subject: (be, [w, ms, ...gs]) => { for (const g of gs) be.abi.f32_rmsprop(N, g, w, ms, 0.01, 0.9, 1e-7, wd); return get(be, w, N); },
        ...TOL,
      });
    });
  }
});
