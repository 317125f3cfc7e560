// Objects that own wasm memory and are dropped without dispose() give it back
// once collected (FinalizationRegistry), and dispose() after a collection
// could run never frees twice.
import { describe, it, expect, beforeAll } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  init, memoryStats, sequential, layers, optimizers, Hopfield, BoltzmannMachine, RBM, DBN, tensor, matmul, getBackend,
} from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects until live bytes stop falling (finalizers run on later turns of the event loop). */
async function collect(): Promise<void> {
  let last = -1;
  for (let i = 0; i < 20; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
    const now = memoryStats().liveBytes;
    if (now === last && i > 3) return;
    last = now;
  }
}

beforeAll(async () => {
  await init({ deterministic: true });
});

const makers: [string, () => void][] = [
  ['a compiled, trained Sequential model', () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 32, activation: 'relu', inputShape: [8] }), layers.dense({ units: 2 })] });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
    m.trainOnBatch(new Float32Array(32), new Float32Array(8));
    m.predict(new Float32Array(16)).dispose();
  }],
  ['a Hopfield network', () => void new Hopfield({ size: 64, seed: 1 })],
  ['a Boltzmann machine with chains', () => {
    const bm = new BoltzmannMachine({ visible: 6, hidden: 4, seed: 1 });
    bm.sample({ chains: 3, steps: 1 });
  }],
  ['an RBM', () => void new RBM({ visible: 16, hidden: 8, seed: 1 })],
  ['a DBN', () => void new DBN({ layers: [8, 6, 4], seed: 1 })],
  ['a tensor', () => void tensor(new Float32Array(100))],
  ['a tensor matmul kept a packed copy of', () => {
    const a = tensor(new Float32Array(64), [1, 64]);
    const b = tensor(new Float32Array(64 * 40), [64, 40]);
    matmul(a, b).dispose();
    matmul(a, b).dispose();
    a.dispose();
  }],
];

describe('memory of objects dropped without dispose()', () => {
  for (const [what, make] of makers) {
    it(`${what}: 200 dropped leave no live bytes once collected`, async () => {
      await collect();
      const before = memoryStats();
      for (let i = 0; i < 200; i++) make();
      expect(memoryStats().liveBytes).toBeGreaterThan(before.liveBytes);
      await collect();
      const after = memoryStats();
      expect(after.liveBytes).toBe(before.liveBytes);
      expect(after.liveAllocations).toBe(before.liveAllocations);
    });
  }

  it('a model disposed by hand is not freed again by the collector', async () => {
    const be = getBackend();
    await collect();
    const before = memoryStats().liveBytes;
    for (let i = 0; i < 50; i++) {
      const m = sequential({ seed: 1, layers: [layers.dense({ units: 4, inputShape: [2] })] });
      m.predict(new Float32Array(2)).dispose();
      m.dispose();
      new Hopfield({ size: 8 }).dispose();
    }
    // Regions freed by dispose() are reused by these tensors; a late second free would take them away.
    const held = Array.from({ length: 100 }, () => tensor(new Float32Array(16)));
    await collect();
    for (const t of held) expect(be.isLive(t.ptr)).toBe(true);
    for (const t of held) t.dispose();
    expect(memoryStats().liveBytes).toBe(before);
  });
});
