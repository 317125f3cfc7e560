/**
 * Edge runtimes, each started by the test, run the deterministic pipeline
 * (test/runtime/pipeline.ts: train a CNN and a recurrent network, save the CNN
 * to a model file, load it, predict) and give the same bits as Node 20:
 *
 * - Cloudflare's workerd (npm `workerd`, the runtime under `wrangler dev`): the
 *   worker of test/runtime/workerd/, bundled by esbuild, with the .wasm files as
 *   wasm modules and init({ module }); init() from the embedded bytes is
 *   refused there and must say so with an InitError.
 * - Vercel's edge-runtime (npm `edge-runtime`), started in a Node 20 child
 *   process with simdnn as an esbuild IIFE: as Vercel deploys it (compiling wasm
 *   from bytes off: InitError, then init({ module }) with a module made in the
 *   host realm) and as the package's default (compiling allowed: the embedded
 *   bytes).
 *
 * The runtimes are pinned in runtimes/package.json (`npm test` installs them);
 * without them these tests fail, never skip. They bundle dist/index.js, so
 * build first (`npm test` does).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as simdnn from '../../src/index.js';
import { PIPELINE_SRC, SEED, differences, expectNonTrivial, rebuild, type BuildName, type PipelineResult } from './pipeline.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const RUNTIMES = join(ROOT, 'runtimes', 'node_modules');
const WORKERD = join(RUNTIMES, '.bin', 'workerd');
const EDGE_RUNTIME = join(RUNTIMES, 'edge-runtime');
const HERE = fileURLToPath(new URL('./workerd/', import.meta.url));
const BUILDS = ['simd', 'scalar'] as const;

let dir = '';
let reference: Record<BuildName, PipelineResult>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simdnn-edge-'));
  reference = {
    simd: await rebuild(PIPELINE_SRC)(simdnn, 'simd', SEED),
    scalar: await rebuild(PIPELINE_SRC)(simdnn, 'scalar', SEED),
  };
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectSameBits(out: PipelineResult, build: BuildName, name: string): void {
  expect(out.info).toMatchObject({ build, deterministic: true });
  expectNonTrivial(out);
  expect(out.stages.map((s) => s.name)).toContain('cnn loaded from the file: predict');
  const diffs = differences(reference[build], out, ['node 20', name]);
  expect(diffs, diffs.join('\n')).toEqual([]);
  expect(out.stages.map((s) => s.hash)).toEqual(reference[build].stages.map((s) => s.hash));
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

describe('Cloudflare workerd: a worker with init({ module }) agrees bit for bit with Node', () => {
  let proc: ChildProcess | undefined;
  let origin = '';
  let log = '';

  beforeAll(async () => {
    expect(existsSync(WORKERD), `${WORKERD} is missing: run node scripts/runtimes.mjs`).toBe(true);
    expect(existsSync(join(DIST, 'index.js')), 'dist/index.js is missing: run npm run build (npm test does)').toBe(true);
    const wd = join(dir, 'workerd');
    rmSync(wd, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', wd]);
    writeFileSync(join(wd, 'pipeline.mjs'), `export const pipeline = ${PIPELINE_SRC};\n`);
    copyFileSync(join(HERE, 'worker.mjs'), join(wd, 'worker.mjs'));
    copyFileSync(join(HERE, 'config.capnp'), join(wd, 'config.capnp'));
    for (const f of ['simdnn.wasm', 'simdnn-scalar.wasm']) copyFileSync(join(DIST, f), join(wd, f));
    // What wrangler does: bundle the worker, keep the .wasm imports as modules.
    await build({
      entryPoints: [join(wd, 'worker.mjs')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      outfile: join(wd, 'worker.bundle.mjs'),
      alias: { simdnn: join(DIST, 'index.js') },
      external: ['*.wasm'],
      logLevel: 'silent',
    });
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    proc = spawn(WORKERD, ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], { cwd: wd, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`workerd exited with ${proc.exitCode}:\n${log}`);
      const ok = await fetch(`${origin}/`).then(() => true, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`workerd did not listen within 20 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const version = await new Promise<string>((ok) => execFile(WORKERD, ['--version'], (_, out) => ok(String(out).trim())));
    console.log(`workerd: ${version}`);
  }, 60_000);

  afterAll(() => {
    proc?.kill('SIGTERM');
  });

  it('init() from the embedded bytes is refused with an InitError naming init({ module })', async () => {
    const res = (await (await fetch(`${origin}/forbidden`)).json()) as { name: string; isInitError: boolean; message: string };
    expect(res.name, log).toBe('InitError');
    expect(res.isInitError).toBe(true);
    expect(res.message).toMatch(/forbids compiling WebAssembly from bytes/);
    expect(res.message).toMatch(/init\(\{ module \}\)/);
  });

  it.each(BUILDS)("'%s' build through init({ module }): every stage is bit-identical to Node 20", async (build) => {
    const res = await fetch(`${origin}/pipeline?build=${build}&seed=${SEED}`);
    expect(res.status, log).toBe(200);
    const out = (await res.json()) as PipelineResult & { initInfo: { build: string } };
    expect(out.initInfo.build).toBe('simd');
    expectSameBits(out, build, 'workerd');
  }, 60_000);
});

describe("Vercel's edge-runtime: the embedded bytes, or init({ module }) where compiling is off", () => {
  let bundle = '';

  beforeAll(async () => {
    expect(existsSync(join(EDGE_RUNTIME, 'package.json')), `${EDGE_RUNTIME} is missing: run node scripts/runtimes.mjs`).toBe(true);
    bundle = join(dir, 'simdnn.iife.js');
    await build({ entryPoints: [join(DIST, 'index.js')], bundle: true, format: 'iife', globalName: 'simdnn', target: 'es2022', outfile: bundle, logLevel: 'silent' });
  }, 60_000);

  /** Runs the pipeline in an EdgeRuntime inside a Node 20 child process; one JSON line back. */
  function inEdgeRuntime(build: BuildName, wasmAllowed: boolean): Promise<{ forbidden: { name: string; message: string } | null; result: PipelineResult }> {
    const host = `
      const { EdgeRuntime } = require(${JSON.stringify(EDGE_RUNTIME)});
      const fs = require('node:fs');
      const runtime = new EdgeRuntime({ codeGeneration: { strings: false, wasm: ${wasmAllowed} } });
      runtime.evaluate(fs.readFileSync(${JSON.stringify(bundle)}, 'utf8'));
      // The host compiles the module, as Vercel's bundler does for '.wasm?module'.
      runtime.context.hostModule = new WebAssembly.Module(fs.readFileSync(${JSON.stringify(join(DIST, build === 'simd' ? 'simdnn.wasm' : 'simdnn-scalar.wasm'))}));
      const code = '(async () => {' +
        'const nn = simdnn; const pipeline = ' + ${JSON.stringify(PIPELINE_SRC)} + ';' +
        'const forbidden = ${wasmAllowed} ? null : await nn.init().then(() => null, (e) => ({ name: e.name, message: e.message }));' +
        'const lib = ${wasmAllowed} ? nn : { ...nn, createBackend: (o) => nn.createBackend({ ...o, module: hostModule }) };' +
        'const result = await pipeline(lib, ${JSON.stringify(build)}, ${SEED});' +
        'return JSON.stringify({ forbidden, result, edge: typeof EdgeRuntime });' +
      '})()';
      runtime.evaluate(code).then((s) => { console.log(s); }, (e) => { console.error(e); process.exit(1); });
    `;
    return new Promise((ok, fail) => {
      execFile(process.execPath, ['-e', host], { timeout: 60_000, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
        if (err) fail(new Error(`edge-runtime failed: ${err.message}\n${stderr}`));
        else ok(JSON.parse(stdout));
      });
    });
  }

  it.each(BUILDS)("as deployed (no compiling from bytes), '%s' build: InitError from init(), then init({ module }) bit-identical to Node 20", async (build) => {
    const { forbidden, result } = await inEdgeRuntime(build, false);
    expect(forbidden?.name).toBe('InitError');
    expect(forbidden?.message).toMatch(/forbids compiling WebAssembly from bytes \(CompileError: .*disallowed by embedder\)/);
    expectSameBits(result, build, 'edge-runtime');
  }, 60_000);

  it("with compiling allowed (the package's default), the embedded 'simd' build: bit-identical to Node 20", async () => {
    const { forbidden, result } = await inEdgeRuntime('simd', true);
    expect(forbidden).toBeNull();
    expectSameBits(result, 'simd', 'edge-runtime');
  }, 60_000);
});
