// Threads benchmark: one thread against `init({ threads: 2 })` on the same
// work, in one process, in interleaved rounds (each round times every
// contender once, so drift on a shared machine hits both alike): GEMM at
// n = 256, 512, 1024 and the MLP's own shapes, an MLP 784-128-10 trained at
// batch 64 and 256, LeNet trained at batch 32 and 128 and its inference, and
// batch-1 work (threads must not hurt it). With THREADS_BUSY=1 a busy loop
// runs on another thread for the whole run: the split must then not be
// slower than one thread.
//
// Writes its block of bench/RESULTS.md (`<!-- threads:begin -->`).
//
//      node --experimental-wasm-relaxed-simd bench/threads.mjs
//
// Environment knobs (all optional):
//   THREADS_ROUNDS   timed rounds (default 7)
//   THREADS_BUSY=1   keep a busy loop on the other core (contention)
//   THREADS_BUILD    'relaxed' or 'simd' (default: what init picks)
//   THREADS_NO_WRITE=1  do not write bench/RESULTS.md
//   THREADS_POLICY   'shared' or 'alone' instead of the measured choice ('adapt')

import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import os from 'node:os';

import { envNumber as env, fmtRatio, importDist, log, median, randomData, runInfo, runMdLines, table, writeResultsBlock } from './common.mjs';

const ROUNDS = env('THREADS_ROUNDS', 7);
const BUSY = process.env.THREADS_BUSY === '1';
const simdnn = await importDist();
const { createBackend, kernels, sequential, layers, optimizers } = simdnn;

let busy = null;
if (BUSY) {
  busy = new Worker('for (;;) {}', { eval: true });
  busy.unref();
  log('a busy loop runs on another thread');
}

const build = process.env.THREADS_BUILD || undefined;
const one = await createBackend({ build, seed: 1 });
const two = await createBackend({ build, seed: 1, threads: 2 });
if (two.info().threads !== 2) throw new Error(`threads could not start: ${two.info().threadsUnavailable}`);
if (process.env.THREADS_POLICY) two.threads.policy = process.env.THREADS_POLICY;
log(`build ${one.info().build}; ${os.cpus().length} cores: ${os.cpus()[0]?.model ?? '?'}`);

/** Times `fn` (ms per call) with enough calls to fill ~`target` ms. */
function time(fn, target = 60) {
  fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const ms = performance.now() - t0;
    if (ms >= target || reps >= 1 << 16) return ms / reps;
    reps = Math.max(reps * 2, Math.ceil((reps * target) / Math.max(ms, 0.01)));
  }
}

/** Interleaved rounds of [one, two] on the same job; medians and their ratio. */
async function compare(make) {
  const jobs = [await make(one), await make(two)];
  const ms = [[], []];
  for (let r = 0; r < ROUNDS; r++) for (let j = 0; j < 2; j++) ms[j].push(time(jobs[j].run));
  for (const j of jobs) j.dispose?.();
  const m = ms.map(median);
  return { one: m[0], two: m[1], ratio: m[0] / m[1] };
}

function gemmJob(m, n, k, transA = false) {
  return (be) => {
    const a = be.alloc(m * k * 4);
    const b = be.alloc(k * n * 4);
    const c = be.alloc(m * n * 4);
    be.writeF32(a, randomData(m * k, 1));
    be.writeF32(b, randomData(k * n, 2));
    return {
      run: () => kernels.gemm(be, { m, n, k, a, b, c, transA }),
      dispose: () => [a, b, c].forEach((p) => be.free(p)),
    };
  };
}

const mlpLayers = () => [layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })];
const lenetLayers = () => [
  layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
  layers.maxPooling2d({ poolSize: 2 }),
  layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
  layers.maxPooling2d({ poolSize: 2 }),
  layers.flatten(),
  layers.dense({ units: 10, activation: 'softmax' }),
];

function trainJob(makeLayers, batch, lr) {
  return (be) => {
    const model = sequential({ backend: be, seed: 1, layers: makeLayers() });
    model.compile({ optimizer: optimizers.sgd({ learningRate: lr }), loss: 'categoricalCrossentropy' });
    const x = randomData(batch * 784, 3, 0, 1);
    const y = new Float32Array(batch * 10);
    for (let i = 0; i < batch; i++) y[i * 10 + (i % 10)] = 1;
    return { run: () => model.trainOnBatch(x, y), dispose: () => model.dispose() };
  };
}

function predictJob(makeLayers, batch) {
  return (be) => {
    const model = sequential({ backend: be, seed: 1, layers: makeLayers() });
    const x = randomData(batch * 784, 4, 0, 1);
    return {
      run: () => model.predict(x, { batchSize: batch }).dispose(),
      dispose: () => model.dispose(),
    };
  };
}

const rows = [];
const add = async (group, name, make, work) => {
  const pool = two.threads;
  const before = [pool.sharedJobs, pool.soloJobs];
  const r = await compare(make);
  log(`  jobs on both threads ${pool.sharedJobs - before[0]}, run alone ${pool.soloJobs - before[1]}`);
  const rate = (ms) => (work ? work(ms) : `${ms.toFixed(3)} ms`);
  rows.push([group, name, rate(r.one), rate(r.two), fmtRatio(r.ratio)]);
  log(`${group} ${name}: ${rate(r.one)} vs ${rate(r.two)}: ${fmtRatio(r.ratio)}`);
};
const gflops = (m, n, k) => (ms) => `${((2 * m * n * k) / ms / 1e6).toFixed(1)} GFLOPS`;
const perSec = (count, noun) => (ms) => `${Math.round((count * 1000) / ms).toLocaleString('en-US')} ${noun}/s`;

for (const n of [256, 512, 1024]) await add('GEMM', `n = ${n}`, gemmJob(n, n, n), gflops(n, n, n));
await add('GEMM', 'MLP forward 256x128x784', gemmJob(256, 128, 784), gflops(256, 128, 784));
await add('GEMM', 'MLP dW 784x128x256 (Aᵀ)', gemmJob(784, 128, 256, true), gflops(784, 128, 256));
await add('GEMM', 'MLP forward 64x128x784', gemmJob(64, 128, 784), gflops(64, 128, 784));
for (const batch of [64, 256]) await add('MLP 784-128-10 training', `batch ${batch}`, trainJob(mlpLayers, batch, 0.1), perSec(batch, 'samples'));
for (const batch of [32, 128]) await add('LeNet training', `batch ${batch}`, trainJob(lenetLayers, batch, 0.05), perSec(batch, 'images'));
await add('LeNet inference', 'batch 256', predictJob(lenetLayers, 256), perSec(256, 'images'));
await add('batch 1', 'MLP training step', trainJob(mlpLayers, 1, 0.1), perSec(1, 'steps'));
await add('batch 1', 'MLP predict', predictJob(mlpLayers, 1), perSec(1, 'predictions'));
await add('batch 1', 'LeNet predict', predictJob(lenetLayers, 1), perSec(1, 'predictions'));

const info = runInfo(import.meta.url);
const out = table(['', 'work', '1 thread', '2 threads', '2 vs 1'], rows);
console.log(out.text);
if (process.env.THREADS_NO_WRITE !== '1') {
  const md = [
    `### Threads: 1 vs 2 threads${BUSY ? ', with a busy loop on the other core' : ''}`,
    '',
    ...runMdLines(info),
    `- Build: ${one.info().build}; medians of ${ROUNDS} interleaved rounds.`,
    '',
    out.md,
  ].join('\n');
  writeResultsBlock(BUSY ? 'threads-busy' : 'threads', md);
}
two.dispose();
one.dispose();
if (busy) await busy.terminate();
