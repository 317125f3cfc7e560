/**
 * simdnn in Chromium module workers under a strict Content Security Policy,
 * and as an app bundled by esbuild:
 *
 * - with `script-src 'self' 'wasm-unsafe-eval'` (no 'unsafe-eval', no inline
 *   script) a module worker importing dist/index.js runs the deterministic
 *   pipeline bit-identical to Node;
 * - without 'wasm-unsafe-eval', init() in the page and in the worker rejects
 *   with an InitError that names the CSP source to add (the import succeeds);
 * - an app (a worker importing 'simdnn' and the pipeline) bundled into one file
 *   by esbuild runs the pipeline in a worker under the strict CSP, same bits.
 *
 * Needs Chromium (see ./chromium.ts); builds on dist/ (`npm test` builds it).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'esbuild';
import * as simdnn from '../../src/index.js';
import { CHROMIUM, CHROMIUM_ARGS, MISSING, skipBrowser } from './chromium.js';
import { PIPELINE_SRC, SEED, differences, expectNonTrivial, rebuild, type BuildName, type PipelineResult } from '../runtime/pipeline.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const STRICT = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'";
const NO_WASM = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'";

/** The page script (inline scripts are refused by these policies): runs a worker and resolves with its answer. */
const PAGE_JS = `window.runWorker = (url, message) => new Promise((ok) => {
  const w = new Worker(url, { type: 'module' });
  w.onmessage = (e) => { ok(e.data); w.terminate(); };
  w.onerror = (e) => { ok({ workerError: String(e.message || e.type) }); w.terminate(); };
  w.postMessage(message);
});
window.initInPage = () => import('/index.js').then((nn) => nn.init().then((info) => ({ info }), (e) => ({ name: e.name, isInitError: e instanceof nn.InitError, message: e.message })));
window.pageReady = true;
`;

/** The worker: init() (its outcome reported), then the pipeline if asked. */
const workerSrc = (from: string) => `import * as nn from ${JSON.stringify(from)};
import { pipeline } from '/pipeline.js';
self.onmessage = async (e) => {
  const init = await nn.init().then((info) => ({ info }), (err) => ({ name: err.name, isInitError: err instanceof nn.InitError, message: err.message }));
  let result = null;
  if (e.data.build) result = await pipeline(nn, e.data.build, e.data.seed);
  self.postMessage({ init, result });
};
`;

const page = (csp: string) => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>simdnn ${csp}</title>
<script src="/page.js"></script></head><body></body></html>`;

let dir = '';
let server: Server | undefined;
let browser: Browser | undefined;
let origin = '';
let setupError: Error | undefined;
const requested: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (skipBrowser) return;
  try {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING);
    if (!existsSync(resolve(DIST, 'index.js'))) throw new Error(`${resolve(DIST, 'index.js')} is missing: run \`npm run build\` first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'simdnn-csp-'));
    writeFileSync(join(dir, 'pipeline.js'), `export const pipeline = ${PIPELINE_SRC};\n`);
    writeFileSync(join(dir, 'worker.js'), workerSrc('/index.js'));
    // The bundled app: the same worker importing the package by name, resolved and bundled by esbuild.
    writeFileSync(join(dir, 'app-worker.js'), workerSrc('simdnn').replace("'/pipeline.js'", "'./pipeline.js'"));
    await build({
      entryPoints: [join(dir, 'app-worker.js')], bundle: true, format: 'esm', target: 'es2022', outfile: join(dir, 'app.bundle.js'),
      alias: { simdnn: join(DIST, 'index.js') }, logLevel: 'silent',
    });
    const files: Record<string, { body: string | Buffer; type: string }> = {
      '/page.js': { body: PAGE_JS, type: 'text/javascript' },
      '/strict.html': { body: page(STRICT), type: 'text/html' },
      '/no-wasm.html': { body: page(NO_WASM), type: 'text/html' },
      '/pipeline.js': { body: readFileSync(join(dir, 'pipeline.js')), type: 'text/javascript' },
      '/worker.js': { body: readFileSync(join(dir, 'worker.js')), type: 'text/javascript' },
      '/app.bundle.js': { body: readFileSync(join(dir, 'app.bundle.js')), type: 'text/javascript' },
    };
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      // Every response carries the policy of its page: the page's own, or the one in its Referer (the page's scripts and workers).
      const fromNoWasm = url.pathname === '/no-wasm.html' || (req.headers.referer ?? '').includes('/no-wasm.html');
      const headers = { 'content-security-policy': fromNoWasm ? NO_WASM : STRICT, 'cache-control': 'no-store' };
      const known = files[url.pathname];
      if (known) {
        res.writeHead(200, { ...headers, 'content-type': `${known.type}; charset=utf-8` });
        res.end(known.body);
        return;
      }
      const file = resolve(DIST, '.' + decodeURIComponent(url.pathname));
      if (file.startsWith(DIST.endsWith(sep) ? DIST : DIST + sep) && existsSync(file) && /\.js$/.test(file)) {
        res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' });
        res.end(readFileSync(file));
        return;
      }
      res.writeHead(404, headers);
      res.end('not found');
    });
    await new Promise<void>((ok, fail) => {
      server!.once('error', fail);
      server!.listen(0, '127.0.0.1', () => ok());
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
  } catch (e) {
    setupError = e instanceof Error ? e : new Error(String(e));
  }
}, 60_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((ok) => server!.close(() => ok()));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}, 15_000);

async function open(path: string): Promise<Page> {
  if (setupError) throw setupError;
  const p = await browser!.newPage();
  p.on('request', (r) => requested.push(r.url()));
  p.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await p.goto(`${origin}${path}`, { waitUntil: 'load', timeout: 10_000 });
  await p.waitForFunction(() => (window as unknown as { pageReady?: boolean }).pageReady === true, undefined, { timeout: 10_000 });
  return p;
}

interface WorkerAnswer {
  init: { info?: { build: string }; name?: string; isInitError?: boolean; message?: string };
  result: PipelineResult | null;
  workerError?: string;
}

function inWorker(p: Page, url: string, build?: BuildName): Promise<WorkerAnswer> {
  return p.evaluate(
    ({ url, build, seed }) => (window as unknown as { runWorker: (u: string, m: unknown) => Promise<WorkerAnswer> }).runWorker(url, { build, seed }),
    { url, build, seed: SEED },
  );
}

function expectSameBits(out: PipelineResult, node: PipelineResult, name: string): void {
  expectNonTrivial(out);
  const diffs = differences(node, out, ['node', name]);
  expect(diffs, diffs.join('\n')).toEqual([]);
  expect(out.stages.map((s) => s.hash)).toEqual(node.stages.map((s) => s.hash));
}

describe.skipIf(skipBrowser)("Chromium module workers under a strict CSP, and an esbuild bundle", () => {
  it("with 'wasm-unsafe-eval': a module worker runs the pipeline bit-identical to Node", async () => {
    const p = await open('/strict.html');
    const node = await rebuild(PIPELINE_SRC)(simdnn, 'simd', SEED);
    const out = await inWorker(p, '/worker.js', 'simd');
    expect(out.workerError).toBeUndefined();
    expect(out.init.info?.build).toBe('relaxed');
    expectSameBits(out.result!, node, 'chromium worker');
    await p.close();
  }, 60_000);

  it("without 'wasm-unsafe-eval': the import works and init() rejects with an InitError naming the CSP source, in the page and in a worker", async () => {
    const p = await open('/no-wasm.html');
    const inPage = await p.evaluate(() => (window as unknown as { initInPage: () => Promise<WorkerAnswer['init']> }).initInPage());
    const inW = (await inWorker(p, '/worker.js')).init;
    for (const r of [inPage, inW]) {
      expect(r.name).toBe('InitError');
      expect(r.isInitError).toBe(true);
      expect(r.message).toMatch(/forbids compiling WebAssembly from bytes \(CompileError: .*wasm-unsafe-eval/);
      expect(r.message).toMatch(/add the CSP source 'wasm-unsafe-eval' to script-src/);
    }
    await p.close();
  }, 60_000);

  it('an app bundled by esbuild (one file) runs in a worker under the strict CSP with the same bits', async () => {
    const p = await open('/strict.html');
    const node = await rebuild(PIPELINE_SRC)(simdnn, 'scalar', SEED);
    const out = await inWorker(p, '/app.bundle.js', 'scalar');
    expect(out.workerError).toBeUndefined();
    expectSameBits(out.result!, node, 'esbuild bundle');
    expect(requested.filter((u) => u.includes('app.bundle.js')).length).toBe(1);
    expect(requested.every((u) => u.startsWith(origin) || u.startsWith('data:'))).toBe(true);
    await p.close();
  }, 60_000);
});
