// simdnn against another build of simdnn, in one process: the MLP and LeNet
// workloads of bench/mlp.mjs and bench/cnn.mjs (training with fit(),
// inference with predict()) run on this checkout's dist/ and on the dist/ of
// another checkout (BENCH_BASELINE=/path/to/other/checkout), in interleaved
// rounds, so a refactor's cost or gain is measured as a ratio on one machine
// at one time. It also reports whether both builds trained to the same bits.
//
//   npm run build && BENCH_BASELINE=../simdnn-old node --experimental-wasm-relaxed-simd bench/versus.mjs
//
// Knobs: BENCH_ROUNDS (default 7), BENCH_BUILD ('simd' default, or 'relaxed').
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { envNumber, fmtRate, importDist, loadDigits, log, median, table } from './common.mjs';

const baseRoot = process.env.BENCH_BASELINE;
if (!baseRoot) {
  console.error('set BENCH_BASELINE to another simdnn checkout whose dist/ is built (npm run build there)');
  process.exit(1);
}
const baseIndex = path.resolve(baseRoot, 'dist/index.js');
if (!fs.existsSync(baseIndex)) {
  console.error(`${baseIndex} is missing: run npm run build in ${baseRoot}`);
  process.exit(1);
}
const ROUNDS = envNumber('BENCH_ROUNDS', 7);
const BUILD = process.env.BENCH_BUILD ?? 'simd';
const SEED = 7;

const current = await importDist();
const baseline = await import(pathToFileURL(baseIndex).href);
const versions = [['current', current], ['baseline', baseline]];

const digits = loadDigits({ nTrain: 7680, nTest: 2048, seed: SEED, knobs: {} });
const { train, test } = digits;

/** The workloads: each makes a model on a fresh backend and returns timed passes. */
const workloads = [
  {
    name: 'MLP 784-128-10 train (fit, batch 64, SGD)',
    unit: 'samples',
    count: train.n,
    async make(lib) {
      const backend = await lib.createBackend({ build: BUILD, seed: SEED });
      const model = lib.sequential({
        seed: SEED, backend,
        layers: [lib.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), lib.layers.dense({ units: 10, activation: 'softmax' })],
      });
      model.compile({ optimizer: lib.optimizers.sgd({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
      return {
        run: () => model.fit(train.x, train.oneHot, { epochs: 1, batchSize: 64, shuffle: false }),
        weights: () => flatWeights(model),
        dispose: () => { model.dispose(); backend.dispose(); },
      };
    },
  },
  {
    name: 'MLP 784-128-10 predict (batch 256)',
    unit: 'samples',
    count: test.n,
    async make(lib) {
      const backend = await lib.createBackend({ build: BUILD, seed: SEED });
      const model = lib.sequential({
        seed: SEED, backend,
        layers: [lib.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), lib.layers.dense({ units: 10, activation: 'softmax' })],
      });
      return {
        run: () => model.predict(test.x, { batchSize: 256 }).dispose(),
        dispose: () => { model.dispose(); backend.dispose(); },
      };
    },
  },
  {
    name: 'LeNet train (fit, batch 32, Adam)',
    unit: 'images',
    count: 2048,
    async make(lib) {
      const backend = await lib.createBackend({ build: BUILD, seed: SEED });
      const model = lenet(lib, backend);
      model.compile({ optimizer: lib.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy' });
      const x = train.x.subarray(0, 2048 * 784);
      const y = train.oneHot.subarray(0, 2048 * 10);
      return {
        run: () => model.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false }),
        weights: () => flatWeights(model),
        dispose: () => { model.dispose(); backend.dispose(); },
      };
    },
  },
  {
    name: 'LeNet predict (batch 32)',
    unit: 'images',
    count: test.n,
    async make(lib) {
      const backend = await lib.createBackend({ build: BUILD, seed: SEED });
      const model = lenet(lib, backend);
      return {
        run: () => model.predict(test.x, { batchSize: 32 }).dispose(),
        dispose: () => { model.dispose(); backend.dispose(); },
      };
    },
  },
];

/** Every weight, concatenated in layer order (getWeightsFlat's layout differs between versions). */
function flatWeights(model) {
  const ts = model.getWeights();
  const out = new Float32Array(ts.reduce((s, t) => s + t.size, 0));
  let at = 0;
  for (const t of ts) {
    out.set(t.toFloat32Array(), at);
    at += t.size;
    t.dispose();
  }
  return out;
}

function lenet(lib, backend) {
  const { layers } = lib;
  return lib.sequential({
    seed: SEED, backend,
    layers: [
      layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

await current.init({ build: BUILD });
await baseline.init({ build: BUILD });
log(`simdnn versus ${baseRoot}: ${BUILD} build, ${ROUNDS} interleaved rounds per workload`);
const rows = [];
for (const w of workloads) {
  const made = {};
  for (const [name, lib] of versions) {
    made[name] = await w.make(lib);
    await made[name].run(); // warm-up
  }
  const times = { current: [], baseline: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? versions : [...versions].reverse();
    for (const [name] of order) {
      const t0 = performance.now();
      await made[name].run();
      times[name].push(performance.now() - t0);
    }
  }
  let same = '';
  if (made.current.weights) {
    const a = new Uint32Array(made.current.weights().buffer);
    const b = new Uint32Array(made.baseline.weights().buffer);
    same = a.length === b.length && a.every((v, i) => v === b[i]) ? 'identical' : 'differ';
  }
  const rate = (name) => w.count / (median(times[name]) / 1000);
  rows.push([w.name, `${fmtRate(rate('current'))} ${w.unit}/s`, `${fmtRate(rate('baseline'))} ${w.unit}/s`, `${(rate('current') / rate('baseline')).toFixed(3)}x`, same]);
  for (const [name] of versions) made[name].dispose();
  log(`${w.name}: done`);
}
console.log(table(['workload', 'current', 'baseline', 'current / baseline', 'trained weights'], rows).text);
