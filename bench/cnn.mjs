// CNN benchmark: end-to-end training and inference throughput of a LeNet-style
// network on 28x28x1 MNIST digits (conv 5x5x8 relu -> maxpool 2 -> conv 5x5x16
// relu -> maxpool 2 -> flatten -> dense 10 softmax; categorical cross-entropy,
// plain SGD, batch 32) for simdnn (relaxed and simd builds) against
// TensorFlow.js Layers (wasm and cpu backends) and ConvNetJS, all in one
// process, in interleaved rounds; then conv2d forward / backward GFLOPS on a
// few layer shapes (simdnn's conv kernels against tfjs' conv kernels).
//
// Writes its own subsection of bench/RESULTS.md, between `<!-- cnn:begin -->`
// and `<!-- cnn:end -->`, below `<!-- end of generated section -->` (the part
// above that line belongs to bench/gemm.mjs, other blocks to other scripts;
// both are left alone).
//
// Run against an existing dist/ (`npm run build` makes it):
//      node --experimental-wasm-relaxed-simd bench/cnn.mjs
//
// Environment knobs (all optional):
//   CNN_ROUNDS         timed rounds (default 5)
//   CNN_TRAIN          training digits per pass for simdnn (default 4000, a multiple of 32)
//   CNN_TEST           held-out digits for inference and accuracy (default 2000)
//   CNN_CPU_TRAIN      training digits per round for tfjs-cpu (default 192; it does ~11/s)
//   CNN_CPU_TEST       held-out digits per round for tfjs-cpu inference (default 512)
//   CNN_CONVNET_TRAIN  training digits per round for ConvNetJS (default 640)
//   CNN_CONVNET_TEST   held-out digits per round for ConvNetJS inference (default 500)
//   CNN_WARM_MS        untimed warm-up training per contender, in ms (default 1500)
//   CNN_ONLY           comma-separated substrings of contender names to run
//   CNN_LAYERS=0       skip the conv2d layer GFLOPS section
//   CNN_SHAPES         comma-separated substrings of conv shape names to run
//   CNN_NO_WRITE=1     do not write bench/RESULTS.md

import { performance } from 'node:perf_hooks';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';

import { accuracy, envNumber as env, fmtPct, fmtRate, fmtRatio, fmtSpread as spread, gitDescribe, importDist, loadDigits, log, median, msFormat, pkgVersion, randomData, relError, relIqr, require, runInfo, runMdLines, runTextLines, selectByName, setupTfjs, table, writeResultsBlock } from './common.mjs';

const ROUNDS = env('CNN_ROUNDS', 5);
const N_TRAIN = env('CNN_TRAIN', 4000);
const N_TEST = env('CNN_TEST', 2000);
const CPU_TRAIN = env('CNN_CPU_TRAIN', 192);
const CPU_TEST = env('CNN_CPU_TEST', 512);
const CONVNET_TRAIN = env('CNN_CONVNET_TRAIN', 640);
const CONVNET_TEST = env('CNN_CONVNET_TEST', 500);
const WARM_MS = env('CNN_WARM_MS', 1500);
const RUN_LAYERS = process.env.CNN_LAYERS !== '0';
const BATCH = 32;
const PREDICT_BATCH = 256;
const LR = 0.05;
const H = 28;
const W = 28;
const IN = H * W;
const OUT = 10;
const SEED = 1;
/** Figures from the issue, measured earlier on this kind of machine (training images/s). */
const EARLIER = { 'tfjs-cpu': 11, ConvNetJS: 184 };
const TARGET_TRAIN = 5000; // simdnn training images/s
const TARGET_VS_CONVNET = 25; // ... which the issue puts at >= 25x ConvNetJS
const TARGET_INFER_VS_TFJS_WASM = 1.5;
const TARGET_INFER_ABS = 11400; // the issue's estimate of 1.5x tfjs-wasm on this machine

const tStart = performance.now();
const simdnn = await importDist();
const ACT = simdnn.ACT;

// ------------------------------------------------------------------ data --

log(`loading the MNIST digits (${N_TRAIN} train + ${N_TEST} test)...`);
const DATA = loadDigits({ nTrain: N_TRAIN, nTest: N_TEST, seed: SEED, knobs: 'CNN_TRAIN + CNN_TEST', noun: 'digits' });
const { train, test } = DATA;
const N_BATCHES = Math.floor(train.n / BATCH);
if (N_BATCHES < 1) throw new Error(`CNN_TRAIN must be at least ${BATCH}`);
/** Whole training batches only: [start, end) digit ranges. */
const BATCHES = Array.from({ length: N_BATCHES }, (_, b) => [b * BATCH, (b + 1) * BATCH]);
/** Pre-sliced test batches of PREDICT_BATCH digits: [start, end). */
const TEST_BATCHES = [];
for (let s = 0; s < test.n; s += PREDICT_BATCH) TEST_BATCHES.push([s, Math.min(test.n, s + PREDICT_BATCH)]);

/** Fraction of the first n test digits whose argmax output is the label; out is n x 10. */
const accuracyOf = (out, n) => accuracy(out, test.y, n);

/** A contender's training cursor: the next `count` whole batches, restarting at 0 when they do not fit. */
function cursor() {
  let at = 0;
  return (count) => {
    const nb = Math.max(1, Math.min(N_BATCHES, count));
    if (at + nb > N_BATCHES) at = 0;
    const from = at;
    at += nb;
    return [from, from + nb];
  };
}
const roundDown = (n) => Math.max(BATCH, Math.floor(n / BATCH) * BATCH);

// ------------------------------------------------------------ tfjs setup --

const { simd: tfWasmSimd, threads: tfWasmThreads, useBackend } = await setupTfjs(tf, tfwasm);
await useBackend('cpu');

// ------------------------------------------------------------ contenders --
//
// A contender: { name, group, trainN, testN, applies(), setup() -> inst }.
// inst: { before?(), trainError? (training not possible: the reason),
// warmTrain(b0, b1) (untimed training on batches [b0, b1)), warmPredict(),
// trainPass(b0, b1) (timed), predict() (timed: outputs for the first testN
// test digits; returns them), predictWhole?() (secondary, timed), dispose() }.

const hasRelaxed = simdnn.engineSupports('relaxed');
const lenetLayers = (L) => [
  L.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [H, W, 1] }),
  L.maxPooling2d({ poolSize: 2 }),
  L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
  L.maxPooling2d({ poolSize: 2 }),
  L.flatten(),
  L.dense({ units: OUT, activation: 'softmax' }),
];
/** Trained simdnn models by contender name (their weights are loaded into tfjs-wasm for its accuracy check). */
const simdnnModels = {};

/** simdnn, trainOnBatch per pre-sliced batch (like tfjs), or fit() per pass. */
function simdnnContender(build, mode) {
  const name = mode === 'fit' ? `simdnn-${build} fit()` : `simdnn-${build}`;
  return {
    name,
    group: 'simdnn',
    trainN: roundDown(N_TRAIN),
    testN: test.n,
    applies: () => build !== 'relaxed' || hasRelaxed,
    async setup() {
      const backend = await simdnn.createBackend({ build, seed: SEED });
      const { layers, optimizers } = simdnn;
      const model = simdnn.sequential({ seed: SEED, backend, layers: lenetLayers(layers) });
      model.compile({ optimizer: optimizers.sgd({ learningRate: LR }), loss: 'categoricalCrossentropy' });
      simdnnModels[name] = model;
      // Views, not copies: made once, outside the timed region.
      const xb = BATCHES.map(([s, e]) => train.x.subarray(s * IN, e * IN));
      const yb = BATCHES.map(([s, e]) => train.oneHot.subarray(s * OUT, e * OUT));
      const steps = (b0, b1) => {
        for (let b = b0; b < b1; b++) model.trainOnBatch(xb[b], yb[b]);
      };
      const fitRange = (b0, b1) => {
        const x = b0 === 0 && b1 * BATCH === train.n ? train.x : train.x.subarray(b0 * BATCH * IN, b1 * BATCH * IN);
        const y = b0 === 0 && b1 * BATCH === train.n ? train.oneHot : train.oneHot.subarray(b0 * BATCH * OUT, b1 * BATCH * OUT);
        return model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: false });
      };
      const train1 = mode === 'fit' ? fitRange : steps;
      return {
        warmTrain: train1,
        warmPredict() {
          model.predict(test.x.subarray(0, PREDICT_BATCH * IN), { batchSize: PREDICT_BATCH }).dispose();
        },
        trainPass: train1,
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

/** TensorFlow.js Layers: tf.sequential, trainOnBatch per batch, predictOnBatch + dataSync per pre-sliced 256-digit tensor. */
function tfjsContender(backendName) {
  const isCpu = backendName === 'cpu';
  return {
    name: `tfjs-${backendName}`,
    group: 'tfjs',
    trainN: isCpu ? roundDown(CPU_TRAIN) : roundDown(N_TRAIN),
    testN: isCpu ? Math.min(test.n, CPU_TEST) : test.n,
    warmBatches: isCpu ? 1 : undefined,
    applies: () => true,
    async setup() {
      await useBackend(backendName);
      const model = tfl.sequential({ layers: lenetLayers(tfl.layers) });
      model.compile({ optimizer: tf.train.sgd(LR), loss: 'categoricalCrossentropy' });
      const testN = this.testN;
      // Batch tensors live in this backend, created once outside the timed region.
      const xTestB = [];
      for (const [s, e0] of TEST_BATCHES) {
        if (s >= testN) break;
        const e = Math.min(e0, testN);
        xTestB.push(tf.tensor4d(test.x.subarray(s * IN, e * IN), [e - s, H, W, 1]));
      }
      const xTest = isCpu ? null : tf.tensor4d(test.x, [test.n, H, W, 1]);
      // Does it train at all? One step, untimed (tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel).
      let trainError;
      const x0 = tf.tensor4d(train.x.subarray(0, BATCH * IN), [BATCH, H, W, 1]);
      const y0 = tf.tensor2d(train.oneHot.subarray(0, BATCH * OUT), [BATCH, OUT]);
      try {
        await model.trainOnBatch(x0, y0);
      } catch (e) {
        trainError = `fails: ${String(e?.message ?? e).split('\n')[0]}`;
      }
      tf.dispose([x0, y0]);
      const xb = trainError ? [] : BATCHES.map(([s, e]) => tf.tensor4d(train.x.subarray(s * IN, e * IN), [e - s, H, W, 1]));
      const yb = trainError ? [] : BATCHES.map(([s, e]) => tf.tensor2d(train.oneHot.subarray(s * OUT, e * OUT), [e - s, OUT]));
      const steps = async (b0, b1) => {
        for (let b = b0; b < b1; b++) await model.trainOnBatch(xb[b], yb[b]);
      };
      return {
        model,
        trainError,
        before: () => useBackend(backendName),
        warmTrain: steps,
        warmPredict() {
          const p = model.predictOnBatch(xTestB[0]);
          p.dataSync();
          p.dispose();
        },
        trainPass: steps,
        predict() {
          const out = new Float32Array(testN * OUT);
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
        /** The one-call API on the whole test tensor (secondary; wasm only). */
        predictWhole: xTest
          ? () => {
              const p = model.predict(xTest, { batchSize: PREDICT_BATCH });
              const out = p.dataSync().slice();
              p.dispose();
              return out;
            }
          : undefined,
        dispose() {
          tf.dispose([...xb, ...yb, ...xTestB, ...(xTest ? [xTest] : [])]);
          model.dispose();
        },
      };
    },
  };
}

/** ConvNetJS: conv 5x5x8 relu, pool 2, conv 5x5x16 relu, pool 2, softmax 10; Trainer sgd, batch 32, momentum 0. */
function convnetContender() {
  return {
    name: 'ConvNetJS',
    group: 'convnet',
    trainN: roundDown(CONVNET_TRAIN),
    testN: Math.min(test.n, CONVNET_TEST),
    warmBatches: 8,
    applies: () => true,
    async setup() {
      const convnetjs = require('convnetjs');
      const net = new convnetjs.Net();
      net.makeLayers([
        { type: 'input', out_sx: W, out_sy: H, out_depth: 1 },
        { type: 'conv', sx: 5, filters: 8, stride: 1, pad: 0, activation: 'relu' },
        { type: 'pool', sx: 2, stride: 2 },
        { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: 'relu' },
        { type: 'pool', sx: 2, stride: 2 },
        { type: 'softmax', num_classes: OUT },
      ]);
      const shapes = net.layers.map((l) => `${l.out_sx}x${l.out_sy}x${l.out_depth}`).join(' ');
      if (!shapes.includes('24x24x8') || !shapes.includes('8x8x16') || !shapes.includes('4x4x16')) throw new Error(`unexpected ConvNetJS layer shapes: ${shapes}`);
      const trainer = new convnetjs.Trainer(net, { method: 'sgd', batch_size: BATCH, learning_rate: LR, momentum: 0, l2_decay: 0 });
      const testN = this.testN;
      // Vol(sx, sy, depth): w[(y * sx + x) * depth + d], so a 28x28x1 digit is its row-major pixels.
      const vol = (x, i) => {
        const v = new convnetjs.Vol(W, H, 1, 0);
        v.w.set(x.subarray(i * IN, (i + 1) * IN));
        return v;
      };
      const trainVols = Array.from({ length: train.n }, (_, i) => vol(train.x, i));
      const testVols = Array.from({ length: testN }, (_, i) => vol(test.x, i));
      const labels = train.y;
      const samples = (b0, b1) => {
        for (let i = b0 * BATCH; i < b1 * BATCH; i++) trainer.train(trainVols[i], labels[i]);
      };
      return {
        warmTrain: samples,
        warmPredict() {
          for (let i = 0; i < Math.min(testN, 64); i++) net.forward(testVols[i], false);
        },
        trainPass: samples,
        predict() {
          const out = new Float32Array(testN * OUT);
          for (let i = 0; i < testN; i++) out.set(net.forward(testVols[i], false).w, i * OUT);
          return out;
        },
        dispose() {},
      };
    },
  };
}

const CONTENDERS = selectByName([
  simdnnContender('relaxed', 'trainOnBatch'),
  simdnnContender('simd', 'trainOnBatch'),
  simdnnContender('relaxed', 'fit'),
  simdnnContender('simd', 'fit'),
  tfjsContender('wasm'),
  tfjsContender('cpu'),
  convnetContender(),
], 'CNN_ONLY');

// ------------------------------------------------------------ measuring --

log(`simdnn CNN bench: LeNet (conv5x5x8-pool-conv5x5x16-pool-dense10), batch ${BATCH}, SGD lr ${LR}; ${train.n} train / ${test.n} test; ${ROUNDS} rounds`);
if (!hasRelaxed) log('note: this engine cannot run relaxed SIMD (run node with --experimental-wasm-relaxed-simd); simdnn-relaxed is skipped');

const live = [];
const rows = {}; // name -> { c, train: s per pass, infer: s per predict, trainImages, warmImages, acc, error, trainError }
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
    inst.c = c;
    inst.next = cursor();
    if (inst.before) await inst.before();
    const tw = performance.now();
    let warm = 0;
    if (inst.trainError) {
      rows[c.name].trainError = inst.trainError;
    } else {
      // Warm-up: training on successive chunks of whole batches until WARM_MS has passed.
      const chunk = c.warmBatches ?? Math.min(8, N_BATCHES);
      do {
        const [b0, b1] = inst.next(chunk);
        await inst.warmTrain(b0, b1);
        warm += (b1 - b0) * BATCH;
      } while (performance.now() - tw < WARM_MS);
    }
    await inst.warmPredict();
    rows[c.name].warmImages = warm;
    live.push(inst);
    log(
      `  ${c.name.padEnd(20)} set up in ${((tw - t) / 1000).toFixed(1)} s, ` +
        (inst.trainError ? `training ${inst.trainError}` : `warmed up on ${warm} digits in ${((performance.now() - tw) / 1000).toFixed(1)} s`),
    );
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
      if (!inst.trainError) {
        const [b0, b1] = inst.next(inst.c.trainN / BATCH);
        const t = performance.now();
        await inst.trainPass(b0, b1);
        row.train.push((performance.now() - t) / 1000);
        row.trainImages = (b1 - b0) * BATCH;
      }
      let t = performance.now();
      const out = inst.predict();
      row.infer.push((performance.now() - t) / 1000);
      row.lastOut = out;
      if (inst.predictWhole) {
        t = performance.now();
        const whole = inst.predictWhole();
        (row.inferWhole ??= []).push((performance.now() - t) / 1000);
        row.lastWhole = whole;
      }
    } catch (e) {
      row.error = `failed in round ${r + 1}: ${String(e?.message ?? e).split('\n')[0]}`;
      log(`  ${inst.name}: ${row.error}`);
    }
  }
  const parts = live
    .filter((i) => !rows[i.name].error)
    .map((i) => {
      const row = rows[i.name];
      return row.train.length ? `${i.name} ${fmtRate(row.trainImages / row.train.at(-1))}` : `${i.name} (infer ${fmtRate(i.c.testN / row.infer.at(-1))})`;
    });
  log(`  round ${r + 1}/${ROUNDS} ${((performance.now() - tr) / 1000).toFixed(1)} s; train images/s: ${parts.join(', ')}`);
}
const tfLeak = tf.memory().numTensors - tfTensorsBefore;

for (const inst of live) {
  const row = rows[inst.name];
  if (row.lastOut) row.acc = accuracyOf(row.lastOut, inst.c.testN);
  if (row.lastWhole) row.accWhole = accuracyOf(row.lastWhole, test.n);
}

// Inference check for the contender that cannot train: tfjs-wasm with simdnn's trained weights
// (same kernel layout [kh, kw, inC, filters] and NHWC flatten order) must reproduce simdnn's outputs.
let wasmCheck = null;
{
  const wasmInst = live.find((i) => i.name === 'tfjs-wasm');
  const donorName = ['simdnn-simd', 'simdnn-relaxed', 'simdnn-simd fit()', 'simdnn-relaxed fit()'].find((n) => simdnnModels[n] && rows[n]?.lastOut && !rows[n].error);
  if (wasmInst && donorName && !rows['tfjs-wasm'].error) {
    try {
      await useBackend('wasm');
      const ws = simdnnModels[donorName].getWeights();
      const tw = ws.map((t) => tf.tensor(t.toFloat32Array(), [...t.shape]));
      for (const t of ws) t.dispose();
      wasmInst.model.setWeights(tw);
      tf.dispose(tw);
      const out = wasmInst.predict();
      const ref = rows[donorName].lastOut;
      let maxDiff = 0;
      let agree = 0;
      for (let i = 0; i < test.n; i++) {
        let a = 0;
        let b = 0;
        for (let k = 0; k < OUT; k++) {
          maxDiff = Math.max(maxDiff, Math.abs(out[i * OUT + k] - ref[i * OUT + k]));
          if (out[i * OUT + k] > out[i * OUT + a]) a = k;
          if (ref[i * OUT + k] > ref[i * OUT + b]) b = k;
        }
        if (a === b) agree++;
      }
      wasmCheck = { donor: donorName, acc: accuracyOf(out, test.n), maxDiff, agree: agree / test.n };
      rows['tfjs-wasm'].acc = wasmCheck.acc;
    } catch (e) {
      wasmCheck = { error: String(e?.message ?? e).split('\n')[0] };
    }
  }
}
for (const inst of live) inst.dispose();

// ------------------------------------------------------- conv2d GFLOPS --
//
// One conv layer at batch 32, passes timed apart: forward (simdnn: the
// implicit-GEMM kernel reading the input in place, after a zero-bordered copy
// for padded layers, or one GEMM for 1x1, with bias and relu fused, as the
// Conv layer does; tfjs: tf.fused.conv2d with bias and relu, what
// tfjs-layers' Conv2D calls), dW (simdnn: col^T·dy read in place by the
// filter-gradient kernel, or one GEMM for 1x1, + bias column sums, as the
// layer's backward; tfjs: the Conv2DBackpropFilter kernel) and dX (simdnn: GEMM dy·W^T + col2im; tfjs: the
// Conv2DBackpropInput kernel). FLOPs = 2·N·OH·OW·F·KH·KW·C per pass.

const CONV_BATCH = 32;
function convShape(name, note, h, w, c, k, f, pad) {
  const ph = pad === 'same' ? Math.floor((k - 1) / 2) : 0;
  const oh = pad === 'same' ? h : h - k + 1;
  const ow = pad === 'same' ? w : w - k + 1;
  const n = CONV_BATCH;
  return { name, note, n, h, w, c, kh: k, kw: k, f, pad, ph, pw: ph, oh, ow, flops: 2 * n * oh * ow * f * k * k * c };
}
const SHAPES = selectByName([
  convShape('LeNet conv1', '28x28x1 → 5x5x8 valid', 28, 28, 1, 5, 8, 'valid'),
  convShape('LeNet conv2', '12x12x8 → 5x5x16 valid', 12, 12, 8, 5, 16, 'valid'),
  convShape('3x3 same', '32x32x16 → 3x3x32 same', 32, 32, 16, 3, 32, 'same'),
  convShape('1x1', '16x16x64 → 1x1x64', 16, 16, 64, 1, 64, 'valid'),
], 'CNN_SHAPES');
const PASSES = ['fwd', 'dW', 'dX'];
/** Parts of simdnn's passes timed apart: the zero-bordered copy of padded layers (forward and dW make one each), dX's col2im. */
const PARTS = ['pad', 'col2im'];
const PASS_LABEL = { fwd: 'forward', dW: 'backward dW', dX: 'backward dX' };
const L_SAMPLE_MS = 5;
const L_MIN_MS = 150;
const L_MIN_SAMPLES = 7;
const L_MIN_SAMPLES_SLOW = 3; // for calls over 100 ms (tfjs-cpu)
const L_MAX_SAMPLES = 60;
const TOLERANCE = 1e-3;
/** tfjs-cpu's Conv2DBackpropFilter runs at ~0.01 GFLOPS (about 5 s and 25 s per call on the two larger shapes): only on shapes up to this many FLOPs. */
const CPU_DW_MAX_FLOPS = 20e6;

/** Plain-JS direct dW[ky, kx, ci, f] = sum over n, oy, ox of x[n, oy + ky - ph, ox + kx - pw, ci] * dy[n, oy, ox, f] (float64 sums): the check reference where tfjs-cpu's is skipped. */
function jsConvDW(s, data) {
  const { n, h, w, c, kh, kw, f, ph, pw, oh, ow } = s;
  const acc = new Float64Array(kh * kw * c * f);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const d0 = ((b * oh + oy) * ow + ox) * f;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy + ky - ph;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox + kx - pw;
            if (ix < 0 || ix >= w) continue;
            const x0 = ((b * h + iy) * w + ix) * c;
            const k0 = (ky * kw + kx) * c;
            for (let ci = 0; ci < c; ci++) {
              const xv = data.x[x0 + ci];
              const a0 = (k0 + ci) * f;
              for (let fo = 0; fo < f; fo++) acc[a0 + fo] += xv * data.dy[d0 + fo];
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/** simdnn: the Conv layer's kernel calls on buffers already in wasm memory. */
function simdnnConv(be, s, data) {
  const k = be.abi;
  const { n, h, w, c, kh, kw, f, ph, pw, oh, ow } = s;
  const rows = n * oh * ow;
  const K = kh * kw * c;
  const pointwise = kh === 1 && kw === 1 && ph === 0 && pw === 0;
  // As the Conv layer does (src/layers/conv.ts): every forward pass but 1x1 reads the input in
  // place (f32_conv2d_igemm_nhwc); a window reaching past the image needs a zero-bordered copy.
  const hp = oh + kh - 1;
  const wp = ow + kw - 1;
  const padded = !pointwise && (ph > 0 || pw > 0 || hp > h || wp > w);
  const bufs = [];
  const put = (arr) => {
    const p = be.alloc(arr.length * 4);
    bufs.push(p);
    be.f32().set(arr, p >>> 2);
    return p;
  };
  const zeros = (len) => put(new Float32Array(len));
  const x = put(data.x);
  const wk = put(data.w);
  const bias = put(data.b);
  const dy = put(data.dy);
  const y = zeros(rows * f);
  const dW = zeros(K * f);
  const db = zeros(f);
  const dx = zeros(n * h * w * c);
  const dcol = pointwise ? dx : zeros(rows * K);
  const xpad = padded ? zeros(n * hp * wp * c) : x;
  // As the layer decides: a stride-1 'same' layer's dX convolves the zero-bordered dy with the flipped kernel.
  const transposed = !pointwise && oh === h && ow === w;
  const [hq, wq] = [h + kh - 1, w + kw - 1];
  const dyPad = transposed ? zeros(n * hq * wq * f) : 0;
  const flipped = transposed ? zeros(K * f) : 0;
  const work = zeros(Math.max(k.f32_gemm_workspace(rows, f, K), k.f32_gemm_workspace(K, f, rows), k.f32_gemm_workspace(rows, K, f), k.f32_conv2d_igemm_workspace(K, f), k.f32_conv2d_igemm_workspace(kh * kw * f, c), k.f32_conv2d_filter_grad_workspace(f)) / 4 + 4);
  const col2im = () => {
    if (!pointwise) k.f32_col2im_nhwc(n, h, w, c, kh, kw, 1, 1, ph, pw, 1, 1, oh, ow, dcol, dx);
  };
  const run = {
    fwd() {
      if (pointwise) {
        k.f32_gemm(0, 0, ACT.relu, rows, f, K, x, K, wk, f, bias, y, f, 1, 0, 0, work);
        return;
      }
      if (padded) k.f32_pad_nhwc(n, h, w, c, ph, pw, hp, wp, x, xpad);
      k.f32_conv2d_igemm_nhwc(ACT.relu, n, padded ? hp : h, padded ? wp : w, c, kh, kw, 1, 1, 1, 1, oh, ow, f, xpad, wk, bias, y, 0, work);
    },
    dW() {
      if (pointwise) {
        k.f32_gemm(1, 0, ACT.linear, K, f, rows, x, K, dy, f, 0, dW, f, 1, 1, 0, work);
      } else {
        if (padded) k.f32_pad_nhwc(n, h, w, c, ph, pw, hp, wp, x, xpad);
        k.f32_conv2d_filter_grad_nhwc(n, padded ? hp : h, padded ? wp : w, c, kh, kw, 1, 1, 1, 1, oh, ow, f, xpad, dy, dW, work);
      }
      k.f32_colsum(rows, f, dy, f, db, 1);
    },
    dX() {
      if (transposed) {
        k.f32_pad_nhwc(n, oh, ow, f, kh - 1 - ph, kw - 1 - pw, hq, wq, dy, dyPad);
        k.f32_conv2d_kernel_flip(kh, kw, c, f, wk, flipped);
        k.f32_conv2d_igemm_nhwc(ACT.linear, n, hq, wq, f, kh, kw, 1, 1, 1, 1, h, w, c, dyPad, flipped, 0, dx, 0, work);
        return;
      }
      k.f32_gemm(0, 1, ACT.linear, rows, K, f, dy, f, wk, f, 0, dcol, K, 1, 0, 0, work);
      col2im();
    },
    col2im() {
      col2im();
    },
    pad() {
      k.f32_pad_nhwc(n, h, w, c, ph, pw, hp, wp, x, xpad);
    },
  };
  const read = (p, len) => be.f32().slice(p >>> 2, (p >>> 2) + len);
  return {
    run,
    pointwise,
    padded,
    transposed,
    result(pass) {
      if (pass === 'fwd') {
        be.f32().fill(NaN, y >>> 2, (y >>> 2) + rows * f);
        run.fwd();
        return read(y, rows * f);
      }
      if (pass === 'dW') {
        be.f32().fill(0, dW >>> 2, (dW >>> 2) + K * f); // beta = 1 accumulates, as in the layer
        run.dW();
        return read(dW, K * f);
      }
      be.f32().fill(NaN, dx >>> 2, (dx >>> 2) + n * h * w * c);
      run.dX();
      return read(dx, n * h * w * c);
    },
    dispose() {
      for (const p of bufs) be.free(p);
    },
  };
}

/** tfjs: the kernels tfjs-layers' Conv2D uses, on tensors created once per shape and backend. */
async function tfjsConv(backendName, s, data) {
  await useBackend(backendName);
  const skip = backendName === 'cpu' && s.flops > CPU_DW_MAX_FLOPS ? { dW: 'skipped (too slow)' } : {};
  const { n, h, w, c, kh, kw, f, oh, ow, pad } = s;
  const x = tf.tensor4d(data.x, [n, h, w, c]);
  const filter = tf.tensor4d(data.w, [kh, kw, c, f]);
  const bias = tf.tensor1d(data.b);
  const dy = tf.tensor4d(data.dy, [n, oh, ow, f]);
  const attrs = { strides: [1, 1], pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  const call = {
    fwd: () => tf.fused.conv2d({ x, filter, strides: 1, pad, bias, activation: 'relu' }),
    dW: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [kh, kw, c, f] }),
    dX: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: [n, h, w, c] }),
  };
  return {
    skip,
    before: () => useBackend(backendName),
    run: Object.fromEntries(
      PASSES.map((p) => [
        p,
        () => {
          // Both backends compute eagerly and synchronously inside the call; no readback.
          call[p]().dispose();
        },
      ]),
    ),
    result(pass) {
      const t = call[pass]();
      const out = Float32Array.from(t.dataSync());
      t.dispose();
      return out;
    },
    dispose() {
      tf.dispose([x, filter, bias, dy]);
    },
  };
}

const LAYER_NAMES = ['simdnn-relaxed', 'simdnn-simd', 'tfjs-wasm', 'tfjs-cpu'];
const layerRes = []; // { shape, per: { [name]: { [pass]: { ms, n, spread, relErr, error } } }, breakdown: { im2col, col2im, pad } }
if (RUN_LAYERS && SHAPES.length) {
  log(`conv2d layer GFLOPS (batch ${CONV_BATCH}): ${SHAPES.map((s) => s.name).join(', ')}`);
  const lbe = {};
  for (const build of ['relaxed', 'simd']) {
    if (build === 'relaxed' && !hasRelaxed) continue;
    lbe[build] = await simdnn.createBackend({ build, seed: SEED });
  }
  for (const [si, s] of SHAPES.entries()) {
    const ts = performance.now();
    const data = {
      x: randomData(s.n * s.h * s.w * s.c, 100 + si, 0, 1),
      w: randomData(s.kh * s.kw * s.c * s.f, 200 + si, -0.3, 0.3),
      b: randomData(s.f, 300 + si, -0.1, 0.1),
      dy: randomData(s.n * s.oh * s.ow * s.f, 400 + si, -1, 1),
    };
    const res = { shape: s, per: {}, breakdown: {} };
    const insts = [];
    for (const name of LAYER_NAMES) {
      res.per[name] = {};
      try {
        let inst;
        if (name.startsWith('simdnn-')) {
          const be = lbe[name.slice(7)];
          if (!be) throw new Error('relaxed SIMD unsupported by this engine');
          inst = simdnnConv(be, s, data);
        } else inst = await tfjsConv(name.slice(5), s, data);
        inst.name = name;
        insts.push(inst);
      } catch (e) {
        for (const p of PASSES) res.per[name][p] = { error: String(e?.message ?? e).split('\n')[0] };
      }
    }
    // Reference results from tfjs-cpu, then a correctness check of every contender and pass.
    const cpu = insts.find((i) => i.name === 'tfjs-cpu');
    for (const pass of PASSES) {
      let ref = null;
      if (cpu && !cpu.skip[pass]) {
        try {
          await cpu.before();
          ref = cpu.result(pass);
        } catch {
          ref = null;
        }
      }
      if (!ref && pass === 'dW') {
        ref = jsConvDW(s, data);
        res.jsRef = true;
      }
      for (const inst of insts) {
        const cell = res.per[inst.name];
        if (inst.skip?.[pass]) {
          cell[pass] = { error: inst.skip[pass] };
          continue;
        }
        try {
          if (inst.before) await inst.before();
          const out = inst.result(pass);
          cell[pass] = { samples: [], relErr: ref ? relError(out, ref) : undefined };
        } catch (e) {
          cell[pass] = { error: `fails: ${String(e?.message ?? e).split('\n')[0]}` };
        }
      }
    }
    // Timing: per pass, round-robin across contenders (rotating start), ~5 ms samples.
    const jobs = [];
    for (const pass of [...PASSES, ...PARTS]) {
      for (const inst of insts) {
        if (PARTS.includes(pass)) {
          if (inst.name !== 'simdnn-relaxed' && inst.name !== 'simdnn-simd') continue;
          if (inst.pointwise || (pass === 'pad' && !inst.padded) || (pass === 'col2im' && inst.transposed)) continue;
          res.breakdown[inst.name] ??= {};
          res.breakdown[inst.name][pass] = { samples: [] };
          jobs.push({ inst, pass, cell: res.breakdown[inst.name][pass] });
        } else if (res.per[inst.name][pass] && !res.per[inst.name][pass].error) {
          jobs.push({ inst, pass, cell: res.per[inst.name][pass] });
        }
      }
    }
    for (const pass of [...PASSES, ...PARTS]) {
      const group = jobs.filter((j) => j.pass === pass);
      for (const j of group) {
        if (j.inst.before) await j.inst.before();
        const fn = j.inst.run[pass];
        const single = [];
        const t0 = performance.now();
        while (single.length < 2 || (performance.now() - t0 < 30 && single.length < 1000)) {
          const t = performance.now();
          fn();
          single.push(performance.now() - t);
          // A slow call (already warm from the correctness check) is its own first sample.
          if (single.length === 1 && single[0] > 100) {
            j.cell.samples.push(single[0]);
            break;
          }
        }
        const perCall = median(single.slice(-Math.min(single.length, 5)));
        j.inner = Math.max(1, Math.ceil(L_SAMPLE_MS / Math.max(perCall, 1e-4)));
        const minSamples = perCall > 100 ? L_MIN_SAMPLES_SLOW : L_MIN_SAMPLES;
        j.target = Math.min(L_MAX_SAMPLES, Math.max(minSamples, Math.ceil(L_MIN_MS / Math.max(j.inner * perCall, 1e-3))));
      }
      const rounds = Math.max(0, ...group.map((j) => j.target));
      for (let r = 0; r < rounds; r++) {
        for (let q = 0; q < group.length; q++) {
          const j = group[(r + q) % group.length];
          if (j.cell.samples.length >= j.target) continue;
          if (j.inst.before) await j.inst.before();
          const fn = j.inst.run[pass];
          const t = performance.now();
          for (let i = 0; i < j.inner; i++) fn();
          j.cell.samples.push((performance.now() - t) / j.inner);
        }
      }
      for (const j of group) {
        j.cell.ms = median(j.cell.samples);
        j.cell.spread = relIqr(j.cell.samples, j.cell.ms);
      }
    }
    for (const inst of insts) inst.dispose();
    layerRes.push(res);
    const brief = ['simdnn-relaxed', 'tfjs-wasm', 'tfjs-cpu']
      .map((nm) => `${nm} fwd ${fmtGf(s.flops, res.per[nm]?.fwd?.ms)}`)
      .join(', ');
    log(`  ${s.name} (${s.note}) ${((performance.now() - ts) / 1000).toFixed(1)} s; GFLOPS: ${brief}`);
  }
  for (const be of Object.values(lbe)) be.dispose();
}

// ------------------------------------------------------------ formatting --

function fmtGf(flops, ms) {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const g = flops / (ms * 1e6);
  return g >= 10 ? g.toFixed(1) : g >= 1 ? g.toFixed(2) : g.toFixed(3);
}
const fmtMs = msFormat();

// ---- training / inference table
const stats = {};
for (const [name, row] of Object.entries(rows)) {
  if (row.error || !row.infer.length) continue;
  const c = row.c;
  const st = {
    infer: c.testN / median(row.infer),
    inferSpread: relIqr(row.infer),
    inferWhole: row.inferWhole ? test.n / median(row.inferWhole) : undefined,
  };
  if (row.train.length) {
    const tMed = median(row.train);
    st.train = row.trainImages / tMed;
    st.trainSpread = relIqr(row.train, tMed);
  }
  stats[name] = st;
}
const ratio = (name, ref, key) => (stats[name]?.[key] !== undefined && stats[ref]?.[key] !== undefined ? stats[name][key] / stats[ref][key] : undefined);

const headers = [
  'Contender',
  'train images/s',
  'vs ConvNetJS',
  'vs tfjs-cpu',
  'inference images/s',
  'vs tfjs-wasm',
  'vs ConvNetJS',
  'test accuracy',
  'timed per round (train / test)',
  'earlier (issue)',
];
const body = [];
for (const [name, row] of Object.entries(rows)) {
  const s = stats[name];
  const earlier = EARLIER[name] ? fmtRate(EARLIER[name]) : '';
  if (!s) {
    body.push([name, `not runnable: ${row.error ?? 'no result'}`, '', '', '', '', '', '', '', earlier]);
    continue;
  }
  const c = row.c;
  let acc = '—';
  if (row.acc !== undefined) {
    const sane = row.acc > 0.2 ? '' : ' NOT LEARNING?';
    if (name === 'tfjs-wasm' && wasmCheck?.donor) acc = `${fmtPct(row.acc)} (${wasmCheck.donor}'s weights)`;
    else acc = `${fmtPct(row.acc)}${sane} (${fmtRate(row.warmImages + row.train.length * row.trainImages)} seen${c.testN < test.n ? `; first ${c.testN} test` : ''})`;
  }
  body.push([
    name,
    s.train !== undefined ? `${fmtRate(s.train)} ${spread(s.trainSpread)}` : row.trainError ?? '—',
    fmtRatio(ratio(name, 'ConvNetJS', 'train')),
    fmtRatio(ratio(name, 'tfjs-cpu', 'train')),
    `${fmtRate(s.infer)} ${spread(s.inferSpread)}`,
    fmtRatio(ratio(name, 'tfjs-wasm', 'infer')),
    fmtRatio(ratio(name, 'ConvNetJS', 'infer')),
    acc,
    `${row.train.length ? row.trainImages : '—'} / ${c.testN}`,
    earlier,
  ]);
}
const tbl = table(headers, body, ['l']);

// ---- conv layer tables
const shortPass = { fwd: 'fwd', dW: 'dW', dX: 'dX', bwd: 'bwd (dW+dX)' };
const lrows = [];
for (const res of layerRes) {
  const s = res.shape;
  for (const pass of [...PASSES, 'bwd']) {
    const cell = (nm) => {
      const per = res.per[nm];
      if (!per) return { error: 'not run' };
      if (pass === 'bwd') {
        if (per.dW?.error || per.dX?.error) return { error: per.dW?.error ?? per.dX?.error };
        if (per.dW?.ms === undefined || per.dX?.ms === undefined) return { error: 'not run' };
        return { ms: per.dW.ms + per.dX.ms, flops: 2 * s.flops };
      }
      return per[pass]?.error ? { error: per[pass].error } : { ...per[pass], flops: s.flops };
    };
    lrows.push({ res, s, pass, cells: Object.fromEntries(LAYER_NAMES.map((nm) => [nm, cell(nm)])) });
  }
}
const gf = (c) => (c?.ms !== undefined ? c.flops / (c.ms * 1e6) : undefined);
const shortErr = (e) => (/not registered/.test(e) ? 'fails: kernel not registered' : e);
const lHeaders = ['Layer (batch 32)', 'pass', ...LAYER_NAMES, 'relaxed / tfjs-wasm', 'simd / tfjs-wasm', 'relaxed / tfjs-cpu'];
const lBody = lrows.map(({ s, pass, cells }) => [
  `${s.name}: ${s.note}`,
  shortPass[pass],
  ...LAYER_NAMES.map((nm) => (cells[nm].error ? shortErr(cells[nm].error) : fmtGf(cells[nm].flops, cells[nm].ms))),
  fmtRatio(gf(cells['simdnn-relaxed']) / gf(cells['tfjs-wasm'])),
  fmtRatio(gf(cells['simdnn-simd']) / gf(cells['tfjs-wasm'])),
  fmtRatio(gf(cells['simdnn-relaxed']) / gf(cells['tfjs-cpu'])),
]);
const lTbl = table(lHeaders, lBody, ['l', 'l']);

const checkCell = (res, pass) => {
  const errs = ['simdnn-relaxed', 'simdnn-simd', 'tfjs-wasm']
    .map((nm) => res.per[nm]?.[pass]?.relErr)
    .filter((e) => e !== undefined);
  if (!errs.length) return '—';
  const worst = Math.max(...errs);
  return `${worst <= TOLERANCE ? 'ok' : 'MISMATCH'} ${worst.toExponential(0)}${pass === 'dW' && res.jsRef ? ' (vs plain JS)' : ''}`;
};
const tHeaders = ['Layer (batch 32)', 'pass', 'MFLOP', ...LAYER_NAMES, 'pad / col2im (relaxed)', 'check vs tfjs-cpu'];
const tBody = lrows
  .filter((r) => r.pass !== 'bwd')
  .map(({ res, s, pass, cells }) => {
    const bd = res.breakdown['simdnn-relaxed'];
    let share = '—';
    if (s.kh === 1 && s.kw === 1) share = 'none (1x1: one GEMM)';
    else if (pass === 'fwd' || pass === 'dW') share = bd?.pad?.ms && cells['simdnn-relaxed'].ms ? `pad ${fmtMs(bd.pad.ms)} (${fmtPct(bd.pad.ms / cells['simdnn-relaxed'].ms)})` : 'none (input read in place)';
    else if (pass === 'dX' && !bd?.col2im) share = 'none (dy convolved with the flipped kernel)';
    else if (bd && pass === 'dX' && cells['simdnn-relaxed'].ms) share = `col2im ${fmtMs(bd.col2im?.ms)} (${fmtPct(bd.col2im?.ms / cells['simdnn-relaxed'].ms)})`;
    return [
      `${s.name}`,
      shortPass[pass],
      (s.flops / 1e6).toFixed(1),
      ...LAYER_NAMES.map((nm) => (cells[nm].error ? '—' : `${fmtMs(cells[nm].ms)} ${spread(cells[nm].spread)}`)),
      share,
      checkCell(res, pass),
    ];
  });
const tTbl = table(tHeaders, tBody, ['l', 'l']);

// What the LeNet training step costs in conv kernels alone (from the layer table), and how much of that is col2im.
let convShare = null;
{
  const c1 = layerRes.find((r) => r.shape.name === 'LeNet conv1');
  const c2 = layerRes.find((r) => r.shape.name === 'LeNet conv2');
  for (const build of ['relaxed', 'simd']) {
    const nm = `simdnn-${build}`;
    const p1 = c1?.per[nm];
    const p2 = c2?.per[nm];
    const b1 = c1?.breakdown[nm];
    const b2 = c2?.breakdown[nm];
    if (!p1?.fwd?.ms || !p1?.dW?.ms || !p2?.fwd?.ms || !p2?.dW?.ms || !p2?.dX?.ms || !stats[nm]?.train) continue;
    if (!b2?.col2im?.ms) continue;
    // conv1 is the first layer: the model skips its dX. Forward and dW read the input in place
    // (no columns); only conv2's dX builds a column gradient and scatters it back (col2im).
    const ms = p1.fwd.ms + p1.dW.ms + p2.fwd.ms + p2.dW.ms + p2.dX.ms;
    const colMs = b2.col2im.ms;
    const stepMs = (1000 * BATCH) / stats[nm].train;
    const fwdMs = p1.fwd.ms + p2.fwd.ms;
    const inferStepMs = (1000 * BATCH) / stats[nm].infer;
    convShare ??= [];
    convShare.push(
      `${nm}: a 32-digit trainOnBatch step takes ${fmtMs(stepMs)} (from the table above); the conv kernels it runs (conv1 forward + dW, conv2 forward + dW + dX, timed apart in the layer tables below) take ${fmtMs(ms)} of it (${fmtPct(ms / stepMs)}), of which col2im (conv2's dX) ${fmtMs(colMs)} (${fmtPct(colMs / stepMs)} of the step; no pass builds a column matrix of the input). Inference takes ${fmtMs(inferStepMs)} per 32 digits; the two conv forwards ${fmtMs(fwdMs)} of it (${fmtPct(fwdMs / inferStepMs)}; they read their input in place, no columns; timed apart, unfused; predict fuses each with its max pooling), the rest is the dense layer and copying digits in and out`,
    );
  }
}

const totalSec = (performance.now() - tStart) / 1000;
const run = runInfo(import.meta.url);

// Issue targets: simdnn training >= 5,000 images/s (>= 25x ConvNetJS), inference >= 1.5x tfjs-wasm.
const verdict = (ok, miss) => (ok ? 'pass' : `not met, ${miss}`);
const targetLines = [];
for (const nm of ['simdnn-relaxed', 'simdnn-simd', 'simdnn-relaxed fit()', 'simdnn-simd fit()']) {
  const s = stats[nm];
  if (!s) continue;
  const parts = [];
  if (s.train !== undefined) {
    parts.push(`training ${fmtRate(s.train)} images/s (target ≥ ${fmtRate(TARGET_TRAIN)}: ${verdict(s.train >= TARGET_TRAIN, `${fmtPct(1 - s.train / TARGET_TRAIN)} short`)})`);
    const vc = ratio(nm, 'ConvNetJS', 'train');
    if (vc !== undefined) parts.push(`${fmtRatio(vc)} ConvNetJS (target ≥ ${TARGET_VS_CONVNET}×: ${verdict(vc >= TARGET_VS_CONVNET, `${fmtPct(1 - vc / TARGET_VS_CONVNET)} short`)})`);
  }
  const vw = ratio(nm, 'tfjs-wasm', 'infer');
  if (vw !== undefined) {
    parts.push(
      `inference ${fmtRate(s.infer)} images/s = ${fmtRatio(vw)} tfjs-wasm (target ≥ ${TARGET_INFER_VS_TFJS_WASM}×, i.e. ≥ ${fmtRate(TARGET_INFER_VS_TFJS_WASM * stats['tfjs-wasm'].infer)} images/s in this run, the issue estimated about ${fmtRate(TARGET_INFER_ABS)}: ${verdict(vw >= TARGET_INFER_VS_TFJS_WASM, `${fmtPct(1 - vw / TARGET_INFER_VS_TFJS_WASM)} short`)})`,
    );
  }
  targetLines.push(`${nm}: ${parts.join('; ')}`);
}
const warnings = [];
if (tfLeak) warnings.push(`tfjs: ${tfLeak} more live tensors after the rounds than before them`);
for (const [name, row] of Object.entries(rows)) {
  if (row.acc !== undefined && row.acc <= 0.2) warnings.push(`${name}: test accuracy ${fmtPct(row.acc)} is not above chance`);
}
for (const res of layerRes) {
  for (const nm of ['simdnn-relaxed', 'simdnn-simd', 'tfjs-wasm']) {
    for (const p of PASSES) {
      const e = res.per[nm]?.[p]?.relErr;
      if (e !== undefined && !(e <= TOLERANCE)) warnings.push(`${nm} ${res.shape.name} ${p} differs from tfjs-cpu: max rel. error ${e.toExponential(2)}`);
    }
  }
}
if (wasmCheck?.error) warnings.push(`tfjs-wasm with simdnn's weights failed: ${wasmCheck.error}`);

const wholeList = Object.entries(stats)
  .filter(([, st]) => st.inferWhole !== undefined)
  .map(([nm, st]) => `${nm} ${fmtRate(st.inferWhole)} images/s${rows[nm].accWhole !== undefined ? '' : ''}`);

const versions = [
  `simdnn ${gitDescribe()}`,
  `@tensorflow/tfjs-core ${tf.version_core}, tfjs-layers ${pkgVersion('@tensorflow/tfjs-layers')}, tfjs-backend-wasm ${tfwasm.version_wasm} (SIMD: ${tfWasmSimd ? 'yes' : 'no'}, threads: ${tfWasmThreads ? 'yes' : 'no'}), tfjs-backend-cpu ${pkgVersion('@tensorflow/tfjs-backend-cpu')}`,
  `convnetjs ${pkgVersion('convnetjs')}`,
  `mnist ${pkgVersion('mnist')}`,
];

const cpuC = CONTENDERS.find((c) => c.name === 'tfjs-cpu');
const cnC = CONTENDERS.find((c) => c.name === 'ConvNetJS');
const wasmTrainError = rows['tfjs-wasm']?.trainError;
const notes = [
  `Workload (issue 4): LeNet-style CNN on 28x28x1 MNIST digits: conv 5x5x8 relu (valid) → maxpool 2 → conv 5x5x16 relu (valid) → maxpool 2 → flatten → dense 10 softmax (5,994 parameters), categorical cross-entropy, plain SGD with learning rate ${LR} for every library, batch ${BATCH}, on the first ${train.n} of ${DATA.total} digits of the \`mnist\` package (pixels in [0, 1], seeded shuffle); the next ${test.n} are held out for inference and accuracy.`,
  `Method: every contender is built, then warmed up untimed (training on successive chunks of whole batches until ${(WARM_MS / 1000).toFixed(1)} s have passed, at least one chunk, and one prediction). Then ${ROUNDS} rounds: in each round every contender in turn (the starting contender rotates) trains on its next training digits (timed; pre-sliced batches in order, no shuffling; a contender's cursor moves on through the training set from round to round and restarts at its beginning when the next chunk does not fit) and then predicts its test digits (timed). Throughput is images / median time over the rounds; ±x% is half the interquartile range of the per-round times relative to the median. "vs" columns divide the contender's throughput by the reference's (> 1 means faster).`,
  `Images per round: simdnn ${roundDown(N_TRAIN)} training digits (one full pass) and ${test.n} test digits; ${cpuC ? `tfjs-cpu only ${cpuC.trainN} training digits (${cpuC.trainN / BATCH} batches; it trains at only 10-20 images/s) and the first ${cpuC.testN} test digits` : 'tfjs-cpu not run'}; ${cnC ? `ConvNetJS ${cnC.trainN} training digits (${cnC.trainN / BATCH} batches) and the first ${cnC.testN} test digits` : 'ConvNetJS not run'}; tfjs-wasm does not train and predicts all ${test.n}. Fewer images per round only shortens the run: every contender's per-image cost does not depend on the number of batches.`,
  `Test accuracy: argmax of the last round's predictions (chance is 10%), after the training digits shown (warm-up plus timed rounds; the slow contenders see far fewer). It is a sanity check that every contender really trains, not a comparison of the libraries. tfjs-wasm cannot train this model (${wasmTrainError ?? 'see its row'}), so after the rounds it is given ${wasmCheck?.donor ? `${wasmCheck.donor}'s` : "simdnn's"} trained weights (same kernel layout [kh, kw, inC, filters] and NHWC flatten order) and predicts the ${test.n} test digits again, untimed${wasmCheck?.donor ? `: its argmax agrees with ${wasmCheck.donor}'s on ${fmtPct(wasmCheck.agree)} of them, max |Δp| ${wasmCheck.maxDiff.toExponential(1)}` : ''}.`,
  `simdnn: \`sequential({ seed, backend, layers: [conv2d 8 5x5 relu, maxPooling2d 2, conv2d 16 5x5 relu, maxPooling2d 2, flatten, dense 10 softmax] })\` on its own \`createBackend({ build })\`, \`compile({ optimizer: optimizers.sgd({ learningRate: ${LR} }), loss: 'categoricalCrossentropy' })\`. The plain rows call \`model.trainOnBatch(x, y)\` once per batch on pre-sliced Float32Array views (the same protocol as tfjs); the "fit()" rows run \`await model.fit(x, y, { epochs: 1, batchSize: ${BATCH}, shuffle: false })\` per pass on the whole flat arrays. Inference: \`model.predict(x, { batchSize: ${PREDICT_BATCH} })\` on the whole flat test array, \`dataSync()\` copy-out, \`dispose()\`. Convolution forward passes are an implicit GEMM that reads each output pixel's window in place through a table of tap offsets (no column matrix), with bias and relu fused into the micro-kernel; the filter gradient reads the input in place the same way; the input gradient is GEMM + col2im; the first conv layer computes no input gradient. Training runs every layer apart (max pooling keeps argmax indices for backward); predict fuses each conv layer with the 2x2 max pooling after it (\`f32_conv2d_igemm_maxpool2_nhwc\`: a micro-tile is one pooling window's four conv pixels, and only their max is stored). Weights start glorot-uniform with zero biases (seeded). simdnn-relaxed uses relaxed-SIMD fused multiply-add; simdnn-simd is deterministic.`,
  `TensorFlow.js Layers: \`tf.sequential\` with the same layers (tfjs-layers' Conv2D runs \`tf.fused.conv2d\` with bias and relu), \`compile({ optimizer: tf.train.sgd(${LR}), loss: 'categoricalCrossentropy' })\`, \`await model.trainOnBatch(xb, yb)\` per batch on [32, 28, 28, 1] tensors created beforehand in the active backend, inference with \`model.predictOnBatch(xb)\` + \`dataSync()\` + \`dispose()\` per ${PREDICT_BATCH}-digit tensor sliced beforehand; prod mode; glorot-uniform weights. On the wasm backend one \`trainOnBatch\` is tried before the rounds: ${wasmTrainError ?? 'it trained'} (tfjs-backend-wasm ${tfwasm.version_wasm} registers Conv2D and Conv2DBackpropInput but no Conv2DBackpropFilter, so no conv weight gradient). tfjs-wasm convolutions run XNNPACK (single-threaded in Node: threads ${tfWasmThreads ? 'yes' : 'no'}, SIMD ${tfWasmSimd ? 'yes' : 'no'}), which keeps its packed copy of the filter per filter tensor between calls. The one-call \`model.predict(x, { batchSize: ${PREDICT_BATCH} })\` on the whole ${test.n}-digit tensor was timed too: ${wholeList.join(', ') || 'not measured'} (it slices x inside the timed call); the table uses the pre-sliced figure, the faster one. tfjs-cpu runs its plain-JS kernels. The wasm and cpu models live in the same tfjs engine; the backend is switched before each of their turns, outside the timed region.`,
  `ConvNetJS: \`layer_defs\` input 28x28x1, conv sx 5 filters 8 stride 1 pad 0 relu, pool sx 2 stride 2, conv sx 5 filters 16 stride 1 pad 0 relu, pool sx 2 stride 2, softmax 10 (which adds its own fc 10), \`new Trainer(net, { method: 'sgd', batch_size: ${BATCH}, learning_rate: ${LR}, momentum: 0, l2_decay: 0 })\` (its default momentum is 0.9; 0 makes it plain SGD), \`trainer.train(vol, label)\` per digit (forward and backward per digit on Float64Array volumes with direct convolution loops, gradients accumulated and averaged over ${BATCH} digits per update); inference \`net.forward(vol)\` per digit. Input volumes are built beforehand. Weights start gaussian with std sqrt(1/fan-in), ReLU-layer biases 0.1.`,
  `Conv layer GFLOPS: one conv layer at batch ${CONV_BATCH} on random data, each pass timed apart; FLOPs = 2·N·OH·OW·F·KH·KW·C per pass (forward, dW and dX each; "bwd (dW+dX)" adds the two medians and counts twice the FLOPs). simdnn: the raw kernel calls its Conv layer makes, on buffers already in wasm memory: forward = \`f32_conv2d_igemm_nhwc\` (bias and relu fused), an implicit GEMM whose micro-tiles gather 5 output pixels anywhere in the batch and read their windows in place through a table of tap offsets (no column matrix; a padded layer first makes a zero-bordered copy with \`f32_pad_nhwc\`, timed in the "pad" column), dW = \`f32_conv2d_filter_grad_nhwc\` (colsᵀ · dy with the input read in place: micro-tiles of 5 taps, the k loop over output pixels through a table of their window corners; beta 1, accumulating as in the layer; after the same zero-bordered copy when padded) + \`f32_colsum\` (bias gradient), dX = \`f32_gemm\` transB + \`f32_col2im_nhwc\`, or for a stride-1 'same' layer (3x3 same) \`f32_conv2d_igemm_nhwc\` on dy with a zero border (\`f32_pad_nhwc\`) and the kernel rotated and transposed (\`f32_conv2d_kernel_flip\`; no column gradient; a 'valid' layer would multiply its zero border too, h·w/(oh·ow) times the FLOPs, so LeNet's layers keep col2im); a 1x1 stride-1 unpadded conv is one \`f32_gemm\` per pass on the input as it is (no im2col/col2im). The relu gradient mask (one elementwise pass) is not included. tfjs: \`tf.fused.conv2d({ x, filter, bias, activation: 'relu' })\`, and the \`Conv2DBackpropFilter\` / \`Conv2DBackpropInput\` kernels via \`tf.engine().runKernel\` (what the conv2d gradient calls), output disposed without readback (both backends compute eagerly and synchronously). Samples of about ${L_SAMPLE_MS} ms, round-robin across contenders per pass, ≥ ${L_MIN_SAMPLES} samples and ≥ ${L_MIN_MS} ms each (≥ ${L_MIN_SAMPLES_SLOW} samples for calls over 100 ms); medians. Every result is first checked against tfjs-cpu (max |x − ref| / max |ref| ≤ ${TOLERANCE}; for dW on the shapes where tfjs-cpu's is skipped, against a plain-JS direct convolution with float64 sums). tfjs-cpu's Conv2DBackpropFilter runs at about 0.01 GFLOPS (a naive loop nest): it is only timed on shapes up to ${CPU_DW_MAX_FLOPS / 1e6} MFLOP (it took about 5 s and 25 s per call on the 1x1 and 3x3 shapes in a trial run); this kernel is why tfjs-cpu trains the LeNet at only 10-20 images/s. tfjs-wasm's XNNPACK forward on the two larger shapes varied between processes in trial runs: usually 30-34 GFLOPS, but in two of four full runs (never when the layer section ran alone, \`CNN_ONLY=none\`) one of them ran at about half that (3x3 at 14.6 in one run, 1x1 at 18.6 in another), stable within the run (±1%); so the forward ratios on those rows can swing by about 2× from run to run, while simdnn's figures stayed within about 10%.`,
  `CPU profile (issue 4, first session): im2col was the largest cost after the GEMM, mostly LeNet conv1's (one input channel, so every column row was gathered as runs of 5 floats). Reading windows in place (implicit GEMM) first for one-channel layers made conv1's forward about 3.3x faster; extended to every layer with micro-tiles that cross output rows, it made conv2's forward about 1.3x faster (its im2col took 20% of the layer). The filter gradient read its columns from an im2col matrix until this session too (conv1's took 400 µs of a 2.2 ms training step); reading the input in place made training about 1.2x faster. Dropping the argmax bookkeeping in predict took max pooling after conv1 from 81 to 42 µs per 32 digits, and fusing it into the conv kernel removed the rest, along with the store of conv1's output (predict went from about 825 to 600 µs per 32 digits in all, the SIMD build).`,
  `Single process, one thread each; the machine is shared and noisy (other jobs run at the same time), so compare ratios rather than absolute numbers. "earlier (issue)" is the training throughput the issue quotes for these peers, measured earlier on this kind of machine.`,
];

const md = [
  '## CNN training and inference (LeNet on 28x28 MNIST, batch 32)',
  '',
  `Generated by \`bench/cnn.mjs\` on ${run.stamp} (run took ${totalSec.toFixed(0)} s).`,
  '',
  ...runMdLines(run),
  ...versions.map((v) => `- ${v}`),
  '',
  tbl.md,
  '',
  ...targetLines.map((l) => `- Issue target: ${l}.`),
  ...(convShare ?? []).map((l) => `- Where the time goes: ${l}.`),
  ...warnings.map((l) => `- Warning: ${l}.`),
  ...(targetLines.length || warnings.length || convShare ? [''] : []),
  ...(layerRes.length
    ? [
        '### conv2d layer throughput (GFLOPS, higher is better)',
        '',
        lTbl.md,
        '',
        '### conv2d median time per call',
        '',
        tTbl.md,
        '',
      ]
    : []),
  ...notes.map((n) => `- ${n}`),
].join('\n');

const text = [
  '',
  ...runTextLines('CNN', run),
  ...versions,
  '',
  `LeNet (conv5x5x8 relu, pool 2, conv5x5x16 relu, pool 2, dense 10 softmax), SGD lr ${LR}, batch ${BATCH}; medians of ${ROUNDS} interleaved rounds (±half IQR)`,
  tbl.text,
  '',
  ...targetLines,
  ...(convShare ?? []),
  ...warnings.map((l) => `WARNING: ${l}`),
  ...(layerRes.length ? ['', `conv2d layer GFLOPS, batch ${CONV_BATCH} (FLOPs = 2·N·OH·OW·F·KH·KW·C per pass)`, lTbl.text, '', 'conv2d median time per call', tTbl.text] : []),
  '',
  `total run time ${totalSec.toFixed(1)} s`,
].join('\n');
console.log(text);

if (process.env.CNN_NO_WRITE !== '1') writeResultsBlock('cnn', md, 'CNN');
