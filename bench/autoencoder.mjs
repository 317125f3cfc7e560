// Autoencoder benchmark: training samples/s of a 784-256-64-256-784 autoencoder
// (ReLU hidden layers, sigmoid output, mean squared error, Adam, batch 64) on
// the MNIST digits, for simdnn (relaxed and simd builds, untied and tied)
// against the same model built in TensorFlow.js Layers (wasm and cpu
// backends), in one process, in interleaved rounds.
//
// Writes its own block of bench/RESULTS.md, between `<!-- autoencoder:begin -->`
// and `<!-- autoencoder:end -->`, below `<!-- end of generated section -->`.
//
// Run against an existing dist/ (`npm run build` makes it):
//      node --experimental-wasm-relaxed-simd bench/autoencoder.mjs
//
// Environment knobs (all optional):
//   AE_ROUNDS       timed rounds (default 5)
//   AE_TRAIN        training samples per pass (default 4096)
//   AE_CPU_TRAIN    samples per pass for tfjs-cpu (default 512)
//   AE_ONLY         comma-separated substrings of contender names to run
//   AE_NO_WRITE=1   do not write bench/RESULTS.md

import { performance } from 'node:perf_hooks';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';

import {
  envNumber, fmtRate, fmtRatio, fmtSpread as spread, gitDescribe, importDist, loadDigits, log, median, pkgVersion, relIqr, runInfo, runMdLines,
  runTextLines, selectByName, setupTfjs, table, writeResultsBlock,
} from './common.mjs';

const ROUNDS = envNumber('AE_ROUNDS', 5);
const N_TRAIN = envNumber('AE_TRAIN', 4096);
const N_CPU = envNumber('AE_CPU_TRAIN', 512);
const BATCH = 64;
const LR = 1e-3;
const D = 784;
const UNITS = [256, 64];
const TARGET = 5;

const tStart = performance.now();
const simdnn = await importDist();
const hasRelaxed = simdnn.engineSupports('relaxed');
const DATA = loadDigits({ nTrain: N_TRAIN, nTest: 0, seed: 1, knobs: 'AE_TRAIN', noun: 'samples' });
const X = DATA.train.x;
const { simd: tfWasmSimd, threads: tfWasmThreads, useBackend } = await setupTfjs(tf, tfwasm);

function simdnnContender(build, tied) {
  return {
    name: `simdnn-${build}${tied ? ' tied' : ''}`,
    applies: () => build !== 'relaxed' || hasRelaxed,
    samples: N_TRAIN,
    async setup() {
      const backend = await simdnn.createBackend({ build, seed: 1 });
      const ae = simdnn.autoencoder({ inputDim: D, units: UNITS, tied, optimizer: simdnn.optimizers.adam({ learningRate: LR }), seed: 1, backend });
      const batches = [];
      for (let s = 0; s < N_TRAIN; s += BATCH) batches.push(X.subarray(s * D, Math.min(N_TRAIN, s + BATCH) * D));
      let last = NaN;
      return {
        pass() {
          for (const b of batches) last = ae.model.trainOnBatch(b, b);
        },
        loss: () => last,
        dispose() {
          ae.dispose();
          backend.dispose();
        },
      };
    },
  };
}

function tfjsContender(backendName) {
  const n = backendName === 'cpu' ? N_CPU : N_TRAIN;
  return {
    name: `tfjs-${backendName}`,
    applies: () => true,
    samples: n,
    async setup() {
      await useBackend(backendName);
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({ units: UNITS[0], activation: 'relu', inputShape: [D] }),
          tfl.layers.dense({ units: UNITS[1], activation: 'relu' }),
          tfl.layers.dense({ units: UNITS[0], activation: 'relu' }),
          tfl.layers.dense({ units: D, activation: 'sigmoid' }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(LR), loss: 'meanSquaredError' });
      const batches = [];
      for (let s = 0; s < n; s += BATCH) batches.push(tf.tensor2d(X.subarray(s * D, Math.min(n, s + BATCH) * D), [Math.min(n, s + BATCH) - s, D]));
      let last = NaN;
      return {
        before: () => useBackend(backendName),
        async pass() {
          for (const b of batches) last = await model.trainOnBatch(b, b);
        },
        loss: () => last,
        dispose() {
          tf.dispose(batches);
          model.optimizer.dispose();
          model.dispose();
        },
      };
    },
  };
}

const CONTENDERS = selectByName(
  [simdnnContender('relaxed', false), simdnnContender('simd', false), simdnnContender('relaxed', true), tfjsContender('wasm'), tfjsContender('cpu')],
  'AE_ONLY',
);

log(`simdnn autoencoder bench: ${D}-${UNITS.join('-')}-${UNITS[0]}-${D}, batch ${BATCH}, Adam lr ${LR}, ${N_TRAIN} samples per pass (tfjs-cpu ${N_CPU}); ${ROUNDS} rounds`);
const rows = {};
const live = [];
for (const c of CONTENDERS) {
  rows[c.name] = { c, times: [] };
  if (!c.applies()) {
    rows[c.name].error = 'relaxed SIMD unsupported by this engine';
    continue;
  }
  try {
    const inst = await c.setup();
    inst.name = c.name;
    if (inst.before) await inst.before();
    await inst.pass(); // warm-up: one untimed pass
    rows[c.name].loss0 = inst.loss();
    live.push(inst);
  } catch (e) {
    rows[c.name].error = String(e?.message ?? e).split('\n')[0];
    log(`  ${c.name}: NOT RUNNABLE: ${rows[c.name].error}`);
  }
}
for (let r = 0; r < ROUNDS; r++) {
  for (let j = 0; j < live.length; j++) {
    const inst = live[(r + j) % live.length];
    if (inst.before) await inst.before();
    const t = performance.now();
    await inst.pass();
    rows[inst.name].times.push((performance.now() - t) / 1000);
  }
  log(`  round ${r + 1}/${ROUNDS}: ${live.map((i) => `${i.name} ${fmtRate(rows[i.name].c.samples / rows[i.name].times.at(-1))}`).join(', ')}`);
}
for (const inst of live) {
  rows[inst.name].loss = inst.loss();
  inst.dispose();
}

const rate = (name) => (rows[name]?.times.length ? rows[name].c.samples / median(rows[name].times) : undefined);
const ref = rate('tfjs-wasm');
const body = Object.entries(rows).map(([name, row]) =>
  row.error
    ? [name, `not runnable: ${row.error}`, '', '']
    : [name, `${fmtRate(rate(name))} ${spread(relIqr(row.times))}`, ref ? fmtRatio(rate(name) / ref) : '—', `${row.loss0?.toFixed(4)} → ${row.loss?.toFixed(4)}`],
);
const tbl = table(['Contender', 'train samples/s', 'vs tfjs-wasm', 'loss after warm-up → last'], body, ['l']);
const targetLines = ['simdnn-relaxed', 'simdnn-simd']
  .filter((n) => rate(n) && ref)
  .map((n) => `${n} trains at ${fmtRatio(rate(n) / ref)} tfjs-wasm (target ≥ ${TARGET}×: ${rate(n) / ref >= TARGET ? 'met' : 'NOT MET'})`);
const run = runInfo(import.meta.url);
const totalSec = (performance.now() - tStart) / 1000;
const versions = [
  `simdnn ${gitDescribe()}`,
  `@tensorflow/tfjs-core ${tf.version_core}, tfjs-layers ${pkgVersion('@tensorflow/tfjs-layers')}, tfjs-backend-wasm ${tfwasm.version_wasm} (SIMD: ${tfWasmSimd ? 'yes' : 'no'}, threads: ${tfWasmThreads ? 'yes' : 'no'}), tfjs-backend-cpu ${pkgVersion('@tensorflow/tfjs-backend-cpu')}`,
];
const notes = [
  `Workload: a ${D}-${UNITS.join('-')}-${UNITS[0]}-${D} autoencoder (ReLU hidden layers, sigmoid output, mean squared error against the input), Adam (learning rate ${LR}), batch ${BATCH}, on ${N_TRAIN} MNIST digits (tfjs-cpu on the first ${N_CPU}). simdnn: \`autoencoder({ inputDim: ${D}, units: [${UNITS}] })\` (tied: the decoder kernels are the encoder's, transposed), \`model.trainOnBatch(x, x)\` per batch on pre-sliced views; TensorFlow.js: the same four dense layers in \`tf.sequential\`, \`await model.trainOnBatch(x, x)\` per batch on tensors made beforehand.`,
  `Method: one untimed warm-up pass each, then ${ROUNDS} rounds in which every contender in turn (the first rotates) trains one timed pass; samples/s over the median pass, ±x% half the interquartile range relative to the median.`,
  'Single process, one thread each; the machine is shared and noisy, so compare ratios rather than absolute numbers.',
];
const md = [
  '## Autoencoder training (784-256-64-256-784, batch 64)',
  '',
  `Generated by \`bench/autoencoder.mjs\` on ${run.stamp} (run took ${totalSec.toFixed(0)} s).`,
  '',
  ...runMdLines(run),
  ...versions.map((v) => `- ${v}`),
  '',
  tbl.md,
  '',
  ...targetLines.map((l) => `- Issue target: ${l}.`),
  '',
  ...notes.map((n) => `- ${n}`),
].join('\n');
console.log(['', ...runTextLines('autoencoder', run), ...versions, '', tbl.text, '', ...targetLines, '', `total run time ${totalSec.toFixed(1)} s`].join('\n'));
if (process.env.AE_NO_WRITE !== '1') writeResultsBlock('autoencoder', md, 'autoencoder');
