import { describe, it, expect, beforeAll } from 'vitest';
import {
  init, createBackend, zeros, memoryStats, BoltzmannMachine, DBN, Hopfield, RBM, DisposedError,
  type Backend, type Callback, type Tensor,
} from '../../src/index.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

/** The names of T's public methods (TypeScript leaves private members out of keyof). */
type Methods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

/**
 * One call per public method of a disposed network, typed so that a method
 * added later and missing here fails the typecheck. Getters that read wasm
 * memory are listed with the methods; getters of plain properties keep working.
 */
type Table<T, Except extends keyof T = never, Getters extends keyof T = never> = Record<Exclude<Methods<T>, 'dispose' | Except> | Getters, (net: T) => unknown>;

function expectAllDisposed<T extends { dispose(): void; readonly isDisposed: boolean }>(
  name: string, what: string, make: () => T, table: Record<string, (net: T) => unknown>, plain: (net: T) => unknown[],
): void {
  describe(`a disposed ${name}`, () => {
    for (const [method, call] of Object.entries(table)) {
      it(`${name}.${method} throws DisposedError naming the network`, async () => {
        const net = make();
        const values = plain(net);
        net.dispose();
        let caught: unknown;
        try {
          await call(net);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(DisposedError);
        expect((caught as Error).message).toBe(`${name}.${method}: this ${what} was disposed`);
        // Plain properties still answer, and dispose stays idempotent.
        expect(plain(net)).toEqual(values);
        expect(net.isDisposed).toBe(true);
        net.dispose();
      });
    }
  });
}

const bits4 = [[1, 0, 1, 0], [0, 1, 1, 1]];

expectAllDisposed('Hopfield', 'Hopfield network', () => new Hopfield({ size: 4, seed: 1 }), {
  weights: (n) => n.weights,
  thresholds: (n) => n.thresholds,
  store: (n) => n.store([[1, -1, 1, -1]]),
  setWeights: (n) => n.setWeights(new Float32Array(16)),
  setThresholds: (n) => n.setThresholds([0, 0, 0, 0]),
  net: (n) => n.net([1, 1, 1, 1]),
  energy: (n) => n.energy([1, 1, 1, 1]),
  recall: (n) => n.recall([1, 1, 1, 1]),
  toJSON: (n) => n.toJSON(),
} satisfies Table<Hopfield, never, 'weights' | 'thresholds'>, (n) => [n.size, n.rule, n.states, n.patterns]);

expectAllDisposed('BoltzmannMachine', 'Boltzmann machine', () => new BoltzmannMachine({ visible: 3, hidden: 1, seed: 1 }), {
  getWeights: (m) => m.getWeights(),
  setWeights: (m) => m.setWeights({ weights: new Float32Array(16) }),
  energy: (m) => m.energy([1, 0, 1, 0]),
  distribution: (m) => m.distribution(),
  sample: (m) => m.sample(),
  anneal: (m) => m.anneal({ schedule: [2, 1] }),
  fit: (m) => m.fit([[1, 0, 1]], { epochs: 1 }),
  toJSON: (m) => m.toJSON(),
} satisfies Table<BoltzmannMachine>, (m) => [m.visible, m.hidden, m.units, m.chains]);

// getBackend() reports a plain property (the backend the RBM was made in) and touches no wasm memory.
expectAllDisposed('RBM', 'RBM', () => new RBM({ visible: 4, hidden: 2, seed: 1 }), {
  getWeights: (r) => r.getWeights(),
  setWeights: (r) => r.setWeights({ hiddenBias: [0, 0] }),
  getWeightsFlat: (r) => r.getWeightsFlat(),
  setWeightsFlat: (r) => r.setWeightsFlat(new Float32Array(14)),
  fit: (r) => r.fit(bits4, { epochs: 1 }),
  transform: (r) => r.transform(bits4),
  reconstruct: (r) => r.reconstruct(bits4),
  decode: (r) => r.decode([[0.5, 0.5]]),
  reconstructionError: (r) => r.reconstructionError(bits4),
  freeEnergy: (r) => r.freeEnergy(bits4),
  pseudoLikelihood: (r) => r.pseudoLikelihood(bits4),
  sample: (r) => r.sample(),
  toJSON: (r) => r.toJSON(),
} satisfies Table<RBM, 'getBackend'>, (r) => [r.visible, r.hidden, r.visibleType, r.stopTraining, r.getBackend()]);

expectAllDisposed('DBN', 'DBN', () => new DBN({ layers: [4, 3, 2], seed: 1 }), {
  pretrain: (d) => d.pretrain(bits4, { epochs: 1 }),
  transform: (d) => d.transform(bits4),
  generate: (d) => d.generate({ steps: 1 }),
  toSequential: (d) => d.toSequential(),
  toJSON: (d) => d.toJSON(),
} satisfies Table<DBN>, (d) => [d.layers, d.rbms.length]);

// ---- disposal from inside a training loop's own callback ----

/** Counts the kernel calls made on `be` from now on (wraps every export). */
function countKernelCalls(be: Backend): { calls: number } {
  const counter = { calls: 0 };
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(be.abi as unknown as Record<string, unknown>)) {
    wrapped[name] = typeof fn === 'function'
      ? (...args: unknown[]) => {
        counter.calls++;
        return (fn as (...a: unknown[]) => unknown)(...args);
      }
      : fn;
  }
  Object.defineProperty(be, 'abi', { value: wrapped });
  return counter;
}

/**
 * What the regression tests check after a network was disposed in its own
 * callback and a new 100,000-value tensor was allocated there (it lands in
 * the network's freed weights): no kernel ran afterwards, the tensor still
 * holds its zeros, and the backend holds nothing but the tensor.
 */
function expectUntouched(be: Backend, counter: { calls: number }, t: Tensor | null): void {
  expect(t).not.toBeNull();
  expect(counter.calls).toBe(0);
  const values = (t as Tensor).toFloat32Array();
  expect(values.every((v) => v === 0)).toBe(true);
  expect(be.memoryStats().liveBytes).toBe(100000 * 4);
  (t as Tensor).dispose();
  expect(be.memoryStats().liveBytes).toBe(0);
}

/** 64 rows of 400 binary values. */
const rows400 = Float32Array.from({ length: 64 * 400 }, (_, i) => ((i * 7919) % 13 < 5 ? 1 : 0));

describe('disposing a network inside its own training callback stops training cleanly', () => {
  const hooks = ['onTrainBegin', 'onEpochBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;
  for (const hook of hooks) {
    it(`RBM.fit rejects with DisposedError when ${hook} disposes the RBM, and writes nothing more`, async () => {
      const be = await createBackend({ seed: 1 });
      const counter = countKernelCalls(be);
      // W is 400 x 256 floats = 409,600 bytes: the tensor below fits in it once freed.
      const rbm = new RBM({ visible: 400, hidden: 256, seed: 1, backend: be });
      let t: Tensor | null = null;
      const cb: Callback = {
        [hook]: async () => {
          if (t) return;
          rbm.dispose();
          t = zeros([100000], be);
          counter.calls = 0;
        },
      };
      let caught: unknown;
      await rbm.fit(rows400, { epochs: 3, batchSize: 16, callbacks: cb }).catch((err: unknown) => {
        caught = err;
      });
      expect(caught).toBeInstanceOf(DisposedError);
      expect((caught as Error).message).toBe('RBM.fit: this RBM was disposed');
      expectUntouched(be, counter, t);
    });
  }

  it('BoltzmannMachine.fit throws DisposedError when onEpochEnd disposes the machine, and writes nothing more', async () => {
    const be = await createBackend({ seed: 1 });
    const counter = countKernelCalls(be);
    // W̃ is 320 x 321 floats = 410,880 bytes.
    const bm = new BoltzmannMachine({ visible: 320, seed: 1, backend: be });
    let t: Tensor | null = null;
    const data = Array.from({ length: 4 }, (_, r) => Array.from({ length: 320 }, (_, i) => ((i + r) % 3 === 0 ? 1 : 0)));
    let caught: unknown;
    try {
      bm.fit(data, {
        epochs: 3, chains: 8, sweeps: 1,
        onEpochEnd: () => {
          bm.dispose();
          t = zeros([100000], be);
          counter.calls = 0;
        },
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DisposedError);
    expect((caught as Error).message).toBe('BoltzmannMachine.fit: this Boltzmann machine was disposed');
    expectUntouched(be, counter, t);
  });

  for (const [hook, where] of [['onBatchEnd', 'while the first RBM trains'], ['onTrainEnd', 'between the first RBM and the second']] as const) {
    it(`DBN.pretrain rejects with DisposedError when the DBN is disposed ${where}, and writes nothing more`, async () => {
      const be = await createBackend({ seed: 1 });
      const counter = countKernelCalls(be);
      const dbn = new DBN({ layers: [400, 256, 16], seed: 1, backend: be });
      let t: Tensor | null = null;
      const cb: Callback = {
        [hook]: () => {
          if (t) return;
          dbn.dispose();
          t = zeros([100000], be);
          counter.calls = 0;
        },
      };
      let caught: unknown;
      await dbn.pretrain(rows400, [{ epochs: 2, batchSize: 16, callbacks: cb }, { epochs: 2 }]).catch((err: unknown) => {
        caught = err;
      });
      expect(caught).toBeInstanceOf(DisposedError);
      expect((caught as Error).message).toBe('DBN.pretrain: this DBN was disposed');
      expectUntouched(be, counter, t);
    });
  }

  it('the disposed networks above left nothing in the default backend', () => {
    expect(memoryStats().liveBytes).toBe(0);
  });
});
