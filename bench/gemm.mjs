// GEMM benchmark: simdnn (relaxed / simd / scalar builds) against TensorFlow.js
// (wasm and cpu backends) and a plain-JS triple loop, plus cold start and
// artifact sizes. Writes bench/RESULTS.md (only the part above the marker
// line; anything below `<!-- end of generated section -->` is kept).
//
// Run: npm run bench   (builds first), or, against an existing dist/:
//      node --experimental-wasm-relaxed-simd bench/gemm.mjs
//
// Environment knobs (all optional):
//   BENCH_MIN_MS      minimum total measured time per contender per shape (default 200)
//   BENCH_SAMPLE_MS   target duration of one sample; fast calls are batched (default 2)
//   BENCH_COLD_RUNS   cold-start runs per variant (default 15)
//   BENCH_SHAPES      comma-separated substrings; only shapes whose name matches run
//   BENCH_TOLERANCE   relative error allowed against tfjs-cpu (default 1e-3)
//   BENCH_NO_WRITE=1  do not write bench/RESULTS.md

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

import * as tf from '@tensorflow/tfjs-core';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';

import { DIST, envNumber, fmtRatio, fmtSpread, gitDescribe, importDist, log, median, msFormat, randomData, relError, relIqr, runInfo, runMdLines, runTextLines, selectByName, setupTfjs, table, writeResultsHead } from './common.mjs';

const INDEX_URL = pathToFileURL(path.join(DIST, 'index.js')).href;

const MIN_MS = envNumber('BENCH_MIN_MS', 200);
const SAMPLE_MS = envNumber('BENCH_SAMPLE_MS', 2);
const COLD_RUNS = envNumber('BENCH_COLD_RUNS', 15);
const MIN_SAMPLES = 7;
const MAX_SAMPLES = 200;
const WARM_MS = 30;
const TOLERANCE = envNumber('BENCH_TOLERANCE', 1e-3);

const tStart = performance.now();
const loadStart = os.loadavg()[0];
const simdnn = await importDist('index.js', ' (or `npm run bench`)');

// ---------------------------------------------------------------- shapes --

const SQUARE = [64, 128, 256, 512, 1024];
/** A GEMM shape: C (m x n) = op(A) (m x k) * op(B) (k x n). */
function shape(name, group, m, n, k, tA = 0, tB = 0) {
  const a = tA ? `(${k}x${m})^T` : `${m}x${k}`;
  const b = tB ? `(${n}x${k})^T` : `${k}x${n}`;
  return { name, group, m, n, k, tA, tB, expr: `${a} · ${b}`, flops: 2 * m * n * k };
}
const SHAPES = selectByName([
  ...SQUARE.map((s) => shape(`square ${s}`, 'square', s, s, s)),
  // MLP 784-128-10, batch 64: forward, weight gradient dW = X^T·dY, input gradient dX = dY·W^T.
  shape('fc1 fwd X·W', 'mlp', 64, 128, 784),
  shape('fc1 dW X^T·dY', 'mlp', 784, 128, 64, 1, 0),
  shape('fc1 dX dY·W^T', 'mlp', 64, 784, 128, 0, 1),
  shape('fc2 fwd X·W', 'mlp', 64, 10, 128),
  shape('fc2 dW X^T·dY', 'mlp', 128, 10, 64, 1, 0),
  shape('fc2 dX dY·W^T', 'mlp', 64, 128, 10, 0, 1),
], 'BENCH_SHAPES');
const maxDim = (s) => Math.max(s.m, s.n, s.k);

// ------------------------------------------------------------ tfjs setup --

const { simd: tfWasmSimd, threads: tfWasmThreads, useBackend } = await setupTfjs(tf, tfwasm);
await useBackend('cpu');

// ------------------------------------------------------------ contenders --

const hasRelaxed = simdnn.engineSupports('relaxed');
const backends = {};
for (const build of ['relaxed', 'simd', 'scalar']) {
  if (build === 'relaxed' && !hasRelaxed) continue;
  backends[build] = await simdnn.createBackend({ build, seed: 1 });
}

/** simdnn: raw f32_gemm on buffers already in wasm memory; the timed region is the kernel call only. */
function simdnnContender(build) {
  return {
    name: `simdnn-${build}`,
    applies: () => build in backends,
    setup(s, A, B) {
      const be = backends[build];
      const { m, n, k, tA, tB } = s;
      const a = be.alloc(A.length * 4);
      const b = be.alloc(B.length * 4);
      const c = be.alloc(m * n * 4);
      const work = be.gemmWorkspace(m, n, k); // before taking f32() views: may grow memory
      const f = be.f32();
      f.set(A, a >>> 2);
      f.set(B, b >>> 2);
      const lda = tA ? m : k;
      const ldb = tB ? k : n;
      const gemm = be.abi.f32_gemm;
      return {
        run(iters) {
          for (let i = 0; i < iters; i++) gemm(tA, tB, 0, m, n, k, a, lda, b, ldb, 0, c, n, 1, 0, 0, work);
        },
        result() {
          be.f32().fill(NaN, c >>> 2, (c >>> 2) + m * n); // beta = 0 must not read C
          gemm(tA, tB, 0, m, n, k, a, lda, b, ldb, 0, c, n, 1, 0, 0, work);
          return be.f32().slice(c >>> 2, (c >>> 2) + m * n);
        },
        dispose() {
          be.free(a);
          be.free(b);
          be.free(c);
        },
      };
    },
  };
}

/**
 * simdnn: the `matmul` op as a user calls it on tensors made once per shape:
 * argument checks, output allocation, the GEMM (the packed B is kept with b
 * from the second call on), a zero-copy view() of the result and dispose().
 */
function simdnnOpContender(build) {
  return {
    name: `simdnn-${build} op`,
    applies: () => build in backends,
    setup(s, A, B) {
      const be = backends[build];
      const a = simdnn.tensor(A, s.tA ? [s.k, s.m] : [s.m, s.k], 'float32', be);
      const b = simdnn.tensor(B, s.tB ? [s.n, s.k] : [s.k, s.n], 'float32', be);
      const opts = { transposeA: !!s.tA, transposeB: !!s.tB };
      const matmul = simdnn.matmul;
      return {
        run(iters) {
          for (let i = 0; i < iters; i++) {
            const c = matmul(a, b, opts);
            c.view();
            c.dispose();
          }
        },
        result() {
          const c = matmul(a, b, opts);
          const out = c.toFloat32Array();
          c.dispose();
          return out;
        },
        dispose() {
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

/** tfjs: tf.matMul + dataSync() (forces completion; includes copying the output out) + dispose; with `read` false, tf.matMul + dispose (the wasm backend computes eagerly). */
function tfjsContender(backend, applies, read = true) {
  return {
    name: `tfjs-${backend}${read ? '' : ' no read'}`,
    applies,
    async setup(s, A, B) {
      await useBackend(backend);
      const a = tf.tensor2d(A, s.tA ? [s.k, s.m] : [s.m, s.k]);
      const b = tf.tensor2d(B, s.tB ? [s.n, s.k] : [s.k, s.n]);
      const tA = !!s.tA;
      const tB = !!s.tB;
      return {
        before: () => useBackend(backend),
        run(iters) {
          for (let i = 0; i < iters; i++) {
            const c = tf.matMul(a, b, tA, tB);
            if (read) c.dataSync();
            c.dispose();
          }
        },
        result() {
          const c = tf.matMul(a, b, tA, tB);
          const out = Float32Array.from(c.dataSync());
          c.dispose();
          return out;
        },
        dispose() {
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

/** Plain JS: C = op(A)·op(B), straightforward i-k-j triple loop on Float32Array. */
function jsGemm(tA, tB, m, n, k, a, b, c) {
  c.fill(0);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = tA ? a[p * m + i] : a[i * k + p];
      if (tB) {
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[j * k + p];
      } else {
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
  }
}
const jsContender = {
  name: 'plain JS',
  applies: (s) => s.group === 'mlp' || maxDim(s) <= 256,
  setup(s, A, B) {
    const a = Float32Array.from(A);
    const b = Float32Array.from(B);
    const c = new Float32Array(s.m * s.n);
    const { m, n, k, tA, tB } = s;
    return {
      run(iters) {
        for (let i = 0; i < iters; i++) jsGemm(tA, tB, m, n, k, a, b, c);
      },
      result() {
        jsGemm(tA, tB, m, n, k, a, b, c);
        return c.slice();
      },
      dispose() {},
    };
  },
};

const CONTENDERS = [
  simdnnContender('relaxed'),
  simdnnOpContender('relaxed'),
  simdnnContender('simd'),
  simdnnOpContender('simd'),
  simdnnContender('scalar'),
  tfjsContender('wasm', () => true),
  tfjsContender('wasm', () => true, false),
  tfjsContender('cpu', (s) => s.group === 'mlp' || maxDim(s) <= 512),
  jsContender,
];
const NAMES = CONTENDERS.map((c) => c.name);

// ------------------------------------------------------------ measuring --

async function referenceResult(s, A, B) {
  await useBackend('cpu');
  const a = tf.tensor2d(A, s.tA ? [s.k, s.m] : [s.m, s.k]);
  const b = tf.tensor2d(B, s.tB ? [s.n, s.k] : [s.k, s.n]);
  const c = tf.matMul(a, b, !!s.tA, !!s.tB);
  const out = Float32Array.from(c.dataSync());
  tf.dispose([a, b, c]);
  return out;
}

/** Warm up (>= 2 calls and >= WARM_MS), then choose the batch size and sample count. */
async function calibrate(inst) {
  if (inst.before) await inst.before();
  const single = [];
  const t0 = performance.now();
  while (single.length < 2 || (performance.now() - t0 < WARM_MS && single.length < 10000)) {
    const t = performance.now();
    inst.run(1);
    single.push(performance.now() - t);
  }
  const perCall = median(single.slice(-Math.min(single.length, 9)));
  inst.inner = Math.max(1, Math.ceil(SAMPLE_MS / Math.max(perCall, 1e-4)));
  const sampleMs = inst.inner * perCall;
  inst.target = Math.min(MAX_SAMPLES, Math.max(MIN_SAMPLES, Math.ceil(MIN_MS / Math.max(sampleMs, 1e-3))));
  inst.samples = [];
}

async function benchShape(s, seed) {
  const A = randomData(s.tA ? s.k * s.m : s.m * s.k, seed);
  const B = randomData(s.tB ? s.n * s.k : s.k * s.n, seed + 1);
  const ref = await referenceResult(s, A, B);
  const res = { shape: s, per: {}, warnings: [] };
  const live = [];
  for (const c of CONTENDERS) {
    if (!c.applies(s)) continue;
    try {
      const inst = await c.setup(s, A, B);
      inst.name = c.name;
      if (inst.before) await inst.before();
      const err = relError(inst.result(), ref);
      res.per[c.name] = { relErr: err };
      if (!(err <= TOLERANCE)) {
        res.warnings.push(`${c.name} differs from tfjs-cpu on ${s.name} (${s.expr}): max rel. error ${err.toExponential(2)} > ${TOLERANCE}`);
      }
      live.push(inst);
    } catch (e) {
      res.per[c.name] = { error: String(e?.message ?? e) };
      res.warnings.push(`${c.name} failed on ${s.name}: ${e?.message ?? e}`);
    }
  }
  for (const inst of live) await calibrate(inst);
  // Round-robin: one sample of every unfinished contender per round, rotating who goes first.
  const rounds = Math.max(0, ...live.map((i) => i.target));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < live.length; j++) {
      const inst = live[(r + j) % live.length];
      if (inst.samples.length >= inst.target) continue;
      if (inst.before) await inst.before();
      const t = performance.now();
      inst.run(inst.inner);
      inst.samples.push((performance.now() - t) / inst.inner);
    }
  }
  for (const inst of live) {
    const med = median(inst.samples);
    Object.assign(res.per[inst.name], {
      ms: med,
      gflops: s.flops / (med * 1e6),
      spread: relIqr(inst.samples, med),
      n: inst.samples.length,
      inner: inst.inner,
    });
    inst.dispose();
  }
  return res;
}

// ------------------------------------------------------------ cold start --

function timeSpawn(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`child failed (${args.join(' ')}): ${r.stderr || r.error}`);
  return { ms, out: r.stdout };
}

function coldStart() {
  const bare = ['-e', '0'];
  const code =
    `import {init,tensor,matmul} from '${INDEX_URL}'; await init(); ` +
    `const a=tensor([[1,2],[3,4]]); matmul(a,a).dispose();`;
  const withSimdnn = ['--input-type=module', '-e', code];
  // Which build does a plain `node` child pick? (outside the timed runs)
  const info = timeSpawn([
    '--input-type=module',
    '-e',
    `import {init} from '${INDEX_URL}'; console.log((await init()).build);`,
  ]).out.trim();
  for (let i = 0; i < 2; i++) {
    timeSpawn(bare);
    timeSpawn(withSimdnn);
  }
  const a = [];
  const b = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    if (i % 2 === 0) {
      a.push(timeSpawn(bare).ms);
      b.push(timeSpawn(withSimdnn).ms);
    } else {
      b.push(timeSpawn(withSimdnn).ms);
      a.push(timeSpawn(bare).ms);
    }
  }
  const paired = median(a.map((x, i) => b[i] - x));
  return { bare: median(a), simdnn: median(b), paired, build: info, runs: COLD_RUNS, code };
}

// ------------------------------------------------------------ sizes --

function sizes() {
  return ['simdnn.wasm', 'simdnn-relaxed.wasm', 'simdnn-scalar.wasm', 'index.js'].map((f) => {
    const p = path.join(DIST, f);
    if (!fs.existsSync(p)) return { file: `dist/${f}`, missing: true };
    const buf = fs.readFileSync(p);
    const simd = f === 'simdnn.wasm' || f === 'simdnn-relaxed.wasm';
    return { file: `dist/${f}`, bytes: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length, target: simd ? 64 * 1024 : null };
  });
}

// ------------------------------------------------------------ formatting --

function fmtG(x) {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
const fmtMs = msFormat({ microDecimals: 1, seconds: false });
const fmtKiB = (b) => `${(b / 1024).toFixed(1)} KiB`;
const fmtSigned = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;

// ------------------------------------------------------------ main --

log(`simdnn GEMM bench: ${SHAPES.length} shapes; contenders: ${CONTENDERS.filter((c) => !c.name.startsWith('simdnn-relaxed') || hasRelaxed).map((c) => c.name).join(', ')}`);
if (!hasRelaxed) log('note: this engine cannot run relaxed SIMD (run node with --experimental-wasm-relaxed-simd); simdnn-relaxed is skipped');

const results = [];
SHAPES.forEach((s, i) => (s.seed = 1000 + 7 * i));
for (const s of SHAPES) {
  const t = performance.now();
  const r = await benchShape(s, s.seed);
  results.push(r);
  const parts = NAMES.filter((nm) => r.per[nm]?.gflops !== undefined).map((nm) => `${nm} ${fmtG(r.per[nm].gflops)}`);
  log(`  ${s.name.padEnd(15)} ${(((performance.now() - t) / 1000).toFixed(1) + ' s').padStart(7)}  GFLOPS: ${parts.join(', ')}`);
  for (const w of r.warnings) log(`  WARNING: ${w}`);
}

log('cold start...');
const cold = coldStart();
const sz = sizes();
const totalSec = (performance.now() - tStart) / 1000;
const loadEnd = os.loadavg()[0];
const cores = os.cpus().length;
const loadLine = `1-minute load average ${loadStart.toFixed(2)} at the start and ${loadEnd.toFixed(2)} at the end of the run on ${cores} cores; this run accounts for about 1${Math.max(loadStart, loadEnd) > 1.5 ? ', so other work was sharing the cores (the other core was busy): absolute times are noisy, ratios of interleaved contenders less so' : ''}.`;

// Columns actually used: the main tables show the raw kernels and the peers; the op table the matmul op beside them.
const OP_BUILDS = ['relaxed', 'simd'].filter((b) => results.some((r) => r.per[`simdnn-${b} op`]));
const isOpCol = (nm) => nm.endsWith(' op') || nm.endsWith(' no read');
const allCols = NAMES.filter((nm) => results.some((r) => r.per[nm]));
const cols = allCols.filter((nm) => !isOpCol(nm));
const ratioCols = ['simdnn-relaxed', 'simdnn-simd'].filter((nm) => cols.includes(nm));
const ratioOf = (r, nm) => {
  const x = r.per[nm]?.gflops;
  const y = r.per['tfjs-wasm']?.gflops;
  return x !== undefined && y !== undefined ? x / y : undefined;
};

// MLP training step: the six GEMMs of one forward + backward pass (sum of medians).
const mlp = results.filter((r) => r.shape.group === 'mlp');
let mlpRow = null;
if (mlp.length === 6) {
  const flops = mlp.reduce((acc, r) => acc + r.shape.flops, 0);
  const per = {};
  for (const nm of allCols) {
    if (mlp.every((r) => r.per[nm]?.ms !== undefined)) {
      const ms = mlp.reduce((acc, r) => acc + r.per[nm].ms, 0);
      per[nm] = { ms, gflops: flops / (ms * 1e6) };
    }
  }
  mlpRow = { shape: { name: 'MLP step (6 GEMMs)', expr: 'sum of the six fc rows', flops }, per };
}

const gRows = [];
const tRows = [];
const warnRows = [];
for (const r of [...results, ...(mlpRow ? [mlpRow] : [])]) {
  gRows.push([
    r.shape.name,
    r.shape.expr,
    ...cols.map((nm) => (r.per[nm]?.error ? 'error' : fmtG(r.per[nm]?.gflops))),
    ...ratioCols.map((nm) => fmtRatio(ratioOf(r, nm), 2)),
  ]);
  const errs = allCols.map((nm) => r.per[nm]?.relErr).filter((e) => e !== undefined);
  tRows.push([
    r.shape.name,
    ...cols.map((nm) => {
      const p = r.per[nm];
      if (!p) return '—';
      if (p.error) return 'error';
      return p.spread === undefined ? fmtMs(p.ms) : `${fmtMs(p.ms)} ${fmtSpread(p.spread)} (${p.n})`;
    }),
    errs.length ? `${errs.every((e) => e <= TOLERANCE) ? 'ok' : 'FAIL'} ${Math.max(...errs).toExponential(0)}` : '—',
  ]);
  for (const w of r.warnings ?? []) {
    warnRows.push(w);
    gRows.push(`!! WARNING: ${w}`);
    tRows.push(`!! WARNING: ${w}`);
  }
}
const ratioHead = ratioCols.map((nm) => `${nm.replace('simdnn-', '')} / tfjs-wasm`);

// The op against its kernel (time ratio: 1.00 is no overhead) and against tf.matMul (speed ratio: > 1 is simdnn faster).
const timeRatio = (r, x, y) => (r.per[x]?.ms !== undefined && r.per[y]?.ms !== undefined ? r.per[x].ms / r.per[y].ms : undefined);
const oRows = [...results, ...(mlpRow ? [mlpRow] : [])].map((r) => [
  r.shape.name,
  ...OP_BUILDS.flatMap((b) => [
    r.per[`simdnn-${b}`]?.ms === undefined ? '—' : fmtMs(r.per[`simdnn-${b}`].ms),
    r.per[`simdnn-${b} op`]?.ms === undefined ? '—' : fmtMs(r.per[`simdnn-${b} op`].ms),
    fmtRatio(timeRatio(r, `simdnn-${b} op`, `simdnn-${b}`), 3),
  ]),
  r.per['tfjs-wasm no read']?.ms === undefined ? '—' : fmtMs(r.per['tfjs-wasm no read'].ms),
  ...OP_BUILDS.flatMap((b) => [fmtRatio(timeRatio(r, 'tfjs-wasm no read', `simdnn-${b} op`), 2), fmtRatio(timeRatio(r, 'tfjs-wasm', `simdnn-${b} op`), 2)]),
]);
const oTable = table(
  [
    'Shape',
    ...OP_BUILDS.flatMap((b) => [`${b} kernel`, `${b} op`, `${b} op / kernel`]),
    'tfjs-wasm matMul (no read)',
    ...OP_BUILDS.flatMap((b) => [`tfjs no read / ${b} op`, `tfjs + dataSync / ${b} op`]),
  ],
  oRows,
);
const gTable = table(['Shape', 'op(A) · op(B)', ...cols, ...ratioHead], gRows, ['l', 'l']);
const tTable = table(['Shape', ...cols, 'check vs tfjs-cpu'], tRows);

const coldTable = table(
  ['Variant', 'median wall time', 'vs bare node', 'median paired diff', 'target'],
  [
    ['`node -e 0`', fmtMs(cold.bare), '—', '—', ''],
    [
      `import simdnn + init() + 2x2 matmul (build: ${cold.build})`,
      fmtMs(cold.simdnn),
      `${fmtSigned(cold.simdnn - cold.bare)} ms`,
      `${fmtSigned(cold.paired)} ms`,
      `≤ +25 ms: ${cold.simdnn - cold.bare <= 25 ? 'pass' : 'FAIL'}`,
    ],
  ],
  ['l', 'r', 'r', 'r', 'l'],
);
const sizeTable = table(
  ['File', 'bytes', 'KiB', 'gzip -9', 'target'],
  sz.map((f) =>
    f.missing
      ? [f.file, 'missing', '', '', '']
      : [f.file, String(f.bytes), fmtKiB(f.bytes), fmtKiB(f.gzip), f.target ? `< 64 KiB: ${f.bytes < f.target ? 'pass' : 'FAIL'}` : ''],
  ),
  ['l', 'r', 'r', 'r', 'l'],
);

const run = runInfo(import.meta.url);

const notes = [
  'GFLOPS = 2·m·n·k / median time per call; ratio columns are simdnn GFLOPS / tfjs-wasm GFLOPS (> 1 means simdnn is faster). simdnn-relaxed uses relaxed-SIMD fused multiply-add (not bit-reproducible across engines); simdnn-simd and simdnn-scalar are deterministic.',
  'simdnn: the timed region is only the raw `abi.f32_gemm` call (inputs already in wasm memory, workspace preallocated, alpha = 1, beta = 0, no bias, identity activation).',
  `tfjs timings include the \`tf.matMul(a, b, transposeA, transposeB)\` dispatch, output allocation, \`dataSync()\` of the output (a copy out) and \`dispose()\`; inputs are created once per shape per backend, outside the timed region. tfjs runs in prod mode.`,
  `tfjs-wasm (SIMD: ${tfWasmSimd ? 'yes' : 'no'}, threads: ${tfWasmThreads ? 'yes' : 'no'}) runs XNNPACK's fully-connected operator only when neither operand is transposed, and caches that operator, with its packed copy of B, per B tensor: repeated calls on the same B skip the packing that simdnn does on every call. With transposeA or transposeB it falls back to a blocked scalar loop (\`slow_batch_matmul\` in tfjs-backend-wasm 4.22), which is what a tfjs user gets for those shapes.`,
  `tfjs-cpu only runs up to n = 512 and on the MLP shapes; plain JS (i-k-j triple loop on Float32Array, strided inner loop for transposed B) only up to n = 256 and on the MLP shapes.`,
  'MLP shapes: a 784-128-10 network at batch 64; dW = X^T·dY uses transposeA (A stored k x m), dX = dY·W^T uses transposeB (B stored n x k). "MLP step" sums the medians of the six.',
  `Correctness is checked once per shape before timing: max |x - ref| / max |ref| ≤ ${TOLERANCE} against tfjs-cpu (simdnn's output buffer is NaN-filled first, so beta = 0 must not read C).`,
];
const timeNote = `Cells: median time per call ±half the interquartile range (number of samples); fast calls are batched ${SAMPLE_MS} ms per sample, ≥ ${MIN_SAMPLES} samples and ≥ ${MIN_MS} ms per contender and shape.`;
const noisy = 'Figures are medians of interleaved (round-robin) runs on a shared, noisy machine: compare ratios rather than absolute numbers.';

const md = [
  '# simdnn benchmark results',
  '',
  `Generated by \`bench/gemm.mjs\` on ${run.stamp} (run took ${totalSec.toFixed(0)} s).`,
  '',
  ...runMdLines(run, ' (`npm run bench` builds first, then runs this)'),
  `- simdnn ${gitDescribe()}; builds: ${Object.keys(backends).join(', ')}${hasRelaxed ? '' : ' (relaxed SIMD unsupported by this engine)'}`,
  `- TensorFlow.js core ${tf.version_core}, backend-wasm ${tfwasm.version_wasm}, backend-cpu ${version_cpu}`,
  `- ${loadLine}`,
  '',
  noisy,
  '',
  '## GEMM throughput (GFLOPS, higher is better)',
  '',
  gTable.md,
  '',
  ...notes.map((n) => `- ${n}`),
  '',
  '## GEMM median time per call',
  '',
  tTable.md,
  '',
  timeNote,
  '',
  '## The matmul op against the raw kernel and tf.matMul',
  '',
  oTable.md,
  '',
  '- op: `matmul(a, b, { transposeA, transposeB })` on simdnn tensors made once per shape, then a zero-copy `view()` of the result and `dispose()` (argument checks, output allocation and, from the second call on, the packed B kept with b). kernel: the raw `abi.f32_gemm` call above, which packs B on every call. op / kernel is a time ratio (1.00: no overhead).',
  '- tfjs no read: `tf.matMul(a, b, transposeA, transposeB)` + `dispose()` on tfjs-wasm, which computes eagerly; the tfjs ratios are speed ratios (> 1: the simdnn op is faster). "tfjs + dataSync" divides the tfjs-wasm column of the tables above (which copies the output out) by the op, which does not: it flatters simdnn by the copy.',
  '',
  '## Cold start',
  '',
  coldTable.md,
  '',
  `Wall-clock time of \`spawnSync\` in the parent (process.hrtime), medians of ${cold.runs} runs each, interleaved (alternating which goes first), after 2 warm-up runs each; the target applies to the difference of the medians, the paired column is the median of the per-pair differences. The simdnn child runs \`node --input-type=module -e "${cold.code.replace(INDEX_URL, '<dist/index.js>')}"\`.`,
  '',
  '## Artifact sizes',
  '',
  sizeTable.md,
  '',
].join('\n');

const text = [
  '',
  ...runTextLines('GEMM', run),
  '',
  'GEMM throughput (GFLOPS, higher is better; ratios = simdnn / tfjs-wasm)',
  gTable.text,
  '',
  'Median time per call (±half IQR, samples)',
  tTable.text,
  '',
  'The matmul op (matmul + view() + dispose) against the raw kernel (time ratio) and tf.matMul on tfjs-wasm (speed ratios)',
  oTable.text,
  '',
  'tfjs timings include matMul dispatch + dataSync() copy-out + dispose; simdnn timings are the raw kernel call only.',
  '',
  'Cold start',
  coldTable.text,
  '',
  'Sizes',
  sizeTable.text,
  '',
  noisy,
  loadLine,
  ...(warnRows.length ? ['', 'WARNINGS:', ...warnRows.map((w) => `  ${w}`)] : []),
  '',
  `total run time ${totalSec.toFixed(1)} s`,
].join('\n');
console.log(text);

if (process.env.BENCH_NO_WRITE !== '1') writeResultsHead(md);

for (const be of Object.values(backends)) be.dispose();
