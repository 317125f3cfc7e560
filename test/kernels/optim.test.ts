import { describe, it } from 'vitest';
import { adadeltaRef, adagradRef, adamaxRef, adamRef, momentumRef, rmspropRef, sgdRef } from '../reference/optim.js';
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
    it(`adagrad (wd=${wd})`, async () => {
      await checkOp('adagrad', {
        inputs: [randArray(N, 1), new Float32Array(N).fill(0.1), ...grads],
        reference: ([w, acc, ...gs]) => { const r = Float64Array.from(w); const ra = Float64Array.from(acc); for (const g of gs) adagradRef(r, g, ra, 0.05, 1e-7, wd); return r; },
        subject: (be, [w, acc, ...gs]) => { for (const g of gs) be.abi.f32_adagrad(N, g, w, acc, 0.05, 1e-7, wd); return get(be, w, N); },
        ...TOL,
      });
    });
    it(`adadelta (wd=${wd})`, async () => {
      await checkOp('adadelta', {
        inputs: [randArray(N, 1), new Float32Array(N), new Float32Array(N), ...grads],
        reference: ([w, ag, au, ...gs]) => {
          const r = Float64Array.from(w); const rg = Float64Array.from(ag); const ru = Float64Array.from(au);
          for (const g of gs) adadeltaRef(r, g, rg, ru, 1, 0.95, 1e-6, wd);
          return r;
        },
        subject: (be, [w, ag, au, ...gs]) => { for (const g of gs) be.abi.f32_adadelta(N, g, w, ag, au, 1, 0.95, 1e-6, wd); return get(be, w, N); },
        ...TOL,
      });
    });
    it(`adamax (wd=${wd})`, async () => {
      await checkOp('adamax', {
        inputs: [randArray(N, 1), new Float32Array(N), new Float32Array(N), ...grads],
        reference: ([w, m, u, ...gs]) => {
          const r = Float64Array.from(w); const rm = Float64Array.from(m); const ru = Float64Array.from(u);
          gs.forEach((g, t) => adamaxRef(r, g, rm, ru, t + 1, 0.01, 0.9, 0.999, 1e-7, wd));
          return r;
        },
        subject: (be, [w, m, u, ...gs]) => {
          gs.forEach((g, t) => be.abi.f32_adamax(N, g, w, m, u, 0.01, 0.9, 0.999, 1e-7, wd, 1 - 0.9 ** (t + 1)));
          return get(be, w, N);
        },
        ...TOL,
      });
    });
  }
});
