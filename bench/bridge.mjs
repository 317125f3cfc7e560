// Bridge benchmark: how long loading a TensorFlow.js Layers model.json (with
// its weight shard, from disk) and its first prediction take in simdnn
// (`loadLayersModel(path)` of simdnn/node, then `predict`) against
// TensorFlow.js (`tf.loadLayersModel` through an IOHandler reading the same
// files, then `predict` and `dataSync` on tfjs-backend-wasm), for a LeNet and
// a 784-256-10 MLP, in one process, in interleaved rounds.
//
// Writes its own block of bench/RESULTS.md, between `<!-- bridge:begin -->`
// and `<!-- bridge:end -->`, below `<!-- end of generated section -->`.
//
// Run against an existing dist/ (`npm run build` makes it):
//      node --experimental-wasm-relaxed-simd bench/bridge.mjs
//
// Environment knobs (all optional):
//   BRIDGE_ROUNDS       timed rounds (default 40)
//   BRIDGE_NO_WRITE=1   do not write bench/RESULTS.md

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';

import {
  envNumber, fmtRatio, fmtSpread as spread, gitDescribe, importDist, log, median, pkgVersion, randomData, relIqr, runInfo, runMdLines, setupTfjs, table,
  writeResultsBlock,
} from './common.mjs';

const ROUNDS = envNumber('BRIDGE_ROUNDS', 40);
const tStart = performance.now();
const simdnn = await importDist('node.js');
await simdnn.init();
const { simd: tfWasmSimd, threads: tfWasmThreads } = await setupTfjs(tf, tfwasm);

const MODELS = {
  lenet: {
    title: 'LeNet (conv 5x5x8, pool, conv 5x5x16, pool, dense 10)',
    input: [28, 28, 1],
    build: () => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ] }),
  },
  mlp: {
    title: 'MLP 784-256-10',
    input: [784],
    build: () => tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ] }),
  },
};

/** Saves a TensorFlow.js model as model.json + one shard in `dir`, as tf.io's file handlers lay them out. */
async function writeModel(m, dir) {
  fs.mkdirSync(dir, { recursive: true });
  await m.save(tf.io.withSaveHandler(async (a) => {
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(a.weightData));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
      format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return path.join(dir, 'model.json');
}

/** An IOHandler reading model.json and its shards from disk: the work tfjs-node's file:// handler does. */
function fileHandler(jsonPath) {
  return {
    async load() {
      const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const specs = [];
      const parts = [];
      for (const g of json.weightsManifest) {
        specs.push(...g.weights);
        for (const p of g.paths) parts.push(fs.readFileSync(path.join(path.dirname(jsonPath), p)));
      }
      const all = Buffer.concat(parts);
      return { modelTopology: json.modelTopology, weightSpecs: specs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length), format: json.format };
    },
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simdnn-bridge-'));
const rows = [];
try {
  for (const [key, spec] of Object.entries(MODELS)) {
    const m = spec.build();
    const file = await writeModel(m, path.join(dir, key));
    m.dispose();
    const x = randomData(spec.input.reduce((a, b) => a * b, 1), 7, 0, 1);
    const contenders = {
      simdnn: async () => {
        const t0 = performance.now();
        const model = await simdnn.loadLayersModel(file);
        const t1 = performance.now();
        const p = model.predict(x);
        const out = p.toFloat32Array();
        const t2 = performance.now();
        p.dispose();
        model.dispose();
        return { load: t1 - t0, first: t2 - t1, out };
      },
      'tfjs-wasm': async () => {
        const t0 = performance.now();
        const model = await tfl.loadLayersModel(fileHandler(file));
        const t1 = performance.now();
        const xt = tf.tensor(x, [1, ...spec.input]);
        const p = model.predict(xt);
        const out = p.dataSync();
        const t2 = performance.now();
        tf.dispose([xt, p]);
        model.dispose();
        return { load: t1 - t0, first: t2 - t1, out };
      },
    };
    const times = { simdnn: { load: [], first: [] }, 'tfjs-wasm': { load: [], first: [] } };
    // Untimed runs each (the engines compile and optimise the code paths), and a check that both compute the same prediction.
    for (let w = 0; w < 3; w++) for (const c of Object.values(contenders)) await c();
    const a = await contenders.simdnn();
    const b = await contenders['tfjs-wasm']();
    let worst = 0;
    for (let i = 0; i < a.out.length; i++) worst = Math.max(worst, Math.abs(a.out[i] - b.out[i]));
    const names = Object.keys(contenders);
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length];
        const t = await contenders[name]();
        times[name].load.push(t.load);
        times[name].first.push(t.first);
      }
    }
    const bytes = fs.statSync(path.join(dir, key, 'weights.bin')).size;
    log(`${key}: simdnn load ${median(times.simdnn.load).toFixed(2)} ms, first ${median(times.simdnn.first).toFixed(2)} ms; tfjs-wasm load ${median(times['tfjs-wasm'].load).toFixed(2)} ms, first ${median(times['tfjs-wasm'].first).toFixed(2)} ms`);
    rows.push({ key, spec, times, worst, bytes });
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const ms = (xs) => `${median(xs).toFixed(2)} ms ${spread(relIqr(xs))}`;
const run = runInfo(import.meta.url);
const lines = [
  '## Loading a TensorFlow.js model.json and the first prediction',
  '',
  `Generated by \`bench/bridge.mjs\` on ${run.stamp} (run took ${((performance.now() - tStart) / 1000).toFixed(0)} s).`,
  '',
  ...runMdLines(run),
  `- simdnn ${gitDescribe()}`,
  `- @tensorflow/tfjs-core ${tf.version_core}, tfjs-layers ${pkgVersion('@tensorflow/tfjs-layers')}, tfjs-backend-wasm ${tfwasm.version_wasm} (SIMD: ${tfWasmSimd ? 'yes' : 'no'}, threads: ${tfWasmThreads ? 'yes' : 'no'})`,
  '',
];
const tableRows = [];
for (const r of rows) {
  const s = r.times.simdnn;
  const t = r.times['tfjs-wasm'];
  const tot = (x) => x.load.map((v, i) => v + x.first[i]);
  tableRows.push([r.spec.title, 'simdnn', ms(s.load), ms(s.first), ms(tot(s)), '1.00×']);
  tableRows.push([
    '', 'tfjs-wasm', ms(t.load), ms(t.first), ms(tot(t)),
    `${fmtRatio(median(t.load) / median(s.load))} load, ${fmtRatio(median(t.first) / median(s.first))} first, ${fmtRatio(median(tot(t)) / median(tot(s)))} total`,
  ]);
}
lines.push(table(['Model', 'Contender', 'load (median)', 'first prediction', 'load + first', 'tfjs-wasm / simdnn'], tableRows, ['l', 'l', 'r', 'r', 'r', 'r']).md);
lines.push('');
for (const r of rows) lines.push(`- ${r.spec.title}: ${(r.bytes / 1024).toFixed(0)} KiB of weights; the two first predictions differ by at most ${r.worst.toExponential(1)}.`);
lines.push(
  '- Load: simdnn `loadLayersModel(path)` (simdnn/node: reads model.json and the shard, validates, translates the Keras config, allocates and sets the weights); TensorFlow.js `tf.loadLayersModel(handler)` with an IOHandler reading the same two files (what tfjs-node\'s file:// handler does), on tfjs-backend-wasm. First prediction: one sample, `predict` and reading the output (`toFloat32Array` / `dataSync`), right after the load (plans, packs and kernel warm-up included). Ratios above 1: simdnn is faster.',
  `- Method: four untimed loads and predictions each (the first load of a process also compiles the code paths: it is not what this measures), then ${ROUNDS} rounds in which each contender in turn (the first one rotating) loads a fresh model and predicts once; medians, ±x% half the interquartile range relative to the median.`,
  '- Single process, one thread each; the machine\'s other core was busy with other work during the run, so compare ratios rather than absolute numbers.',
);
const md = lines.join('\n');
console.log(md);
if (process.env.BRIDGE_NO_WRITE !== '1') writeResultsBlock('bridge', md, 'bridge');
