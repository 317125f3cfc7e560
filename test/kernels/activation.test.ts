import { describe, it, expect } from 'vitest';
import { ACT } from '../../src/index.js';
import { actGradRef, actRef, softmaxRef, type Act } from '../reference/activation.js';
import { BUILDS, backendFor, checkOp, expectBitIdentical, get, put, randArray } from '../helpers.js';

const ACTS: Act[] = ['linear', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'gelu', 'step', 'sign', 'hardSigmoid', 'softplus', 'softsign', 'selu', 'swish', 'silu', 'mish'];
const ALPHA: Partial<Record<Act, number>> = { leakyRelu: 0.2, elu: 1.5 };

/** Awkward values: zero, tiny, the exp/tanh clamp regions, large magnitudes. */
const SPECIAL = [0, -0, 1e-7, -1e-7, 3e-4, -5e-4, 0.5, -0.625, 1, -1, 3, -3, 7.9, -8, 9, -9, 20, -20, 40, -40, 88, -87, 100, -100];

function values(n: number, seed: number): Float32Array {
  const x = randArray(n, seed, -6, 6);
  for (let i = 0; i < Math.min(n, SPECIAL.length); i++) x[i] = SPECIAL[i];
  return x;
}

describe('activations, forward', () => {
  for (const act of ACTS) {
    it(`${act} on n = 0, 1, 3, 4, 5, 17, 1001`, async () => {
      for (const n of [0, 1, 3, 4, 5, 17, 1001]) {
        const x = values(n, n + 1);
        const outs = await checkOp(`${act} n=${n}`, {
          inputs: [x],
          reference: ([rx]) => Array.from(rx, (v) => actRef(act, v, ALPHA[act] ?? 0)),
          subject: (be, [px]) => {
            const py = be.alloc(n * 4);
            be.abi.f32_act_forward(ACT[act], n, px, py, ALPHA[act] ?? 0);
            const y = get(be, py, n);
            be.free(py);
            return y;
          },
          // exp and tanh are polynomial approximations accurate to a few ulps.
          atol: 2e-7,
          rtol: 2e-6,
        });
        expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, `${act} simd vs scalar`);
      }
    });
  }

  it('propagates NaN and handles infinities', async () => {
    for (const build of BUILDS) {
      const be = await backendFor(build);
      const x = put(be, [NaN, Infinity, -Infinity, 0]);
      const y = be.alloc(16);
      be.abi.f32_act_forward(ACT.sigmoid, 4, x, y, 0);
      expect(Array.from(get(be, y, 4))).toEqual([NaN, 1, 0, 0.5]);
      be.abi.f32_act_forward(ACT.tanh, 4, x, y, 0);
      expect(Array.from(get(be, y, 4))).toEqual([NaN, 1, -1, 0]);
      be.free(x);
      be.free(y);
    }
  });
});

describe('activations, derivative times upstream gradient', () => {
  for (const act of ACTS) {
    it(`${act} matches the analytic derivative and a centered finite difference`, async () => {
      const n = 67;
      // Keep away from the kinks of relu / leaky relu / elu / step, where the derivative jumps.
      const x = randArray(n, 5, -4, 4).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
      const dy = randArray(n, 6);
      const alpha = ALPHA[act] ?? 0;
      const outs = await checkOp(`${act}'`, {
        inputs: [x, dy],
        reference: ([rx, rdy]) => Array.from(rx, (v, i) => actGradRef(act, v, alpha) * rdy[i]),
        subject: (be, [px, pdy]) => {
          const py = be.alloc(n * 4);
          const pdx = be.alloc(n * 4);
          be.abi.f32_act_forward(ACT[act], n, px, py, alpha);
          be.abi.f32_act_backward(ACT[act], n, px, py, pdy, pdx, alpha);
          const dx = get(be, pdx, n);
          be.free(py);
          be.free(pdx);
          return dx;
        },
        atol: 1e-6,
        rtol: 1e-5,
      });
      expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, `${act}' simd vs scalar`);
      // The reference derivative itself agrees with finite differences of the reference forward.
      const h = 1e-6;
      for (const v of x) {
        const fd = (actRef(act, v + h, alpha) - actRef(act, v - h, alpha)) / (2 * h);
        expect(Math.abs(fd - actGradRef(act, v, alpha))).toBeLessThan(1e-5);
      }
    });
  }
});

describe('softmax', () => {
  it('row-wise on awkward shapes, stable for large logits', async () => {
    for (const [m, n] of [[1, 1], [3, 5], [2, 10], [7, 33]]) {
      const x = randArray(m * n, m * 31 + n, -30, 30);
      x[0] = 1000; // a huge logit must not overflow
      const outs = await checkOp(`softmax ${m}x${n}`, {
        inputs: [x],
        reference: ([rx]) => softmaxRef(m, n, rx),
        subject: (be, [px]) => {
          const py = be.alloc(m * n * 4);
          be.abi.f32_softmax(m, n, px, py);
          const y = get(be, py, m * n);
          be.free(py);
          return y;
        },
        atol: 1e-7,
        rtol: 1e-5,
      });
      expectBitIdentical(outs.get('simd')!, outs.get('scalar')!, 'softmax simd vs scalar');
    }
  });

  it('backward equals the Jacobian-vector product of the reference', async () => {
    const m = 4;
    const n = 9;
    const x = randArray(m * n, 3, -3, 3);
    const dy = randArray(m * n, 4);
    await checkOp('softmax backward', {
      inputs: [x, dy],
      reference: ([rx, rdy]) => {
        const y = softmaxRef(m, n, rx);
        const dx = new Float64Array(m * n);
        for (let r = 0; r < m; r++) {
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let j = 0; j < n; j++) s += rdy[r * n + j] * y[r * n + j] * ((i === j ? 1 : 0) - y[r * n + i]);
            dx[r * n + i] = s;
          }
        }
        return dx;
      },
      subject: (be, [px, pdy]) => {
        const py = be.alloc(m * n * 4);
        be.abi.f32_softmax(m, n, px, py);
        be.abi.f32_softmax_backward(m, n, py, pdy, pdy);
        be.free(py);
        return get(be, pdy, m * n);
      },
      atol: 1e-6,
      rtol: 1e-5,
    });
  });
});

describe('exp and log computed in wasm', () => {
  it('exp is within 2 ulp-ish of Math.exp across its range', async () => {
    const x = Float32Array.from({ length: 2001 }, (_, i) => -87 + (175 * i) / 2000);
    await checkOp('exp', {
      inputs: [x],
      reference: ([rx]) => Array.from(rx, Math.exp),
      subject: (be, [px]) => {
        const py = be.alloc(x.length * 4);
        be.abi.f32_exp(x.length, px, py);
        const y = get(be, py, x.length);
        be.free(py);
        return y;
      },
      atol: 0,
      rtol: 3e-7,
    });
  });

  it('log matches Math.log on normal and subnormal inputs, and its special cases', async () => {
    const x = Float32Array.from([...Array.from({ length: 500 }, (_, i) => 1e-30 * 1.2 ** i), 1, 2, 0.5, 1e-40, 3.4e38]);
    await checkOp('log', {
      inputs: [x],
      reference: ([rx]) => Array.from(rx, Math.log),
      subject: (be, [px]) => {
        const py = be.alloc(x.length * 4);
        be.abi.f32_log(x.length, px, py);
        const y = get(be, py, x.length);
        be.free(py);
        return y;
      },
      atol: 1e-7,
      rtol: 3e-7,
    });
    const be = await backendFor('simd');
    const p = put(be, [0, -1, Infinity, NaN]);
    be.abi.f32_log(4, p, p);
    expect(Array.from(get(be, p, 4))).toEqual([-Infinity, NaN, Infinity, NaN]);
    be.free(p);
  });
});
