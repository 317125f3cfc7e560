// Explain benchmark: throughput (digits/s) of a gradient saliency map and of
// FGSM on the MNIST MLP of the CLI (784-256-10) and on LeNet, for simdnn's
// explain namespace (relaxed and simd builds) against the same computation
// written with tf.grad in TensorFlow.js (wasm and cpu backends), all in one
// process, in interleaved rounds, on identical weights.
//
//   saliency: d softmax[:, label] / dx for every digit, then |.| (what
//             explain.saliency(model, x, { classIndex }) returns);
//   FGSM:     the predictions on x, the gradient of the cross-entropy of the
//             label, x_adv = clip(x + 0.1 sign(g), 0, 1) and the predictions on
//             x_adv (what explain.fgsm(model, x, labels, ...) returns with its
//             flip report).
//
// Writes its own subsection of bench/RESULTS.md, between `<!-- explain:begin -->`
// and `<!-- explain:end -->`, below `<!-- end of generated section -->`.
//
// Run against an existing dist/ (`npm run build` makes it):
//      node --experimental-wasm-relaxed-simd bench/explain.mjs
//
// Environment knobs (all optional):
//   EXPLAIN_ROUNDS      timed rounds (default 5)
//   EXPLAIN_N           digits per round (default 2000)
//   EXPLAIN_CPU_N       digits per round for tfjs-cpu (default 256; it is slow)
//   EXPLAIN_TRAIN       digits the simdnn models are trained on first (default 4000)
//   EXPLAIN_BATCH       rows per pass, every contender (default 256)
//   EXPLAIN_ONLY        comma-separated substrings of contender names to run
//   EXPLAIN_MODELS      comma-separated substrings of model names (mlp, lenet)
//   EXPLAIN_NO_WRITE=1  do not write bench/RESULTS.md

import { performance } from 'node:perf_hooks';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';

import { envNumber as env, fmtPct, fmtRate, fmtRatio, fmtSpread as spread, gitDescribe, importDist, loadDigits, log, median, pkgVersion, relError, relIqr, runInfo, runMdLines, runTextLines, selectByName, setupTfjs, table, writeResultsBlock } from './common.mjs';

const ROUNDS = env('EXPLAIN_ROUNDS', 5);
const N = env('EXPLAIN_N', 2000);
const CPU_N = env('EXPLAIN_CPU_N', 256);
const N_TRAIN = env('EXPLAIN_TRAIN', 4000);
const BATCH = env('EXPLAIN_BATCH', 256);
const EPS = 0.1;
const IN = 784;
const OUT = 10;
const SEED = 1;
const TARGET_VS_TFJS_WASM = 5;

const tStart = performance.now();
const simdnn = await importDist();
await simdnn.init({ seed: SEED });

// ------------------------------------------------------------------ data --

log(`loading the MNIST digits (${N_TRAIN} train + ${N} explained)...`);
const { train, test } = loadDigits({ nTrain: N_TRAIN, nTest: N, seed: SEED, knobs: 'EXPLAIN_TRAIN + EXPLAIN_N', noun: 'digits' });
const labels = Int32Array.from(test.y);

// ---------------------------------------------------------------- models --

/** The networks: layers for simdnn and for tfjs (same Keras layouts), input shape, training settings. */
const MODELS = selectByName([
  {
    name: 'mlp',
    title: 'MLP 784-256-10',
    shape: [IN],
    layers: (L) => [L.dense({ units: 256, activation: 'relu', inputShape: [IN] }), L.dense({ units: OUT, activation: 'softmax' })],
    batch: 64,
    lr: 0.002,
  },
  {
    name: 'lenet',
    title: 'LeNet (conv 5x5x8, pool, conv 5x5x16, pool, dense 10)',
    shape: [28, 28, 1],
    layers: (L) => [
      L.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: OUT, activation: 'softmax' }),
    ],
    batch: 32,
    lr: 0.003,
  },
], 'EXPLAIN_MODELS');

// Trained once in simdnn (so the attack meets a network that classifies), the weights then copied everywhere.
const WEIGHTS = {};
for (const m of MODELS) {
  const t = performance.now();
  const net = simdnn.sequential({ seed: SEED, layers: m.layers(simdnn.layers) });
  net.compile({ optimizer: simdnn.optimizers.adam({ learningRate: m.lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await net.fit(train.x, train.y, { epochs: 1, batchSize: m.batch, seed: SEED });
  const { accuracy } = net.evaluateLogs(test.x, test.y);
  WEIGHTS[m.name] = net.getWeights().map((w) => {
    const entry = { values: w.toFloat32Array(), shape: w.shape.slice() };
    w.dispose();
    return entry;
  });
  m.accuracy = accuracy;
  net.dispose();
  log(`  trained ${m.title} for one epoch on ${N_TRAIN} digits in ${((performance.now() - t) / 1000).toFixed(1)} s: ${fmtPct(accuracy)} on the ${N} explained digits`);
}

// ------------------------------------------------------------ tfjs setup --

const { simd: tfWasmSimd, threads: tfWasmThreads, useBackend } = await setupTfjs(tf, tfwasm);
await useBackend('cpu');

// ------------------------------------------------------------ contenders --
//
// A contender: { name, n, applies(), setup(model) -> inst }, inst: { before?(),
// saliency() (timed: the maps of the first n digits, returned), fgsm() (timed:
// { adv, before, after }), dispose() }.

const hasRelaxed = simdnn.engineSupports('relaxed');

function simdnnContender(build) {
  return {
    name: `simdnn-${build}`,
    n: N,
    applies: () => build !== 'relaxed' || hasRelaxed,
    async setup(m) {
      const backend = await simdnn.createBackend({ build, seed: SEED });
      const net = simdnn.sequential({ seed: SEED, backend, layers: m.layers(simdnn.layers) });
      net.build();
      net.setWeights(WEIGHTS[m.name].map(({ values, shape }) => simdnn.tensor(values, shape, 'float32', backend)));
      const x = test.x.subarray(0, this.n * IN);
      const y = labels.subarray(0, this.n);
      return {
        saliency() {
          const { map } = simdnn.explain.saliency(net, x, { classIndex: y, batchSize: BATCH });
          const out = map.toFloat32Array();
          map.dispose();
          return out;
        },
        fgsm() {
          const { adversarial, report } = simdnn.explain.fgsm(net, x, y, { epsilon: EPS, clipMin: 0, clipMax: 1, batchSize: BATCH });
          const adv = adversarial.toFloat32Array();
          adversarial.dispose();
          return { adv, before: report.before, after: report.after };
        },
        dispose() {
          net.dispose();
          backend.dispose();
        },
      };
    },
  };
}

/** TF.js Layers with the same weights; the same computations with tf.grad, in pre-sliced batches of BATCH rows. */
function tfjsContender(backendName) {
  return {
    name: `tfjs-${backendName}`,
    n: backendName === 'cpu' ? Math.min(CPU_N, N) : N,
    applies: () => true,
    async setup(m) {
      await useBackend(backendName);
      const net = tfl.sequential({ layers: m.layers(tfl.layers) });
      const weights = WEIGHTS[m.name].map(({ values, shape }) => tf.tensor(values, shape));
      net.setWeights(weights);
      tf.dispose(weights);
      const batches = [];
      for (let s = 0; s < this.n; s += BATCH) {
        const e = Math.min(this.n, s + BATCH);
        batches.push({
          x: tf.tensor(test.x.subarray(s * IN, e * IN), [e - s, ...m.shape]),
          y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels.subarray(s, e), 'int32'), OUT)),
          rows: e - s,
        });
      }
      const n = this.n;
      // Per batch: the gradient of its label's softmax score, and of its label's cross-entropy (as a Keras user writes it).
      for (const b of batches) {
        b.score = tf.grad((x) => tf.sum(tf.mul(net.apply(x), b.y)));
        b.loss = tf.grad((x) => tf.sum(tf.neg(tf.sum(tf.mul(b.y, tf.log(net.apply(x))), 1))));
      }
      const argMax = (x) => tf.tidy(() => tf.argMax(net.apply(x), 1).dataSync());
      // Does the backend have every gradient kernel the network needs? One untimed try.
      let error;
      try {
        tf.tidy(() => batches[0].score(batches[0].x).dataSync());
      } catch (e) {
        error = `fails: ${String(e?.message ?? e).split('\n')[0]}`;
      }
      return {
        error,
        before: () => useBackend(backendName),
        saliency() {
          const out = new Float32Array(n * IN);
          let at = 0;
          for (const b of batches) {
            const g = tf.tidy(() => tf.abs(b.score(b.x)).dataSync());
            out.set(g, at);
            at += g.length;
          }
          return out;
        },
        fgsm() {
          const adv = new Float32Array(n * IN);
          const before = new Int32Array(n);
          const after = new Int32Array(n);
          let at = 0;
          for (const b of batches) {
            before.set(argMax(b.x), at);
            const xa = tf.tidy(() => tf.clipByValue(tf.add(b.x, tf.mul(tf.sign(b.loss(b.x)), EPS)), 0, 1));
            adv.set(xa.dataSync(), at * IN);
            after.set(argMax(xa), at);
            xa.dispose();
            at += b.rows;
          }
          return { adv, before, after };
        },
        dispose() {
          tf.dispose(batches.flatMap((b) => [b.x, b.y]));
          net.dispose();
        },
      };
    },
  };
}

const CONTENDERS = selectByName([simdnnContender('relaxed'), simdnnContender('simd'), tfjsContender('wasm'), tfjsContender('cpu')], 'EXPLAIN_ONLY');
const OPS = ['saliency', 'fgsm'];

// ------------------------------------------------------------ measuring --

log(`simdnn explain bench: ${MODELS.map((m) => m.name).join(', ')}; ${N} digits (tfjs-cpu ${Math.min(CPU_N, N)}), batch ${BATCH}; ${ROUNDS} rounds`);
if (!hasRelaxed) log('note: this engine cannot run relaxed SIMD (run node with --experimental-wasm-relaxed-simd); simdnn-relaxed is skipped');

/** results[model][contender] = { n, saliency: s[], fgsm: s[], out: { saliency, fgsm }, error } */
const results = {};
const tfTensorsBefore = tf.memory().numTensors;
for (const m of MODELS) {
  const live = [];
  const rows = (results[m.name] = {});
  for (const c of CONTENDERS) {
    rows[c.name] = { n: c.n, saliency: [], fgsm: [], out: {} };
    if (!c.applies()) {
      rows[c.name].error = 'relaxed SIMD unsupported by this engine (run node with --experimental-wasm-relaxed-simd)';
      continue;
    }
    try {
      const inst = await c.setup(m);
      if (inst.error) {
        rows[c.name].error = inst.error;
        inst.dispose();
        log(`  ${m.name} ${c.name}: NOT RUNNABLE: ${inst.error}`);
        continue;
      }
      inst.name = c.name;
      // Warm-up: each operation once, untimed.
      if (inst.before) await inst.before();
      for (const op of OPS) inst[op]();
      live.push(inst);
    } catch (e) {
      rows[c.name].error = String(e?.message ?? e).split('\n')[0];
      log(`  ${m.name} ${c.name}: NOT RUNNABLE: ${rows[c.name].error}`);
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    const tr = performance.now();
    for (let j = 0; j < live.length; j++) {
      const inst = live[(r + j) % live.length]; // rotate who goes first
      const row = rows[inst.name];
      if (row.error) continue;
      try {
        if (inst.before) await inst.before();
        for (const op of OPS) {
          const t = performance.now();
          row.out[op] = inst[op]();
          row[op].push((performance.now() - t) / 1000);
        }
      } catch (e) {
        row.error = `failed in round ${r + 1}: ${String(e?.message ?? e).split('\n')[0]}`;
        log(`  ${inst.name}: ${row.error}`);
      }
    }
    const parts = live.filter((i) => !rows[i.name].error).map((i) => `${i.name} ${fmtRate(rows[i.name].n / rows[i.name].saliency.at(-1))} / ${fmtRate(rows[i.name].n / rows[i.name].fgsm.at(-1))}`);
    log(`  ${m.name} round ${r + 1}/${ROUNDS} ${((performance.now() - tr) / 1000).toFixed(1)} s; saliency / FGSM digits/s: ${parts.join(', ')}`);
  }
  for (const inst of live) inst.dispose();
}
const tfLeak = tf.memory().numTensors - tfTensorsBefore;

// ------------------------------------------------------------ formatting --

/** The checks against simdnn-simd on the digits both ran: saliency max relative error, FGSM images and predictions identical. */
function agreement(row, ref) {
  if (!ref?.out.saliency || !row.out.saliency) return '—';
  const n = Math.min(row.n, ref.n);
  const sal = relError(row.out.saliency.subarray(0, n * IN), ref.out.saliency.subarray(0, n * IN));
  let same = 0;
  for (let i = 0; i < n * IN; i++) if (row.out.fgsm.adv[i] === ref.out.fgsm.adv[i]) same++;
  let flips = 0;
  for (let i = 0; i < n; i++) if (row.out.fgsm.after[i] === ref.out.fgsm.after[i]) flips++;
  return `saliency ${sal.toExponential(1)}; FGSM pixels ${fmtPct(same / (n * IN))}, predictions ${fmtPct(flips / n)}`;
}

const tables = [];
const textTables = [];
const targetLines = [];
for (const m of MODELS) {
  const rows = results[m.name];
  const stat = (row, op) => (row[op].length ? { rate: row.n / median(row[op]), spread: relIqr(row[op]) } : undefined);
  const ratio = (name, op, ref) => {
    const a = rows[name] && stat(rows[name], op);
    const b = rows[ref] && stat(rows[ref], op);
    return a && b ? a.rate / b.rate : undefined;
  };
  const body = [];
  for (const [name, row] of Object.entries(rows)) {
    if (row.error && !row.saliency.length) {
      body.push([name, `not runnable: ${row.error}`, '', '', '', '', '', '', '']);
      continue;
    }
    const s = stat(row, 'saliency');
    const f = stat(row, 'fgsm');
    const fg = row.out.fgsm;
    let accBefore = 0;
    let accAfter = 0;
    for (let i = 0; i < row.n; i++) {
      if (fg.before[i] === labels[i]) accBefore++;
      if (fg.after[i] === labels[i]) accAfter++;
    }
    body.push([
      name,
      String(row.n),
      `${fmtRate(s.rate)} ${spread(s.spread)}`,
      fmtRatio(ratio(name, 'saliency', 'tfjs-wasm')),
      fmtRatio(ratio(name, 'saliency', 'tfjs-cpu')),
      `${fmtRate(f.rate)} ${spread(f.spread)}`,
      fmtRatio(ratio(name, 'fgsm', 'tfjs-wasm')),
      fmtRatio(ratio(name, 'fgsm', 'tfjs-cpu')),
      `${fmtPct(accBefore / row.n)} → ${fmtPct(accAfter / row.n)}`,
      name === 'simdnn-simd' ? 'reference' : agreement(row, rows['simdnn-simd']),
    ]);
  }
  const headers = ['Contender', 'digits', 'saliency digits/s', 'vs tfjs-wasm', 'vs tfjs-cpu', 'FGSM digits/s', 'vs tfjs-wasm', 'vs tfjs-cpu', 'FGSM accuracy', 'agreement with simdnn-simd'];
  const tbl = table(headers, body, ['l']);
  tables.push(`### ${m.title}\n\n${tbl.md}`);
  textTables.push(`${m.title}\n${tbl.text}`);
  for (const nm of ['simdnn-relaxed', 'simdnn-simd']) {
    for (const op of OPS) {
      const x = ratio(nm, op, 'tfjs-wasm');
      if (x !== undefined) targetLines.push(`${m.name} ${op === 'fgsm' ? 'FGSM' : 'saliency'}: ${nm} is ${fmtRatio(x)} tfjs-wasm (target ≥ ${TARGET_VS_TFJS_WASM}×: ${x >= TARGET_VS_TFJS_WASM ? 'pass' : 'not met'})`);
    }
  }
}

const totalSec = (performance.now() - tStart) / 1000;
const run = runInfo(import.meta.url);
const leaks = tfLeak ? [`tfjs: ${tfLeak} more live tensors after the rounds than before them`] : [];
const versions = [
  `simdnn ${gitDescribe()}`,
  `@tensorflow/tfjs-core ${tf.version_core}, tfjs-layers ${pkgVersion('@tensorflow/tfjs-layers')}, tfjs-backend-wasm ${tfwasm.version_wasm} (SIMD: ${tfWasmSimd ? 'yes' : 'no'}, threads: ${tfWasmThreads ? 'yes' : 'no'}), tfjs-backend-cpu ${pkgVersion('@tensorflow/tfjs-backend-cpu')}`,
  `mnist ${pkgVersion('mnist')}`,
];
const notes = [
  `Workloads: the CLI's MLP (784-256-10, relu, softmax) and LeNet, each trained in simdnn for one epoch on ${N_TRAIN} digits of the \`mnist\` package (${MODELS.map((m) => `${m.name} ${fmtPct(m.accuracy)}`).join(', ')} on the explained digits), the weights then loaded into every contender; ${N} other digits explained per round (tfjs-cpu: the first ${Math.min(CPU_N, N)}), in batches of ${BATCH}.`,
  `Saliency: d softmax[:, label] / dx, then its absolute value. simdnn: \`explain.saliency(model, x, { classIndex: labels, batchSize: ${BATCH} })\` (one forward and one backward pass per batch through the model's planned executor) and \`toFloat32Array()\`. TF.js: \`tf.grad((x, y) => tf.sum(tf.mul(model.apply(x), y)))\` per pre-sliced batch, \`tf.abs\`, \`dataSync()\`.`,
  `FGSM: predictions on x, the gradient of the label's cross-entropy, x_adv = clip(x + ${EPS}·sign(g), 0, 1), predictions on x_adv. simdnn: \`explain.fgsm(model, x, labels, { epsilon: ${EPS}, clipMin: 0, clipMax: 1, batchSize: ${BATCH} })\` (it takes the predictions on x from the gradient pass's forward) and \`toFloat32Array()\` of the images. TF.js: \`argMax(model.apply(x))\`, \`tf.grad\` of \`sum(−y·log(model.apply(x)))\`, \`clipByValue(x + sign(g)·ε)\`, \`argMax(model.apply(x_adv))\`, with \`dataSync()\` of the images and predictions, per batch. "FGSM accuracy" is before → after on the contender's digits; "agreement" compares with simdnn-simd on the digits both ran: the saliency maps' max relative error, and the share of FGSM pixels and of predictions after the attack that are identical.`,
  `Method: every contender is set up and runs each operation once untimed; then ${ROUNDS} rounds in which each contender in turn (the first one rotating) runs the saliency maps and then FGSM (timed). Throughput is digits / median time; ±x% is half the interquartile range relative to the median. "vs" columns divide by the tfjs contender's throughput (> 1: simdnn faster).`,
  `tfjs-backend-wasm runs single-threaded in Node (threads: ${tfWasmThreads ? 'yes' : 'no'}); a "not runnable" row quotes the error of the first gradient it was asked for (tfjs-backend-wasm 4.22 lacks some convolution gradient kernels). Single process, one thread each, a shared and noisy machine: compare ratios rather than absolute numbers.`,
  'Where a 2x2 max-pooling window holds a tied maximum (neighbouring convolution outputs over saturated strokes are often bit-identical), tfjs-backend-wasm sends its gradient to the last tied position, tfjs-cpu and simdnn to the first: both are valid subgradients, so LeNet\'s maps and some FGSM pixels of tfjs-wasm differ from the others (the agreement column) while tfjs-cpu agrees with simdnn to rounding.',
];

const md = [
  '## Explain: saliency maps and FGSM (MNIST MLP and LeNet)',
  '',
  `Generated by \`bench/explain.mjs\` on ${run.stamp} (run took ${totalSec.toFixed(0)} s).`,
  '',
  ...runMdLines(run),
  ...versions.map((v) => `- ${v}`),
  '',
  tables.join('\n\n'),
  '',
  ...targetLines.map((l) => `- Issue target: ${l}.`),
  ...leaks.map((l) => `- Warning: ${l}.`),
  ...(targetLines.length || leaks.length ? [''] : []),
  ...notes.map((n) => `- ${n}`),
].join('\n');

const text = [
  '',
  ...runTextLines('explain', run),
  ...versions,
  '',
  `saliency and FGSM throughput (digits/s), medians of ${ROUNDS} interleaved rounds (±half IQR)`,
  ...textTables.flatMap((t) => [t, '']),
  ...targetLines,
  ...leaks.map((l) => `WARNING: ${l}`),
  '',
  `total run time ${totalSec.toFixed(1)} s`,
].join('\n');
console.log(text);

if (process.env.EXPLAIN_NO_WRITE !== '1') writeResultsBlock('explain', md, 'explain');
