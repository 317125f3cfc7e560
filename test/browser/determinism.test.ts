/**
 * Deterministic mode gives bit-identical results in Node and in headless
 * Chromium, and the ESM bundle loads and runs in a page served as static files
 * with nothing fetched but the bundle itself.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`;
 * .ci/run installs it). Without it the tests are skipped with one line saying
 * so, unless CI is set: then every test here fails (see ./chromium.ts).
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
import { CHROMIUM, CHROMIUM_ARGS, MISSING, skipBrowser } from './chromium.js';
import { PIPELINE_SRC, SEED, differences, expectNonTrivial, rebuild, type BuildName, type PipelineResult, type Simdnn } from '../runtime/pipeline.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

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
  if (skipBrowser) return;
  try {
    if (!existsSync(CHROMIUM)) {
      throw new Error(MISSING);
    }
    if (!existsSync(resolve(DIST, 'index.js'))) {
      throw new Error(`${resolve(DIST, 'index.js')} is missing: run \`npm run build\` first (npm test does)`);
    }
    await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
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

describe.skipIf(skipBrowser)('browser: Node and headless Chromium agree bit for bit', () => {
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
