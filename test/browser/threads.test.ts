/**
 * Threads in headless Chromium: in a module worker of a cross-origin
 * isolated page (COOP/COEP headers) `init({ threads: 2 })` starts a worker of
 * its own and gives the single-thread bits; without the headers, and on the
 * page's main thread, it falls back to one thread and says why.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it) and a
 * built dist/ (`npm test` builds it). Without Chromium the tests are skipped
 * with one line saying so, unless CI is set (see ./chromium.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { extname, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, skipBrowser } from './chromium.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

// The job both threads layouts run: a GEMM large enough to be split, then
// `info` and the result's bits, compared against one thread in the same place.
const JOB = `
async function job(nn) {
  const run = async (threads) => {
    const be = await nn.createBackend({ deterministic: true, seed: 1, threads });
    const m = 300, n = 200, k = 150;
    const a = be.alloc(m * k * 4), b = be.alloc(k * n * 4), c = be.alloc(m * n * 4);
    const f = be.f32();
    for (let i = 0; i < m * k; i++) f[(a >> 2) + i] = Math.sin(i);
    for (let i = 0; i < k * n; i++) f[(b >> 2) + i] = Math.cos(i);
    nn.kernels.gemm(be, { m, n, k, a, b, c });
    const out = Array.from(new Uint32Array(be.readF32(c, m * n).buffer));
    const info = be.info();
    be.dispose();
    return { info, out };
  };
  const one = await run(1);
  const two = await run(2);
  return { threads: two.info.threads, why: two.info.threadsUnavailable ?? null, same: one.out.every((v, i) => v === two.out[i]) };
}
`;

const WORKER = `import * as nn from './index.js';
${JOB}
job(nn).then((r) => postMessage(r), (e) => postMessage({ error: String(e && e.stack || e) }));
`;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>simdnn threads</title></head>
<body>
<script type="module">
import * as nn from './index.js';
${JOB}
window.inWorker = () => new Promise((ok) => { const w = new Worker('./worker.js', { type: 'module' }); w.onmessage = (e) => ok(e.data); w.onerror = (e) => ok({ error: e.message }); });
window.onMain = () => job(nn);
window.ready = true;
</script>
</body></html>
`;

const MIME: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.map': 'application/json', '.wasm': 'application/wasm' };
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

let server: Server | undefined;
let browser: Browser | undefined;
let origin = '';

beforeAll(async () => {
  if (skipBrowser) return;
  // /iso/... is served cross-origin isolated, /plain/... without the headers; both map to dist/.
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const [, mode, ...rest] = path.split('/');
    const headers = { 'cache-control': 'no-store', ...(mode === 'iso' ? ISOLATION : {}) };
    const file = rest.join('/');
    try {
      if (file === '' || file === 'index.html') {
        res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE);
        return;
      }
      if (file === 'worker.js') {
        res.writeHead(200, { ...headers, 'content-type': MIME['.js'] });
        res.end(WORKER);
        return;
      }
      const full = resolve(DIST, file);
      if (!full.startsWith(DIST.endsWith(sep) ? DIST : DIST + sep)) throw new Error('outside dist');
      const body = await readFile(full);
      res.writeHead(200, { ...headers, 'content-type': MIME[extname(full)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
});

async function open(mode: 'iso' | 'plain') {
  const page = await browser!.newPage();
  await page.goto(`${origin}/${mode}/`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, null, { timeout: 30_000 });
  return page;
}

describe.skipIf(skipBrowser)('threads in Chromium', () => {
  it('a module worker of a cross-origin isolated page runs 2 threads with the single-thread bits', async () => {
    const page = await open('iso');
    expect(await page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated)).toBe(true);
    const r = await page.evaluate(() => (window as unknown as { inWorker(): Promise<unknown> }).inWorker());
    expect(r).toEqual({ threads: 2, why: null, same: true });
    await page.close();
  }, 60_000);

  it("falls back to one thread on the page's main thread, and in a page that is not cross-origin isolated, saying why", async () => {
    const iso = await open('iso');
    const main = await iso.evaluate(() => (window as unknown as { onMain(): Promise<{ threads: number; why: string }> }).onMain());
    expect(main.threads).toBe(1);
    expect(main.why).toMatch(/main thread may not block.*Web Worker/);
    await iso.close();
    const plain = await open('plain');
    const r = await plain.evaluate(() => (window as unknown as { inWorker(): Promise<{ threads: number; why: string }> }).inWorker());
    expect(r.threads).toBe(1);
    expect(r.why).toMatch(/SharedArrayBuffer needs cross-origin isolation|not cross-origin isolated/);
    await plain.close();
  }, 60_000);
});
