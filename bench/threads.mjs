// Threads benchmark: one thread against `init({ threads: 2 })` on the same
// work, in one process, in interleaved rounds (each round times every
// contender once, so drift on a shared machine hits both alike): GEMM at
// n = 256, 512, 1024 and the MLP's own shapes, an MLP 784-128-10 trained at
// batch 64 and 256, LeNet trained at batch 32 and 128 and its inference, and
// batch-1 work (threads must not hurt it). With THREADS_BUSY=1 a busy loop
// runs on another thread for the whole run: the split must then not be
// slower than one thread.
//
// Then onnxruntime-web with 1 and 2 threads on the same GEMMs (n = 256, 512,
// 1024), interleaved with simdnn's 1 and 2 threads.
//
// Writes its blocks of bench/RESULTS.md (`<!-- threads:begin -->`,
// `<!-- threads-ort:begin -->`).
//
//      node --experimental-wasm-relaxed-simd bench/threads.mjs
//
// Environment knobs (all optional):
//   THREADS_ROUNDS   timed rounds (default 7)
//   THREADS_BUSY=1   keep a busy loop on the other core (contention)
//   THREADS_BUILD    'relaxed' or 'simd' (default: what init picks)
//   THREADS_NO_WRITE=1  do not write bench/RESULTS.md
//   THREADS_POLICY   'shared' or 'alone' instead of the measured choice ('adapt')
//   THREADS_ORT=0    skip the onnxruntime-web section
//   THREADS_ORT_ONLY=1  run only the onnxruntime-web section

import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
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

// ------------------------------------------ onnxruntime-web, 1 and 2 threads --
// onnxruntime-web reads `env.wasm.numThreads` once, when its wasm starts, so
// one instance cannot run both thread counts: each count gets its own
// worker_thread (its own module instance, whose pthreads are workers of that
// worker), driven in the same interleaved rounds as simdnn's two backends and
// timing itself. The GEMM is simdnn's export of a dense layer without bias
// (`toOnnx`: one Gemm node, B a constant initializer, A the input); a call is
// `session.run` with A as a Tensor, as a user calls it (A copied in, C out).
const ORT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
let ort, session, feeds;
async function handle(msg) {
  if (msg.cmd === 'init') {
    ort = await import(workerData.ortUrl);
    ort.env.wasm.numThreads = workerData.threads;
    return {};
  }
  if (msg.cmd === 'setup') {
    session?.release();
    session = await ort.InferenceSession.create(msg.model);
    feeds = { [session.inputNames[0]]: new ort.Tensor('float32', msg.a, [msg.m, msg.k]) };
    const out = (await session.run(feeds))[session.outputNames[0]];
    return { c: out.data, threads: ort.env.wasm.numThreads };
  }
  if (msg.cmd === 'time') {
    await session.run(feeds);
    let reps = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await session.run(feeds);
      const ms = performance.now() - t0;
      if (ms >= msg.target || reps >= 1 << 16) return { ms: ms / reps };
      reps = Math.max(reps * 2, Math.ceil((reps * msg.target) / Math.max(ms, 0.01)));
    }
  }
  throw new Error('unknown command ' + msg.cmd);
}
parentPort.on('message', (msg) => handle(msg).then(
  (r) => parentPort.postMessage(r),
  (e) => parentPort.postMessage({ error: String((e && e.stack) || e) }),
));
`;

/** onnxruntime-web in a worker_thread with `threads` threads; call(msg) resolves its answer. */
function ortWorker(threads) {
  const worker = new Worker(ORT_WORKER, { eval: true, workerData: { ortUrl: import.meta.resolve('onnxruntime-web'), threads } });
  const warnings = [];
  worker.on('error', (e) => warnings.push(String(e)));
  const call = (msg) => new Promise((resolve, reject) => {
    worker.once('message', (r) => (r.error ? reject(new Error(`onnxruntime-web (${threads} thread${threads > 1 ? 's' : ''}): ${r.error}`)) : resolve(r)));
    worker.postMessage(msg);
  });
  return { call, threads, terminate: () => worker.terminate() };
}

/** The table of onnxruntime-web against simdnn at 1 and 2 threads on GEMM n x n x n. */
async function ortSection(sizes) {
  const { toOnnx } = simdnn;
  const workers = [ortWorker(1), ortWorker(2)];
  const rows = [];
  const notes = [];
  try {
    for (const w of workers) await w.call({ cmd: 'init' });
    for (const n of sizes) {
      const model = sequential({ backend: one, seed: 1, layers: [layers.dense({ units: n, useBias: false, inputShape: [n] })] });
      model.build();
      const bytes = toOnnx(model);
      const a = randomData(n * n, 5);
      const want = model.predict(a).toFloat32Array();
      model.dispose();
      for (const w of workers) {
        const r = await w.call({ cmd: 'setup', model: bytes, a, m: n, k: n });
        let err = 0;
        for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(r.c[i] - want[i]) / (Math.abs(want[i]) + 1));
        if (!(err < 1e-4)) throw new Error(`onnxruntime-web (${w.threads} threads) differs from simdnn at n = ${n}: ${err}`);
        if (r.threads !== w.threads) notes.push(`onnxruntime-web asked for ${w.threads} threads ran with ${r.threads}`);
      }
      const jobs = [await gemmJob(n, n, n)(one), await gemmJob(n, n, n)(two)];
      const ms = [[], [], [], []];
      for (let r = 0; r < ROUNDS; r++) {
        ms[0].push((await workers[0].call({ cmd: 'time', target: 60 })).ms);
        ms[1].push((await workers[1].call({ cmd: 'time', target: 60 })).ms);
        ms[2].push(time(jobs[0].run));
        ms[3].push(time(jobs[1].run));
      }
      for (const j of jobs) j.dispose();
      const g = ms.map((t) => (2 * n * n * n) / median(t) / 1e6);
      rows.push([`n = ${n}`, `${g[0].toFixed(1)}`, `${g[1].toFixed(1)}`, fmtRatio(g[1] / g[0]), `${g[2].toFixed(1)}`, `${g[3].toFixed(1)}`, fmtRatio(g[3] / g[2]), fmtRatio(g[2] / g[0]), fmtRatio(g[3] / g[1])]);
      log(`GEMM n = ${n}: onnxruntime-web ${g[0].toFixed(1)} / ${g[1].toFixed(1)} GFLOPS, simdnn ${g[2].toFixed(1)} / ${g[3].toFixed(1)} GFLOPS (1 / 2 threads)`);
    }
  } finally {
    for (const w of workers) await w.terminate();
  }
  const out = table(['GEMM', 'ORT 1 thread', 'ORT 2 threads', 'ORT 2 vs 1', 'simdnn 1 thread', 'simdnn 2 threads', 'simdnn 2 vs 1', 'simdnn / ORT, 1 thread', 'simdnn / ORT, 2 threads'], rows);
  console.log(out.text);
  if (process.env.THREADS_NO_WRITE !== '1') {
    const ortVersion = JSON.parse(fs.readFileSync(new URL('../node_modules/onnxruntime-web/package.json', import.meta.url), 'utf8')).version;
    const md = [
      `### Threads: onnxruntime-web and simdnn, 1 and 2 threads, on the same GEMMs${BUSY ? ', with a busy loop on the other core' : ''}`,
      '',
      ...runMdLines(runInfo(import.meta.url)),
      `- onnxruntime-web ${ortVersion} (wasm backend, \`env.wasm.numThreads\` 1 or 2, one worker_thread each); simdnn build ${one.info().build}; medians of ${ROUNDS} interleaved rounds; GFLOPS.`,
      '- onnxruntime-web runs a Gemm node with B as an initializer and A fed per call (`session.run`: A copied in, C copied out); simdnn runs `kernels.gemm` on operands already in wasm memory.',
      "- simdnn's own 2 vs 1 in the same rounds is the control: well below 1.8× means the other core was busy during those rounds.",
      ...notes.map((x) => `- ${x}`),
      '',
      out.md,
    ].join('\n');
    writeResultsBlock(BUSY ? 'threads-ort-busy' : 'threads-ort', md);
  }
}

// onnxruntime-web last: its thread pool can outlive its session for a while and take the second core.
if (process.env.THREADS_ORT_ONLY === '1') {
  await ortSection([256, 512, 1024]);
  two.dispose();
  one.dispose();
  if (busy) await busy.terminate();
  process.exit(0);
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
  const jobs = `${pool.sharedJobs - before[0]} / ${pool.soloJobs - before[1]}`;
  const rate = (ms) => (work ? work(ms) : `${ms.toFixed(3)} ms`);
  rows.push([group, name, rate(r.one), rate(r.two), fmtRatio(r.ratio), jobs]);
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
const out = table(['', 'work', '1 thread', '2 threads', '2 vs 1', 'jobs shared / alone'], rows);
console.log(out.text);
if (process.env.THREADS_NO_WRITE !== '1') {
  const md = [
    `### Threads: 1 vs 2 threads${BUSY ? ', with a busy loop on the other core' : ''}`,
    '',
    ...runMdLines(info),
    `- Build: ${one.info().build}; medians of ${ROUNDS} interleaved rounds; thread pool policy '${two.threads.policy}'.`,
    "- Jobs shared / alone: the 2-thread backend's split kernel calls run on both threads or, when the pool measured that faster, on the caller's alone (batch-1 work is too small to split).",
    '',
    out.md,
  ].join('\n');
  writeResultsBlock(BUSY ? 'threads-busy' : 'threads', md);
}
if (process.env.THREADS_ORT !== '0') await ortSection([256, 512, 1024]);
two.dispose();
one.dispose();
if (busy) await busy.terminate();
