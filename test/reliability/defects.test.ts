// Regression tests for hostile inputs and hard limits: each case failed (a
// hang, a raw TypeError / RangeError, a silent coercion, a leak, a late
// check or an unbounded allocation) before the matching fix.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, truncateSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  init, createBackend, tensor, matmul, relu, add, tidy, sizeOf, oneHot, applyStandardize, parseCsv, parseCsvRecords, layers, sequential,
  optimizers, exponentialDecay, callbacks, memoryStats, serializeModel, deserializeModel, Perceptron, Hopfield, BoltzmannMachine, RBM,
  saveModel, loadModel, loadCsv, DEFAULT_MEMORY_LIMIT, DisposedError, ModelFormatError, OutOfMemoryError, ValueError, SimdnnError,
  type Model,
} from '../../src/node.js';

let dir = '';
const children: ChildProcess[] = [];

beforeAll(async () => {
  await init({ deterministic: true });
  dir = mkdtempSync(join(tmpdir(), 'simdnn-hostile-'));
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A deep array: 100,000 levels. */
function deep(): unknown[] {
  const root: unknown[] = [];
  let d = root;
  for (let i = 0; i < 100_000; i++) {
    const n: unknown[] = [];
    d.push(n);
    d = n;
  }
  return root;
}

function small(): Model {
  const m = sequential({ seed: 3, layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 2 })] });
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
  return m;
}

/** A FIFO with a writer that connects (then goes away) after a few seconds, so a blocking open cannot hang the test run for ever. */
function fifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
  children.push(spawn('sh', ['-c', `sleep 4; exec 3>"${path}"; sleep 1`], { stdio: 'ignore' }));
}

describe('1: FIFOs and other non-files are refused at once, never opened for a blocking read', () => {
  it('loadModel on a directory whose weights.bin or model.json is a FIFO', () => {
    const m = small();
    for (const which of ['weights.bin', 'model.json']) {
      const d = join(dir, `fifo-${which}`);
      saveModel(m, d);
      rmSync(join(d, which));
      fifo(join(d, which));
      const t0 = performance.now();
      expect(() => loadModel(d)).toThrow(ModelFormatError);
      expect(() => loadModel(d)).toThrow(/not a regular file/);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
    m.dispose();
  });

  it('loadCsv on a FIFO', () => {
    const p = join(dir, 'data.csv');
    fifo(p);
    const t0 = performance.now();
    expect(() => loadCsv(p, { labelColumn: -1 })).toThrow(ValueError);
    expect(() => loadCsv(p, { labelColumn: -1 })).toThrow(/not a regular file/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('2: what a loaded model may plan is bounded, and predict chunks by bytes', () => {
  it('a 1x1 Conv2D of 1,024 filters on 128x128x1: a 40-row predict is refused before memory grows', async () => {
    const be = await createBackend({ deterministic: true });
    const m = sequential({ seed: 1, backend: be, layers: [layers.conv2d({ filters: 1024, kernelSize: 1, inputShape: [128, 128, 1] })] });
    m.build();
    const artifacts = serializeModel(m);
    m.dispose();
    expect(artifacts.weightData.length).toBeLessThan(10_000);
    const loaded = deserializeModel(artifacts, { backend: be });
    expect(loaded.memoryLimit).toBe(DEFAULT_MEMORY_LIMIT);
    const heap = be.memoryStats().heapBytes;
    const live = be.memoryStats().liveBytes;
    const x = new Float32Array(40 * 128 * 128);
    expect(() => loadedPredict(loaded, x)).toThrow(OutOfMemoryError);
    expect(() => loadedPredict(loaded, x)).toThrow(/memoryLimit of 536870912 bytes/);
    expect(be.memoryStats().heapBytes - heap).toBeLessThan(16 << 20);
    expect(be.memoryStats().liveBytes).toBe(live);
    // The caller can lower (or raise) the bound.
    expect(() => deserializeModel(artifacts, { backend: be, memoryLimit: -1 })).toThrow(/memoryLimit must be a positive number/);
    loaded.memoryLimit = 1 << 20;
    expect(() => loadedPredict(loaded, new Float32Array(128 * 128))).toThrow(OutOfMemoryError);
    loaded.dispose();
    be.dispose();
  });

  it('predict without a batch size plans at most about 16 MiB of activations at a time', async () => {
    const be = await createBackend({ deterministic: true });
    // 1 MiB of activations per row.
    const m = sequential({ seed: 1, backend: be, layers: [layers.conv2d({ filters: 16, kernelSize: 1, inputShape: [128, 128, 1] })] });
    m.build();
    const heap = be.memoryStats().heapBytes;
    const rows = 60;
    const y = m.predict(new Float32Array(rows * 128 * 128).fill(0.5)) as ReturnType<typeof tensor>;
    expect(y.shape).toEqual([rows, 128, 128, 16]);
    // Result 60 MiB; rows-at-once planning (60 rows of ~2 MiB buffers) grew the heap by more than 180 MiB.
    expect(be.memoryStats().heapBytes - heap).toBeLessThan((rows << 20) + (40 << 20));
    // Same values as an explicit small batch.
    const z = m.predict(new Float32Array(rows * 128 * 128).fill(0.5), { batchSize: 5 }) as ReturnType<typeof tensor>;
    expect(Buffer.from(y.toFloat32Array().buffer).equals(Buffer.from(z.toFloat32Array().buffer))).toBe(true);
    m.dispose();
    be.dispose();
  });
});

function loadedPredict(m: Model, x: Float32Array): void {
  (m.predict(x) as { dispose(): void }).dispose();
}

describe('3: values finite as float64 but infinite as float32 are refused everywhere', () => {
  it('constructors, setters and fromJSON', () => {
    expect(() => new Hopfield({ size: 2 }).setThresholds([1e39, 0])).toThrow(/Infinity as float32/);
    const bm = new BoltzmannMachine({ visible: 2, hidden: 1, seed: 1 });
    const j = bm.toJSON() as unknown as { weights: number[] };
    j.weights[1] = 1e39;
    expect(() => BoltzmannMachine.fromJSON(j)).toThrow(ModelFormatError);
    bm.dispose();
    const rbm = new RBM({ visible: 2, hidden: 1, seed: 1 });
    expect(() => rbm.setWeights({ weights: [1e39, 0], visibleBias: [0, 0], hiddenBias: [0] } as never)).toThrow(/Infinity as float32/);
    rbm.dispose();
    expect(() => new Perceptron({ inputs: 1, bias: -1e39 })).toThrow(/Infinity as float32/);
  });
});

describe('4: error messages for deeply nested arguments do not overflow the stack', () => {
  it('tensor, dense units, sgd learningRate, parseCsv, fromJSON', () => {
    const d = deep();
    for (const f of [
      () => tensor(d as never), () => layers.dense({ units: d as never }), () => optimizers.sgd({ learningRate: d as never }),
      () => parseCsv(d as never, {} as never), () => Hopfield.fromJSON(d), () => RBM.fromJSON({ type: 'RBM', visible: d }), () => Perceptron.fromJSON({ type: d }),
    ]) {
      expect(f).toThrow(SimdnnError);
    }
  });
});

describe('5: bad arguments give a typed error naming the argument', () => {
  const m0 = () => small();
  const cases: [string, () => unknown, RegExp][] = [
    ['tensor(undefined)', () => tensor(undefined as never), /tensor: values/],
    ['tensor(null)', () => tensor(null as never), /tensor: values/],
    ['tensor(BigInt64Array)', () => tensor(new BigInt64Array(3) as never), /tensor: values must hold numbers/],
    ['tidy(null)', () => tidy(null as never), /tidy: fn must be a function/],
    ['sizeOf(null)', () => sizeOf(null as never), /sizeOf: shape/],
    ['oneHot(null, 3)', () => oneHot(null as never, 3), /oneHot: labels/],
    ['oneHot huge', () => oneHot([0, 1, 2], 2 ** 31 - 1), /oneHot: numClasses/],
    ['applyStandardize null mean', () => applyStandardize(new Float32Array(4), 2, null as never, [1, 1]), /applyStandardize: mean/],
    ['parseCsvRecords null options', () => parseCsvRecords('a\n1', null as never), /parseCsvRecords: options/],
    ['matmul null options', () => matmul([[1]], [[1]], null as never), /matmul: options/],
  ];
  for (const [name, f, re] of cases) {
    it(name, () => {
      expect(f).toThrow(SimdnnError);
      expect(f).toThrow(re);
    });
  }
  it('createBackend with a foreign wasm module', async () => {
    // (module (func (export "f")))
    const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 4, 1, 2, 0, 11]);
    await expect(createBackend({ module: new WebAssembly.Module(bytes) })).rejects.toThrow(/init: module is not a simdnn build/);
  });
  it('saveModel: typed errors naming the path, never a temp file', () => {
    const m = m0();
    writeFileSync(join(dir, 'plain'), 'x');
    expect(() => saveModel(m, join(dir, 'plain', 'm.simdnn'))).toThrow(ValueError);
    expect(() => saveModel(m, join(dir, 'plain', 'm.simdnn'))).toThrow(/exists and is not a directory/);
    mkdirSync(join(dir, 'taken.simdnn'));
    expect(() => saveModel(m, join(dir, 'taken.simdnn'))).toThrow(/cannot write ".*taken\.simdnn": it is a directory/);
    try {
      saveModel(m, join(dir, 'taken.simdnn'));
    } catch (err) {
      expect((err as Error).message).not.toMatch(/\.tmp/);
    }
    m.dispose();
  });
  it('loadCsv: typed errors naming the path', () => {
    expect(() => loadCsv(join(dir, 'missing.csv'), { labelColumn: -1 })).toThrow(/loadCsv: ".*missing\.csv" cannot be read/);
    expect(() => loadCsv(dir, { labelColumn: -1 })).toThrow(/is a directory/);
  });
});

describe('6: garbage is refused, not coerced', () => {
  it('strings and fractional lengths as array-likes', () => {
    expect(() => tensor('123' as never)).toThrow(ValueError);
    expect(() => relu('abc' as never)).toThrow(ValueError);
    expect(() => matmul([[1, 2]], [[1], [2]], { bias: 'x' as never })).toThrow(ValueError);
    expect(() => tensor({ length: 1.5 } as never)).toThrow(/length must be an integer/);
    expect(() => tensor({ length: 2, 0: 1, 1: 'a' } as never)).toThrow(/values\[1\] must be a number/);
  });
  it('truthy non-booleans', async () => {
    expect(() => matmul([[1, 2]], [[1, 2]], { transposeA: 'false' as never })).toThrow(/transposeA must be a boolean/);
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: 'yes' as never })).toThrow(/staircase must be a boolean/);
    await expect(createBackend({ deterministic: 'no' as never })).rejects.toThrow(/deterministic must be a boolean/);
  });
  it('fractional sizes', () => {
    expect(() => optimizers.lbfgs({ historySize: 1.5 })).toThrow(/historySize must be an integer/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: [0, 3], inputShape: [4, 4, 1] })).toThrow(ValueError);
  });
});

describe('7: no leak when an op refuses its arguments', () => {
  it('matmul(array, null) and tensor(BigInt64Array)', () => {
    const before = memoryStats();
    expect(() => matmul([[1, 2]], null as never)).toThrow(ValueError);
    expect(() => tensor(new BigInt64Array(4) as never)).toThrow(ValueError);
    expect(() => add([1, 2], 'x' as never)).toThrow(ValueError);
    const after = memoryStats();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveAllocations).toBe(before.liveAllocations);
  });
});

describe('8: saving into procfs fails at once; a huge sparse weights file is refused unread', () => {
  it('saveModel to /proc/x/y.simdnn', () => {
    const m = small();
    const t0 = performance.now();
    expect(() => saveModel(m, '/proc/simdnn-no-such/y.simdnn')).toThrow(ValueError);
    expect(performance.now() - t0).toBeLessThan(2000);
    m.dispose();
  }, 10_000);

  it('a 900 MB sparse weights.bin next to a model.json declaring 36 bytes', () => {
    const m = small();
    const d = join(dir, 'sparse');
    saveModel(m, d);
    truncateSync(join(d, 'weights.bin'), 900_000_000);
    const t0 = performance.now();
    expect(() => loadModel(d)).toThrow(/more than the \d+ bytes its weightSpecs declare/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')).weightsPath).toBe('weights.bin');
    m.dispose();
  });
});

describe('9: fit checks its callbacks before the first epoch changes anything', () => {
  it('an early-stopping monitor that no log will hold', async () => {
    const m = small();
    const x = new Float32Array([0.1, 0.2, 0.3, 0.4]);
    const before = m.getWeightsFlat();
    await expect(m.fit(x, x, { epochs: 2, callbacks: [callbacks.earlyStopping({ monitor: 'val_loss' })] })).rejects.toThrow(/earlyStopping monitors "val_loss"/);
    await expect(m.fit(x, x, { epochs: 2, callbacks: [callbacks.earlyStopping({ monitor: 'los' })] })).rejects.toThrow(ValueError);
    await expect(m.fit(x, x, { epochs: 2, callbacks: [null as never] })).rejects.toThrow(/callbacks\[0\]/);
    await expect(m.fit(x, x, { epochs: 2, callbacks: 'abc' as never })).rejects.toThrow(ValueError);
    expect(m.getWeightsFlat()).toEqual(before);
    // The monitor of a valid run is still accepted.
    await m.fit(x, x, { epochs: 1, validationData: [x, x], callbacks: [callbacks.earlyStopping({ monitor: 'val_loss' })] });
    m.dispose();
  });
});

describe('11: consistent error types', () => {
  it('every op on a disposed tensor throws DisposedError', () => {
    const t = tensor([1, 2]);
    t.dispose();
    for (const f of [() => relu(t), () => add(t, t), () => matmul(t, t), () => t.toFloat32Array(), () => t.reshape([2]), () => t.clone(), () => t.array()]) {
      expect(f).toThrow(DisposedError);
    }
  });
  it('the perceptron loader throws ModelFormatError', () => {
    expect(() => Perceptron.fromJSON({ type: 'Perceptron' })).toThrow(ModelFormatError);
    expect(() => Perceptron.fromJSON({ type: 'Perceptron', inputs: 1, activation: 'step', learningRate: 0.1, bias: 0, weights: [1e39] })).toThrow(ModelFormatError);
    expect(() => Perceptron.fromJSON([])).toThrow(ModelFormatError);
  });
});

