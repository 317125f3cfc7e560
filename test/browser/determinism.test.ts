/**
 * Deterministic mode gives bit-identical results in Node and in headless
 * Chromium, and the ESM bundle loads and runs in a page served as static files
 * with nothing fetched but the bundle itself.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`;
 * .ci/run installs it). Without it every test here fails: it is never skipped.
 * The browser runs dist/index.js, so build first (`npm test` does).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { extname, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import * as simdnn from '../../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const SEED = 20240607;

type Simdnn = typeof simdnn;
type BuildName = 'simd' | 'scalar';

/** One stage of the pipeline: its shape, the raw float32 bits, an FNV-1a hash of them and the first values. */
interface Stage {
  name: string;
  shape: number[];
  bits: number[];
  hash: string;
  first: number[];
}

interface PipelineResult {
  info: { build: string; simd: boolean; relaxedSimd: boolean; deterministic: boolean };
  stages: Stage[];
}

/**
 * The computation run on both sides. It is serialised with toString() and
 * rebuilt from that same text in Node and in the page, so it must use nothing
 * but its parameters and plain JavaScript (no imports, no closures).
 */
async function pipeline(nn: Simdnn, build: BuildName, seed: number): Promise<PipelineResult> {
  const be = await nn.createBackend({ build, deterministic: true, seed });
  try {
    const stages: Stage[] = [];
    const record = (name: string, t: ReturnType<Simdnn['tensor']>) => {
      const f = t.toFloat32Array();
      const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
      let h = 0x811c9dc5;
      for (let i = 0; i < u.length; i++) {
        for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((u[i] >>> s) & 0xff), 0x01000193) >>> 0;
      }
      stages.push({ name, shape: [...t.shape], bits: Array.from(u), hash: h.toString(16).padStart(8, '0'), first: Array.from(f.subarray(0, 4)) });
      return t;
    };
    // Inputs: explicit seeds, plus one draw from the backend's own seeded stream.
    const x = record('x = randomUniform [37,53]', nn.randomUniform([37, 53], -1, 1, 11, be));
    const w = record('w = randomNormal [53,29]', nn.randomNormal([53, 29], 0, 0.3, 12, be));
    const b = record('b = randomUniform [29]', nn.randomUniform([29], -0.5, 0.5, 13, be));
    const y = record('y = randomNormal [37,17]', nn.randomNormal([37, 17], 0, 1, 14, be));
    const z = record('z = randomUniform [29,17] (backend stream)', nn.randomUniform([29, 17], -2, 2, undefined, be));
    // Mixed pipeline.
    const h = record('h = matmul(x, w, bias b, tanh)', nn.matmul(x, w, { bias: b, activation: 'tanh' }));
    const g = record('g = gelu(h)', nn.gelu(h));
    const s = record('s = sigmoid(g)', nn.sigmoid(g));
    const sm = record('sm = softmax(s)', nn.softmax(s));
    const e = record('e = exp(g)', nn.exp(g));
    const l = record('l = log(sm)', nn.log(sm));
    const mt = record('mt = matmul(l^T, y)', nn.matmul(l, y, { transposeA: true }));
    const el = record('el = elu(mt)', nn.elu(mt));
    const r = record('r = relu(sub(mt, z))', nn.relu(nn.sub(mt, z)));
    const a = record('a = add(e, s)', nn.add(e, s));
    record('m = mul(a, sm)', nn.mul(a, sm));
    record('p = add(mul(el, z), r)', nn.add(nn.mul(el, z), r));
    record('q = matmul(x, transpose(w), transposeB, gelu)', nn.matmul(x, nn.transpose(w), { transposeB: true, activation: 'gelu' }));
    // A small CNN trained a few steps (every conv kernel path: implicit-GEMM forward, the in-place
    // filter gradient, dX by the flipped kernel ('same') and by col2im ('valid'), max pooling with
    // argmax, dropout), then predict (conv fused with max pooling).
    const { layers } = nn;
    const cnn = nn.sequential({
      seed,
      backend: be,
      layers: [
        layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [10, 9, 2] }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 8, kernelSize: 2, activation: 'relu' }),
        layers.conv2d({ filters: 5, kernelSize: 2, padding: 'same', activation: 'tanh' }),
        layers.dropout({ rate: 0.3 }),
        layers.flatten(),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    cnn.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const images = nn.randomUniform([12, 10, 9, 2], 0, 1, 15, be);
    const labels = Int32Array.from({ length: 12 }, (_, i) => (i * 7) % 3);
    for (let step = 0; step < 4; step++) cnn.trainOnBatch(images, labels);
    const weights = cnn.getWeightsFlat();
    record('cnn weights after 4 Adam steps', nn.tensor(weights, [weights.length], 'float32', be));
    record('cnn predict (conv fused with max pooling)', cnn.predict(images));
    cnn.dispose();
    // A recurrent network trained a few steps (embedding with a padding mask, a bidirectional LSTM,
    // a GRU, the gate kernels forward and backward through time), then predict.
    const rnn = nn.sequential({
      seed,
      backend: be,
      layers: [
        layers.embedding({ inputDim: 9, outputDim: 5, maskZero: true, inputShape: [7] }),
        layers.bidirectional({ layer: layers.lstm({ units: 6, returnSequences: true }) }),
        layers.gru({ units: 5, resetAfter: false, dropout: 0.2 }),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    rnn.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const ids = Float32Array.from({ length: 10 * 7 }, (_, i) => (i % 7 > 4 + (i % 3) ? 0 : 1 + ((i * 5) % 8)));
    const seqLabels = Int32Array.from({ length: 10 }, (_, i) => i % 3);
    for (let step = 0; step < 4; step++) rnn.trainOnBatch(ids, seqLabels);
    const rw = rnn.getWeightsFlat();
    record('rnn weights after 4 Adam steps', nn.tensor(rw, [rw.length], 'float32', be));
    record('rnn predict', rnn.predict(ids));
    rnn.dispose();
    return { info: be.info() as PipelineResult['info'], stages };
  } finally {
    be.dispose();
  }
}

const PIPELINE_SRC = pipeline.toString();
/** Rebuilds the pipeline from its source text (what the page gets too). */
const rebuild = (src: string) => (0, eval)(`(${src})`) as typeof pipeline;

/** Differences between two runs, stage by stage, naming the first differing element. */
function differences(node: PipelineResult, browser: PipelineResult, [nl, cl] = ['node', 'chromium']): string[] {
  const out: string[] = [];
  if (node.stages.length !== browser.stages.length) out.push(`stage count: ${nl} ${node.stages.length}, ${cl} ${browser.stages.length}`);
  for (let i = 0; i < Math.min(node.stages.length, browser.stages.length); i++) {
    const n = node.stages[i];
    const c = browser.stages[i];
    if (n.name !== c.name || n.shape.join() !== c.shape.join() || n.bits.length !== c.bits.length) {
      out.push(`${n.name}: shape [${n.shape}] vs ${c.name} [${c.shape}]`);
      continue;
    }
    const j = n.bits.findIndex((v, k) => v !== c.bits[k]);
    if (j >= 0) {
      const count = n.bits.filter((v, k) => v !== c.bits[k]).length;
      const f = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0];
      out.push(
        `${n.name}: ${count}/${n.bits.length} elements differ, first at ${j}: ` +
          `${nl} ${f(n.bits[j])} (0x${n.bits[j].toString(16)}) vs ${cl} ${f(c.bits[j])} (0x${c.bits[j].toString(16)})`,
      );
    }
  }
  return out;
}

/** Sanity: every stage is finite and not constant, so equality is not trivially true. */
function expectNonTrivial(r: PipelineResult): void {
  for (const s of r.stages) {
    const f = new Float32Array(new Uint32Array(s.bits).buffer);
    expect(f.every(Number.isFinite), `${s.name} has non-finite values`).toBe(true);
    expect(new Set(s.bits).size, `${s.name} is constant`).toBeGreaterThan(1);
  }
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>simdnn determinism</title></head>
<body>
<script type="module">
import * as nn from '/index.js';
window.simdnn = nn;
window.simdnnReady = true;
</script>
</body></html>
`;

const MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
};

let server: Server | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let origin = '';
let setupError: Error | undefined;
const served: string[] = []; // paths the server was asked for
const requested: string[] = []; // every URL the page requested, any origin
const pageErrors: string[] = [];

/** The page, or the reason there is none (so each test fails with it instead of being skipped). */
function ready(): Page {
  if (setupError) throw setupError;
  if (!page) throw new Error('browser page was not set up');
  return page;
}

async function startServer(): Promise<void> {
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    served.push(path);
    try {
      if (path === '/' || path === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(PAGE);
        return;
      }
      const file = resolve(DIST, '.' + path);
      if (!file.startsWith(DIST.endsWith(sep) ? DIST : DIST + sep)) throw new Error('outside dist');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((ok, fail) => {
    server!.once('error', fail);
    server!.listen(0, '127.0.0.1', () => ok());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  try {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: the browser tests need Debian's chromium package ` +
          '(apt-get install -y chromium; .ci/run installs it when the `chromium` command is missing)',
      );
    }
    if (!existsSync(resolve(DIST, 'index.js'))) {
      throw new Error(`${resolve(DIST, 'index.js')} is missing: run \`npm run build\` first (npm test does)`);
    }
    await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-quic', '--no-first-run', '--disable-sync',
      ],
      timeout: 20_000,
    });
    page = await browser.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith('data:')) requested.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 10_000 });
    await page
      .waitForFunction(() => (window as unknown as { simdnnReady?: boolean }).simdnnReady === true, undefined, { timeout: 10_000 })
      .catch((e: Error) => {
        throw new Error(`the page did not load /index.js: ${pageErrors.join('; ') || e.message}`);
      });
  } catch (e) {
    setupError = e instanceof Error ? e : new Error(String(e));
  }
}, 30_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((ok) => server!.close(() => ok()));
    }
  }
}, 15_000);

/** Runs the serialised pipeline in the page. */
function inBrowser(build: BuildName): Promise<PipelineResult> {
  return ready().evaluate(
    ({ src, build, seed }) => {
      const fn = (0, eval)(`(${src})`);
      return fn((window as unknown as { simdnn: unknown }).simdnn, build, seed);
    },
    { src: PIPELINE_SRC, build, seed: SEED },
  ) as Promise<PipelineResult>;
}

describe('browser: Node and headless Chromium agree bit for bit', () => {
  it('the bundle loads from static files and runs in the page; init reports the builds', async () => {
    const p = ready();
    const res = await p.evaluate(async () => {
      const nn = (window as unknown as { simdnn: Simdnn }).simdnn;
      const auto = await nn.init();
      const det = await nn.init({ deterministic: true, seed: 1 });
      const product = nn.matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]).array();
      return { auto, det, product, userAgent: navigator.userAgent };
    });
    console.log(`chromium: ${res.userAgent}\n  init(): ${JSON.stringify(res.auto)}\n  init({deterministic}): ${JSON.stringify(res.det)}`);
    expect(res.auto.simd).toBe(true);
    expect(res.auto.deterministic).toBe(false);
    // Chromium has shipped relaxed SIMD since 114: the default picks the FMA build.
    expect(res.auto.relaxedSimd).toBe(true);
    expect(res.auto.build).toBe('relaxed');
    expect(res.det).toMatchObject({ build: 'simd', simd: true, deterministic: true });
    expect(res.product).toEqual([[19, 22], [43, 50]]);
    expect(pageErrors).toEqual([]);
  });

  it.each(['simd', 'scalar'] as const)("'%s' build: every stage of a mixed pipeline is bit-identical", async (build) => {
    const node = await rebuild(PIPELINE_SRC)(simdnn, build, SEED);
    const chrome = await inBrowser(build);
    expect(node.info).toMatchObject({ build, deterministic: true });
    expect(chrome.info).toMatchObject({ build, deterministic: true });
    expectNonTrivial(node);
    const diffs = differences(node, chrome);
    expect(diffs, `Node (src/) vs Chromium (dist/index.js); if dist/ is stale, run npm run build\n${diffs.join('\n')}`).toEqual([]);
    expect(chrome.stages.map((s) => s.hash)).toEqual(node.stages.map((s) => s.hash));
  });

  it('deterministic SIMD128 and scalar builds agree with each other too', async () => {
    const [simd, scalar] = [await inBrowser('simd'), await inBrowser('scalar')];
    expect(differences(simd, scalar, ['simd', 'scalar'])).toEqual([]);
  });

  it('nothing was fetched but the page and the bundle', () => {
    ready();
    expect(pageErrors).toEqual([]);
    // The page, the entry, and the entry's shared chunk(s): JavaScript of the bundle only, no .wasm fetch.
    expect(served.slice(0, 2)).toEqual(['/', '/index.js']);
    expect(served.slice(2).every((p) => /^\/chunks\/[\w-]+\.js$/.test(p))).toBe(true);
    expect(requested).toEqual(served.map((p) => `${origin}${p}`));
  });
});
