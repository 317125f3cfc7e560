/**
 * The demo page (demo/) in headless Chromium, served by `npm run demo`'s own
 * server (scripts/demo.mjs) on a free port: every panel trains in its worker,
 * a "1" drawn with the mouse and a "7" drawn with a finger are recognised,
 * every picture and plot has content, and no request leaves the page's origin.
 * Screenshots go to build/demo-screenshots/.
 *
 * Needs Debian's Chromium at /usr/bin/chromium and a built dist/ (`npm test`
 * builds it). Without Chromium the tests are skipped with one line saying so,
 * unless CI is set: then every test here fails (see ./chromium.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { CHROMIUM, MISSING, skipBrowser } from './chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, 'build', 'demo-screenshots');

let server: ChildProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page | undefined;
let cdp: CDPSession | undefined;
let origin = '';
let setupError: Error | undefined;
const requested: string[] = []; // every URL the page and its workers asked for
const served: string[] = []; // every path the server answered (it logs them)
const pageErrors: string[] = [];

function ready(): Page {
  if (setupError) throw setupError;
  if (!page) throw new Error('browser page was not set up');
  return page;
}

/** Starts `node scripts/demo.mjs --port 0`; resolves to the URL it prints first. */
function startServer(): Promise<string> {
  server = spawn(process.execPath, ['scripts/demo.mjs', '--port', '0', '--no-build', '--log'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr!.on('data', (d) => (stderr += String(d)));
  const lines = createInterface({ input: server.stdout! });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the demo server printed no URL in 10 s: ${stderr}`)), 10_000);
    server!.once('exit', (code) => fail(new Error(`the demo server exited with code ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      if (line.startsWith('http://')) {
        clearTimeout(timer);
        ok(line.trim());
      } else {
        served.push(line.replace(/^GET /, ''));
      }
    });
  });
}

beforeAll(async () => {
  if (skipBrowser) return;
  try {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING);
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first (npm test does)');
    const url = await startServer();
    origin = new URL(url).origin;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
      timeout: 20_000,
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, hasTouch: true });
    // The context sees the workers' requests as well as the page's.
    context.on('request', (r) => requested.push(r.url()));
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    cdp = await context.newCDPSession(page);
    await page.goto(url, { waitUntil: 'load', timeout: 10_000 });
  } catch (e) {
    setupError = e instanceof Error ? e : new Error(String(e));
  }
}, 40_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    server?.kill();
  }
}, 15_000);

/** Waits until the element's data-state is `state`; fails with the panel's message otherwise (or at once on 'error'). */
async function waitForState(id: string, state: string, timeout: number): Promise<void> {
  const p = ready();
  await p
    .waitForFunction(
      ({ id, state }) => {
        const s = document.getElementById(id)?.dataset.state;
        return s === state || s === 'error';
      },
      { id, state },
      { timeout, polling: 50 },
    )
    .catch(() => undefined);
  const [actual, text] = await p.evaluate((id) => [document.getElementById(id)?.dataset.state, document.getElementById(id)?.textContent], id);
  expect(actual, `#${id}: ${text}; page errors: ${pageErrors.join('; ')}`).toBe(state);
}

/** Standard deviation of the luminance of a PNG (0-255): 0 for a blank picture. */
function pixelSpread(png: Buffer): number {
  const { data, width, height } = PNG.sync.read(png);
  let sum = 0;
  let sq = 0;
  const n = width * height;
  for (let i = 0; i < n; i++) {
    const y = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
    sum += y;
    sq += y * y;
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean));
}

/** Screenshots one element into build/demo-screenshots/<name>.png and returns its luminance spread. */
async function shot(selector: string, name: string): Promise<number> {
  const png = await ready().locator(selector).screenshot({ timeout: 5_000 });
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, `${name}.png`), png);
  return pixelSpread(png);
}

type Stroke = [number, number][]; // points as fractions of the pad's width and height

async function padPoints(stroke: Stroke): Promise<[number, number][]> {
  const pad = ready().locator('#pad');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  // Intermediate points every ~1/20 of the pad, as a real stroke sends them.
  const points: [number, number][] = [];
  for (let k = 0; k + 1 < stroke.length; k++) {
    const [[x0, y0], [x1, y1]] = [stroke[k], stroke[k + 1]];
    const steps = Math.max(2, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 20));
    for (let s = k === 0 ? 0 : 1; s <= steps; s++) points.push([x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps]);
  }
  return points.map(([x, y]) => [box.x + x * box.width, box.y + y * box.height]);
}

async function drawWithMouse(stroke: Stroke): Promise<void> {
  const p = ready();
  const points = await padPoints(stroke);
  await p.mouse.move(...points[0]);
  await p.mouse.down();
  for (const pt of points.slice(1)) await p.mouse.move(...pt);
  await p.mouse.up();
}

async function drawWithFinger(stroke: Stroke): Promise<void> {
  const points = await padPoints(stroke);
  const touch = ([x, y]: [number, number]) => [{ x, y, id: 1, radiusX: 2, radiusY: 2, force: 1 }];
  await cdp!.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: touch(points[0]) });
  for (const pt of points.slice(1)) await cdp!.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: touch(pt) });
  await cdp!.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

/** The class shown once the prediction for the current drawing has arrived. */
async function predictedClass(): Promise<{ predicted: string; adversarial: string; label: string }> {
  const p = ready();
  await p.waitForFunction(() => document.getElementById('prediction')?.dataset.class !== undefined, undefined, { timeout: 10_000 });
  // The drawing may have changed since that request: give the last one time to come back.
  await p.waitForTimeout(500);
  return p.evaluate(() => ({
    predicted: document.getElementById('prediction')!.dataset.class!,
    adversarial: document.getElementById('adversarial-label')!.dataset.class!,
    label: document.getElementById('adversarial-label')!.textContent!,
  }));
}

describe.skipIf(skipBrowser)('the demo page', () => {
  it('loads from the static server, starts its three workers and reports the engine', async () => {
    const p = ready();
    await waitForState('digits-status', 'ready', 20_000);
    await waitForState('hopfield-status', 'ready', 20_000);
    await waitForState('rbm-status', 'ready', 20_000);
    await waitForState('rnn-status', 'ready', 20_000);
    expect(await p.textContent('#backend')).toMatch(/^simdnn (relaxed|simd) build \(SIMD128 yes/);
  }, 60_000);

  it('trains every panel in its worker: the classifier reaches 85% with a live plot and filters', async () => {
    const p = ready();
    // Every message the panel shows, in order: the epochs must appear while it trains.
    await p.evaluate(() => {
      const el = document.getElementById('digits-status')!;
      const seen: string[] = ((window as unknown as { statuses: string[] }).statuses = []);
      new MutationObserver(() => seen.push(`${el.dataset.state}: ${el.textContent}`)).observe(el, { childList: true, characterData: true, subtree: true, attributes: true });
    });
    // Everything at once, as a curious user would: each panel has its own worker (or shares one that yields).
    await p.fill('#epochs', '6');
    await p.click('#train');
    await p.click('#recall');
    await p.fill('#rbm-epochs', '3');
    await p.click('#rbm-train');
    await p.fill('#rnn-epochs', '2');
    await p.click('#rnn-train');
    await waitForState('digits-status', 'trained', 40_000);
    // The plot is live: each epoch was reported while the network trained.
    const statuses = await p.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
    const epochs = statuses.filter((s) => /^training: Epoch \d+: test loss [\d.]+, test accuracy [\d.]+%$/.test(s));
    expect(new Set(epochs.map((s) => /Epoch (\d+)/.exec(s)![1])), statuses.join('\n')).toEqual(new Set(['1', '2', '3', '4', '5', '6']));
    expect(statuses.at(-1)).toMatch(/^trained: Trained in/);
    const text = (await p.textContent('#digits-status'))!;
    const accuracy = Number(/([\d.]+)% of the 500 test digits/.exec(text)?.[1]);
    console.log(`demo MLP: ${text}`);
    expect(accuracy).toBeGreaterThanOrEqual(85);
    expect(await shot('#train-plot', 'train-plot')).toBeGreaterThan(10);
    expect(await shot('#filters', 'filters')).toBeGreaterThan(20);
  }, 60_000);

  it('recognises a "1" drawn with the mouse and a "7" drawn with a finger, with saliency and FGSM pictures', async () => {
    const p = ready();
    await drawWithMouse([[0.52, 0.12], [0.48, 0.88]]);
    const one = await predictedClass();
    console.log(`demo: drew a 1, predicted ${one.predicted}; FGSM: ${one.label}`);
    expect(one.predicted).toBe('1');
    expect(one.adversarial).toMatch(/^\d$/);
    expect(await shot('#pad', 'pad-1')).toBeGreaterThan(20);
    expect(await shot('#input', 'input-1')).toBeGreaterThan(20);
    expect(await shot('#probs', 'probabilities-1')).toBeGreaterThan(10);
    expect(await shot('#saliency', 'saliency-1')).toBeGreaterThan(5);
    expect(await shot('#adversarial', 'fgsm-1')).toBeGreaterThan(20);

    await p.click('#clear');
    expect(await p.evaluate(() => document.getElementById('prediction')!.dataset.class)).toBeUndefined();
    await drawWithFinger([[0.22, 0.18], [0.78, 0.18], [0.45, 0.88]]);
    const seven = await predictedClass();
    console.log(`demo: drew a 7 by touch, predicted ${seven.predicted}; FGSM: ${seven.label}`);
    expect(seven.predicted).toBe('7');
    expect(await shot('#pad', 'pad-7')).toBeGreaterThan(20);
    expect(await shot('#saliency', 'saliency-7')).toBeGreaterThan(5);
  }, 40_000);

  it('the Hopfield network recalls the corrupted S, its energy plotted step by step', async () => {
    const p = ready();
    await waitForState('hopfield-status', 'done', 30_000);
    expect(await p.getAttribute('#hopfield-status', 'data-recalled')).toBe('S');
    expect(await p.textContent('#hopfield-status')).toMatch(/^Settled after \d+ flips on the stored S\.$/);
    expect(await shot('#hopfield-state', 'hopfield-state')).toBeGreaterThan(50);
    expect(await shot('#energy-plot', 'hopfield-energy')).toBeGreaterThan(10);
  }, 40_000);

  it('the RBM trains and draws its samples and filters; the LSTM invents names', async () => {
    const p = ready();
    await waitForState('rbm-status', 'done', 60_000);
    expect(await shot('#rbm-samples', 'rbm-samples')).toBeGreaterThan(20);
    expect(await shot('#rbm-filters', 'rbm-filters')).toBeGreaterThan(20);
    expect(await shot('#rbm-plot', 'rbm-plot')).toBeGreaterThan(10);

    await waitForState('rnn-status', 'trained', 60_000);
    const names = await p.$$eval('#rnn-names li', (items) => items.map((li) => li.textContent!));
    console.log(`demo LSTM: ${names.join(', ')}`);
    expect(names).toHaveLength(8);
    for (const name of names) expect(name).toMatch(/^[a-z]{1,16}$/);
    expect(await shot('#rnn-plot', 'rnn-plot')).toBeGreaterThan(10);
    // Names that continue a prefix.
    await p.fill('#prime', 'mar');
    const before = names.join();
    await p.click('#invent');
    await p.waitForFunction((before) => Array.from(document.querySelectorAll('#rnn-names li'), (li) => li.textContent).join() !== before, before, { timeout: 10_000 });
    const continued = await p.$$eval('#rnn-names li', (items) => items.map((li) => li.textContent!));
    expect(continued).toHaveLength(8);
    for (const name of continued) expect(name).toMatch(/^mar[a-z]*$/);

    await p.screenshot({ path: join(SHOTS, 'demo.png'), fullPage: true });
    expect(pixelSpread(await p.screenshot({ fullPage: true }))).toBeGreaterThan(20);
  }, 90_000);

  it('LeNet trains too, shows its eight 5x5 filters and reads the 7 still on the pad', async () => {
    const p = ready();
    await p.selectOption('#model', 'lenet');
    await p.fill('#epochs', '2');
    await p.click('#train');
    await waitForState('digits-status', 'trained', 40_000);
    const text = (await p.textContent('#digits-status'))!;
    console.log(`demo LeNet: ${text}`);
    expect(Number(/([\d.]+)% of the 500 test digits/.exec(text)?.[1])).toBeGreaterThanOrEqual(85);
    // Two rows of four 5x5 tiles with 1-pixel gaps.
    expect(await p.evaluate(() => [(document.getElementById('filters') as HTMLCanvasElement).width, (document.getElementById('filters') as HTMLCanvasElement).height])).toEqual([23, 11]);
    expect(await shot('#filters', 'filters-lenet')).toBeGreaterThan(20);
    // The new network predicts the drawing as soon as it is trained.
    await p.waitForFunction(() => document.getElementById('prediction')?.textContent?.startsWith('7'), undefined, { timeout: 10_000 });
  }, 60_000);

  it('nothing was fetched from another origin, and no error was reported', () => {
    ready();
    expect(pageErrors).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    const foreign = requested.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    // Only the page's folder and the built library were served, and the wasm was never fetched (it is embedded).
    expect(served.length).toBeGreaterThan(0);
    for (const path of served) expect(path).toMatch(/^\/(demo\/|dist\/[\w./-]+\.js$)/);
    expect(served).toContain('/demo/data/digits.bin.gz');
    expect(served).toContain('/dist/index.js');
  });
});
