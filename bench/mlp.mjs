// MLP benchmark: end-to-end training and inference throughput of a 784-128-10
// network (ReLU hidden, softmax output, categorical cross-entropy, plain SGD,
// batch 64) on the MNIST digits of the `mnist` package, for simdnn (relaxed
// and simd builds) against TensorFlow.js Layers (wasm and cpu backends),
// brain.js and ConvNetJS, all in one process, in interleaved rounds.
//
// Writes its own subsection of bench/RESULTS.md, between `<!-- mlp:begin -->`
// and `<!-- mlp:end -->`, below `<!-- end of generated section -->` (the part
// above that line belongs to bench/gemm.mjs and is left alone).
//
// Run against an existing dist/ (`npm run build` makes it):
//      node --experimental-wasm-relaxed-simd bench/mlp.mjs
//
// Environment knobs (all optional):
//   MLP_ROUNDS      timed rounds; each contender trains one full pass and
//                   predicts the test set once per round (default 5)
//   MLP_TRAIN       training samples (default 8000, a multiple of 64 is best)
//   MLP_TEST        held-out samples for inference and accuracy (default 2000)
//   MLP_WARM_MS     untimed warm-up training per contender, in ms (default 1500)
//   MLP_ONLY        comma-separated substrings of contender names to run
//   MLP_NO_WRITE=1  do not write bench/RESULTS.md

import { performance } from 'node:perf_hooks';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';

import { accuracy, envNumber, fmtPct, fmtRate, fmtRatio, fmtSpread as spread, gitDescribe, importDist, loadDigits, log, median, pkgVersion, relIqr, require, runInfo, runMdLines, runTextLines, selectByName, setupTfjs, table, writeResultsBlock } from './common.mjs';

const ROUNDS = envNumber('MLP_ROUNDS', 5);
const N_TRAIN = envNumber('MLP_TRAIN', 8000);
const N_TEST = envNumber('MLP_TEST', 2000);
const BATCH = 64;
const PREDICT_BATCH = 256;
const LR = 0.01;
const HIDDEN = 128;
const IN = 784;
const OUT = 10;
const WARM_SAMPLES = 8 * BATCH; // warm-up training goes in chunks of this many samples
const WARM_MS = envNumber('MLP_WARM_MS', 1500); // ... until this much time has passed
const SEED = 1;
/** Figures from the issue, measured earlier on this kind of machine (train samples/s). */
const EARLIER = { 'tfjs-wasm': 5500, ConvNetJS: 1100, 'brain.js': 500 };
const TARGET_VS_TFJS_WASM = 5;

const tStart = performance.now();
const simdnn = await importDist();

// ------------------------------------------------------------------ data --

log(`loading the MNIST digits (${N_TRAIN} train + ${N_TEST} test)...`);
const DATA = loadDigits({ nTrain: N_TRAIN, nTest: N_TEST, seed: SEED, knobs: 'MLP_TRAIN + MLP_TEST', noun: 'samples' });
const { train, test } = DATA;
/** [start, end) sample ranges of the training batches (the last may be short). */
const BATCHES = [];
for (let s = 0; s < train.n; s += BATCH) BATCHES.push([s, Math.min(train.n, s + BATCH)]);
const WARM = Math.min(WARM_SAMPLES, train.n);

/** Fraction of test samples whose argmax output is the label; out is n x 10 (any array type). */
const accuracyOf = (out) => accuracy(out, test.y, test.n);

// ------------------------------------------------------------ tfjs setup --

const { simd: tfWasmSimd, threads: tfWasmThreads, useBackend } = await setupTfjs(tf, tfwasm);
await useBackend('cpu');

// ------------------------------------------------------------ contenders --
//
// A contender: { name, group, setup() -> inst }, inst: { before?(),
// warmTrain(from, to) (untimed training on samples [from, to), whole batches),
// warmPredict(), trainPass() (timed: one pass over all training batches),
// predict() (timed: outputs for the test set; returns them), dispose() }.

const hasRelaxed = simdnn.engineSupports('relaxed');

/** simdnn, one gradient step per pre-sliced batch with trainOnBatch (like tfjs below). */
function simdnnContender(build, mode) {
  return {
    name: mode === 'fit' ? `simdnn-${build} fit()` : `simdnn-${build}`,
    group: 'simdnn',
    build,
    mode,
    applies: () => build !== 'relaxed' || hasRelaxed,
    async setup() {
      const backend = await simdnn.createBackend({ build, seed: SEED });
      const { layers, optimizers } = simdnn;
      const model = simdnn.sequential({
        seed: SEED,
        backend,
        layers: [
          layers.dense({ units: HIDDEN, activation: 'relu', inputShape: [IN] }),
          layers.dense({ units: OUT, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: optimizers.sgd({ learningRate: LR }), loss: 'categoricalCrossentropy' });
      // Views, not copies: made once, outside the timed region.
      const xb = BATCHES.map(([s, e]) => train.x.subarray(s * IN, e * IN));
      const yb = BATCHES.map(([s, e]) => train.oneHot.subarray(s * OUT, e * OUT));
      const steps = (from, to) => {
        for (let b = from; b < to; b++) model.trainOnBatch(xb[b], yb[b]);
      };
      return {
        warmTrain:
          mode === 'fit'
            ? (from, to) => model.fit(train.x.subarray(from * IN, to * IN), train.oneHot.subarray(from * OUT, to * OUT), { epochs: 1, batchSize: BATCH, shuffle: false })
            : (from, to) => steps(from / BATCH, to / BATCH),
        warmPredict() {
          model.predict(test.x.subarray(0, PREDICT_BATCH * IN), { batchSize: PREDICT_BATCH }).dispose();
        },
        trainPass:
          mode === 'fit'
            ? () => model.fit(train.x, train.oneHot, { epochs: 1, batchSize: BATCH, shuffle: false })
            : () => steps(0, xb.length),
        predict() {
          const t = model.predict(test.x, { batchSize: PREDICT_BATCH });
          const out = t.dataSync().slice(); // copy out (as tfjs' dataSync does)
          t.dispose();
          return out;
        },
        dispose() {
          model.dispose();
          backend.dispose();
        },
      };
    },
  };
}

/** TensorFlow.js Layers: tf.sequential, trainOnBatch per batch, predict + dataSync. */
function tfjsContender(backendName) {
  return {
    name: `tfjs-${backendName}`,
    group: 'tfjs',
    applies: () => true,
    async setup() {
      await useBackend(backendName);
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({ units: HIDDEN, activation: 'relu', inputShape: [IN] }),
          tfl.layers.dense({ units: OUT, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: tf.train.sgd(LR), loss: 'categoricalCrossentropy' });
      // Batch tensors live in this backend, created once outside the timed region.
      const xb = BATCHES.map(([s, e]) => tf.tensor2d(train.x.subarray(s * IN, e * IN), [e - s, IN]));
      const yb = BATCHES.map(([s, e]) => tf.tensor2d(train.oneHot.subarray(s * OUT, e * OUT), [e - s, OUT]));
      const xTest = tf.tensor2d(test.x, [test.n, IN]);
      const xTestB = [];
      for (let s = 0; s < test.n; s += PREDICT_BATCH) {
        const e = Math.min(test.n, s + PREDICT_BATCH);
        xTestB.push(tf.tensor2d(test.x.subarray(s * IN, e * IN), [e - s, IN]));
      }
      const steps = async (from, to) => {
        for (let b = from; b < to; b++) await model.trainOnBatch(xb[b], yb[b]);
      };
      return {
        before: () => useBackend(backendName),
        warmTrain: (from, to) => steps(from / BATCH, to / BATCH),
        warmPredict() {
          const p = model.predictOnBatch(xTestB[0]);
          p.dataSync();
          p.dispose();
        },
        trainPass: () => steps(0, xb.length),
        // Inference on pre-sliced 256-row tensors (like the training batches):
        // model.predict(x, { batchSize }) slices x itself, which is slow on wasm.
        predict() {
          const out = new Float32Array(test.n * OUT);
          let at = 0;
          for (const xbt of xTestB) {
            const p = model.predictOnBatch(xbt);
            const d = p.dataSync();
            out.set(d, at);
            at += d.length;
            p.dispose();
          }
          return out;
        },
        /** The one-call API on the whole test tensor, measured too (secondary). */
        predictWhole() {
          const p = model.predict(xTest, { batchSize: PREDICT_BATCH });
          const out = p.dataSync().slice();
          p.dispose();
          return out;
        },
        dispose() {
          tf.dispose([...xb, ...yb, xTest, ...xTestB]);
          model.dispose();
        },
      };
    },
  };
}

/**
 * brain.js NeuralNetwork: hiddenLayers [128], its own train() loop, one
 * iteration = one pass over the data with a weight update after every sample.
 */
function brainContender() {
  return {
    name: 'brain.js',
    group: 'brain',
    applies: () => true,
    async setup() {
      let brain;
      try {
        brain = require('brain.js');
      } catch (e) {
        throw new Error(`cannot load brain.js: ${e?.message ?? e}`);
      }
      // brain.js only treats plain arrays as vectors (a Float32Array input is
      // taken for a sparse hash), so training data is number[].
      const toRows = (from, to) => {
        const rows = [];
        for (let i = from; i < to; i++) {
          rows.push({ input: Array.from(train.x.subarray(i * IN, (i + 1) * IN)), output: Array.from(train.oneHot.subarray(i * OUT, (i + 1) * OUT)) });
        }
        return rows;
      };
      const all = toRows(0, train.n);
      const testRows = Array.from({ length: test.n }, (_, i) => test.x.subarray(i * IN, (i + 1) * IN));
      // momentum must be in (0, 1) for brain.js: 1e-9 is plain SGD in effect, with the same arithmetic.
      const opts = { iterations: 1, learningRate: LR, momentum: 1e-9, activation: 'sigmoid', errorThresh: 0.005, log: false };
      const net = new brain.NeuralNetwork({ hiddenLayers: [HIDDEN], ...opts });
      return {
        warmTrain: (from, to) => net.train(all.slice(from, to), opts),
        warmPredict() {
          for (let i = 0; i < PREDICT_BATCH; i++) net.run(testRows[i]);
        },
        trainPass: () => net.train(all, opts),
        predict() {
          const out = new Float32Array(test.n * OUT);
          for (let i = 0; i < test.n; i++) out.set(net.run(testRows[i]), i * OUT);
          return out;
        },
        dispose() {},
      };
    },
  };
}

/** ConvNetJS: input 1x1x784, fc 128 relu, softmax 10; Trainer sgd, batch 64, lr 0.01, momentum 0. */
function convnetContender() {
  return {
    name: 'ConvNetJS',
    group: 'convnet',
    applies: () => true,
    async setup() {
      const convnetjs = require('convnetjs');
      const net = new convnetjs.Net();
      net.makeLayers([
        { type: 'input', out_sx: 1, out_sy: 1, out_depth: IN },
        { type: 'fc', num_neurons: HIDDEN, activation: 'relu' },
        { type: 'softmax', num_classes: OUT },
      ]);
      const trainer = new convnetjs.Trainer(net, { method: 'sgd', batch_size: BATCH, learning_rate: LR, momentum: 0, l2_decay: 0 });
      const vol = (x, i) => {
        const v = new convnetjs.Vol(1, 1, IN, 0);
        v.w.set(x.subarray(i * IN, (i + 1) * IN));
        return v;
      };
      const trainVols = Array.from({ length: train.n }, (_, i) => vol(train.x, i));
      const testVols = Array.from({ length: test.n }, (_, i) => vol(test.x, i));
      const labels = train.y;
      const samples = (from, to) => {
        for (let i = from; i < to; i++) trainer.train(trainVols[i], labels[i]);
      };
      return {
        warmTrain: samples,
        warmPredict() {
          for (let i = 0; i < PREDICT_BATCH; i++) net.forward(testVols[i], false);
        },
        trainPass: () => samples(0, train.n),
        predict() {
          const out = new Float32Array(test.n * OUT);
          for (let i = 0; i < test.n; i++) out.set(net.forward(testVols[i], false).w, i * OUT);
          return out;
        },
        dispose() {},
      };
    },
  };
}

const brainVersion = () => pkgVersion('brain.js');

const CONTENDERS = selectByName([
  simdnnContender('relaxed', 'trainOnBatch'),
  simdnnContender('simd', 'trainOnBatch'),
  simdnnContender('relaxed', 'fit'),
  simdnnContender('simd', 'fit'),
  tfjsContender('wasm'),
  tfjsContender('cpu'),
  brainContender(),
  convnetContender(),
], 'MLP_ONLY');

// ------------------------------------------------------------ measuring --

log(`simdnn MLP bench: 784-${HIDDEN}-${OUT}, batch ${BATCH}, SGD lr ${LR}; ${train.n} train / ${test.n} test; ${ROUNDS} rounds`);
if (!hasRelaxed) log('note: this engine cannot run relaxed SIMD (run node with --experimental-wasm-relaxed-simd); simdnn-relaxed is skipped');

const live = [];
const rows = {}; // name -> { train: number[] (s per pass), infer: number[] (s per predict), acc, error, ... }
for (const c of CONTENDERS) {
  rows[c.name] = { c, train: [], infer: [] };
  if (!c.applies()) {
    rows[c.name].error = 'relaxed SIMD unsupported by this engine (run node with --experimental-wasm-relaxed-simd)';
    continue;
  }
  const t = performance.now();
  try {
    const inst = await c.setup();
    inst.name = c.name;
    if (inst.before) await inst.before();
    // Warm-up: training on successive chunks of the training set until WARM_MS has passed.
    const tw = performance.now();
    let chunks = 0;
    do {
      const from = (chunks * WARM) % (train.n - (train.n % WARM) || WARM);
      await inst.warmTrain(from, Math.min(train.n, from + WARM));
      chunks++;
    } while (performance.now() - tw < WARM_MS);
    await inst.warmPredict();
    rows[c.name].warmSamples = chunks * WARM;
    live.push(inst);
    log(`  ${c.name.padEnd(20)} set up in ${((tw - t) / 1000).toFixed(1)} s, warmed up on ${chunks * WARM} samples in ${((performance.now() - tw) / 1000).toFixed(1)} s`);
  } catch (e) {
    rows[c.name].error = String(e?.message ?? e).split('\n')[0];
    log(`  ${c.name}: NOT RUNNABLE: ${rows[c.name].error}`);
  }
}

// tfjs keeps one tensor registry for both backends: count live tensors across the rounds.
const tfTensorsBefore = tf.memory().numTensors;
for (let r = 0; r < ROUNDS; r++) {
  const tr = performance.now();
  for (let j = 0; j < live.length; j++) {
    const inst = live[(r + j) % live.length]; // rotate who goes first
    const row = rows[inst.name];
    if (row.error) continue;
    try {
      if (inst.before) await inst.before();
      let t = performance.now();
      await inst.trainPass();
      row.train.push((performance.now() - t) / 1000);
      t = performance.now();
      const out = inst.predict();
      row.infer.push((performance.now() - t) / 1000);
      row.lastOut = out;
      if (inst.predictWhole) {
        t = performance.now();
        const whole = inst.predictWhole();
        (row.inferWhole ??= []).push((performance.now() - t) / 1000);
        row.accWhole = accuracyOf(whole);
      }
    } catch (e) {
      row.error = `failed in round ${r + 1}: ${String(e?.message ?? e).split('\n')[0]}`;
      log(`  ${inst.name}: ${row.error}`);
    }
  }
  const parts = live
    .filter((i) => !rows[i.name].error)
    .map((i) => `${i.name} ${fmtRate(train.n / rows[i.name].train.at(-1))}`);
  log(`  round ${r + 1}/${ROUNDS} ${((performance.now() - tr) / 1000).toFixed(1)} s; train samples/s: ${parts.join(', ')}`);
}

for (const inst of live) {
  const row = rows[inst.name];
  if (row.lastOut) row.acc = accuracyOf(row.lastOut);
}
const tfLeak = tf.memory().numTensors - tfTensorsBefore;

// ------------------------------------------------------------ formatting --

const fmtKB = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
const PARAMS = IN * HIDDEN + HIDDEN + HIDDEN * OUT + OUT;

const stats = {};
for (const [name, row] of Object.entries(rows)) {
  if (row.error || !row.train.length) continue;
  const tMed = median(row.train);
  const iMed = median(row.infer);
  stats[name] = {
    train: train.n / tMed,
    trainSpread: relIqr(row.train, tMed),
    infer: test.n / iMed,
    inferSpread: relIqr(row.infer, iMed),
    inferWhole: row.inferWhole ? test.n / median(row.inferWhole) : undefined,
  };
}
const wholeList = Object.entries(stats)
  .filter(([, st]) => st.inferWhole !== undefined)
  .map(([nm, st]) => `${nm} ${fmtRate(st.inferWhole)} samples/s${rows[nm].accWhole !== undefined ? ` (accuracy ${fmtPct(rows[nm].accWhole)})` : ''}`);
const ratio = (name, ref, key) => (stats[name] && stats[ref] ? stats[name][key] / stats[ref][key] : undefined);

const headers = [
  'Contender',
  'train samples/s',
  'vs tfjs-wasm',
  'vs ConvNetJS',
  'inference samples/s',
  'vs tfjs-wasm',
  'vs ConvNetJS',
  'test accuracy',
  'earlier (issue)',
];
const body = [];
for (const [name, row] of Object.entries(rows)) {
  const s = stats[name];
  if (!s) {
    body.push([name, `not runnable: ${row.error ?? 'no result'}`, '', '', '', '', '', '', EARLIER[name] ? `${fmtRate(EARLIER[name])}` : '']);
    continue;
  }
  const acc = row.acc;
  body.push([
    name,
    `${fmtRate(s.train)} ${spread(s.trainSpread)}`,
    fmtRatio(ratio(name, 'tfjs-wasm', 'train')),
    fmtRatio(ratio(name, 'ConvNetJS', 'train')),
    `${fmtRate(s.infer)} ${spread(s.inferSpread)}`,
    fmtRatio(ratio(name, 'tfjs-wasm', 'infer')),
    fmtRatio(ratio(name, 'ConvNetJS', 'infer')),
    acc === undefined ? '—' : `${fmtPct(acc)}${acc > 0.2 ? '' : ' NOT LEARNING?'} (${fmtRate(row.warmSamples + row.train.length * train.n)})`,
    EARLIER[name] ? `${fmtRate(EARLIER[name])}` : '',
  ]);
}
const tbl = table(headers, body, ['l']);

const totalSec = (performance.now() - tStart) / 1000;
const run = runInfo(import.meta.url);

// Issue target: simdnn >= 5x tfjs-wasm training.
const targetLines = ['simdnn-relaxed', 'simdnn-simd']
  .filter((nm) => stats[nm] && stats['tfjs-wasm'])
  .map((nm) => {
    const x = ratio(nm, 'tfjs-wasm', 'train');
    return `${nm} training is ${fmtRatio(x)} tfjs-wasm (target ≥ ${TARGET_VS_TFJS_WASM}×: ${x >= TARGET_VS_TFJS_WASM ? 'pass' : 'not met'})`;
  });
const leaks = tfLeak ? [`tfjs: ${tfLeak} more live tensors after the rounds than before them`] : [];

const versions = [
  `simdnn ${gitDescribe()}`,
  `@tensorflow/tfjs-core ${tf.version_core}, tfjs-layers ${pkgVersion('@tensorflow/tfjs-layers')}, tfjs-backend-wasm ${tfwasm.version_wasm} (SIMD: ${tfWasmSimd ? 'yes' : 'no'}, threads: ${tfWasmThreads ? 'yes' : 'no'}), tfjs-backend-cpu ${pkgVersion('@tensorflow/tfjs-backend-cpu')}`,
  `brain.js ${brainVersion()}`,
  `convnetjs ${pkgVersion('convnetjs')}`,
  `mnist ${pkgVersion('mnist')}`,
];

const notes = [
  `Workload: ${IN}-${HIDDEN}-${OUT} MLP (ReLU hidden, softmax output, categorical cross-entropy), plain SGD with learning rate ${LR}, batch ${BATCH}, on the first ${train.n} of ${DATA.total} MNIST digits of the \`mnist\` package (pixels in [0, 1], seeded shuffle); the next ${test.n} are held out for inference and accuracy.`,
  `Method: every contender is built, then warmed up untimed: it trains on successive ${WARM}-sample chunks of the training set until ${(WARM_MS / 1000).toFixed(1)} s have passed (so that JIT-compiled JavaScript reaches steady state) and predicts ${PREDICT_BATCH} samples. Then ${ROUNDS} rounds: in each round every contender in turn (the starting contender rotates) trains one full pass over the ${train.n} samples (timed, in batch order, no shuffling) and then predicts the ${test.n} test samples (timed). Throughput is samples / median time over the rounds; ±x% is half the interquartile range of the per-round times relative to the median. "vs" columns are the contender's throughput divided by tfjs-wasm's or ConvNetJS's (> 1 means faster).`,
  `Test accuracy: argmax of the last round's predictions on the ${test.n} held-out samples (chance is 10%), after the training samples shown in brackets (warm-up plus ${ROUNDS} timed passes; fast contenders do more warm-up). It is a sanity check that every contender really trains, not a comparison of the libraries (amounts of training, initialisations and, for brain.js, the model differ).`,
  `simdnn: \`sequential({ seed, backend, layers: [dense 128 relu, dense 10 softmax] })\` on its own \`createBackend({ build })\`, \`compile({ optimizer: optimizers.sgd({ learningRate: ${LR} }), loss: 'categoricalCrossentropy' })\`. The plain rows call \`model.trainOnBatch(x, y)\` once per batch on pre-sliced Float32Array views (the same protocol as tfjs); the "fit()" rows run \`await model.fit(x, y, { epochs: 1, batchSize: ${BATCH}, shuffle: false })\` per pass on the whole flat arrays. Inference: \`model.predict(x, { batchSize: ${PREDICT_BATCH} })\` on the whole flat test array, \`dataSync()\` copy-out, \`dispose()\`. Weights start glorot-uniform with zero biases (seeded). simdnn-relaxed uses relaxed-SIMD fused multiply-add; simdnn-simd is deterministic. trainOnBatch copies the trainable weights to a backup region inside wasm memory on each call (a ${fmtKB(4 * PARAMS)} memmove, so an update that overflows them can be undone on the next call) while fit() snapshots the weights once per epoch; each trainOnBatch call also converts and checks its arguments, which fit() does once per pass.`,
  `TensorFlow.js Layers: \`tf.sequential\` with the same two dense layers, \`compile({ optimizer: tf.train.sgd(${LR}), loss: 'categoricalCrossentropy' })\`, \`await model.trainOnBatch(xb, yb)\` per batch on tensors created beforehand in the active backend (trainOnBatch reads the loss back each step), inference with \`model.predictOnBatch(xb)\` + \`dataSync()\` + \`dispose()\` per ${PREDICT_BATCH}-row tensor sliced beforehand (like its training batches); prod mode; glorot-uniform weights. The one-call \`model.predict(x, { batchSize: ${PREDICT_BATCH} })\` on the whole ${test.n}-row tensor (+ \`dataSync()\`) was timed in the same rounds too: ${wholeList.join(', ') || 'not measured'}. It slices x per batch inside the timed call, and tfjs-wasm's slice of a tensor with thousands of rows is slow (in a side test, 8 slices of a 2048x784 tensor took about 270 ms, 2 slices of a 512x784 one 3 ms), so the table uses the pre-sliced figure, the faster and more conservative one for the comparison. tfjs-backend-wasm runs its single-threaded build in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is false whenever IS_NODE, tfjs issue #3830; here: threads ${tfWasmThreads ? 'yes' : 'no'}, SIMD ${tfWasmSimd ? 'yes' : 'no'}); its matMul goes to XNNPACK only for non-transposed operands, so the two gradient GEMMs of each dense layer take its slow scalar path (see the GEMM section above). The wasm and cpu models live in the same tfjs engine; the backend is switched before each of their turns, outside the timed region.`,
  `brain.js: \`new NeuralNetwork({ hiddenLayers: [${HIDDEN}] })\` trained with its own \`train(data, { iterations: 1, learningRate: ${LR}, momentum: 1e-9, activation: 'sigmoid' })\` per pass, i.e. one iteration over the ${train.n} samples; \`run(x)\` per sample for inference. It differs from the workload: a weight update after every sample (batch 1, so ${BATCH}× as many updates), sigmoid on both layers (its output layer uses the same activation as the hidden one; it has no softmax) and a mean-squared-error gradient instead of cross-entropy, momentum (it refuses 0, so 1e-9: plain SGD in effect, same arithmetic), weights uniform in [-0.2, 0.2], plain number[] training rows (it treats a Float32Array as a sparse hash) converted to Float32Array by train() on each call (inside the timed region), and with its default error check every iteration it also computes the output MSE per sample.`,
  `ConvNetJS: \`layer_defs\` input 1x1x784, fc 128 relu, softmax 10 (which adds its own fc 10), \`new Trainer(net, { method: 'sgd', batch_size: ${BATCH}, learning_rate: ${LR}, momentum: 0, l2_decay: 0 })\` (its default momentum is 0.9; 0 makes it plain SGD), \`trainer.train(vol, label)\` per sample (forward and backward per sample on Float64Array volumes, gradients accumulated and averaged over ${BATCH} samples per update); inference \`net.forward(vol)\` per sample. Input volumes are built beforehand. Weights start gaussian with std sqrt(1/fan-in), ReLU biases 0.1.`,
  `Single process, one thread each; the machine is shared and noisy, so compare ratios rather than absolute numbers. "earlier (issue)" is the training throughput the issue quotes for these peers, measured earlier on this kind of machine.`,
];

const md = [
  '## MLP training and inference (784-128-10, batch 64)',
  '',
  `Generated by \`bench/mlp.mjs\` on ${run.stamp} (run took ${totalSec.toFixed(0)} s).`,
  '',
  ...runMdLines(run),
  ...versions.map((v) => `- ${v}`),
  '',
  tbl.md,
  '',
  ...targetLines.map((l) => `- Issue target: ${l}.`),
  ...leaks.map((l) => `- Warning: ${l}.`),
  ...(targetLines.length || leaks.length ? [''] : []),
  ...notes.map((n) => `- ${n}`),
].join('\n');

const text = [
  '',
  ...runTextLines('MLP', run),
  ...versions,
  '',
  `784-${HIDDEN}-${OUT} MLP, SGD lr ${LR}, batch ${BATCH}; ${train.n} train / ${test.n} test samples; medians of ${ROUNDS} interleaved rounds (±half IQR)`,
  tbl.text,
  '',
  ...targetLines,
  ...leaks.map((l) => `WARNING: ${l}`),
  '',
  `total run time ${totalSec.toFixed(1)} s`,
].join('\n');
console.log(text);

if (process.env.MLP_NO_WRITE !== '1') writeResultsBlock('mlp', md, 'MLP');

for (const inst of live) inst.dispose();
