// Recurrent-network benchmark: training steps/s and inference sequences/s of
// SimpleRNN, LSTM and GRU layers (H = 64 and 128 units, T = 32 and 100 steps,
// batch 32, 16 input features, sequence to one, a dense softmax head over 10
// classes, Adam) for simdnn (relaxed and simd builds) against TensorFlow.js
// Layers (wasm and cpu backends), in one process, in interleaved rounds; and
// brain.js's LSTMTimeStep where it can run a comparable task. GFLOPS are
// shown as a fraction of simdnn's single-core GEMM peak, measured here too.
//
// Writes its own block of bench/RESULTS.md, between `<!-- rnn:begin -->` and
// `<!-- rnn:end -->`, below `<!-- end of generated section -->`.
//
// Run against an existing dist/ (`npm run build` makes it):
//      node --experimental-wasm-relaxed-simd bench/rnn.mjs
//
// Environment knobs (all optional):
//   RNN_ROUNDS      timed rounds per shape (default 5)
//   RNN_SAMPLE_MS   minimum time of one timed sample, in ms (default 250)
//   RNN_SHAPES      comma-separated substrings of shape names to run (e.g. "LSTM(128)")
//   RNN_ONLY        comma-separated substrings of contender names to run
//   RNN_CPU_MAX     largest forward MFLOP per step for which tfjs-cpu runs (default 40)
//   RNN_NO_WRITE=1  do not write bench/RESULTS.md

import { performance } from 'node:perf_hooks';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';

import {
  envList, envNumber, fmtPct, fmtRate, fmtRatio, fmtSpread as spread, gitDescribe, importDist, log, median, pkgVersion, randomData, relIqr, require,
  rng, runInfo, runMdLines, runTextLines, setupTfjs, table, writeResultsBlock,
} from './common.mjs';

const ROUNDS = envNumber('RNN_ROUNDS', 5);
const SAMPLE_MS = envNumber('RNN_SAMPLE_MS', 250);
const CPU_MAX_MFLOP = envNumber('RNN_CPU_MAX', 40);
const BATCH = 32;
const FEATURES = 16;
const CLASSES = 10;
const LR = 1e-3;
const SEED = 1;
/** Issue targets. */
const TARGET = { train: 10, trainGated: 15, peakFraction: 0.5, infer: 2 };
/** Figures the issue quotes for tfjs-wasm training steps/s, measured earlier on this kind of machine. */
const EARLIER = { 'SimpleRNN(64) T=32': 47, 'LSTM(64) T=32': 15, 'GRU(64) T=32': 15, 'LSTM(128) T=100': 1.7 };

const tStart = performance.now();
const simdnn = await importDist();
const hasRelaxed = simdnn.engineSupports('relaxed');

// ---------------------------------------------------------------- shapes --

/** Gate blocks per cell: the matrix products of one step are 2·G·H·(F + H) FLOPs per sample. */
const GATES = { SimpleRNN: 1, LSTM: 4, GRU: 3 };
const SHAPES = [];
for (const cell of ['SimpleRNN', 'LSTM', 'GRU']) {
  for (const [units, steps] of [[64, 32], [64, 100], [128, 32], [128, 100]]) {
    SHAPES.push({ name: `${cell}(${units}) T=${steps}`, cell, units, steps });
  }
}
const wanted = envList('RNN_SHAPES');
const RUN_SHAPES = wanted.length ? SHAPES.filter((s) => wanted.some((w) => s.name.includes(w))) : SHAPES;

/** Forward FLOPs of one batch: the recurrent layer's matrix products over all steps, and the head. */
const forwardFlops = (s) => BATCH * (s.steps * 2 * GATES[s.cell] * s.units * (FEATURES + s.units) + 2 * s.units * CLASSES);
/** A training step: the forward products and the two gradient products of each (dX and dW). */
const trainFlops = (s) => 3 * forwardFlops(s);

// ------------------------------------------------------------------ data --

function dataFor(s) {
  const x = randomData(BATCH * s.steps * FEATURES, 100 + s.steps, -1, 1);
  const r = rng(7);
  const labels = Float32Array.from({ length: BATCH }, () => Math.floor(r() * CLASSES));
  return { x, labels };
}

// ------------------------------------------------------------ tfjs setup --

const { simd: tfWasmSimd, threads: tfWasmThreads, useBackend } = await setupTfjs(tf, tfwasm);

// ------------------------------------------------------------ contenders --
//
// A contender: { name, applies(shape), setup(shape, data) -> inst }, inst:
// { before?(), trainStep() (one Adam step on the batch; the loss read back),
// predict() (outputs of the batch, copied out), loss() (last loss), dispose() }.

function simdnnContender(build) {
  return {
    name: `simdnn-${build}`,
    group: 'simdnn',
    applies: () => build !== 'relaxed' || hasRelaxed,
    async setup(s, d) {
      const backend = await simdnn.createBackend({ build, seed: SEED });
      const { layers, optimizers } = simdnn;
      const opts = { units: s.units, inputShape: [s.steps, FEATURES] };
      const rec =
        s.cell === 'LSTM' ? layers.lstm(opts) : s.cell === 'GRU' ? layers.gru({ ...opts, resetAfter: false }) : layers.simpleRNN(opts);
      const model = simdnn.sequential({ seed: SEED, backend, layers: [rec, layers.dense({ units: CLASSES, activation: 'softmax' })] });
      model.compile({ optimizer: optimizers.adam({ learningRate: LR }), loss: 'sparseCategoricalCrossentropy' });
      let last = NaN;
      return {
        trainStep() {
          last = model.trainOnBatch(d.x, d.labels);
        },
        predict() {
          const t = model.predict(d.x);
          const out = t.toFloat32Array();
          t.dispose();
          return out;
        },
        loss: () => last,
        dispose() {
          model.dispose();
          backend.dispose();
        },
      };
    },
  };
}

function tfjsContender(backendName) {
  return {
    name: `tfjs-${backendName}`,
    group: 'tfjs',
    applies: (s) => backendName !== 'cpu' || forwardFlops(s) / 1e6 <= CPU_MAX_MFLOP,
    async setup(s, d) {
      await useBackend(backendName);
      // glorotUniform recurrent kernels: tfjs-layers' default (orthogonal) calls chained ops that only the full
      // tfjs bundle registers, and the initial values do not change the work.
      const opts = { units: s.units, inputShape: [s.steps, FEATURES], recurrentInitializer: 'glorotUniform' };
      // The gates' sigmoid (tfjs defaults to hardSigmoid), so both libraries do the same work.
      const rec =
        s.cell === 'LSTM'
          ? tfl.layers.lstm({ ...opts, recurrentActivation: 'sigmoid' })
          : s.cell === 'GRU'
            ? tfl.layers.gru({ ...opts, recurrentActivation: 'sigmoid' })
            : tfl.layers.simpleRNN(opts);
      const model = tfl.sequential({ layers: [rec, tfl.layers.dense({ units: CLASSES, activation: 'softmax' })] });
      model.compile({ optimizer: tf.train.adam(LR), loss: 'sparseCategoricalCrossentropy' });
      const x = tf.tensor3d(d.x, [BATCH, s.steps, FEATURES]);
      const y = tf.tensor2d(d.labels, [BATCH, 1]);
      let last = NaN;
      return {
        before: () => useBackend(backendName),
        async trainStep() {
          last = await model.trainOnBatch(x, y);
        },
        predict() {
          const p = model.predictOnBatch(x);
          const out = p.dataSync().slice();
          p.dispose();
          return out;
        },
        loss: () => last,
        dispose() {
          tf.dispose([x, y]);
          model.optimizer.dispose(); // Adam's moments: model.dispose() leaves the optimizer's variables
          model.dispose();
        },
      };
    },
  };
}

const CONTENDERS = [simdnnContender('relaxed'), simdnnContender('simd'), tfjsContender('wasm'), tfjsContender('cpu')];
const only = envList('RNN_ONLY');
const RUN_CONTENDERS = only.length ? CONTENDERS.filter((c) => only.some((w) => c.name.includes(w))) : CONTENDERS;

// -------------------------------------------------------------- GEMM peak --

/** simdnn's f32_gemm on a square n³ problem (raw kernel, data in wasm memory), GFLOPS: the single-core peak the RNN figures are compared with. */
async function gemmPeak(build, n = 256) {
  const be = await simdnn.createBackend({ build, seed: SEED });
  const a = be.alloc(n * n * 4);
  const b = be.alloc(n * n * 4);
  const c = be.alloc(n * n * 4);
  const work = be.gemmWorkspace(n, n, n);
  be.f32().set(randomData(n * n, 1), a >>> 2);
  be.f32().set(randomData(n * n, 2), b >>> 2);
  const gemm = be.abi.f32_gemm;
  const call = () => gemm(0, 0, 0, n, n, n, a, n, b, n, 0, c, n, 1, 0, 0, work);
  for (let i = 0; i < 20; i++) call();
  const times = [];
  for (let r = 0; r < 9; r++) {
    let iters = 0;
    const t = performance.now();
    do {
      call();
      iters++;
    } while (performance.now() - t < 50);
    times.push((performance.now() - t) / 1000 / iters);
  }
  be.free(a);
  be.free(b);
  be.free(c);
  be.dispose();
  return (2 * n * n * n) / median(times) / 1e9;
}

// ------------------------------------------------------------ measuring --

/** Runs `fn` until SAMPLE_MS has passed (at least once); seconds per call. */
async function sample(fn) {
  let calls = 0;
  const t = performance.now();
  do {
    await fn();
    calls++;
  } while (performance.now() - t < SAMPLE_MS);
  return (performance.now() - t) / 1000 / calls;
}

log(`simdnn RNN bench: batch ${BATCH}, ${FEATURES} features, sequence to one, dense softmax head (${CLASSES}), Adam lr ${LR}; ${ROUNDS} rounds of ≥ ${SAMPLE_MS} ms samples per shape`);
if (!hasRelaxed) log('note: this engine cannot run relaxed SIMD (run node with --experimental-wasm-relaxed-simd); simdnn-relaxed is skipped');

/** Per build, the best of the GEMM measurements (one before the shapes, one after: a noisy moment can only lower a figure). */
const peak = {};
async function measurePeaks(when) {
  for (const build of ['relaxed', 'simd']) {
    if (build === 'relaxed' && !hasRelaxed) continue;
    const g = await gemmPeak(build);
    peak[build] = Math.max(peak[build] ?? 0, g);
    log(`  GEMM (f32_gemm 256³, ${build}, ${when}): ${g.toFixed(1)} GFLOPS`);
  }
}
await measurePeaks('before');

const results = []; // { shape, rows: { name -> { train: s[], infer: s[], error?, loss0, loss } } }
const tfTensorsBefore = tf.memory().numTensors;
for (const s of RUN_SHAPES) {
  const d = dataFor(s);
  const rows = {};
  const live = [];
  for (const c of RUN_CONTENDERS) {
    const row = (rows[c.name] = { train: [], infer: [] });
    if (!c.applies(s)) {
      row.error = c.group === 'simdnn' ? 'relaxed SIMD unsupported by this engine' : `skipped: more than ${CPU_MAX_MFLOP} MFLOP per forward pass`;
      continue;
    }
    try {
      const inst = await c.setup(s, d);
      inst.name = c.name;
      if (inst.before) await inst.before();
      // Warm-up: a few steps and predictions (JIT, backend kernels, buffers).
      await inst.trainStep();
      row.loss0 = inst.loss();
      for (let i = 0; i < 2; i++) await inst.trainStep();
      inst.predict();
      live.push(inst);
    } catch (e) {
      row.error = String(e?.message ?? e).split('\n')[0];
      log(`  ${s.name} ${c.name}: NOT RUNNABLE: ${row.error}`);
    }
  }
  const tr = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < live.length; j++) {
      const inst = live[(r + j) % live.length]; // rotate who goes first
      const row = rows[inst.name];
      if (row.error) continue;
      try {
        if (inst.before) await inst.before();
        row.train.push(await sample(() => inst.trainStep()));
        row.infer.push(await sample(() => inst.predict()));
      } catch (e) {
        row.error = `failed in round ${r + 1}: ${String(e?.message ?? e).split('\n')[0]}`;
        log(`  ${s.name} ${inst.name}: ${row.error}`);
      }
    }
  }
  for (const inst of live) {
    rows[inst.name].loss = inst.loss();
    inst.dispose();
  }
  const parts = Object.entries(rows)
    .filter(([, row]) => row.train.length)
    .map(([nm, row]) => `${nm} ${fmtRate(1 / median(row.train))}`);
  log(`  ${s.name.padEnd(16)} ${((performance.now() - tr) / 1000).toFixed(1)} s; train steps/s: ${parts.join(', ')}`);
  results.push({ shape: s, rows });
}

await measurePeaks('after');
/** The single-core GEMM peak: the best build's. */
const PEAK = Math.max(...Object.values(peak));

// ----------------------------------------------------------------- brain --
//
// brain.js trains recurrent nets one sequence at a time with its own loop;
// LSTMTimeStep learns to predict each next vector of a sequence (no
// sequence-to-one classification head), so its work per sequence differs.
// It is timed on 32 sequences of 32 steps of 16 features with 64 units, as
// sequences per second, next to simdnn's per-sequence rate on LSTM(64), T=32.

let brainRow = null;
if (!only.length || only.some((w) => 'brain.js'.includes(w))) {
  try {
    const brain = require('brain.js');
    const steps = 32;
    const seqs = Array.from({ length: BATCH }, (_, i) => {
      const v = randomData(steps * FEATURES, 300 + i, 0, 1);
      return Array.from({ length: steps }, (_, t) => Array.from(v.subarray(t * FEATURES, (t + 1) * FEATURES)));
    });
    const net = new brain.recurrent.LSTMTimeStep({ inputSize: FEATURES, hiddenLayers: [64], outputSize: FEATURES });
    const opts = { iterations: 1, learningRate: 0.01, errorThresh: 0, log: false };
    net.train(seqs.slice(0, 2), opts);
    const times = [];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      net.train(seqs, opts);
      times.push((performance.now() - t) / 1000 / seqs.length);
    }
    const out = net.run(seqs[0]);
    brainRow = { rate: 1 / median(times), spread: relIqr(times), finite: Array.from(out).every(Number.isFinite) };
    log(`  brain.js LSTMTimeStep(64), 32 steps: ${fmtRate(brainRow.rate)} sequences/s${brainRow.finite ? '' : ' (outputs not finite)'}`);
  } catch (e) {
    brainRow = { error: String(e?.message ?? e).split('\n')[0] };
    log(`  brain.js: NOT RUNNABLE: ${brainRow.error}`);
  }
}
const tfLeak = tf.memory().numTensors - tfTensorsBefore;

// ------------------------------------------------------------ formatting --

const stat = (row) => (row && !row.error && row.train.length ? { train: 1 / median(row.train), trainSpread: relIqr(row.train), infer: BATCH / median(row.infer), inferSpread: relIqr(row.infer) } : null);
const best = (rows) => {
  const r = stat(rows['simdnn-relaxed']);
  const sRow = stat(rows['simdnn-simd']);
  return r && (!sRow || r.train >= sRow.train) ? ['simdnn-relaxed', r] : ['simdnn-simd', sRow];
};

const trainHeaders = ['Shape', 'Contender', 'train steps/s', 'GFLOPS', '% of GEMM peak', 'vs tfjs-wasm', 'inference seq/s', 'vs tfjs-wasm', 'loss first → last'];
const body = [];
const targetLines = [];
for (const { shape: s, rows } of results) {
  const ref = stat(rows['tfjs-wasm']);
  for (const [name, row] of Object.entries(rows)) {
    const st = stat(row);
    if (!st) {
      body.push([s.name, name, row.error ?? 'no result', '', '', '', '', '', '']);
      continue;
    }
    const gf = (trainFlops(s) * st.train) / 1e9;
    body.push([
      s.name,
      name,
      `${fmtRate(st.train)} ${spread(st.trainSpread)}`,
      gf.toFixed(2),
      fmtPct(gf / PEAK),
      ref ? fmtRatio(st.train / ref.train) : '—',
      `${fmtRate(st.infer)} ${spread(st.inferSpread)}`,
      ref ? fmtRatio(st.infer / ref.infer) : '—',
      `${row.loss0?.toFixed(3)} → ${row.loss?.toFixed(3)}`,
    ]);
  }
  const [bn, b] = best(rows);
  if (b && ref) {
    const need = s.cell === 'SimpleRNN' ? TARGET.train : TARGET.trainGated;
    const x = b.train / ref.train;
    const xi = b.infer / ref.infer;
    targetLines.push(
      `${s.name}: ${bn} trains at ${fmtRatio(x)} tfjs-wasm (target ≥ ${need}×: ${x >= need ? 'met' : 'NOT MET'}), infers at ${fmtRatio(xi)} (target ≥ ${TARGET.infer}×: ${xi >= TARGET.infer ? 'met' : 'NOT MET'})`,
    );
  }
  if (s.name === 'LSTM(128) T=100' && b) {
    const frac = (trainFlops(s) * b.train) / 1e9 / PEAK;
    targetLines.push(`LSTM(128) T=100: ${bn} trains at ${fmtPct(frac)} of the GEMM peak (target ≥ ${fmtPct(TARGET.peakFraction)}: ${frac >= TARGET.peakFraction ? 'met' : 'NOT MET'})`);
  }
}
const tbl = table(trainHeaders, body, ['l', 'l']);

let brainLines = [];
if (brainRow) {
  const lstm = results.find((r) => r.shape.name === 'LSTM(64) T=32');
  const ours = lstm ? best(lstm.rows) : null;
  brainLines = brainRow.error
    ? [`brain.js: not runnable: ${brainRow.error}`]
    : [
      `brain.js ${pkgVersion('brain.js')} LSTMTimeStep(64) on 32-step sequences of 16 features: ${fmtRate(brainRow.rate)} sequences/s ${spread(brainRow.spread)}` +
        (ours && ours[1] ? `; simdnn LSTM(64), T=32 trains ${fmtRate(ours[1].train * BATCH)} sequences/s (${fmtRatio((ours[1].train * BATCH) / brainRow.rate)})` : '') +
        `${brainRow.finite ? '' : '; its outputs were not finite'}`,
    ];
}

const totalSec = (performance.now() - tStart) / 1000;
const run = runInfo(import.meta.url);
const versions = [
  `simdnn ${gitDescribe()}`,
  `@tensorflow/tfjs-core ${tf.version_core}, tfjs-layers ${pkgVersion('@tensorflow/tfjs-layers')}, tfjs-backend-wasm ${tfwasm.version_wasm} (SIMD: ${tfWasmSimd ? 'yes' : 'no'}, threads: ${tfWasmThreads ? 'yes' : 'no'}), tfjs-backend-cpu ${pkgVersion('@tensorflow/tfjs-backend-cpu')}`,
];
const peakLine = `GEMM peak measured in this process (simdnn f32_gemm, 256×256×256, raw kernel, best of a measurement before and one after the shapes): ${Object.entries(peak).map(([b, g]) => `${b} ${g.toFixed(1)} GFLOPS`).join(', ')}; the percentages divide by the larger, ${PEAK.toFixed(1)}`;
const notes = [
  `Workload: one recurrent layer (SimpleRNN, LSTM or GRU; tanh cells, sigmoid gates) over sequences of T steps of ${FEATURES} features, its last state into a dense softmax layer of ${CLASSES} classes, sparse categorical cross-entropy, Adam (learning rate ${LR}), batch ${BATCH}, seeded random inputs and labels. The GRU is the reset-before form (Cho et al. 2014; Keras reset_after=false), the only one TensorFlow.js has.`,
  `Method: per shape, every contender builds its model and takes three untimed warm-up steps and one prediction; then ${ROUNDS} rounds, each contender in turn (the starting one rotates) timing training steps (\`trainOnBatch\` on the same batch, the loss read back) for at least ${SAMPLE_MS} ms, then predictions of the batch (outputs copied out) for at least ${SAMPLE_MS} ms. Figures are medians over the rounds; ±x% is half the interquartile range relative to the median.`,
  `GFLOPS count the matrix products only: forward 2·G·H·(F + H) per step and sample (G = 1, 4, 3 gate blocks for SimpleRNN, LSTM, GRU) plus the head, and a training step as three times the forward products (the forward, the input and the weight gradients); elementwise gate arithmetic is not counted. "% of GEMM peak" divides by the single-core GEMM peak (the faster build's f32_gemm on 256×256×256).`,
  `tfjs-cpu runs only the shapes of at most ${CPU_MAX_MFLOP} MFLOP per forward pass (it is several times slower than tfjs-wasm, which on LSTM(128), T=100 takes over half a second per step). TensorFlow.js's LSTM and GRU use recurrentActivation 'sigmoid' here (its default is hardSigmoid) so both libraries compute the same gates; its SimpleRNN, LSTM and GRU unroll each time step into separate kernels.`,
  'The loss column is the first and the last training loss of each contender: the steps really train (random labels, so it only needs to fall).',
  'Single process, one thread each; the machine is shared and noisy, so compare ratios rather than absolute numbers.',
];
const leaks = tfLeak ? [`tfjs: ${tfLeak} more live tensors after the runs than before them`] : [];

const md = [
  '## Recurrent networks: training and inference (batch 32, 16 features, sequence to one)',
  '',
  `Generated by \`bench/rnn.mjs\` on ${run.stamp} (run took ${totalSec.toFixed(0)} s).`,
  '',
  ...runMdLines(run),
  ...versions.map((v) => `- ${v}`),
  `- ${peakLine}`,
  '',
  tbl.md,
  '',
  ...targetLines.map((l) => `- Issue target: ${l}.`),
  ...brainLines.map((l) => `- ${l}.`),
  ...Object.entries(EARLIER).map(([k, v]) => `- Earlier (issue): tfjs-wasm ${k}: ~${v} steps/s.`),
  ...leaks.map((l) => `- Warning: ${l}.`),
  '',
  ...notes.map((n) => `- ${n}`),
].join('\n');

const text = [
  '',
  ...runTextLines('RNN', run),
  ...versions,
  peakLine,
  '',
  tbl.text,
  '',
  ...targetLines,
  ...brainLines,
  ...leaks.map((l) => `WARNING: ${l}`),
  '',
  `total run time ${totalSec.toFixed(1)} s`,
].join('\n');
console.log(text);

if (process.env.RNN_NO_WRITE !== '1') writeResultsBlock('rnn', md, 'RNN');
