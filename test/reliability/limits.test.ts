// Hard limits: long training runs keep memory flat, and models too large for
// the memory they are given raise OutOfMemoryError with nothing changed.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  init, createBackend, sequential, layers, optimizers, autoencoder, Hopfield, BoltzmannMachine, RBM, DBN, Model, OutOfMemoryError,
  type Backend, type Tensor,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

/** The memory counters that must stay flat. */
function counters(be: Backend): [number, number, number] {
  const s = be.memoryStats();
  return [s.liveBytes, s.liveAllocations, s.heapBytes];
}

describe('soak: 10,000 training steps keep live bytes, live allocations and the wasm heap flat', () => {
  const cases: [string, (be: Backend) => Model | { model: Model; dispose(): void }, number[], number[]][] = [
    ['an MLP', (be) => sequential({ seed: 1, backend: be, layers: [layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), layers.dense({ units: 2 })] }), [4], [2]],
    ['a CNN', (be) => sequential({
      seed: 1, backend: be, layers: [
        layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }), layers.maxPooling2d({ poolSize: 2 }), layers.flatten(), layers.dense({ units: 2 }),
      ],
    }), [6, 6, 1], [2]],
    ['an LSTM', (be) => sequential({ seed: 1, backend: be, layers: [layers.lstm({ units: 4, inputShape: [3, 2] }), layers.dense({ units: 1 })] }), [3, 2], [1]],
    ['an autoencoder', (be) => autoencoder({ seed: 1, backend: be, inputDim: 8, units: [3] }), [8], [8]],
  ];
  for (const [what, make, inShape, outShape] of cases) {
    it(what, async () => {
      const be = await createBackend({ deterministic: true });
      const made = make(be);
      const m = made instanceof Model ? made : made.model;
      m.compile({ optimizer: optimizers.adam({ learningRate: 0.001 }), loss: 'mse' });
      const batch = 4;
      const x = randArray(batch * inShape.reduce((a, b) => a * b, 1), 1);
      const y = randArray(batch * outShape.reduce((a, b) => a * b, 1), 2);
      for (let i = 0; i < 100; i++) m.trainOnBatch(x, y);
      const start = counters(be);
      let loss = 0;
      for (let i = 0; i < 10_000; i++) loss = m.trainOnBatch(x, y) as number;
      expect(Number.isFinite(loss)).toBe(true);
      expect(counters(be)).toEqual(start);
      made.dispose();
      expect(be.memoryStats().liveBytes).toBe(0);
      be.dispose();
    }, 120_000);
  }

  it('1,000 create / fit / dispose cycles', async () => {
    const be = await createBackend({ deterministic: true });
    const x = randArray(16 * 4, 3);
    const y = randArray(16 * 2, 4);
    const cycle = async () => {
      const m = sequential({ seed: 1, backend: be, layers: [layers.dense({ units: 8, activation: 'tanh', inputShape: [4] }), layers.dropout({ rate: 0.1 }), layers.dense({ units: 2 })] });
      m.compile({ optimizer: 'adam', loss: 'mse' });
      await m.fit(x, y, { epochs: 1, batchSize: 8 });
      (m.predict(x) as Tensor).dispose();
      m.dispose();
    };
    for (let i = 0; i < 20; i++) await cycle();
    const start = counters(be);
    for (let i = 0; i < 1000; i++) await cycle();
    expect(counters(be)).toEqual(start);
    expect(start[0]).toBe(0);
    be.dispose();
  }, 120_000);
});

describe('resources: a model too large for its memory raises OutOfMemoryError and changes nothing', () => {
  const LIMIT = 32 << 20;
  const tooLarge: [string, (be: Backend) => { dispose(): void }][] = [
    ['sequential', (be) => {
      const m = sequential({ backend: be, layers: [layers.dense({ units: 4096, inputShape: [4096] })] });
      try {
        m.build();
      } catch (err) {
        m.dispose();
        throw err;
      }
      return m;
    }],
    ['recurrent', (be) => {
      const m = sequential({ backend: be, layers: [layers.lstm({ units: 2048, inputShape: [4, 8] })] });
      try {
        m.build();
      } catch (err) {
        m.dispose();
        throw err;
      }
      return m;
    }],
    ['autoencoder', (be) => autoencoder({ backend: be, inputDim: 4096, units: [2048] })],
    ['Hopfield', (be) => new Hopfield({ size: 4096, backend: be })],
    ['Boltzmann machine', (be) => new BoltzmannMachine({ visible: 3000, hidden: 1000, backend: be })],
    ['RBM', (be) => new RBM({ visible: 4096, hidden: 4096, backend: be })],
    ['DBN', (be) => new DBN({ layers: [64, 64, 4096, 4096], backend: be })],
  ];
  for (const [what, make] of tooLarge) {
    it(what, async () => {
      const be = await createBackend({ deterministic: true, maxMemoryBytes: LIMIT });
      const bystander = sequential({ seed: 5, backend: be, layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [2] })] });
      const x = new Float32Array([0.5, -1, 2, 0.25]);
      const bits = () => {
        const t = bystander.predict(x) as Tensor;
        const v = Array.from(t.toFloat32Array());
        t.dispose();
        return v;
      };
      const before = bits();
      const live = be.memoryStats();
      expect(() => make(be)).toThrow(OutOfMemoryError);
      expect(be.memoryStats().liveBytes).toBe(live.liveBytes);
      expect(be.memoryStats().liveAllocations).toBe(live.liveAllocations);
      expect(bits()).toEqual(before);
      // The backend still works for something that fits.
      const small = new Hopfield({ size: 8, backend: be });
      small.dispose();
      bystander.dispose();
      be.dispose();
    });
  }

  it('beyond wasm32 itself (more than 4 GiB of parameters), on the default backend', () => {
    const m = sequential({ layers: [layers.dense({ units: 65536, inputShape: [65536] })] });
    expect(() => m.build()).toThrow(OutOfMemoryError);
    m.dispose();
  });

  it('a training batch too large for the memory: fit refuses, the weights are unchanged', async () => {
    const be = await createBackend({ deterministic: true, maxMemoryBytes: LIMIT });
    const m = sequential({ seed: 1, backend: be, layers: [layers.dense({ units: 512, inputShape: [512] }), layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const w = m.getWeightsFlat();
    const n = 8192;
    await expect(m.fit(new Float32Array(n * 512), new Float32Array(n), { batchSize: n, epochs: 1 })).rejects.toThrow(OutOfMemoryError);
    expect(m.getWeightsFlat()).toEqual(w);
    m.dispose();
    be.dispose();
  });

  it('through the CLI: exit 1 and one line', () => {
    const cli = join(fileURLToPath(new URL('../..', import.meta.url)), 'dist/cli.js');
    if (!existsSync(cli)) return;
    const r = spawnSync(process.execPath, [cli, 'train', '--data', 'iris', '--hidden', '65536,65536', '--epochs', '1', '-q', '--out', '/dev/null/x.simdnn'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^simdnn: error: out of wasm memory/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
