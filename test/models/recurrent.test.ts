import { describe, it, expect, beforeAll } from 'vitest';
import {
  init, input, model, sequential, layers, optimizers, memoryStats, ValueError, NonFiniteLossError, type Model, type Tensor,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

// Model-level behaviour of recurrent layers: state carried between calls
// (stateful, resetStates, truncated backpropagation through time), errors
// that leave a model usable, memory over many steps, determinism.

beforeAll(async () => {
  await init({ deterministic: true });
});

const F = 3;
const U = 5;

function values(t: Tensor | Tensor[]): Float32Array[] {
  const list = Array.isArray(t) ? t : [t];
  const out = list.map((x) => x.toFloat32Array());
  for (const x of list) x.dispose();
  return out;
}

/** x [n, steps, F] as the concatenation of windows a [n, sa, F] and b [n, sb, F] along time. */
function concatTime(a: Float32Array, b: Float32Array, n: number, sa: number, sb: number): Float32Array {
  const out = new Float32Array(n * (sa + sb) * F);
  for (let r = 0; r < n; r++) {
    out.set(a.subarray(r * sa * F, (r + 1) * sa * F), r * (sa + sb) * F);
    out.set(b.subarray(r * sb * F, (r + 1) * sb * F), r * (sa + sb) * F + sa * F);
  }
  return out;
}

for (const kind of ['lstm', 'gru', 'simpleRNN'] as const) {
  const make = (cfg: Record<string, unknown>) => (layers[kind] as (c: never) => import('../../src/index.js').Recurrent)({ units: U, ...cfg } as never);

  describe(`${kind}: state across calls`, () => {
    it('a stateful layer reading a sequence in two windows gives what one pass over the whole sequence gives; resetStates starts again', () => {
      const n = 4, s = 6;
      const whole = sequential({ seed: 3, layers: [make({ inputShape: [2 * s, F] })] });
      const windows = sequential({ seed: 3, layers: [make({ inputShape: [s, F], stateful: true })] });
      for (const m of [whole, windows]) m.compile({ optimizer: 'sgd', loss: 'mse' });
      windows.setWeights(whole.getWeights());
      const a = randArray(n * s * F, 1), b = randArray(n * s * F, 2);
      const [ya] = values(windows.predict(a));
      const [yb] = values(windows.predict(b));
      const [y] = values(whole.predict(concatTime(a, b, n, s, s)));
      for (let i = 0; i < y.length; i++) expect(Math.abs(yb[i] - y[i])).toBeLessThan(1e-6);
      expect(Array.from(yb)).not.toEqual(Array.from(ya));
      windows.resetStates();
      const [ya2] = values(windows.predict(a));
      expect(new Uint32Array(ya2.buffer)).toEqual(new Uint32Array(ya.buffer));
      whole.dispose();
      windows.dispose();
    });

    it('truncated BPTT: the gradient on a window is exactly the one with the carried state as a constant initial state', () => {
      const n = 3, s = 5;
      const nStates = kind === 'lstm' ? 2 : 1;
      const stateful = sequential({ seed: 4, layers: [make({ inputShape: [s, F], stateful: true }), layers.dense({ units: 2 })] });
      // The same cell from a zero state, returning its final state(s): the state carried after window a.
      const xs = input({ shape: [s, F] });
      const rs = make({ returnState: true });
      const stateOf = model({ inputs: xs, outputs: (rs.apply(xs) as import('../../src/index.js').SymbolicTensor[]).slice(1), seed: 5 });
      // The same network taking the initial state(s) as inputs.
      const x2 = input({ shape: [s, F] });
      const h0 = Array.from({ length: nStates }, () => input({ shape: [U] }));
      const explicit = model({ inputs: [x2, ...h0], outputs: layers.dense({ units: 2 }).apply(make({}).apply([x2, ...h0]) as never) as never, seed: 6 });
      // The whole sequence a‖b through one non-stateful pass: the full BPTT gradient.
      const whole = sequential({ seed: 7, layers: [make({ inputShape: [2 * s, F] }), layers.dense({ units: 2 })] });
      for (const m of [stateful, explicit, whole]) m.compile({ optimizer: 'sgd', loss: 'mse' });
      const w = stateful.getWeights();
      explicit.setWeights(w);
      whole.setWeights(w);
      stateOf.setWeights(w.slice(0, -2));
      const a = randArray(n * s * F, 7), b = randArray(n * s * F, 8), t = randArray(n * 2, 9);
      values(stateful.predict(a));
      const carried = values(stateOf.predict(a));
      const gs = stateful.gradients(b, { y: t });
      const ge = explicit.gradients([b, ...carried], { y: t });
      const gw = whole.gradients(concatTime(a, b, n, s, s), { y: t });
      expect(Math.abs((gs.loss as number) - (ge.loss as number))).toBeLessThan(1e-6);
      const flat = (g: { params: Tensor[] | null }) => (g.params as Tensor[]).flatMap((p) => { const v = Array.from(p.toFloat32Array()); p.dispose(); return v; });
      const [fs, fe, fw] = [flat(gs), flat(ge), flat(gw)];
      for (let i = 0; i < fs.length; i++) expect(Math.abs(fs[i] - fe[i])).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(fe[i]));
      // The full gradient also flows through window a: it is a different gradient.
      expect(Math.max(...fs.map((v, i) => Math.abs(v - fw[i])))).toBeGreaterThan(1e-4);
      for (const m of [stateful, stateOf, explicit, whole]) m.dispose();
    });
  });
}

describe('recurrent models: errors, memory, determinism', () => {
  function idModel(seed = 1): Model {
    const m = sequential({
      seed,
      layers: [
        layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [6], maskZero: true }),
        layers.gru({ units: 8 }),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    return m;
  }
  const ids = Float32Array.from({ length: 4 * 6 }, (_, i) => (i * 7) % 10);
  const labels = Float32Array.from([0, 1, 2, 1]);

  it('an id outside the vocabulary is a ValueError naming it; the model is unchanged and stays usable', () => {
    const m = idModel();
    m.trainOnBatch(ids, labels);
    const w = m.getWeightsFlat();
    const before = values(m.predict(ids))[0];
    for (const bad of [10, -1, 2.5, NaN]) {
      const x = ids.slice();
      x[13] = bad;
      expect(() => m.trainOnBatch(x, labels)).toThrow(ValueError);
      if (!Number.isNaN(bad)) expect(() => m.trainOnBatch(x, labels)).toThrow(/ids must be integers in \[0, 10\).*sample 2 at position 1/);
      expect(() => m.predict(x)).toThrow(ValueError);
    }
    expect(Array.from(m.getWeightsFlat())).toEqual(Array.from(w));
    expect(Array.from(values(m.predict(ids))[0])).toEqual(Array.from(before));
    expect(Number.isFinite(m.trainOnBatch(ids, labels) as number)).toBe(true);
    m.dispose();
  });

  it('rejects unknown options and bad hyperparameters with the name of the option', () => {
    expect(() => layers.lstm({ units: 4, untis: 3 } as never)).toThrow(/unknown option "untis"/);
    expect(() => layers.gru({ units: 0 })).toThrow(/units must be an integer/);
    expect(() => layers.simpleRNN({ units: 3, activation: 'gelu' as never })).toThrow(/activation must be one of/);
    expect(() => layers.lstm({ units: 3, dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\)/);
    expect(() => layers.lstm({ units: 3, recurrentDropout: 0.2 })).toThrow(/recurrentDropout/);
    expect(() => layers.embedding({ inputDim: 0, outputDim: 3 })).toThrow(/inputDim/);
    expect(() => layers.bidirectional({ layer: layers.dense({ units: 2 }) as never })).toThrow(/recurrent layer/);
    const x = input({ shape: [5] });
    expect(() => layers.lstm({ units: 3 }).apply(x)).toThrow(/sequences of shape \[steps, features\]/);
  });

  it('thousands of training steps leave live bytes where they were after the first', () => {
    const m = idModel(2);
    m.trainOnBatch(ids, labels);
    values(m.predict(ids));
    const before = memoryStats();
    for (let i = 0; i < 2000; i++) m.trainOnBatch(ids, labels);
    values(m.predict(ids));
    const after = memoryStats();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveAllocations).toBe(before.liveAllocations);
    m.dispose();
  });

  it('same seed, same bits: two LSTM models trained alike agree exactly', () => {
    const run = () => {
      const m = sequential({ seed: 11, layers: [layers.lstm({ units: 6, inputShape: [5, 2], dropout: 0.2 }), layers.dense({ units: 1 })] });
      m.compile({ optimizer: 'adam', loss: 'mse' });
      const x = randArray(16 * 10, 3), y = randArray(16, 4);
      for (let i = 0; i < 20; i++) m.trainOnBatch(x, y);
      const w = m.getWeightsFlat();
      m.dispose();
      return w;
    };
    expect(new Uint32Array(run().buffer)).toEqual(new Uint32Array(run().buffer));
  });

  it('gradient clipping by norm keeps training finite where plain SGD explodes on a long sequence', async () => {
    // A relu recurrence whose recurrent kernel has gain 1.3: 100 steps amplify the gradient by ~1.3^100.
    const T = 100, n = 32;
    const x = Float32Array.from({ length: n * T }, (_, i) => Math.sin(i * 0.37) * 0.5);
    const y = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    const train = async (clipNorm?: number) => {
      const m = sequential({ seed: 5, layers: [layers.simpleRNN({ units: 8, activation: 'relu', inputShape: [T, 1] }), layers.dense({ units: 1 })] });
      m.compile({ optimizer: optimizers.sgd({ learningRate: 0.05, clipNorm }), loss: 'mse' });
      // Flat order: kernel [1, 8], recurrent_kernel [8, 8], bias, the head.
      const w = m.getWeightsFlat();
      w.fill(0, 8, 72);
      for (let i = 0; i < 8; i++) w[8 + i * 8 + i] = 1.3;
      m.setWeightsFlat(w);
      try {
        const h = await m.fit(x, y, { epochs: 5, batchSize: n, shuffle: false });
        return h.history.loss as number[];
      } finally {
        m.dispose();
      }
    };
    await expect(train()).rejects.toThrow(NonFiniteLossError);
    const clipped = await train(1);
    expect(clipped.every(Number.isFinite)).toBe(true);
    expect(clipped[clipped.length - 1]).toBeLessThan(clipped[0]);
  });
});
