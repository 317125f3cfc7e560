/**
 * The entry points and how init() fails where wasm cannot be compiled:
 * `simdnn/simd` embeds one build, `simdnn/slim` none (init({ module | bytes |
 * url })); a module from another realm is accepted; a runtime that forbids
 * compiling bytes (a vm context with wasm code generation off, which is V8's
 * embedder switch that Cloudflare Workers and CSP use too) or that has no
 * WebAssembly at all (node --jitless) gets an InitError naming the fix, and
 * importing the bundle never fails. The ESM and CJS copies share init state.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { AddressInfo } from 'node:net';
import * as full from '../../src/index.js';
import * as simd from '../../src/simd.js';
import * as slim from '../../src/slim.js';
import { InitError, ValueError } from '../../src/errors.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const wasm = (file: string) => readFileSync(join(DIST, file));

/** A WebAssembly.Module compiled in another realm (a fresh vm context). */
function foreignModule(bytes: Uint8Array): WebAssembly.Module {
  return vm.runInContext('new WebAssembly.Module(bytes)', vm.createContext({ bytes })) as WebAssembly.Module;
}

function node(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((ok) => {
    execFile(process.execPath, args, { timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      ok({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

describe('init({ module }) with a module of another realm', () => {
  it('is not an instance of this realm\'s WebAssembly.Module, and runs', async () => {
    const module = foreignModule(wasm('simdnn.wasm'));
    expect(module instanceof WebAssembly.Module).toBe(false);
    const be = await full.createBackend({ module, deterministic: true, seed: 3 });
    expect(be.info()).toMatchObject({ build: 'simd', deterministic: true });
    const a = full.tensor([[1, 2], [3, 4]], undefined, 'float32', be);
    expect(full.matmul(a, a).array()).toEqual([[7, 10], [15, 22]]);
    be.dispose();
    const sync = full.createBackendSync({ module: foreignModule(wasm('simdnn-scalar.wasm')) });
    expect(sync.info().build).toBe('scalar');
    sync.dispose();
  });

  it('refuses what is not a module, and a module that is not a simdnn build', async () => {
    await expect(full.createBackend({ module: {} as never })).rejects.toThrow(/module must be a WebAssembly.Module, got Object/);
    await expect(full.createBackend({ module: new Uint8Array(8) as never })).rejects.toThrow(ValueError);
    const empty = foreignModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    await expect(full.createBackend({ module: empty })).rejects.toThrow(ValueError);
    await expect(full.createBackend({ module: empty })).rejects.toThrow(/not a simdnn build \(it does not export build_kind and heap_base\)/);
  });

  it('takes one of module, bytes and url', async () => {
    const module = new WebAssembly.Module(wasm('simdnn.wasm'));
    await expect(full.createBackend({ module, bytes: wasm('simdnn.wasm') })).rejects.toThrow(/pass one of module, bytes and url, got module and bytes/);
    expect(() => full.createBackendSync({ url: 'http://127.0.0.1:1/x.wasm' })).toThrow(/url needs fetching/);
    await expect(full.createBackend({ bytes: 'abc' as never })).rejects.toThrow(/bytes must be an ArrayBuffer or a typed array, got "abc"/);
    await expect(full.createBackend({ bytes: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/the wasm bytes given did not compile: CompileError/);
  });
});

describe('simdnn/slim embeds no build', () => {
  let server: Server;
  let origin = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/simdnn-scalar.wasm') {
        res.writeHead(200, { 'content-type': 'application/wasm' });
        res.end(wasm('simdnn-scalar.wasm'));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('init() without a build says what to pass', async () => {
    await expect(slim.createBackend()).rejects.toThrow(InitError);
    await expect(slim.createBackend()).rejects.toThrow(/simdnn\/slim embeds no wasm build: pass one as init\(\{ module \}\)/);
    expect(() => slim.createBackendSync({ deterministic: true })).toThrow(/embeds no wasm build/);
  });

  it('runs the build given as module, bytes (Buffer, ArrayBuffer) or url, with the same bits', async () => {
    const ref = await full.createBackend({ build: 'simd', deterministic: true, seed: 7 });
    const want = Array.from(full.randomNormal([64], 0, 1, undefined, ref).toFloat32Array());
    const bytes = wasm('simdnn.wasm');
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    for (const opts of [{ module: new WebAssembly.Module(bytes) }, { bytes }, { bytes: ab }]) {
      const be = await slim.createBackend({ ...opts, deterministic: true, seed: 7 });
      expect(be.info()).toMatchObject({ build: 'simd', simd: true, deterministic: true });
      expect(Array.from(slim.randomNormal([64], 0, 1, undefined, be).toFloat32Array())).toEqual(want);
      be.dispose();
    }
    const fetched = await slim.createBackend({ url: `${origin}/simdnn-scalar.wasm` });
    expect(fetched.info().build).toBe('scalar');
    fetched.dispose();
    await expect(slim.createBackend({ url: new URL('/missing.wasm', origin) })).rejects.toThrow(/fetching http:\/\/127\.0\.0\.1:\d+\/missing\.wasm gave HTTP 404/);
    ref.dispose();
  });
});

describe('simdnn/simd embeds the SIMD128 build only', () => {
  it('init() picks it, deterministic or not, and refuses builds it lacks with the way out', async () => {
    const a = await simd.createBackend();
    expect(a.info()).toMatchObject({ build: 'simd', deterministic: true });
    a.dispose();
    await expect(simd.createBackend({ build: 'scalar' })).rejects.toThrow(/simdnn\/simd does not embed the 'scalar' build/);
    await expect(simd.createBackend({ build: 'relaxed' })).rejects.toThrow(/simdnn-relaxed\.wasm/);
    const b = await simd.createBackend({ bytes: wasm('simdnn-scalar.wasm') });
    expect(b.info().build).toBe('scalar');
    b.dispose();
    expect(simd.engineSupports('relaxed')).toBe(full.engineSupports('relaxed'));
  });
});

/** Loads dist/index.cjs into a vm context (its chunks through a small require), as code of that realm. */
function loadInContext(ctx: vm.Context): typeof full {
  const cache = new Map<string, unknown>();
  const load = (file: string): unknown => {
    if (cache.has(file)) return (cache.get(file) as { exports: unknown }).exports;
    const module = { exports: {} as unknown };
    cache.set(file, module);
    const fn = vm.runInContext(`(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`, ctx, { filename: file });
    fn(module.exports, (id: string) => load(join(dirname(file), id)), module);
    return module.exports;
  };
  return load(join(DIST, 'index.cjs')) as typeof full;
}

describe('where wasm cannot be compiled', () => {
  it('a realm that forbids compiling wasm (V8 embedder switch): import works, init() rejects with an InitError naming the fixes', async () => {
    const ctx = vm.createContext({ atob, console }, { codeGeneration: { wasm: false } });
    const nn = loadInContext(ctx);
    const err = (await nn.init().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(nn.InitError);
    expect(err.name).toBe('InitError');
    expect(err.message).toMatch(/forbids compiling WebAssembly from bytes \(CompileError: WebAssembly.compile\(\): Wasm code generation disallowed by embedder\)/);
    expect(err.message).toMatch(/init\(\{ module \}\)/);
    expect(err.message).toMatch(/'wasm-unsafe-eval'/);
    expect(() => nn.initSync()).toThrow(/forbids compiling WebAssembly/);
    // The way out works in the same realm: a module compiled where compiling is allowed.
    const info = await nn.init({ module: new WebAssembly.Module(wasm('simdnn.wasm')), deterministic: true });
    expect(info.build).toBe('simd');
    expect(nn.matmul([[1, 2]], [[3], [4]]).array()).toEqual([[11]]);
  });

  it('a runtime without WebAssembly (node --jitless): import works, init() rejects with an InitError', async () => {
    const script = `const nn = await import(${JSON.stringify(pathToFileURL(join(DIST, 'index.js')).href)});
      console.log(typeof WebAssembly, Object.keys(nn).length > 100);
      try { await nn.init(); } catch (e) { console.log(e.name, e instanceof nn.InitError, e.message); }
      try { nn.getBackend(); } catch (e) { console.log(e.name); }`;
    const r = await node(['--jitless', '--input-type=module', '-e', script]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('undefined true');
    expect(lines[1]).toMatch(/^InitError true simdnn: this JavaScript runtime has no WebAssembly/);
    expect(lines[2]).toBe('InitError');
  });
});

describe('the ESM and CJS copies share the default backend', () => {
  it('init() through one initialises the other (simdnn and simdnn/node, both formats, one process)', async () => {
    const script = `import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const esm = await import(${JSON.stringify(pathToFileURL(join(DIST, 'index.js')).href)});
      const cjs = require(${JSON.stringify(join(DIST, 'node.cjs'))});
      const slimCjs = require(${JSON.stringify(join(DIST, 'slim.cjs'))});
      let before; try { cjs.getBackend(); } catch (e) { before = e.name; }
      const info = await esm.init({ deterministic: true, seed: 5 });
      const out = {
        before,
        same: JSON.stringify(cjs.backendInfo()) === JSON.stringify(info) && JSON.stringify(slimCjs.backendInfo()) === JSON.stringify(info),
        product: cjs.matmul([[1, 2]], [[3], [4]]).array(),
        crossInstanceof: esm.tensor([1]) instanceof cjs.Tensor,
      };
      cjs.initSync({ build: 'scalar' });
      out.after = esm.backendInfo().build;
      console.log(JSON.stringify(out));`;
    const r = await node(['--input-type=module', '-e', script]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ before: 'InitError', same: true, product: [[11]], crossInstanceof: false, after: 'scalar' });
  });
});
