// Plumbing shared by the benchmark scripts (gemm.mjs, mlp.mjs, cnn.mjs,
// energy.mjs): paths, logging, environment knobs, seeded random numbers, the
// raw MNIST digits, statistics, number formatting, tables, run descriptions,
// TensorFlow.js backend setup and the writers of bench/RESULTS.md.
//
// Nothing here measures anything: every timed region stays in the scripts.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..');
export const DIST = path.join(ROOT, 'dist');
export const RESULTS = path.join(HERE, 'RESULTS.md');
/** bench/gemm.mjs owns RESULTS.md above this line; the other scripts keep their blocks below it. */
export const MARKER = '<!-- end of generated section -->';
/** `require` resolving from bench/ (JSON data files, CommonJS-only libraries, package.json lookups). */
export const require = createRequire(import.meta.url);

/** Progress and diagnostics go to stderr; stdout carries only the result tables. */
export const log = (...a) => console.error(...a);

/** Imports dist/<file> (as built by `npm run build`), or exits with a hint when it is missing. */
export async function importDist(file = 'index.js', hint = '') {
  const p = path.join(DIST, file);
  if (!fs.existsSync(p)) {
    console.error(`dist/${file} is missing: run \`npm run build\` first${hint}.`);
    process.exit(1);
  }
  return import(pathToFileURL(p).href);
}

// ------------------------------------------------------------ environment --

/** A numeric knob: process.env[name] as a number, `fallback` when unset or empty. */
export const envNumber = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name]));

/** A comma-separated knob as a list of trimmed, non-empty strings ([] when unset). */
export const envList = (name) => (process.env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** The items whose `name` contains one of the substrings listed in process.env[envName]; all of them when it lists none. */
export function selectByName(items, envName) {
  const want = envList(envName);
  return want.length ? items.filter((it) => want.some((w) => it.name.includes(w))) : items;
}

// ----------------------------------------------------------------- random --

/** mulberry32: deterministic uniform [0, 1). */
export function rng(seed) {
  let st = seed >>> 0;
  return () => {
    st = (st + 0x6d2b79f5) >>> 0;
    let t = st;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `len` deterministic uniform floats in [lo, hi) (mulberry32). */
export function randomData(len, seed, lo = -1, hi = 1) {
  const r = rng(seed);
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

// ------------------------------------------------------------------ MNIST --

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;

/**
 * The digits of the `mnist` package (raw `{ data: number[] }`, 784 pixels in
 * [0, 1] per digit, row-major 28x28), shuffled with a seeded Fisher-Yates,
 * split into the first nTrain for training and the next nTest for testing.
 * Each part: { n, x (n x 784), y (labels), oneHot (n x 10) }. `knobs` and
 * `noun` only word the error when the package has too few digits.
 */
export function loadDigits({ nTrain, nTest, seed, knobs, noun = 'samples' }) {
  const IN = MNIST_PIXELS;
  const OUT = MNIST_CLASSES;
  const xs = [];
  const ys = [];
  for (let d = 0; d < 10; d++) {
    const file = require.resolve(`mnist/src/digits/${d}.json`);
    const { data } = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!Array.isArray(data) || data.length % IN !== 0) throw new Error(`${file}: expected { data: number[] } of 784-pixel samples`);
    for (let i = 0; i < data.length; i += IN) {
      xs.push(data.slice(i, i + IN));
      ys.push(d);
    }
  }
  const total = ys.length;
  if (nTrain + nTest > total) throw new Error(`the mnist package has ${total} ${noun}, fewer than ${knobs}`);
  const order = Array.from({ length: total }, (_, i) => i);
  const rand = rng(seed);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const pick = (from, n) => {
    const x = new Float32Array(n * IN);
    const y = new Int32Array(n);
    const oneHot = new Float32Array(n * OUT);
    for (let i = 0; i < n; i++) {
      const r = order[from + i];
      x.set(xs[r], i * IN);
      y[i] = ys[r];
      oneHot[i * OUT + ys[r]] = 1;
    }
    return { n, x, y, oneHot };
  };
  return { train: pick(0, nTrain), test: pick(nTrain, nTest), total };
}

/** Fraction of the first n rows of `out` (n x 10 scores, any array type) whose argmax is the label in `labels`. */
export function accuracy(out, labels, n = labels.length) {
  const OUT = MNIST_CLASSES;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < OUT; k++) if (out[i * OUT + k] > out[i * OUT + best]) best = k;
    if (best === labels[i]) ok++;
  }
  return ok / n;
}

// ------------------------------------------------------------- statistics --

/** Linear-interpolated quantile (NaN for no samples). */
export function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export const median = (xs) => quantile(xs, 0.5);
/** Interquartile range relative to the median (shown as ±half of it by fmtSpread). */
export const relIqr = (xs, med = median(xs)) => (quantile(xs, 0.75) - quantile(xs, 0.25)) / med;

/** Max |x - ref| relative to max |ref|; NaN anywhere counts as a failure. */
export function relError(x, ref) {
  if (x.length !== ref.length) return Infinity;
  let scale = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    const d = Math.abs(x[i] - ref[i]);
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : d;
  }
  return err / Math.max(scale, 1e-30);
}

// ------------------------------------------------------------- formatting --

const missing = (x) => x === undefined || !Number.isFinite(x);

/**
 * A rate: "812", "19.9", "1.86k", "25.0k", "111k" (about `sig` significant
 * digits from 1000 up: 3 by default; 2 gives "7.2k", "30k").
 */
export function fmtRate(x, sig = 3) {
  if (missing(x)) return '—';
  if (x >= 1e3) return `${(x / 1000).toFixed(Math.max(0, sig - (x >= 1e5 ? 3 : x >= 1e4 ? 2 : 1)))}k`;
  return x.toFixed(x >= 100 ? 0 : 1);
}

/** A ratio: "1.97×", "17.5×" (one decimal from 10 up), or always `digits` decimals when given ("21.67×"). */
export const fmtRatio = (x, digits) => (missing(x) ? '—' : `${x.toFixed(digits ?? (x >= 10 ? 1 : 2))}×`);
export const fmtPct = (x) => `${(100 * x).toFixed(1)}%`;
/** A relative IQR as "±x%" (half the interquartile range relative to the median). */
export const fmtSpread = (x) => `±${(50 * x).toFixed(0)}%`;

/**
 * A formatter for milliseconds: µs below 1 ms ("412 µs"; `microDecimals`
 * decimals below 0.1 ms), 2 decimals below `twoDecimalsBelow` ms, then 1
 * decimal below 100 ms and none above ("1.53 ms", "12.4 ms", "362 ms"), and
 * seconds from 1000 ms ("1.23 s") unless `seconds` is false.
 */
export function msFormat({ microDecimals = 0, twoDecimalsBelow = 10, seconds = true } = {}) {
  return (ms) => {
    if (missing(ms)) return '—';
    if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.1 ? microDecimals : 0)} µs`;
    if (seconds && ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
    return `${ms.toFixed(ms < twoDecimalsBelow ? 2 : ms < 100 ? 1 : 0)} ms`;
  };
}

/**
 * Renders one table as { md, text }; align: 'l' | 'r' per column (default:
 * first column left, the others right). A plain string in `rows` is a
 * full-width row (a warning): bold in markdown, printed as is in text.
 */
export function table(headers, rows, align) {
  const al = headers.map((_, i) => align?.[i] ?? (i === 0 ? 'l' : 'r'));
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  const md = [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${al.map((a) => (a === 'r' ? '---:' : ':---')).join(' | ')} |`,
    ...rows.map((r) =>
      typeof r === 'string' ? `| **${esc(r)}** |${' |'.repeat(headers.length - 1)}` : `| ${r.map(esc).join(' | ')} |`,
    ),
  ].join('\n');
  const cells = rows.filter((r) => typeof r !== 'string');
  const width = headers.map((h, i) => Math.max([...String(h)].length, ...cells.map((r) => [...String(r[i])].length)));
  const pad = (c, i) => {
    const s = String(c);
    const fill = ' '.repeat(width[i] - [...s].length);
    return al[i] === 'r' ? fill + s : s + fill;
  };
  const text = [
    headers.map(pad).join('  '),
    width.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => (typeof r === 'string' ? r : r.map(pad).join('  '))),
  ].join('\n');
  return { md, text };
}

// -------------------------------------------------------- run description --

/** The machine: "AMD EPYC, 2 cores, 23.5 GiB RAM, Linux 6.1 x64", or with `short` "AMD EPYC (2 cores), linux x64". */
export function describeMachine({ short = false } = {}) {
  const cpu = os.cpus();
  if (short) return `${cpu[0]?.model ?? 'unknown CPU'} (${cpu.length} cores), ${os.platform()} ${os.arch()}`;
  return `${cpu[0]?.model?.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`;
}

/** How the script was run: `node <flags> bench/<script>.mjs` (scriptUrl: the script's import.meta.url). */
export const commandLine = (scriptUrl) => `node ${[...process.execArgv, path.relative(ROOT, fileURLToPath(scriptUrl))].join(' ')}`;

/** "2026-11-23 18:59:20 UTC". */
export const utcStamp = (date = new Date()) => date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** Machine, command and time of this run (scriptUrl: the script's import.meta.url). */
export function runInfo(scriptUrl) {
  const now = new Date();
  return { machine: describeMachine(), command: commandLine(scriptUrl), now, stamp: utcStamp(now) };
}
const nodeLine = () => `Node ${process.version}, V8 ${process.versions.v8}`;
/** The run's bullet lines in RESULTS.md; `commandNote` follows the command. */
export const runMdLines = (info, commandNote = '') => [`- Machine: ${info.machine}`, `- ${nodeLine()}`, `- Command: \`${info.command}\`${commandNote}`];
/** The run's heading lines on stdout: "simdnn <title> benchmark — <ISO time>", machine and Node, command. */
export const runTextLines = (title, info) => [`simdnn ${title} benchmark — ${info.now.toISOString()}`, `${info.machine}; ${nodeLine()}`, `command: ${info.command}`];

/** The checkout: short HEAD, "(uncommitted changes)" when the tree is dirty, or "unknown". */
export function gitDescribe() {
  try {
    const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
    const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
    return head ? `${head}${dirty ? ' (uncommitted changes)' : ''}` : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The installed version of a package (from its own package.json), 'unknown' or 'not installed'. */
export function pkgVersion(name) {
  try {
    let dir = path.dirname(require.resolve(name));
    while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
    // Walk up to the package's own package.json (some have nested ones without a version).
    for (;;) {
      const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pj.name === name) return pj.version;
      const up = path.dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
      while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
    }
  } catch {
    return 'not installed';
  }
}

// ---------------------------------------------------------- TensorFlow.js --

/**
 * Prod mode, then the wasm backend (pointing tfjs-backend-wasm at its
 * package's .wasm files when Node does not find them by itself). With
 * `required`, a wasm backend that does not come up is an error. Returns
 * { wasmOk, simd, threads, useBackend }; wasm stays the active backend.
 */
export async function setupTfjs(tf, tfwasm, { required = true } = {}) {
  tf.enableProdMode(); // no debug checks / Node hints; also what a production user would run
  let wasmOk = false;
  try {
    wasmOk = await tf.setBackend('wasm');
  } catch {
    wasmOk = false;
  }
  if (!wasmOk) {
    const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    tfwasm.setWasmPaths(wasmDist + path.sep);
    wasmOk = await tf.setBackend('wasm');
  }
  if (required && !wasmOk) throw new Error('tfjs-backend-wasm failed to initialise');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  /** Makes `name` the active backend (a no-op when it already is). */
  async function useBackend(name) {
    if (tf.getBackend() === name) return;
    if (!(await tf.setBackend(name))) throw new Error(`tfjs: cannot set backend '${name}'`);
  }
  return { wasmOk, simd, threads, useBackend };
}

// -------------------------------------------------------------- RESULTS.md --

/**
 * bench/gemm.mjs: replaces everything above MARKER with `md` and keeps
 * whatever is below it (the other scripts' blocks, notes).
 */
export function writeResultsHead(md) {
  let tail = '\n';
  if (fs.existsSync(RESULTS)) {
    const old = fs.readFileSync(RESULTS, 'utf8');
    const at = old.indexOf(MARKER);
    if (at >= 0) tail = old.slice(at + MARKER.length);
  }
  fs.writeFileSync(RESULTS, `${md}\n${MARKER}${tail}`);
  log(`wrote ${path.relative(process.cwd(), RESULTS)}`);
}

/**
 * The other scripts: replaces only their own block, `<!-- name:begin -->`
 * `body` `<!-- name:end -->`, below MARKER, and leaves everything else alone.
 * The first time the block is appended at the end (after a new MARKER line if
 * the file has none yet). `label` names the block in the log line.
 */
export function writeResultsBlock(name, body, label = name) {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const md = `${begin}\n${body}\n${end}`;
  const old = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '';
  let next;
  const at = old.indexOf(MARKER);
  if (at < 0) {
    // No generated section yet: keep whatever is there and start the tail after a marker.
    next = `${old}${old && !old.endsWith('\n') ? '\n' : ''}${MARKER}\n\n${md}\n`;
  } else {
    const head = old.slice(0, at + MARKER.length);
    const tail = old.slice(at + MARKER.length);
    const b = tail.indexOf(begin);
    const e = tail.indexOf(end, b + 1);
    next = b >= 0 && e > b ? head + tail.slice(0, b) + md + tail.slice(e + end.length) : `${head}${tail.replace(/\s*$/, '')}\n\n${md}\n`;
  }
  fs.writeFileSync(RESULTS, next);
  log(`wrote the ${label} section of ${path.relative(process.cwd(), RESULTS)}`);
}
