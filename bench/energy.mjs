// Energy-based models benchmark: RBM CD-1 training (784 visible, 128 hidden,
// batch 64, MNIST digits) in samples per second, and Hopfield recall at
// N = 1024 in recalls per second. simdnn (each wasm build) runs side by side
// with a plain TypeScript-style implementation of the same algorithms (below,
// in this file: Float32Array loops, no wasm) and, for the RBM, with CD-1
// written on TensorFlow.js ops (wasm and cpu backends).
//
// Writes its own subsection of bench/RESULTS.md, between `<!-- energy:begin -->`
// and `<!-- energy:end -->`, below `<!-- end of generated section -->` (the part
// above that line belongs to bench/gemm.mjs and is never touched).
//
// Run after `npm run build`:
//   node --experimental-wasm-relaxed-simd bench/energy.mjs
//
// Environment knobs (all optional):
//   ENERGY_MIN_MS     minimum measured time per contender (default 1500)
//   ENERGY_ROWS       MNIST rows per RBM epoch (default 2048)
//   ENERGY_NO_TFJS=1  leave out the TensorFlow.js contenders
//   ENERGY_NO_WRITE=1 do not write bench/RESULTS.md

import { performance } from 'node:perf_hooks';

import { describeMachine, envNumber, fmtRate as fmtRateN, importDist, log, msFormat, setupTfjs, table, utcStamp, writeResultsBlock } from './common.mjs';

const MIN_MS = envNumber('ENERGY_MIN_MS', 1500);
const ROWS = envNumber('ENERGY_ROWS', 2048);
const WITH_TFJS = process.env.ENERGY_NO_TFJS !== '1';
const V = 784;
const H = 128;
const BATCH = 64;
const LR = 0.05;
const MOMENTUM = 0.5;
const N = 1024;
const PATTERNS = 64;
const PROBES = 32;
const tStart = performance.now();

const simdnn = await importDist('node.js');

// ------------------------------------------------------------- helpers --

/** Runs fn until MIN_MS and at least `min` samples; returns the median ms per call and the sample count. */
async function measure(fn, min = 5) {
  await fn(); // warm-up
  const times = [];
  const t0 = performance.now();
  while (times.length < min || performance.now() - t0 < MIN_MS) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
    if (times.length >= 200) break;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], samples: times.length };
}

/** xorshift32: the plain implementations' random numbers. */
function xorshift(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Rates with two significant digits ("7.2k", "30k"); times with two decimals up to 100 ms and in ms beyond 1 s. */
const fmtRate = (x) => fmtRateN(x, 2);
const fmtMs = msFormat({ twoDecimalsBelow: 100, seconds: false });

// ------------------------------------------------------- plain RBM CD-1 --

/**
 * CD-1 exactly as RBM.fit runs it (h0 = p(h|x), hs ~ h0, v1 = p(v|hs) as
 * means, h1 = p(h|v1), gradient (v1ᵀh1 − xᵀh0)/m, momentum update), in
 * Float32Array loops ordered for contiguous inner loops.
 */
class PlainRBM {
  constructor(seed) {
    const rand = xorshift(seed);
    this.rand = xorshift(seed + 1);
    this.W = new Float32Array(V * H);
    for (let i = 0; i < V * H; i++) {
      // Box-Muller, std 0.01.
      this.W[i] = 0.01 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    }
    this.b = new Float32Array(V);
    this.c = new Float32Array(H);
    this.mW = new Float32Array(V * H);
    this.mb = new Float32Array(V);
    this.mc = new Float32Array(H);
    this.h0 = new Float32Array(BATCH * H);
    this.hs = new Float32Array(BATCH * H);
    this.v1 = new Float32Array(BATCH * V);
    this.h1 = new Float32Array(BATCH * H);
    this.gW = new Float32Array(V * H);
  }

  // out (m x H) = sigmoid(x W + c)
  hidden(x, xo, m, out) {
    const { W, c } = this;
    for (let r = 0; r < m; r++) {
      const o = r * H;
      out.set(c, o);
      for (let i = 0; i < V; i++) {
        const xv = x[xo + r * V + i];
        const wr = i * H;
        for (let j = 0; j < H; j++) out[o + j] += xv * W[wr + j];
      }
      for (let j = 0; j < H; j++) out[o + j] = 1 / (1 + Math.exp(-out[o + j]));
    }
  }

  // out (m x V) = sigmoid(h Wᵀ + b)
  visible(h, m, out) {
    const { W, b } = this;
    for (let r = 0; r < m; r++) {
      for (let i = 0; i < V; i++) {
        let a = b[i];
        const wr = i * H;
        for (let j = 0; j < H; j++) a += h[r * H + j] * W[wr + j];
        out[r * V + i] = 1 / (1 + Math.exp(-a));
      }
    }
  }

  step(x, xo, m) {
    const { h0, hs, v1, h1, gW, W, b, c, mW, mb, mc } = this;
    this.hidden(x, xo, m, h0);
    for (let k = 0; k < m * H; k++) hs[k] = this.rand() < h0[k] ? 1 : 0;
    this.visible(hs, m, v1);
    this.hidden(v1, 0, m, h1);
    gW.fill(0);
    for (let r = 0; r < m; r++) {
      for (let i = 0; i < V; i++) {
        const a = v1[r * V + i];
        const d = x[xo + r * V + i];
        const wr = i * H;
        for (let j = 0; j < H; j++) gW[wr + j] += a * h1[r * H + j] - d * h0[r * H + j];
      }
    }
    const s = 1 / m;
    for (let k = 0; k < V * H; k++) {
      mW[k] = MOMENTUM * mW[k] - LR * gW[k] * s;
      W[k] += mW[k];
    }
    for (let i = 0; i < V; i++) {
      let g = 0;
      for (let r = 0; r < m; r++) g += v1[r * V + i] - x[xo + r * V + i];
      mb[i] = MOMENTUM * mb[i] - LR * g * s;
      b[i] += mb[i];
    }
    for (let j = 0; j < H; j++) {
      let g = 0;
      for (let r = 0; r < m; r++) g += h1[r * H + j] - h0[r * H + j];
      mc[j] = MOMENTUM * mc[j] - LR * g * s;
      c[j] += mc[j];
    }
  }

  epoch(x, rows) {
    for (let start = 0; start < rows; start += BATCH) this.step(x, start * V, Math.min(BATCH, rows - start));
  }
}

// ------------------------------------------------- TensorFlow.js CD-1 --

async function tfjsContenders() {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfwasm = await import('@tensorflow/tfjs-backend-wasm');
  const { wasmOk, simd, threads } = await setupTfjs(tf, tfwasm, { required: false });
  const make = (backend) => ({
    name: `tfjs-${backend}`,
    async setup(x) {
      await tf.setBackend(backend);
      const batches = [];
      for (let s = 0; s < ROWS; s += BATCH) batches.push(tf.tensor2d(x.subarray(s * V, Math.min(ROWS, s + BATCH) * V), [Math.min(BATCH, ROWS - s), V]));
      const W = tf.variable(tf.randomNormal([V, H], 0, 0.01, 'float32', 1));
      const b = tf.variable(tf.zeros([V]));
      const c = tf.variable(tf.zeros([H]));
      const mW = tf.variable(tf.zeros([V, H]));
      const mb = tf.variable(tf.zeros([V]));
      const mc = tf.variable(tf.zeros([H]));
      let seed = 1;
      const step = (xb) => tf.tidy(() => {
        const m = xb.shape[0];
        const h0 = tf.sigmoid(tf.add(tf.matMul(xb, W), c));
        const hs = tf.cast(tf.less(tf.randomUniform(h0.shape, 0, 1, 'float32', seed++), h0), 'float32');
        const v1 = tf.sigmoid(tf.add(tf.matMul(hs, W, false, true), b));
        const h1 = tf.sigmoid(tf.add(tf.matMul(v1, W), c));
        const gW = tf.mul(tf.sub(tf.matMul(v1, h1, true, false), tf.matMul(xb, h0, true, false)), 1 / m);
        const gb = tf.mul(tf.sub(tf.sum(v1, 0), tf.sum(xb, 0)), 1 / m);
        const gc = tf.mul(tf.sub(tf.sum(h1, 0), tf.sum(h0, 0)), 1 / m);
        mW.assign(tf.sub(tf.mul(mW, MOMENTUM), tf.mul(gW, LR)));
        mb.assign(tf.sub(tf.mul(mb, MOMENTUM), tf.mul(gb, LR)));
        mc.assign(tf.sub(tf.mul(mc, MOMENTUM), tf.mul(gc, LR)));
        W.assign(tf.add(W, mW));
        b.assign(tf.add(b, mb));
        c.assign(tf.add(c, mc));
      });
      return {
        async epoch() {
          await tf.setBackend(backend);
          for (const xb of batches) step(xb);
          W.dataSync();
        },
        weights: () => ({ weights: W.dataSync().slice(), visibleBias: b.dataSync().slice(), hiddenBias: c.dataSync().slice() }),
        dispose() {
          for (const t of [...batches, W, b, c, mW, mb, mc]) t.dispose();
        },
      };
    },
  });
  return { tf, tfwasm, simd, threads, list: [...(wasmOk ? [make('wasm')] : []), make('cpu')] };
}

// ------------------------------------------------------ plain Hopfield --

/** The textbook Hopfield recall: one dot product per visited unit (async), one matrix-vector product per step (sync). */
class PlainHopfield {
  constructor(patterns) {
    this.W = new Float32Array(N * N);
    for (const x of patterns) {
      for (let i = 0; i < N; i++) {
        const xi = x[i] / N;
        for (let j = 0; j < N; j++) if (i !== j) this.W[i * N + j] += xi * x[j];
      }
    }
    this.rand = xorshift(7);
    this.order = Int32Array.from({ length: N }, (_, i) => i);
  }

  async(probe) {
    const s = Float32Array.from(probe);
    const { W, order } = this;
    for (let sweep = 1; sweep <= 100; sweep++) {
      for (let i = N - 1; i > 0; i--) {
        const j = Math.floor(this.rand() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      let changed = 0;
      for (let t = 0; t < N; t++) {
        const i = order[t];
        let net = 0;
        const row = i * N;
        for (let j = 0; j < N; j++) net += W[row + j] * s[j];
        const v = net >= 0 ? 1 : -1;
        if (v !== s[i]) {
          s[i] = v;
          changed++;
        }
      }
      if (changed === 0) return s;
    }
    return s;
  }

  sync(probe) {
    let s = Float32Array.from(probe);
    let prev = null;
    const { W } = this;
    for (let sweep = 1; sweep <= 100; sweep++) {
      const next = new Float32Array(N);
      for (let i = 0; i < N; i++) {
        let net = 0;
        const row = i * N;
        for (let j = 0; j < N; j++) net += W[row + j] * s[j];
        next[i] = net >= 0 ? 1 : -1;
      }
      const same = next.every((v, i) => v === s[i]);
      const cycle = prev && next.every((v, i) => v === prev[i]);
      prev = s;
      s = next;
      if (same || cycle) return s;
    }
    return s;
  }
}

// ---------------------------------------------------------------- main --

const hasRelaxed = simdnn.engineSupports('relaxed');
const builds = ['relaxed', 'simd', 'scalar'].filter((b) => b !== 'relaxed' || hasRelaxed);
const backends = {};
for (const build of builds) backends[build] = await simdnn.createBackend({ build, seed: 1 });
const evalBackend = backends.simd ?? backends.scalar;

const { train } = simdnn.loadMnist({ trainSize: Math.min(ROWS, 10000), testSize: 0 });
const x = train.x.subarray(0, ROWS * V);

/** Reconstruction error of weights after the timed epochs, measured the same way for everyone. */
function reconError(w) {
  const rbm = new simdnn.RBM({ visible: V, hidden: H, seed: 1, backend: evalBackend });
  rbm.setWeights(w);
  const e = rbm.reconstructionError(x.subarray(0, 512 * V));
  rbm.dispose();
  return e;
}

log(`RBM CD-1 ${V}x${H}, batch ${BATCH}, ${ROWS} rows per epoch`);
const rbmRows = [];
for (const build of builds) {
  const rbm = new simdnn.RBM({ visible: V, hidden: H, seed: 1, backend: backends[build] });
  const opts = { epochs: 1, batchSize: BATCH, k: 1, learningRate: LR, momentum: MOMENTUM, monitorRows: 0, initVisibleBias: false };
  const r = await measure(() => rbm.fit(x, opts));
  rbmRows.push({ name: `simdnn-${build}`, ...r, error: reconError(rbm.getWeights()) });
  log(`  simdnn-${build}: ${fmtMs(r.ms)} per epoch`);
  rbm.dispose();
}
{
  const plain = new PlainRBM(1);
  const r = await measure(() => plain.epoch(x, ROWS), 3);
  rbmRows.push({ name: 'plain TS (Float32Array loops)', ...r, error: reconError({ weights: plain.W, visibleBias: plain.b, hiddenBias: plain.c }) });
  log(`  plain: ${fmtMs(r.ms)} per epoch`);
}
let tfInfo = null;
if (WITH_TFJS) {
  const { tf, tfwasm, simd, threads, list } = await tfjsContenders();
  tfInfo = `TensorFlow.js core ${tf.version_core}, backend-wasm ${tfwasm.version_wasm} (SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'})`;
  for (const c of list) {
    const inst = await c.setup(x);
    const r = await measure(() => inst.epoch(), 3);
    rbmRows.push({ name: c.name, ...r, error: reconError(inst.weights()) });
    log(`  ${c.name}: ${fmtMs(r.ms)} per epoch`);
    inst.dispose();
  }
}
const plainRate = ROWS / (rbmRows.find((r) => r.name.startsWith('plain')).ms / 1000);
const rbmTable = table(
  ['contender', 'samples/s', 'ms per epoch', 'vs plain TS', 'recon. error after', 'epochs run'],
  rbmRows.map((r) => {
    const rate = ROWS / (r.ms / 1000);
    return [r.name, fmtRate(rate), fmtMs(r.ms), `${(rate / plainRate).toFixed(1)}×`, r.error.toFixed(4), r.samples + 1];
  }),
);

log(`Hopfield N = ${N}, ${PATTERNS} Hebbian patterns, probes with 10% of the units flipped`);
const rand = xorshift(3);
const patterns = Array.from({ length: PATTERNS }, () => Float32Array.from({ length: N }, () => (rand() < 0.5 ? -1 : 1)));
const probes = Array.from({ length: PROBES }, (_, p) => patterns[p].map((v) => (rand() < 0.1 ? -v : v)));
const hopRows = [];
const correct = (states) => states.filter((s, p) => s.every((v, i) => v === patterns[p][i])).length;
for (const build of builds) {
  const net = new simdnn.Hopfield({ size: N, seed: 1, backend: backends[build] });
  net.store(patterns);
  for (const mode of ['async', 'sync']) {
    let sweeps = 0;
    let out = [];
    const r = await measure(() => {
      out = probes.map((p) => net.recall(p, { mode, maxSweeps: 100 }));
    }, 3);
    sweeps = out.reduce((a, o) => a + o.sweeps, 0) / out.length;
    hopRows.push({ name: `simdnn-${build}`, mode, ms: r.ms / PROBES, samples: r.samples, sweeps, ok: correct(out.map((o) => o.state)) });
  }
  log(`  simdnn-${build} done`);
  net.dispose();
}
{
  const plain = new PlainHopfield(patterns);
  for (const mode of ['async', 'sync']) {
    let out = [];
    const r = await measure(() => {
      out = probes.map((p) => plain[mode](p));
    }, 3);
    hopRows.push({ name: 'plain TS (dot per unit)', mode, ms: r.ms / PROBES, samples: r.samples, sweeps: NaN, ok: correct(out) });
  }
  log('  plain done');
}
const hopTable = table(
  ['contender', 'mode', 'recalls/s', 'time per recall', 'vs plain TS', 'mean sweeps', 'exact recalls'],
  hopRows.map((r) => {
    const plain = hopRows.find((p) => p.name.startsWith('plain') && p.mode === r.mode);
    return [r.name, r.mode, fmtRate(1000 / r.ms), fmtMs(r.ms), `${(plain.ms / r.ms).toFixed(1)}×`, Number.isFinite(r.sweeps) ? r.sweeps.toFixed(1) : '—', `${r.ok}/${PROBES}`];
  }),
);

const totalSec = (performance.now() - tStart) / 1000;
const machine = describeMachine({ short: true });
const md = [
  '## Energy-based models (`bench/energy.mjs`)',
  '',
  `Generated on ${utcStamp()} (run took ${totalSec.toFixed(0)} s); ${machine}; Node ${process.version}.${tfInfo ? ` ${tfInfo}.` : ''}`,
  '',
  `### RBM CD-1 training, ${V} visible x ${H} hidden, batch ${BATCH} (higher samples/s is better)`,
  '',
  rbmTable.md,
  '',
  `- One epoch = ${ROWS} MNIST digits in ${Math.ceil(ROWS / BATCH)} CD-1 updates (learning rate ${LR}, momentum ${MOMENTUM}); median of the timed epochs after one warm-up epoch.`,
  '- simdnn: `RBM.fit(x, { epochs: 1, batchSize: 64, k: 1 })`, everything included (shuffling, copying each batch into wasm memory, 5 GEMMs with fused sigmoid, Bernoulli sampling, column sums, momentum updates).',
  '- plain TS: the same algorithm in this file, Float32Array loops with contiguous inner loops, Math.exp sigmoids, xorshift sampling.',
  '- tfjs: the same CD-1 step on `tf.matMul` / `tf.sigmoid` / `tf.randomUniform` inside `tf.tidy`, weights in `tf.variable`s; batches created once outside the timed region.',
  '- "recon. error after" is the reconstruction error (mean squared, per pixel) of each contender\'s weights on 512 digits after all its timed epochs, computed by the same code for everyone: a check that each implementation learns (contenders ran different numbers of epochs).',
  '',
  `### Hopfield recall, N = ${N}, ${PATTERNS} Hebbian patterns (α ≈ ${(PATTERNS / N).toFixed(3)}), probes with 10% of the units flipped`,
  '',
  hopTable.md,
  '',
  '- A recall runs from the probe until a fixed point (or a 2-cycle in sync mode); async sweeps visit the units in a new random order each sweep.',
  '- simdnn async keeps every unit\'s net input up to date and pays one SIMD axpy per flip (an exact dot product only for near-ties), so a sweep without flips costs O(N); sync is one GEMM (state row times W, −θ fused as bias) per step.',
  '- plain TS: the textbook loops, a full dot product of a weight row for every visited unit (async) and a matrix-vector product per step (sync).',
  '',
  'Figures are medians on a shared, noisy machine: compare ratios rather than absolute numbers.',
].join('\n');

console.log([
  '',
  `RBM CD-1 ${V}x${H}, batch ${BATCH}`,
  rbmTable.text,
  '',
  `Hopfield recall, N = ${N}, ${PATTERNS} patterns`,
  hopTable.text,
  '',
  `total run time ${totalSec.toFixed(1)} s`,
].join('\n'));

if (process.env.ENERGY_NO_WRITE !== '1') writeResultsBlock('energy', md);
for (const be of Object.values(backends)) be.dispose();
