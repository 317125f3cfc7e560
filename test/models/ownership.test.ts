import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  init, createBackend, sequential, input, model, layers, optimizers, callbacks, zeros, memoryStats,
  DisposedError, NonFiniteLossError, OutOfMemoryError, ValueError, type Sequential,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

const X = randArray(16 * 3, 1);
const Y = randArray(16 * 2, 2);

function net(seed: number, names = ['a', 'b']): Sequential {
  const m = sequential({
    seed,
    layers: [layers.dense({ units: 4, activation: 'tanh', inputShape: [3], name: names[0] }), layers.dense({ units: 2, name: names[1] })],
  });
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
  return m;
}

/** A tensor of known values to check that nothing else writes into its memory. */
function canary(n = 4096) {
  const t = zeros([n]);
  return { t, intact: () => t.toFloat32Array().every((v) => v === 0) };
}

describe('layers reused in another model share their weights', () => {
  it('a trained layer keeps its weights in the second model, and disposing either model leaves the other working', async () => {
    const first = net(1);
    await first.fit(X, Y, { epochs: 3, batchSize: 4 });
    const w = first.getWeightsFlat();
    const p = first.predict(X).toFloat32Array();
    const second = sequential({ seed: 99, layers: [first.layers[0], layers.dense({ units: 1, name: 'c' })] });
    second.build();
    // Not re-initialised: the first model is unchanged, and the layer's kernel is the same one.
    expect(first.getWeightsFlat()).toEqual(w);
    expect(second.layers[0].getWeights()[0].toFloat32Array()).toEqual(first.layers[0].getWeights()[0].toFloat32Array());
    expect(second.weights[0]).toBe(first.weights[0]);
    second.dispose();
    const c = canary();
    expect(first.predict(X).toFloat32Array()).toEqual(p);
    expect(c.intact()).toBe(true);
    // Training the first model changes the layer the second one used; the other way round too.
    const third = sequential({ layers: [first.layers[0], layers.dense({ units: 2, name: 'd' })] });
    third.compile({ optimizer: 'sgd', loss: 'mse' });
    await third.fit(X, Y, { epochs: 1, batchSize: 4 });
    expect(first.getWeightsFlat()).not.toEqual(w);
    first.dispose();
    expect(third.predict(X).shape).toEqual([16, 2]);
    third.dispose();
    c.t.dispose();
  });

  it('a layer whose weights live in another backend is rejected with both named', async () => {
    const be = await createBackend({ seed: 1 });
    const first = net(2, ['e', 'f']);
    first.build();
    expect(() => sequential({ backend: be, layers: [first.layers[0]] }).build()).toThrow(/weights live in another backend/);
    const other = net(3, ['g', 'h']);
    other.build();
    const x = input({ shape: [3] });
    const y = layers.add().apply([first.layers[0].apply(x) as never, other.layers[0].apply(x) as never]) as never;
    expect(() => model({ inputs: x, outputs: y })).toThrow(/2 separate stores/);
    first.dispose();
    other.dispose();
    be.dispose();
  });
});

describe('an optimizer trains one model at a time', () => {
  it('a second model cannot compile with an optimizer the first still uses; after dispose it may', async () => {
    const adam = optimizers.adam({ learningRate: 0.01 });
    const a = net(4, ['i', 'j']);
    a.compile({ optimizer: adam, loss: 'mse' });
    await a.fit(X, Y, { epochs: 1, batchSize: 4 });
    const b = net(5, ['k', 'l']);
    expect(() => b.compile({ optimizer: adam, loss: 'mse' })).toThrow(ValueError);
    expect(() => b.compile({ optimizer: adam, loss: 'mse' })).toThrow(/this Adam optimizer is already used by model "sequential"/);
    // b is still compiled with its SGD and trains.
    await b.fit(X, Y, { epochs: 1, batchSize: 4 });
    a.dispose();
    const c = canary();
    b.compile({ optimizer: adam, loss: 'mse' });
    await b.fit(X, Y, { epochs: 2, batchSize: 4 });
    expect(c.intact()).toBe(true);
    expect(b.getWeightsFlat().every(Number.isFinite)).toBe(true);
    b.dispose();
    c.t.dispose();
  });

  it('compiling again releases the optimizer compiled before, built or not', () => {
    const first = optimizers.adam();
    const unbuilt = sequential({ layers: [layers.dense({ units: 1 })] });
    unbuilt.compile({ optimizer: first, loss: 'mse' });
    expect(first.owner).toBe(unbuilt);
    unbuilt.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(first.owner).toBeNull();
    const other = net(15, ['aa', 'bb']);
    other.compile({ optimizer: first, loss: 'mse' });
    other.trainOnBatch(X, Y);
    other.dispose();
    unbuilt.dispose();
  });

  it('an optimizer created from a name is disposed with its model; an instance passed in is released for reuse', () => {
    const sgd = optimizers.sgd();
    const a = net(6, ['m', 'n']);
    a.compile({ optimizer: sgd, loss: 'mse' });
    a.trainOnBatch(X, Y);
    a.dispose();
    expect(sgd.isDisposed).toBe(false);
    expect(sgd.owner).toBeNull();
    const b = net(7, ['o', 'p']);
    b.compile({ optimizer: 'adam', loss: 'mse' });
    const owned = b.optimizer;
    b.trainOnBatch(X, Y);
    b.dispose();
    expect(owned?.isDisposed).toBe(true);
    expect(() => net(8).compile({ optimizer: owned as never, loss: 'mse' })).toThrow(DisposedError);
  });
});

describe('disposed means disposed', () => {
  it('every method of a disposed model throws DisposedError and writes nothing', async () => {
    const m = net(9, ['q', 'r']);
    m.trainOnBatch(X, Y);
    const w = m.getWeightsFlat();
    m.dispose();
    const c = canary();
    const calls: [string, () => unknown][] = [
      ['predict', () => m.predict(X)],
      ['evaluate', () => m.evaluate(X, Y)],
      ['trainOnBatch', () => m.trainOnBatch(X, Y)],
      ['gradients', () => m.gradients(X, { y: Y })],
      ['gradientsFlat', () => m.gradientsFlat(X, Y)],
      ['activations', () => m.activations(X, ['q'])],
      ['getWeights', () => m.getWeights()],
      ['setWeights', () => m.setWeights([])],
      ['getWeightsFlat', () => m.getWeightsFlat()],
      ['setWeightsFlat', () => m.setWeightsFlat(w)],
      ['compile', () => m.compile({ optimizer: 'sgd', loss: 'mse' })],
      ['summary', () => m.summary(() => {})],
      ['getLayer', () => m.getLayer('q')],
      ['add', () => m.add(layers.dense({ units: 1 }))],
    ];
    for (const [name, call] of calls) expect(call, name).toThrow(DisposedError);
    await expect(m.fit(X, Y)).rejects.toThrow(DisposedError);
    // A layer of the disposed model has no weights left to read or write.
    expect(() => m.layers[0].getWeights()).toThrow(DisposedError);
    expect(() => m.layers[0].setWeights([[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], [0, 0, 0, 0]])).toThrow(DisposedError);
    expect(c.intact()).toBe(true);
    c.t.dispose();
  });

  it('dispose() inside a callback ends fit() at once: nothing is written afterwards, and restoreBestWeights does not run', async () => {
    const m = net(10, ['s', 't']);
    const es = callbacks.earlyStopping({ monitor: 'loss', patience: 100, restoreBestWeights: true });
    let c: ReturnType<typeof canary> | null = null;
    let epochs = 0;
    const hist = await m.fit(X, Y, {
      epochs: 20, batchSize: 4,
      callbacks: [es, {
        onEpochEnd: (e) => {
          epochs++;
          if (e === 2) {
            m.dispose();
            // Memory the model freed, reused at once by a new tensor.
            c = canary(64);
          }
        },
      }],
    });
    expect(epochs).toBe(3);
    expect(hist.epoch).toEqual([0, 1, 2]);
    expect((c as unknown as ReturnType<typeof canary>).intact()).toBe(true);
    // Disposing inside onBatchEnd stops before the next batch.
    const m2 = net(11, ['u', 'v']);
    let batches = 0;
    await m2.fit(X, Y, { epochs: 5, batchSize: 4, callbacks: { onBatchEnd: (b) => { batches++; if (b === 1) m2.dispose(); } } });
    expect(batches).toBe(2);
  });

  it('fit() refuses to start while another fit() on the same model runs', async () => {
    const m = net(12, ['w', 'x']);
    const first = m.fit(X, Y, { epochs: 3, batchSize: 4 });
    expect(() => m.trainOnBatch(X, Y)).toThrow(/still running fit/);
    await expect(m.fit(X, Y)).rejects.toThrow(/model sequential is still running fit\(\); await it before starting another/);
    // Reading the model from a callback is fine.
    await first;
    let predicted = 0;
    await m.fit(X, Y, { epochs: 2, batchSize: 8, callbacks: { onEpochEnd: () => { predicted += m.predict(X).shape[0]; } } });
    expect(predicted).toBe(32);
    m.dispose();
  });
});

describe('sizes and memory', () => {
  it('a dense 50,000 x 50,000 layer raises OutOfMemoryError, naming the weight, and changes nothing', () => {
    const c = canary();
    const before = memoryStats();
    const big = sequential({ layers: [layers.dense({ units: 50000, inputShape: [50000], name: 'huge' })] });
    expect(() => big.build()).toThrow(OutOfMemoryError);
    expect(() => big.build()).toThrow(/huge\/kernel of shape \[50000,50000\]/);
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    expect(c.intact()).toBe(true);
    // Other models are unaffected.
    const m = net(13, ['y', 'z']);
    expect(m.predict(X).shape).toEqual([16, 2]);
    m.dispose();
    c.t.dispose();
  });

  it('an OutOfMemoryError while compile() binds the optimizer leaves the model and the optimizer as they were', async () => {
    const be = await createBackend({ maxMemoryBytes: 4 * 2 ** 20, seed: 1 });
    // 512 x 512 weights (1 MiB) and their gradients fit; Adam's two moments (2 MiB more) do not.
    const m = sequential({ backend: be, seed: 1, layers: [layers.dense({ units: 512, inputShape: [512], name: 'wide' })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const adam = optimizers.adam();
    expect(() => m.compile({ optimizer: adam, loss: 'mse' })).toThrow(OutOfMemoryError);
    expect(adam.bound).toBe(false);
    expect(adam.owner).toBeNull();
    // Still compiled with SGD: it trains, and writes nothing outside its buffers.
    const x = randArray(2 * 512, 3);
    const w = m.getWeightsFlat();
    m.trainOnBatch(x, x);
    const after = m.getWeightsFlat();
    expect(after.every(Number.isFinite)).toBe(true);
    expect(after).not.toEqual(w);
    m.dispose();
    be.dispose();
  });

  it('the CLI refuses --hidden 50000,50000 with a one-line out-of-memory message', () => {
    if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing: npm test builds it first');
    const r = spawnSync(process.execPath, ['dist/cli.js', 'train', '--data', 'iris', '--hidden', '50000,50000', '--epochs', '1', '--quiet'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/out of wasm memory/);
    expect(r.stderr).not.toMatch(/RuntimeError|at .*\.js:\d+/);
  });
});

describe('training never leaves non-finite weights behind', () => {
  it('an update that overflows weights whose loss stays finite is undone at the end of the epoch', async () => {
    // ReLU units whose weight went to -Infinity output 0 for positive inputs: the loss stays finite.
    const m = sequential({ seed: 14, layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [1] }), layers.dense({ units: 1 })] });
    m.compile({ optimizer: optimizers.sgd({ learningRate: 1e38 }), loss: 'mse' });
    m.layers[0].setWeights([[[1, 1, 1, 1]], [0, 0, 0, 0]]);
    m.layers[1].setWeights([[[1], [1], [1], [1]], [0]]);
    const x = Float32Array.from({ length: 8 }, (_, i) => 1 + i);
    const y = new Float32Array(8).fill(-1);
    const err = await m.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false }).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(m.getWeightsFlat().every(Number.isFinite)).toBe(true);
    m.dispose();
  });
});

describe('fit() yields to the event loop by elapsed time, not per epoch', () => {
  it('300 epochs of XOR take about as long as 300 trainOnBatch calls, and a timer still runs during a long fit', async () => {
    const mk = () => {
      const m = sequential({ seed: 1, layers: [layers.dense({ units: 4, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })] });
      m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy' });
      return m;
    };
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const y = [[0], [1], [1], [0]];
    const a = mk();
    const b = mk();
    a.trainOnBatch(x, y);
    await b.fit(x, y, { epochs: 1, batchSize: 4 });
    let t = performance.now();
    for (let i = 0; i < 300; i++) a.trainOnBatch(x, y);
    const steps = performance.now() - t;
    t = performance.now();
    await b.fit(x, y, { epochs: 300, batchSize: 4 });
    const fit = performance.now() - t;
    // A setTimeout(0) per epoch costs ~1 ms in Node and 4 ms in browsers: 300 epochs would take 300+ ms.
    expect(fit).toBeLessThan(steps * 5 + 60);
    let fired = false;
    setTimeout(() => { fired = true; }, 0);
    const c = mk();
    const start = performance.now();
    await c.fit(x, y, { epochs: 100000, batchSize: 4, callbacks: { onEpochEnd: () => { if (performance.now() - start > 150) c.stopTraining = true; } } });
    expect(fired).toBe(true);
    for (const m of [a, b, c]) m.dispose();
  });
});
